"""Unit tests of the helpers (run by PythonExamplesITCase, or: python3 -m unittest test_examples).

The fingerprint of "int" was computed independently with Java's
``org.apache.avro.SchemaNormalization.parsingFingerprint64`` (Avro 1.12.2, the producers' library);
the repository's schemas are checked end to end against records Java wrote
(DefaultSizeEndToEndITCase).
"""

import json
import os
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import avro_fingerprint as fp  # noqa: E402
import safetensors_reader  # noqa: E402


class FingerprintTest(unittest.TestCase):
    def test_a_primitive_matches_java(self):
        self.assertEqual(fp.fingerprint("int").hex(), "8f5c393f1ad57572")
        self.assertEqual(fp.fingerprint({"type": "int"}), fp.fingerprint("int"))

    def test_a_logical_type_keeps_the_primitives_simple_form(self):
        # python3-avro 1.11.1 writes {"type":"long"} here; the spec and Java write "long".
        self.assertEqual(
            fp.canonical_form({"type": "long", "logicalType": "timestamp-millis"}), '"long"'
        )

    def test_names_are_full_attributes_stripped_and_ordered(self):
        schema = {
            "type": "record",
            "namespace": "a.b",
            "name": "R",
            "doc": "gone",
            "fields": [
                {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["X"]},
                 "default": "X", "doc": "gone"},
                {"name": "again", "type": "E"},
                {"name": "m", "type": {"type": "map", "values": ["null", "a.b.E"]}},
                {"name": "f", "type": {"type": "fixed", "name": "c.F", "size": 4}},
            ],
        }
        self.assertEqual(
            fp.canonical_form(schema),
            '{"name":"a.b.R","type":"record","fields":['
            '{"name":"e","type":{"name":"a.b.E","type":"enum","symbols":["X"]}},'
            '{"name":"again","type":"a.b.E"},'
            '{"name":"m","type":{"type":"map","values":["null","a.b.E"]}},'
            '{"name":"f","type":{"name":"c.F","type":"fixed","size":4}}]}',
        )


class SafetensorsReaderTest(unittest.TestCase):
    def write(self, header, data):
        text = json.dumps(header).encode()
        text += b" " * (-len(text) % 8)
        f = tempfile.NamedTemporaryFile(suffix=".safetensors", delete=False)
        f.write(struct.pack("<Q", len(text)) + text + data)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_reads_names_shapes_values_and_metadata(self):
        data = struct.pack("<6f", 1, 2, 3, 4, 5, 6) + struct.pack("<2f", -1, 0.5)
        path = self.write(
            {
                "__metadata__": {"format": "pt"},
                "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                "b": {"dtype": "F32", "shape": [2], "data_offsets": [24, 32]},
            },
            data,
        )
        tensors, meta = safetensors_reader.read(path)
        self.assertEqual(meta, {"format": "pt"})
        self.assertTrue(torch.equal(tensors["w"], torch.tensor([[1.0, 2, 3], [4, 5, 6]])))
        self.assertTrue(torch.equal(tensors["b"], torch.tensor([-1.0, 0.5])))

    def test_refuses_offsets_outside_the_file_or_of_the_wrong_size(self):
        for offsets in ([0, 32], [4, 12], [0, 4]):
            path = self.write({"w": {"dtype": "F32", "shape": [2], "data_offsets": offsets}},
                              b"\0" * 8)
            with self.assertRaises(safetensors_reader.SafetensorsError):
                safetensors_reader.read(path)

    def test_refuses_a_header_longer_than_the_file(self):
        f = tempfile.NamedTemporaryFile(delete=False)
        f.write(struct.pack("<Q", 1000) + b"{}")
        f.close()
        self.addCleanup(os.unlink, f.name)
        with self.assertRaisesRegex(safetensors_reader.SafetensorsError, "exceeds the file"):
            safetensors_reader.read(f.name)


if __name__ == "__main__":
    unittest.main()
