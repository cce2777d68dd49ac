"""A Word attachment (``.docx``), read with python-docx.

Paragraphs and tables of the document body become blocks in document order (page headers,
footers and footnotes are not part of the policy). A table's rows become blocks with their
cells; python-docx expands horizontally and vertically merged cells to every position they
cover. A header row that Word repeats on every page is stored once and read once; a header
row repeated as real rows (as in files converted from PDF) is left for the parser, which
skips rows equal to the table's header.

The file is a zip: its members and their sizes are checked before python-docx opens it, so
a damaged, truncated or oversized file gets one clear error.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError
from cqpolicy.intake import Block

#: Uncompressed bytes and members a .docx may unpack to (the real policy: 60 KB in 12 members).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 5000


def check_zip(data: bytes, path: Path) -> None:
    """Refuse a file that is not a complete, reasonably sized Word zip.

    Raises:
        InputError: naming what is wrong.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise InputError(
                    f"the file has {len(members)} parts, too many for a Word document", path=path
                )
            total = sum(member.file_size for member in members)
            if total > MAX_UNPACKED_BYTES:
                raise InputError(
                    f"the Word file unpacks to {total:,} bytes, more than {MAX_UNPACKED_BYTES:,}", path=path
                )
            names = {member.filename for member in members}
    except zipfile.BadZipFile:
        raise InputError(
            "the file is not a complete .docx (the zip is damaged or cut short); download or save it again",
            path=path,
        ) from None
    if "word/document.xml" not in names:
        raise InputError(
            "the file is a zip but not a Word document (no word/document.xml); give the .docx, .html, "
            ".pdf or text of the policy",
            path=path,
        )


def read_docx(data: bytes, path: Path) -> list[Block]:
    """The document body's paragraphs and table rows, in order.

    Raises:
        InputError: if the file is not a usable Word document.
    """
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data, path)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises zip, XML and KeyError failures; all mean unusable
        raise InputError(f"the Word document cannot be read ({type(error).__name__})", path=path) from None
    items: list[tuple[str, tuple[str, ...] | None]] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            items.append((Paragraph(child, document).text, None))
        elif tag == "tbl":
            items.extend(_rows(Table(child, document)))
    return [Block(at, text, cells) for at, (text, cells) in enumerate(items, start=1) if text.strip()]


def _rows(table: Any) -> list[tuple[str, tuple[str, ...] | None]]:
    rows: list[tuple[str, tuple[str, ...] | None]] = []
    for row in table.rows:
        cells = tuple("".join(p.text.strip() for p in cell.paragraphs) for cell in row.cells)
        rows.append((" | ".join(cells), cells))
    return rows
