#!/usr/bin/env python3
"""Prints the expert lifecycle events on the registry topic (``moe.registry``), one per line.

Reads as ``registry tail`` does: ``isolation.level=read_committed`` (events of aborted
transactions never happened), from the beginning, every partition. Each value is Avro
single-object encoded: ``C3 01``, the writer schema's 8-byte little-endian CRC-64-AVRO
fingerprint, then the Avro binary body. The writer schema is picked by that fingerprint among
the project's ``.avsc`` files (current and history) and resolved to the current
``ExpertLifecycleEvent`` schema. Stops when caught up with the end offsets seen at start (unless
``--follow``), after ``--max-events`` events, or after ``--timeout`` seconds without a record.

Exit codes as the ``moe`` commands: 0 done, 1 the broker cannot be reached or read, 2 bad input.
"""

import argparse
import datetime
import io
import json
import logging
import os
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_SCHEMAS = [
    os.path.join(REPO, "schemas", "src", "main", "avro"),
    os.path.join(REPO, "schemas", "src", "test", "resources", "schemas", "history"),
]
MAGIC = b"\xc3\x01"
HEADER = 10
EVENT = "io.moestream.schemas.ExpertLifecycleEvent"


class BadInput(Exception):
    """A user error: exit 2."""


class Unreachable(Exception):
    """The broker cannot be reached or read: exit 1."""


def client_properties(path):
    """KEY=VALUE lines of a properties file (# comments, blank lines skipped); {} without one."""
    if path is None:
        return {}
    props = {}
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if "=" not in line:
                    raise BadInput(f"--config {path} line {n}: expected KEY=VALUE")
                key, value = line.split("=", 1)
                props[key.strip()] = value.strip()
    except OSError as e:
        raise BadInput(f"--config {path}: {e.strerror}")
    return props


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Print ExpertLifecycleEvents from the registry topic (read_committed)."
    )
    p.add_argument("--bootstrap-servers", default="localhost:9092", metavar="HOST:PORT")
    p.add_argument("--topic", default="moe.registry", help="registry topic (default: %(default)s)")
    p.add_argument(
        "--schemas",
        nargs="+",
        default=DEFAULT_SCHEMAS,
        metavar="DIR",
        help="directories searched for .avsc files (default: the repository's schemas and history)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line instead of text")
    p.add_argument("--model-id", metavar="ID", help="only events of this model")
    p.add_argument("--max-events", type=int, metavar="N", help="stop after printing N events")
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="stop after this many seconds without a new record (default: %(default)s)",
    )
    p.add_argument("--follow", action="store_true", help="keep waiting for new events")
    p.add_argument(
        "--config",
        metavar="FILE",
        help="librdkafka client properties, one KEY=VALUE per line (security.protocol, sasl.*,"
        " ssl.*), as the Java commands take --kafka-config",
    )
    a = p.parse_args(argv)
    if a.max_events is not None and a.max_events < 1:
        raise BadInput(f"--max-events must be >= 1, got {a.max_events}")
    if a.timeout <= 0:
        raise BadInput(f"--timeout must be > 0, got {a.timeout}")
    return a


class EventDecoder:
    """Strips the single-object header and decodes the body with the writer schema it names."""

    def __init__(self, schema_dirs):
        import avro.io
        from avro_fingerprint import load_schemas

        try:
            self.writers = load_schemas(schema_dirs)
        except (OSError, ValueError) as e:
            raise BadInput(f"cannot read the schemas: {e}") from e
        readers = [s for s in self.writers.values() if s.fullname == EVENT]
        if not readers:
            raise BadInput(f"no {EVENT} schema in {', '.join(schema_dirs)}")
        # The first directory's schema is the current one (load_schemas keeps the first seen).
        self.reader = readers[0]
        self._io = avro.io

    def decode(self, value: bytes) -> dict:
        if len(value) < HEADER or value[:2] != MAGIC:
            raise ValueError("not Avro single-object encoded (no C3 01 header)")
        fp = value[2:HEADER]
        writer = self.writers.get(fp)
        if writer is None:
            raise ValueError(f"unknown writer schema fingerprint {fp.hex()}")
        if writer.fullname != EVENT:
            raise ValueError(f"a {writer.fullname} record, not an {EVENT}")
        datum_reader = self._io.DatumReader(writer, self.reader)
        return datum_reader.read(self._io.BinaryDecoder(io.BytesIO(value[HEADER:])))


