#!/usr/bin/env python3
"""Concatenate whole Java source files verbatim, in byte-wise sorted path order, until the next
file would exceed MAX_BYTES. Files are written back to back with nothing added in between.
Usage: concat_sources.py SRC_ROOT PACKAGE_DIR MAX_BYTES EXCLUDED_FILE... > out.txt
Prints the included paths to stderr."""
import os, sys

root, pkg, max_bytes, excluded = sys.argv[1], sys.argv[2], int(sys.argv[3]), set(sys.argv[4:])
names = sorted(n for n in os.listdir(os.path.join(root, pkg)) if n.endswith(".java") and n not in excluded)
out, size = sys.stdout.buffer, 0
for n in names:
    data = open(os.path.join(root, pkg, n), "rb").read()
    data.decode("utf-8")  # fail loudly on non-UTF-8
    if size + len(data) > max_bytes:
        break
    out.write(data)
    size += len(data)
    sys.stderr.write(f"{pkg}/{n}\n")
