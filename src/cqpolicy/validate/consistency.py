"""Consistency between copies: the Parquet files against their CSV twins (``parquet-schema``,
``csv-parquet-drift``, ``parquet-unreadable``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cqpolicy.findings import Finding
from cqpolicy.package import schema_fields
from cqpolicy.validate.data import (
    PackageData,
    capped,
    key_text,
    new_finding,
    pair,
    plain,
)

if TYPE_CHECKING:
    import pandas as pd

# --- CSV and Parquet -------------------------------------------------------------------------------


def check_parquet(data: PackageData) -> list[Finding]:
    """Parquet files have the declared column types and descriptions and the rows of their CSV twins."""
    import pyarrow.parquet as pq

    out = []
    for table, resource in data.parquet_resources.items():
        name = str(resource.get("name"))
        path = data.files.get(name)
        if path is None or not path.is_file():
            continue
        try:
            schema = pq.read_schema(path)
        except Exception as error:  # pyarrow raises ArrowInvalid, OSError, ...: all mean unreadable
            if not any(f.resource == name for f in data.unreadable):
                out.append(
                    new_finding("parquet-unreadable", f"{resource.get('path')} cannot be read: {error}", name)
                )
            continue
        out.extend(_parquet_schema_problems(schema, resource, name))
        if table in data.parquet and table in data.csv:
            out.extend(_drift(data, table, data.csv[table], data.parquet[table], name))
    return out


def _parquet_schema_problems(schema: Any, resource: dict[str, Any], name: str) -> list[Finding]:
    import pyarrow as pa

    fields = schema_fields(resource)
    expected = [f["name"] for f in fields]
    if schema.names != expected:
        return [
            new_finding(
                "parquet-schema", f"{name}: its columns are {schema.names}, the schema says {expected}", name
            )
        ]
    out = []
    for spec in fields:
        arrow_field = schema.field(spec["name"])
        kind = spec.get("type")
        arrow_type = arrow_field.type
        enum = (spec.get("constraints") or {}).get("enum")
        ok = {
            "integer": pa.types.is_int64(arrow_type),
            "number": pa.types.is_float64(arrow_type),
            "boolean": pa.types.is_boolean(arrow_type),
            "date": pa.types.is_date32(arrow_type),
        }.get(
            str(kind),
            (pa.types.is_dictionary(arrow_type) and pa.types.is_string(arrow_type.value_type))
            if enum
            else pa.types.is_string(arrow_type),
        )
        if not ok:
            want = {
                "integer": "int64",
                "number": "double",
                "boolean": "bool",
                "date": "date32",
            }.get(str(kind), "dictionary<string>" if enum else "string")
            out.append(
                new_finding(
                    "parquet-schema",
                    f"{name}.{spec['name']} is {arrow_type} in Parquet; the schema's {kind} needs {want}",
                    name,
                    field=spec["name"],
                )
            )
        description = (arrow_field.metadata or {}).get(b"description", b"").decode("utf-8", "replace")
        if description != spec.get("description"):
            out.append(
                new_finding(
                    "parquet-schema",
                    f"{name}.{spec['name']}: the Parquet field description differs from the descriptor's",
                    name,
                    field=spec["name"],
                )
            )
    return out


def _drift(
    data: PackageData, table: str, left: pd.DataFrame, right: pd.DataFrame, name: str
) -> list[Finding]:
    """Rows present in one file only, and cells that differ, matched by primary key."""
    if left.equals(right):
        return []
    key = [k for k in data.primary_key(table) if k in left.columns]
    csv_name = data.csv_resources[table].get("path")
    if len(left) != len(right):
        counts = f"{csv_name} has {len(left)} rows, the Parquet file {len(right)}"
    else:
        counts = ""
    out = []
    if key:
        left_keys = list(left[key].astype(object).itertuples(index=False, name=None))
        right_keys = list(right[key].astype(object).itertuples(index=False, name=None))
        if left_keys != right_keys:
            only_csv = sorted(set(left_keys) - set(right_keys), key=str)
            only_parquet = sorted(set(right_keys) - set(left_keys), key=str)
            detail = []
            if only_csv:
                detail.append(f"keys only in the CSV: {_keys(only_csv)}")
            if only_parquet:
                detail.append(f"keys only in the Parquet file: {_keys(only_parquet)}")
            if not detail:
                detail.append("the same keys in a different order")
            return [
                new_finding(
                    "csv-parquet-drift",
                    f"{name}: {'; '.join([*([counts] if counts else []), *detail])}",
                    name,
                )
            ]
    elif counts:
        return [new_finding("csv-parquet-drift", f"{name}: {counts}", name)]
    for column in left.columns:
        a = left[column].astype(object)
        b = right[column].astype(object)
        differ = ~((a == b).fillna(False).astype(bool) | (a.isna() & b.isna()))
        rows = []
        for index in differ[differ].index:
            row = data.key_of(table, left, index)
            rows.append(
                new_finding(
                    "csv-parquet-drift",
                    f"{name} ({key_text(row)}), {column}: the CSV has "
                    f"{pair(plain(a[index]), plain(b[index]))[0]}, "
                    f"the Parquet file {pair(plain(a[index]), plain(b[index]))[1]}",
                    name,
                    row=row,
                    field=column,
                )
            )
        out.extend(capped(rows, name, f"differ in {column}"))
    return out


def _keys(keys: list[tuple[Any, ...]]) -> str:
    shown = ", ".join(str(k[0]) if len(k) == 1 else str(k) for k in keys[:10])
    return shown + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
