"""The Excel copy holds the CSV values with spreadsheet types, and no cell can run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl

from cqpolicy.build.workbook import display_width, workbook_bytes


def test_workbook_has_an_about_sheet_the_derived_sheets_then_a_sheet_per_table(built_package: Path) -> None:
    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(built_package / "data" / "cqpolicy-guangyang-bay.xlsx")
    tables = [r["name"] for r in descriptor["resources"] if r.get("format") == "csv"]
    assert book.sheetnames == ["说明 About", "谁负责什么 Who does what", "各单位汇总 Per unit", *tables]
    about = [cell.value for row in book["说明 About"].iter_rows() for cell in row if cell.value]
    assert "1.2.0" in about
    assert any("Article 5" in str(value) for value in about)


def as_csv_text(value: object, expected: str) -> str:
    """A cell's value as the CSV writes it (numbers compared as numbers: Excel stores 1.0 as 1)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, (int, float)) and float(value) == float(expected):
        return expected
    return str(value)


def test_every_sheet_shows_the_csv_values_with_typed_cells(built_package: Path) -> None:
    book = openpyxl.load_workbook(built_package / "data" / "cqpolicy-guangyang-bay.xlsx")
    for path in sorted((built_package / "data").glob("*.csv")):
        sheet = book[path.stem]
        assert sheet.freeze_panes == "A2"
        with path.open(encoding="utf-8", newline="") as handle:
            expected = list(csv.reader(handle))
        got = [
            [as_csv_text(v, e) for v, e in zip(row, exp, strict=True)]
            for row, exp in zip(sheet.iter_rows(values_only=True), expected, strict=True)
        ]
        assert got == expected, path.name
    tasks = book["tasks"]
    assert isinstance(tasks["A2"].value, int) and tasks["A2"].data_type == "n"
    assert tasks["C2"].data_type == "s"


def test_text_that_looks_like_a_formula_stays_text() -> None:
    schema = {
        "name": "t",
        "title": "T",
        "description": "d",
        "fields": [{"name": "text", "type": "string", "title": "x", "description": "y"}],
    }
    rows = [{"text": value} for value in ("=1+1", "+86 23", "-5", "@SUM(A1)", '=HYPERLINK("http://x")')]
    about = {
        "title": "t",
        "version": "0",
        "licence": "l",
        "source": "s",
        "official_url": "u",
        "created": dt.date(2022, 1, 25),
    }
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes({"t": rows}, [schema], about)))
    cells = [row[0] for row in book["t"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == [r["text"] for r in rows]
    assert {c.data_type for c in cells} == {"s"}


def test_display_width_counts_chinese_twice() -> None:
    assert display_width("市财政局") == 8
    assert display_width("abc") == 3


def test_who_does_what_shows_names_and_english_with_a_filter_and_a_frozen_header(built_package: Path) -> None:
    import csv

    from cqpolicy.build.derived import ASSIGNMENT_COLUMNS

    book = openpyxl.load_workbook(built_package / "data" / "cqpolicy-guangyang-bay.xlsx")
    sheet = book["谁负责什么 Who does what"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert list(header) == ASSIGNMENT_COLUMNS
    assert header.index("task_text_en") == header.index("task_text") + 1  # English beside the Chinese
    assert "agency_id" not in header
    with (built_package / "data" / "tasks.csv").open(encoding="utf-8", newline="") as handle:
        tasks = {int(row["task_no"]): row for row in csv.DictReader(handle)}
    with (built_package / "data" / "task_agencies.csv").open(encoding="utf-8", newline="") as handle:
        links = list(csv.DictReader(handle))
    assert len(rows) == 1 + len(links)
    for row in rows[1:]:
        cells = dict(zip(header, row, strict=True))
        task = tasks[cells["task_no"]]
        assert (cells["task_text"], cells["task_text_en"]) == (task["text"], task["text_en"] or None)
    last = openpyxl.utils.get_column_letter(len(header))
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{last}{len(rows)}"


def test_the_summary_sheet_puts_the_busiest_unit_first_and_flags_the_collective(built_package: Path) -> None:
    book = openpyxl.load_workbook(built_package / "data" / "cqpolicy-guangyang-bay.xlsx")
    rows = list(book["各单位汇总 Per unit"].iter_rows(values_only=True))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert (first["unit_zh"], first["tasks"], first["leads"]) == ("重庆经开区", 36, 5)
    collective = [dict(zip(header, row, strict=True)) for row in rows[1:] if row[header.index("collective")]]
    assert [row["unit_zh"] for row in collective] == ["市级有关部门"]
    assert len(rows) == 1 + 38
