"""The Excel copy against the CSV tables (``workbook-drift``, ``workbook-unreadable``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cqpolicy.findings import Finding
from cqpolicy.package import resource_list, schema_fields
from cqpolicy.validate.data import Copy, PackageData, copy_drift, new_finding

if TYPE_CHECKING:
    import pandas as pd

# --- the Excel copy --------------------------------------------------------------------------------


def check_workbook(data: PackageData) -> list[Finding]:
    """Each table's sheet in the Excel copy holds the CSV table's columns, rows and values.

    So do the derived sheets, who does what and per unit (:mod:`cqpolicy.validate.derived`).
    """
    from cqpolicy.validate.derived import derived_sheet_problems
    from cqpolicy.validate.workbook import WorkbookError, read_sheets

    out: list[Finding] = []
    for resource in resource_list(data.descriptor):
        name = str(resource.get("name"))
        path = data.files.get(name)
        if resource.get("format") != "xlsx" or path is None or not path.is_file():
            continue
        try:
            sheets = read_sheets(path)
        except WorkbookError as error:
            out.append(new_finding("workbook-unreadable", f"{resource.get('path')} {error}", name))
            continue
        for table, frame in data.csv.items():
            fields = schema_fields(data.csv_resources[table])
            rows = sheets.get(table)
            if rows is None:
                out.append(
                    new_finding("workbook-drift", f"{resource.get('path')} has no sheet {table!r}", name)
                )
                continue
            out.extend(_sheet_problems(data, table, frame, fields, rows, name))
        out.extend(derived_sheet_problems(data, sheets, name, str(resource.get("path"))))
    return out


def _sheet_problems(
    data: PackageData,
    table: str,
    frame: pd.DataFrame,
    fields: list[dict[str, Any]],
    rows: list[list[Any]],
    name: str,
) -> list[Finding]:
    header = [str(c) if c is not None else "" for c in (rows[0] if rows else [])]
    names = [f["name"] for f in fields]
    if header[: len(names)] != names:
        return [
            new_finding(
                "workbook-drift", f"sheet {table}: the header is {header}, the CSV's is {names}", name
            )
        ]
    body = rows[1:]
    while body and not any(c is not None for c in body[-1]):
        body.pop()
    if len(body) != len(frame):
        return [
            new_finding("workbook-drift", f"sheet {table} has {len(body)} rows, the CSV {len(frame)}", name)
        ]
    return copy_drift(
        data,
        table,
        frame,
        fields,
        body,
        Copy("workbook-drift", f"sheet {table}", "workbook", name),
        _same_in_sheet,
    )


def _same_in_sheet(cell: Any, want: Any, kind: str) -> bool:
    """Whether a cell (as openpyxl reads it) holds the CSV value as the workbook writes it."""
    from cqpolicy.validate.workbook import serial_date

    if want is None:
        return cell is None or cell == ""
    if kind in ("integer", "number"):
        return isinstance(cell, float) and not isinstance(cell, bool) and abs(cell - float(want)) <= 1e-9
    if kind == "boolean":
        return cell is want
    if kind == "date":
        return isinstance(cell, float) and serial_date(cell).isoformat() == want
    return bool(cell == str(want))
