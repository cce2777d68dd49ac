"""Serialise tables as CSV, Parquet and JSON, byte for byte the same on every run.

Output is deterministic: fixed column order, rows sorted by key, LF line ends,
no clock timestamps, JSON with sorted-free but fixed key order and
``ensure_ascii=False``. Moving files into place is :mod:`cqpolicy.atomic`'s job.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from typing import Any

Row = dict[str, Any]

#: Columns whose values come from a code list: dictionary-encoded in Parquet.
DICTIONARY_COLUMNS = {"agency_type", "level", "role", "role_source", "clause_match_method", "status"}


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
