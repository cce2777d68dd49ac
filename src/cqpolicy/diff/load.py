"""Read a package directory into the plain rows the diff compares.

Opening the package, checking its paths and reading its descriptor are
:mod:`cqpolicy.publish.package`'s job. The rows themselves are read here with the
standard library's :mod:`csv` module, typed from the Table Schema the same way
:func:`cqpolicy.package.load_tables` types them (a test checks that both give the
same values for the shipped package): going through pandas would cost ``cqpolicy
diff`` about a second of imports and per-column conversions, several times the
whole comparison, and the issue's budget is 1.5 times ``import pandas, pyarrow``.
Values are plain Python: ``int``, ``float``, ``bool``, ``str``, dates as ISO
strings, ``None`` for missing.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cqpolicy.diff.compare import ForeignKey, PackageData, Table
from cqpolicy.diff.model import Side
from cqpolicy.errors import InputError
from cqpolicy.keys import REFUSAL, key_problem
from cqpolicy.package import (
    check_descriptor_paths,
    read_descriptor,
    resolve_resource_path,
    schema_fields,
    table_resources,
)

_INTEGER = re.compile(r"^[+-]?\d+$")


def load_package_data(root: Path, side: Side) -> PackageData:
    """Read the descriptor and every CSV table of the package in ``root``.

    Args:
        root: The package directory (from :func:`cqpolicy.package.open_package`).
        side: What the package is, as the user named it; version and document number are filled in.

    Raises:
        InputError: the descriptor or a table cannot be read (exit code 2).
    """
    descriptor = read_descriptor(root)
    check_descriptor_paths(root, descriptor)
    tables: dict[str, Table] = {}
    for name, resource in table_resources(descriptor, "csv").items():
        columns = tuple(field["name"] for field in schema_fields(resource))
        schema = resource.get("schema") or {}
        tables[name] = Table(
            name=name,
            columns=columns,
            key=_names(schema.get("primaryKey")),
            rows=read_rows(root, resource),
            foreign_keys=_foreign_keys(name, schema.get("foreignKeys")),
        )
    problem = key_problem(
        descriptor,
        {name: [dict(zip(t.columns, row, strict=True)) for row in t.rows] for name, t in tables.items()},
    )
    if problem:  # a row twice would be invisible to the alignment by key: never report "no differences"
        raise InputError(problem + REFUSAL, path=side.source)
    return PackageData(side=describe(side, descriptor), descriptor=descriptor, tables=tables)


def describe(side: Side, descriptor: dict[str, Any]) -> Side:
    """``side`` with the version, name, document number and source hash read from ``descriptor``."""
    document = descriptor.get("document") if isinstance(descriptor.get("document"), dict) else {}
    sha = document.get("source_sha256") if isinstance(document, dict) else None
    for source in descriptor.get("sources") or []:
        if sha is None and isinstance(source, dict) and isinstance(source.get("sha256"), str):
            sha = source["sha256"]
    return Side(
        source=side.source,
        kind=side.kind,
        revision=side.revision,
        version=_str(descriptor.get("version")),
        name=_str(descriptor.get("name")),
        document_number=_str(document.get("document_number")) if isinstance(document, dict) else None,
        source_sha256=_str(sha),
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _names(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _foreign_keys(table: str, value: Any) -> tuple[ForeignKey, ...]:
    out = []
    for fk in value if isinstance(value, list) else []:
        if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
            continue
        reference = fk["reference"]
        out.append(
            ForeignKey(
                fields=_names(fk.get("fields")),
                resource=str(reference.get("resource") or table),
                reference=_names(reference.get("fields")),
            )
        )
    return tuple(out)


def read_rows(root: Path, resource: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Read one CSV resource into tuples of typed values, in schema column order.

    Blank lines are skipped; a line with more cells than the header is skipped and one
    with fewer is padded with missing values (as :func:`cqpolicy.package.load_table` does).

    Raises:
        PackageInputError: an unsafe resource path.
        InputError: a missing or unreadable file, or a value that does not fit its field's type.
    """
    path = resolve_resource_path(root, resource.get("path"))
    if not path.is_file():
        raise InputError(f"resource {resource.get('name')!r} names a file that does not exist", path=path)
    fields = schema_fields(resource)
    schema = resource.get("schema") or {}
    missing = set(schema.get("missingValues", [""]))
    converters = [_converter(field, path) for field in fields]
    try:
        with path.open(encoding=resource.get("encoding") or "utf-8", newline="") as handle:
            records = list(csv.reader(handle))
    except (OSError, UnicodeError, csv.Error) as error:
        raise InputError(f"cannot be read as CSV: {error}", path=path) from None
    if not records:
        return []
    header = [name.lstrip("\ufeff") for name in records[0]]
    width = len(header)
    # Column by column: one list comprehension per field is several times faster than cell by cell.
    body = [
        record + [None] * (width - len(record)) for record in records[1:] if record and len(record) <= width
    ]
    by_column = list(zip(*body, strict=True)) if body else [() for _ in header]
    columns: list[list[Any]] = []
    for field, convert in zip(fields, converters, strict=True):
        if field["name"] not in header:
            columns.append([None] * len(body))
            continue
        cells = by_column[header.index(field["name"])]
        columns.append(convert(cells, missing))
    return list(zip(*columns, strict=True)) if columns else [() for _ in body]


def _converter(field: dict[str, Any], path: Path) -> Callable[[tuple[str | None, ...], set[str]], list[Any]]:
    """A function that converts one column of cells (missing values to ``None``) to the field's type."""
    kind = field.get("type", "string")
    name = field["name"]

    def convert_each(parse: Callable[[str], Any]) -> Callable[[tuple[str | None, ...], set[str]], list[Any]]:
        def convert(cells: tuple[str | None, ...], missing: set[str]) -> list[Any]:
            out: list[Any] = []
            for row, cell in enumerate(cells, start=1):
                if cell is None or cell in missing:
                    out.append(None)
                    continue
                try:
                    out.append(parse(cell))
                except ValueError:
                    raise InputError(
                        f"row {row}: {cell!r} in column {name!r} is not a valid {kind}", path=path
                    ) from None
            return out

        return convert

    if kind == "integer":

        def integer(cell: str) -> int:
            if not (cell.isascii() and cell.isdigit()) and not _INTEGER.match(cell):
                raise ValueError(cell)
            return int(cell)

        return convert_each(integer)
    if kind == "number":
        return convert_each(float)
    if kind == "boolean":
        true_values = set(field.get("trueValues", ["true", "True", "TRUE", "1"]))
        false_values = set(field.get("falseValues", ["false", "False", "FALSE", "0"]))

        def boolean(cell: str) -> bool:
            if cell in true_values:
                return True
            if cell in false_values:
                return False
            raise ValueError(cell)

        return convert_each(boolean)
    if kind == "date":
        fmt = field.get("format", "default")
        pattern = "%Y-%m-%d" if fmt in ("default", "any", None) else str(fmt)
        return convert_each(lambda cell: dt.datetime.strptime(cell, pattern).date().isoformat())

    def text(cells: tuple[str | None, ...], missing: set[str]) -> list[Any]:
        return [None if cell is None or cell in missing else cell for cell in cells]

    return text