def instant(value) -> str:
    """An event time as Java's Instant.toString() prints it (what ``registry tail`` shows)."""
    if value is None:
        return None
    if isinstance(value, int):  # a reader without logical types
        value = datetime.datetime.fromtimestamp(value / 1000, datetime.timezone.utc)
    value = value.astimezone(datetime.timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    ms = value.microsecond // 1000
    return text + (f".{ms:03d}Z" if ms else "Z")


def as_json(e: dict) -> str:
    keys = [
        "eventId", "modelId", "layer", "slot", "kind", "step", "eventTime", "activeAfter",
        "windowTokens", "unroutedTokens", "activations", "initialisedFrom", "threshold",
        "direction", "configHash", "stage", "triggerShare",
    ]
    out = {k: e.get(k) for k in keys}
    out["eventTime"] = instant(e.get("eventTime"))
    return json.dumps(out)


def as_text(e: dict) -> str:
    head = f"[{e['modelId']}/{e['layer']}/{e['slot']}] {e['kind']} step={e['step']}"
    at = instant(e.get("eventTime"))
    if e["kind"] == "STAGE_CHANGED":
        return f"{head} stage={e.get('stage')} at={at}"
    line = (
        f"{head} active={e['activeAfter']} window(tokens={e['windowTokens']},"
        f" unrouted={e['unroutedTokens']})"
    )
    if e.get("triggerShare") is not None:  # absent in events written before schema v3
        line += f" share={e['triggerShare']:.4f}"
    if e["kind"] == "SPAWNED":
        frm = "random" if e["initialisedFrom"] < 0 else e["initialisedFrom"]
        line += f" from={frm}"
        if e.get("threshold") is not None:
            line += f" threshold={e['threshold']:#.4g}"  # as Java %.4g: keeps zeros
    else:
        line += f" activations={e['activations']}"
    return f"{line} at={at}"


def consume(a, decoder, out=sys.stdout, err=sys.stderr) -> int:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition

    errors = []  # librdkafka's own errors: the innermost cause of a failure
    quiet = logging.getLogger("registry_consumer.librdkafka")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False  # its log lines would repeat, unasked, what the error line says
    consumer = Consumer(
        {
            **client_properties(a.config),
            "bootstrap.servers": a.bootstrap_servers,
            # A throw-away group: this reader commits nothing and always starts at the beginning.
            "group.id": f"moe-registry-python-{uuid.uuid4()}",
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
            "error_cb": lambda e: errors.append(e.str()),
            "logger": quiet,
        }
    )
    try:
        try:
            meta = consumer.list_topics(a.topic, timeout=a.timeout)
        except KafkaException as e:
            consumer.poll(0.1)  # serves the error callbacks: they hold the cause
            cause = errors[0] if errors else e.args[0].str()
            raise Unreachable(f"cannot reach {a.bootstrap_servers}: {cause}") from e
        topic = meta.topics.get(a.topic)
        if topic is None or topic.error is not None or not topic.partitions:
            reason = topic.error.str() if topic is not None and topic.error else "no partitions"
            raise BadInput(f"topic {a.topic} cannot be read: {reason}")
        parts = [TopicPartition(a.topic, p, OFFSET_BEGINNING) for p in sorted(topic.partitions)]
        # Caught up = every partition's position has reached its end offset at start.
        ends = {}
        for tp in parts:
            _, high = consumer.get_watermark_offsets(tp, timeout=a.timeout)
            ends[tp.partition] = high
        consumer.assign(parts)
        positions = {p: 0 for p in ends}
        printed = 0
        idle_since = time.monotonic()
        while True:
            if not a.follow and all(positions[p] >= ends[p] for p in ends):
                return 0
            if time.monotonic() - idle_since > a.timeout:
                return 0
            msg = consumer.poll(0.5)
            if msg is None:
                for tp in consumer.position(parts):
                    if tp.offset >= 0:
                        positions[tp.partition] = tp.offset
                continue
            if msg.error() is not None:
                raise Unreachable(f"reading {a.topic}: {msg.error().str()}")
            idle_since = time.monotonic()
            positions[msg.partition()] = msg.offset() + 1
            if msg.value() is None:
                continue  # a tombstone: compaction's way to forget a key, not an event
            try:
                event = decoder.decode(msg.value())
            except Exception as e:  # one bad record must not hide the rest of the history
                print(
                    f"warning: skipped record at {a.topic}/{msg.partition()}@{msg.offset()}: {e}",
                    file=err,
                    flush=True,
                )
                continue
            if a.model_id is not None and event["modelId"] != a.model_id:
                continue
            print(as_json(event) if a.json else as_text(event), file=out, flush=True)
            printed += 1
            if a.max_events is not None and printed >= a.max_events:
                return 0
    finally:
        consumer.close()


def main(argv=None) -> int:
    sys.path.insert(0, HERE)
    try:
        a = parse_args(argv)
        decoder = EventDecoder(a.schemas)
        return consume(a, decoder)
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Unreachable as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # one line, never only a stack trace
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
