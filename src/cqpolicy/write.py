"""Write tables as CSV and Parquet, describe them in ``datapackage.json``, and commit atomically.

Output is deterministic: fixed column order, rows sorted by key, LF line ends,
no clock timestamps, JSON with sorted-free but fixed key order and
``ensure_ascii=False``. The package is written into a staging directory next to
its destination and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Row = dict[str, Any]

#: Columns whose values come from a code list: dictionary-encoded in Parquet.
DICTIONARY_COLUMNS = {"agency_type", "level", "role", "clause_match_method", "status"}


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_csv_value(text: str, kind: str) -> Any:
    """The inverse of what :func:`csv_bytes` writes: one cell back to the typed value the build holds.

    Raises:
        ValueError: the text is not a value of that Table Schema type as the build writes it.
    """
    if text == "":
        return None
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return text == "true"
    if kind == "date":
        return dt.date.fromisoformat(text)
    return text


def csv_bytes(rows: list[Row], fields: list[dict[str, Any]]) -> bytes:
    """Serialise rows as UTF-8 CSV without BOM, LF line ends, minimal quoting."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    names = [field["name"] for field in fields]
    writer.writerow(names)
    for row in rows:
        writer.writerow([_csv_value(row[name]) for name in names])
    return buffer.getvalue().encode("utf-8")


def _arrow_type(field: dict[str, Any]) -> Any:
    import pyarrow as pa

    kind = field["type"]
    if kind == "integer":
        return pa.int64()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "date":
        return pa.date32()
    if field["name"] in DICTIONARY_COLUMNS:
        return pa.dictionary(pa.int32(), pa.string())
    return pa.string()


def parquet_bytes(rows: list[Row], fields: list[dict[str, Any]], description: str) -> bytes:
    """Serialise rows as Parquet with declared types and field descriptions in the field metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_fields = []
    arrays = []
    for field in fields:
        arrow_type = _arrow_type(field)
        values = [row[field["name"]] for row in rows]
        if pa.types.is_dictionary(arrow_type):
            array = pa.array(values, type=pa.string()).dictionary_encode()
        else:
            array = pa.array(values, type=arrow_type)
        arrays.append(array)
        metadata = {b"description": field["description"].encode(), b"title": field["title"].encode()}
        nullable = not field.get("constraints", {}).get("required", False)
        arrow_fields.append(pa.field(field["name"], array.type, nullable=nullable, metadata=metadata))
    schema = pa.schema(arrow_fields, metadata={b"description": description.encode()})
    table = pa.Table.from_arrays(arrays, schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return sink.getvalue()


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def json_bytes(data: Any) -> bytes:
    """Human-readable JSON: two-space indent, Chinese kept as is, trailing newline."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@contextlib.contextmanager
def staging_directory(out: Path) -> Iterator[Path]:
    """A temporary directory beside ``out`` (same file system, so moves are renames), always removed."""
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".cqpolicy-build-", dir=out))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def commit_package(stage: Path, out: Path, entries: tuple[str, ...] = ("data", "datapackage.json")) -> None:
    """Move the staged entries into ``out``, replacing the old ones.

    Old entries are first renamed aside, then the new ones renamed in, then the
    old ones deleted; if a rename fails, what was moved is put back.
    """
    backup = Path(tempfile.mkdtemp(prefix=".cqpolicy-old-", dir=out))
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        for name in entries:
            if (out / name).exists():
                os.replace(out / name, backup / name)
                moved_aside.append(name)
        for name in entries:
            os.replace(stage / name, out / name)
            moved_in.append(name)
    except OSError:
        for name in moved_in:
            os.replace(out / name, stage / name)
        for name in moved_aside:
            os.replace(backup / name, out / name)
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)
