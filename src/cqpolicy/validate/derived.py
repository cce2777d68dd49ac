"""Check the workbook's derived sheets (who does what, per unit) against the CSV tables.

The expected rows are computed from the CSV tables by :mod:`cqpolicy.build.derived`, the
code the build writes the sheets with; a sheet that is missing, has other columns, or shows
other rows or values is ``workbook-drift``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cqpolicy.build.derived import NEEDED, SHEETS
from cqpolicy.findings import Finding
from cqpolicy.validate.data import capped, new_finding, pair, plain

if TYPE_CHECKING:
    from cqpolicy.validate.data import PackageData


def derived_sheet_problems(
    data: PackageData, sheets: dict[str, list[list[Any]]], resource: str, shown: str
) -> list[Finding]:
    """Findings for each derived sheet of the workbook ``shown`` that differs from the CSV tables."""
    if not all(table in data.csv for table in NEEDED):
        return []  # a table that cannot be read is reported by its own check
    tables = {
        table: [{str(k): plain(v) for k, v in row.items()} for row in data.csv[table].to_dict("records")]
        for table in NEEDED
    }
    out: list[Finding] = []
    for sheet_name, (derive, columns) in SHEETS.items():
        rows = sheets.get(sheet_name)
        if rows is None:
            out.append(new_finding("workbook-drift", f"{shown} has no sheet {sheet_name!r}", resource))
            continue
        try:
            expected = derive(tables)
        except KeyError as error:  # a key without its row: check_links reports it
            out.append(
                new_finding("workbook-drift", f"sheet {sheet_name} cannot be derived ({error})", resource)
            )
            continue
        out.extend(_sheet_problems(sheet_name, columns, expected, rows, resource))
    return out


def _sheet_problems(
    sheet_name: str, columns: list[str], expected: list[dict[str, Any]], rows: list[list[Any]], resource: str
) -> list[Finding]:
    header = [str(c) if c is not None else "" for c in (rows[0] if rows else [])]
    if header != columns:
        return [
            new_finding(
                "workbook-drift", f"sheet {sheet_name}: the header is {header}, not {columns}", resource
            )
        ]
    body = [row for row in rows[1:] if any(c is not None for c in row)]
    if len(body) != len(expected):
        return [
            new_finding(
                "workbook-drift",
                f"sheet {sheet_name} has {len(body)} rows, the CSV tables give {len(expected)}",
                resource,
            )
        ]
    found = []
    for number, (want_row, row) in enumerate(zip(expected, body, strict=True), start=2):
        for position, column in enumerate(columns):
            want = want_row[column]
            cell = row[position] if position < len(row) else None
            if isinstance(want, bool) or isinstance(cell, bool):
                same = cell is want
            elif isinstance(want, int):
                same = isinstance(cell, float) and cell == want
            else:
                same = cell == want or (want is None and cell == "")
            if not same:
                left, right = pair(cell, want)
                found.append(
                    new_finding(
                        "workbook-drift",
                        f"sheet {sheet_name} row {number}, {column}: the workbook has {left}, "
                        f"the CSV tables give {right}",
                        resource,
                        row=number,
                        field=column,
                    )
                )
    return capped(found, resource, f"of sheet {sheet_name} differ from the CSV tables")
