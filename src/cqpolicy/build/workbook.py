"""The Excel-ready copy of the package: one workbook, a sheet per table, and a sheet that explains them.

For journalists who open the data in a spreadsheet. Right after the explanation sheet come
two derived sheets (:mod:`cqpolicy.build.derived`): who does what, one row per task and unit
with names instead of slugs, and a summary per unit. Numbers are written as
numbers, dates as dates, identifiers and text as text (a text cell never runs
as a formula, whatever it starts with). The header row is frozen and columns
are sized to their content. The file is deterministic: its creation date is the
document's date, and XlsxWriter fixes the zip timestamps.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from typing import Any

from cqpolicy.build.database import VIEWS
from cqpolicy.build.derived import ASSIGNMENTS_SHEET, NEEDED, SHEETS, SUMMARY_SHEET

Row = dict[str, Any]

#: Columns that hold long text: wrapped and wide.
_LONG_TEXT = {
    "text",
    "text_en",
    "preamble",
    "preamble_en",
    "addressees_en",
    "title_en",
    "description",
    "basis",
    "responsible_units_raw",
    "task_text",
    "task_text_en",
}
#: Derived sheets' columns that hold numbers and booleans (the rest is text).
_DERIVED_KINDS = {
    **dict.fromkeys(
        ["task_no", "clause_no", "position", "group_no", "tasks", "leads", "supports", "clauses"], "integer"
    ),
    "collective": "boolean",
}
_MAX_WIDTH = 60
_LONG_WIDTH = 80
#: The labels of the facts at the top of the About sheet, in order.
_ABOUT_LABELS = ("版本 Version", "来源 Source", "官方网址 Official record", "许可 Licence", "说明 Notes")


def about_table_header_row() -> int:
    """The row (from 1) of the About sheet's table of tables and columns.

    The descriptor names it as the workbook's ``dialect.headerRows``, so that a reader of
    the first sheet as a table (as frictionless does) finds the table, not the title.
    """
    return len(_ABOUT_LABELS) + 4


def display_width(text: str) -> int:
    """Width of ``text`` in a spreadsheet column: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _column_width(name: str, values: list[str]) -> float:
    if name in _LONG_TEXT:
        return _LONG_WIDTH
    widest = max([display_width(name), *(display_width(v) for v in values)])
    return min(widest + 2, _MAX_WIDTH)


def workbook_bytes(
    tables: dict[str, list[Row]],
    schemas: list[dict[str, Any]],
    about: dict[str, Any],
) -> bytes:
    """Render the workbook.

    Args:
        tables: rows of each table, by name, in schema column order.
        schemas: the table schemas (``resources/schema.json``), in sheet order.
        about: ``title``, ``version``, ``licence``, ``source``, ``official_url`` and
            ``created`` (a date) for the explanation sheet and the file properties.
    """
    import xlsxwriter

    buffer = io.BytesIO()
    created = about["created"]
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.set_properties(
        {
            "title": about["title"],
            "author": "cqpolicy",
            "created": dt.datetime(created.year, created.month, created.day),
            "comments": f"Version {about['version']}. Generated from the CSV files of the data package.",
        }
    )
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    top = book.add_format({"valign": "top"})
    date = book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
    heading = book.add_format({"bold": True, "font_size": 14})

    _about_sheet(book, tables, schemas, about, bold, wrap, heading)
    sheets = [
        (name, [{"name": c, "type": _DERIVED_KINDS.get(c, "string")} for c in columns], derive(tables))
        for name, (derive, columns) in SHEETS.items()
        if all(table in tables for table in NEEDED)
    ]
    sheets += [(schema["name"], schema["fields"], tables[schema["name"]]) for schema in schemas]
    for sheet_name, fields, rows in sheets:
        sheet = book.add_worksheet(sheet_name)
        for col, field in enumerate(fields):
            sheet.write_string(0, col, field["name"], bold)
            sample = [_as_text(row[field["name"]]) for row in rows]
            width = _column_width(field["name"], sample)
            sheet.set_column(col, col, width, wrap if field["name"] in _LONG_TEXT else top)
            for r, row in enumerate(rows, start=1):
                _write_cell(sheet, r, col, row[field["name"]], field["type"], date)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(rows), len(fields) - 1)
    book.close()
    return buffer.getvalue()


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _write_cell(sheet: Any, row: int, col: int, value: Any, kind: str, date: Any) -> None:
    if value is None:
        return
    if kind in ("integer", "number"):
        sheet.write_number(row, col, value)
    elif kind == "boolean":
        sheet.write_boolean(row, col, value)
    elif kind == "date":
        sheet.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), date)
    else:
        # write_string: text, even one starting with = + - @, is never a formula
        sheet.write_string(row, col, str(value))


def _about_sheet(
    book: Any,
    tables: dict[str, list[Row]],
    schemas: list[dict[str, Any]],
    about: dict[str, Any],
    bold: Any,
    wrap: Any,
    heading: Any,
) -> None:
    sheet = book.add_worksheet("说明 About")
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 26)
    sheet.set_column(2, 2, 12)
    sheet.set_column(3, 3, 90, wrap)
    sheet.write_string(0, 0, about["title"], heading)
    values = [
        about["version"],
        about["source"],
        about["official_url"],
        about["licence"],
        (
            "每个表格一个工作表；第一行为列名。"
            " One sheet per table; the first row holds the column names. "
            "role = lead 指责任单位栏中列于首位的单位（惯例，原文未明确规定）；"
            "lead marks the first-listed unit, by convention (the text itself does not say so). "
            "市级有关部门 (agency_type = collective) 不是单一机构，不应计为一个单位；"
            "it is not one body and must never be counted as one."
        ),
    ]
    lines = list(zip(_ABOUT_LABELS, values, strict=True))
    for r, (label, value) in enumerate(lines, start=2):
        sheet.write_string(r, 0, label, bold)
        sheet.merge_range(r, 1, r, 3, value, wrap)
    r = about_table_header_row() - 1
    for col, label in enumerate(["表 Table", "列 Column", "类型 Type", "含义 Meaning"]):
        sheet.write_string(r, col, label, bold)
    derived = ((ASSIGNMENTS_SHEET, "assignments"), (SUMMARY_SHEET, "agency_summary"))
    for sheet_name, view in derived if all(table in tables for table in NEEDED) else ():
        r += 1
        derive, _ = SHEETS[sheet_name]
        sheet.write_string(r, 0, sheet_name, bold)
        sheet.write_string(r, 1, f"= SQLite view {view}")
        sheet.write_string(r, 2, f"{len(derive(tables))} rows")
        sheet.write_string(r, 3, VIEWS[view][1], wrap)
    for schema in schemas:
        r += 1
        sheet.write_string(r, 0, schema["name"], bold)
        sheet.write_string(r, 1, schema["title"])
        sheet.write_string(r, 2, f"{len(tables[schema['name']])} rows")
        sheet.write_string(r, 3, schema["description"], wrap)
        for field in schema["fields"]:
            r += 1
            sheet.write_string(r, 0, schema["name"])
            sheet.write_string(r, 1, f"{field['name']} ({field['title']})")
            sheet.write_string(r, 2, field["type"])
            sheet.write_string(r, 3, field["description"], wrap)
