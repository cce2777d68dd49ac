"""Read the Excel copy's cells with the standard library, to compare them with the CSV tables.

An ``.xlsx`` file is a zip of XML parts. Only what a comparison needs is read: the
sheet names, the shared strings and each sheet's cell values (numbers, booleans, text),
with limits on the zip's expanded size so that an untrusted workbook cannot exhaust
memory. Formatting is ignored: a date cell is a number (a serial day), which the caller
converts knowing the column's type. No third-party spreadsheet library is imported.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

#: The workbook's parts may expand to at most this many bytes in total.
MAX_WORKBOOK_BYTES = 256 << 20

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(r"^([A-Z]+)(\d+)$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)

Cell = str | float | bool | None


class WorkbookError(ValueError):
    """The file is not a workbook this module can read (the message says why)."""


def read_sheets(path: Path, *, max_bytes: int = MAX_WORKBOOK_BYTES) -> dict[str, list[list[Cell]]]:
    """Every sheet's rows of cell values, by sheet name (missing cells are ``None``).

    Raises:
        WorkbookError: not a zip, a part missing or not XML, or larger than ``max_bytes``.
    """
    try:
        with zipfile.ZipFile(path) as book:
            if sum(info.file_size for info in book.infolist()) > max_bytes:
                raise WorkbookError(f"expands to more than {max_bytes} bytes")
            names = set(book.namelist())

            def xml(name: str) -> ElementTree.Element:
                if name not in names:
                    raise WorkbookError(f"has no part {name}")
                return ElementTree.fromstring(book.read(name))

            strings = (
                [_text(si) for si in xml("xl/sharedStrings.xml")] if "xl/sharedStrings.xml" in names else []
            )
            targets = {
                rel.get("Id"): posixpath.normpath(posixpath.join("xl", rel.get("Target", "")))
                for rel in xml("xl/_rels/workbook.xml.rels").iter(f"{_PKG_REL}Relationship")
            }
            sheets = {}
            for sheet in xml("xl/workbook.xml").iter(f"{_MAIN}sheet"):
                target = targets.get(sheet.get(f"{_REL}id"))
                if target is None:
                    raise WorkbookError(f"sheet {sheet.get('name')!r} has no part")
                sheets[str(sheet.get("name"))] = _rows(xml(target), strings)
            return sheets
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, IndexError, ValueError) as error:
        if isinstance(error, WorkbookError):
            raise
        raise WorkbookError(f"cannot be read as a workbook ({type(error).__name__}: {error})") from None


def _text(element: ElementTree.Element) -> str:
    """The text of a shared or inline string, rich-text runs joined."""
    return "".join(t.text or "" for t in element.iter(f"{_MAIN}t"))


def _rows(sheet: ElementTree.Element, strings: list[str]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for row in sheet.iter(f"{_MAIN}row"):
        number = int(row.get("r", len(rows) + 1))
        while len(rows) < number:
            rows.append([])
        values = rows[number - 1]
        for cell in row.iter(f"{_MAIN}c"):
            match = _CELL.match(cell.get("r", ""))
            if not match:
                continue
            column = _column_index(match.group(1))
            while len(values) <= column:
                values.append(None)
            values[column] = _value(cell, strings)
    return rows


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _value(cell: ElementTree.Element, strings: list[str]) -> Cell:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(f"{_MAIN}is")
        return _text(inline) if inline is not None else ""
    raw = cell.find(f"{_MAIN}v")
    if raw is None or raw.text is None:
        return None
    if kind == "s":
        return strings[int(raw.text)]
    if kind == "b":
        return raw.text == "1"
    if kind in ("str", "e"):
        return raw.text
    return float(raw.text)


def serial_date(value: float) -> dt.date:
    """An Excel serial day number as a date (the 1900 date system)."""
    return _EXCEL_EPOCH + dt.timedelta(days=int(value))
