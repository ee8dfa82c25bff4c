"""CRC-64-AVRO fingerprints of Avro schemas, and the table of writer schemas a reader knows.

The Avro single-object encoding (the registry topic's values) starts with C3 01 and the writer
schema's 8-byte little-endian CRC-64-AVRO fingerprint of its Parsing Canonical Form. Both are
implemented here from the Avro specification ("Parsing Canonical Form for Schemas" and "Schema
Fingerprints"), because Debian 12's python3-avro (1.11.1) cannot be used for either:

- it has no fingerprint function (``Schema.fingerprint`` came in a later release);
- its ``Schema.canonical_form`` is wrong for a primitive with a logical type: it writes
  ``{"type":"long"}`` where the spec's [PRIMITIVES] rule (and Java's
  ``SchemaNormalization.toParsingForm``, which the producers use) write ``"long"``, so the
  ``eventTime`` field (timestamp-millis) would give ExpertLifecycleEvent a fingerprint no
  producer writes.

python3-avro still parses the schemas and decodes the bodies.
"""

import glob
import json
import os

import avro.schema

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
NAMED = {"record", "error", "enum", "fixed"}
_ORDER = ["name", "type", "fields", "symbols", "items", "values", "size"]

EMPTY = 0xC15D213AA4D7A795  # the spec's EMPTY: the fingerprint of no bytes
_MASK = 0xFFFFFFFFFFFFFFFF


def _table():
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (EMPTY & -(fp & 1) & _MASK)
        table.append(fp)
    return table


_TABLE = _table()


def crc64_avro(data: bytes) -> int:
    """The spec's ``fingerprint64(buf)``: a 64-bit unsigned int."""
    fp = EMPTY
    for b in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return fp


def _fullname(name, namespace):
    if "." in name or not namespace:
        return name
    return f"{namespace}.{name}"


def _canonical(schema, namespace, seen):
    """The spec's transformation on parsed JSON: [PRIMITIVES] [FULLNAMES] [STRIP] [ORDER]."""
    if isinstance(schema, list):  # a union
        return [_canonical(s, namespace, seen) for s in schema]
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return schema
        return _fullname(schema, namespace)  # a reference to a named type
    kind = schema["type"]
    if isinstance(kind, (dict, list)) or (isinstance(kind, str) and kind not in PRIMITIVES
                                          and kind not in NAMED and kind not in ("array", "map")):
        return _canonical(kind, namespace, seen)  # {"type": <schema>} is that schema
    if kind in PRIMITIVES:
        return kind  # [PRIMITIVES], also with logicalType and other attributes
    out = {"type": kind}
    if kind in NAMED:
        name = _fullname(schema["name"], schema.get("namespace", namespace))
        if name in seen:
            return name  # a named type is written in full once, then by name
        seen.add(name)
        out["name"] = name
        namespace = name.rpartition(".")[0]
        if kind in ("record", "error"):
            out["fields"] = [
                {"name": f["name"], "type": _canonical(f["type"], namespace, seen)}
                for f in schema["fields"]
            ]
        elif kind == "enum":
            out["symbols"] = list(schema["symbols"])
        else:
            out["size"] = int(schema["size"])
    elif kind == "array":
        out["items"] = _canonical(schema["items"], namespace, seen)
    else:
        out["values"] = _canonical(schema["values"], namespace, seen)
    return {k: out[k] for k in _ORDER if k in out}


def canonical_form(schema_json) -> str:
    """Parsing Canonical Form of a schema given as parsed JSON (dict, list or str)."""
    form = _canonical(schema_json, "", set())
    # [STRINGS] UTF-8, not escapes; [WHITESPACE] none outside strings.
    return json.dumps(form, separators=(",", ":"), ensure_ascii=False)


def fingerprint(schema_json) -> bytes:
    """The 8 bytes the single-object header carries: CRC-64-AVRO of the canonical form, LE."""
    return crc64_avro(canonical_form(schema_json).encode("utf-8")).to_bytes(8, "little")


def load_schemas(dirs):
    """Every ``*.avsc`` under ``dirs`` (recursively) by fingerprint: {fingerprint: schema}.

    Pass the current schemas and their history (older versions), so records that an older
    producer wrote are recognised too.
    """
    found = {}
    for d in dirs:
        if not os.path.isdir(d):
            raise FileNotFoundError(f"no schema directory {d}")
        for path in sorted(glob.glob(os.path.join(d, "**", "*.avsc"), recursive=True)):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            found.setdefault(fingerprint(json.loads(text)), avro.schema.parse(text))
    return found
