"""Reads a ``.safetensors`` file with the standard library and ``torch.frombuffer``.

The ``safetensors`` package is not in Debian 12 (and this project's machines reach no other
package index), so the layout is parsed by hand, as its specification (and this project's README,
"Snapshots") describes it: an unsigned 64-bit little-endian header length N, N bytes of JSON
(``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}``), then
the data section; offsets are relative to the data section's start, data is little-endian and
row-major. Every offset is checked against the file before a tensor is built.
"""

import json
import struct
import sys

import torch

DTYPES = {
    "F64": (torch.float64, 8),
    "F32": (torch.float32, 4),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "I64": (torch.int64, 8),
    "I32": (torch.int32, 4),
    "I16": (torch.int16, 2),
    "I8": (torch.int8, 1),
    "U8": (torch.uint8, 1),
    "BOOL": (torch.bool, 1),
}


class SafetensorsError(ValueError):
    """The file is not a well-formed safetensors file."""


def read(path):
    """Returns ``(tensors, metadata)``: {name: tensor} (each owning its memory) and the metadata."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if len(data) < 8:
        raise SafetensorsError(f"{path}: {len(data)} bytes, too short for a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise SafetensorsError(f"{path}: header length {n} exceeds the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{path}: header is not JSON: {e}") from e
    start = 8 + n
    size = len(data) - start
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, t in header.items():
        if t.get("dtype") not in DTYPES:
            raise SafetensorsError(f"{path}: {name} has unsupported dtype {t.get('dtype')}")
        dtype, width = DTYPES[t["dtype"]]
        shape = [int(s) for s in t["shape"]]
        count = 1
        for s in shape:
            count *= s
        begin, end = (int(x) for x in t["data_offsets"])
        if not 0 <= begin <= end <= size or end - begin != count * width:
            raise SafetensorsError(
                f"{path}: {name} has offsets [{begin}, {end}) that do not hold {shape} {t['dtype']}"
            )
        flat = torch.frombuffer(data, dtype=dtype, count=count, offset=start + begin)
        if sys.byteorder != "little" and width > 1:
            flat = torch.from_numpy(flat.numpy().byteswap())
        tensors[name] = flat.reshape(shape).clone()
    return tensors, metadata
