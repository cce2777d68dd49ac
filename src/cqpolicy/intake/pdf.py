"""A PDF attachment with a text layer, read with pdfplumber.

Each page's tables are found by their ruling lines; the text outside them is read line by
line and joined into paragraphs (a new paragraph starts where a line is indented or the
previous line stopped short of the right margin). Tables and paragraphs are interleaved by
their position on the page, and pages follow each other. Inside a cell, wrapped lines are
joined. PDF text puts spaces where glyphs are far apart (``5 号``, ``2025 年``): spaces next
to a Chinese character are removed. Page numbers such as ``— 3 —`` are dropped.

A scanned PDF, whose pages are images without a text layer, gets a clear error.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError
from cqpolicy.intake import Block

MAX_PAGES = 500
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+|[ \t]+(?=[{_CJK}])")
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,4}[-—–－\s]*$|^第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?$")


def tidy(text: str) -> str:
    """Remove the spaces PDF extraction puts next to Chinese characters."""
    return _SPACE_BY_CJK.sub("", text).strip()


@dataclass
class _Item:
    page: int
    top: float
    text: str
    cells: tuple[str, ...] | None = None
    #: A paragraph whose first line is not indented (it may continue one from the page before).
    unindented: bool = False
    #: A paragraph whose last line reaches the right margin (it may go on on the next page).
    full: bool = False


def read_pdf(data: bytes, path: Path) -> list[Block]:
    """The PDF's paragraphs and table rows in reading order.

    Raises:
        InputError: if the PDF is damaged, cut short, encrypted, too long, or has no text layer.
    """
    import pdfplumber

    if b"%%EOF" not in data[-2048:]:
        raise InputError("the PDF is incomplete (it has no end-of-file marker); download it again", path=path)
    items: list[_Item] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise InputError(f"the PDF has {len(pdf.pages)} pages, more than {MAX_PAGES}", path=path)
            chars = 0
            for number, page in enumerate(pdf.pages, start=1):
                chars += len(page.chars)
                items.extend(_page_items(number, page))
    except InputError:
        raise
    except Exception as error:  # pdfminer raises many syntax and decryption errors: all mean unusable
        raise InputError(
            f"the PDF cannot be read ({type(error).__name__}); it may be damaged or encrypted", path=path
        ) from None
    if chars == 0:
        raise InputError(
            "the PDF has no text layer (it is a scan, pages of images); get the Word or web-page "
            "version of the policy, or run OCR on the PDF first",
            path=path,
        )
    first_text: dict[int, _Item] = {}
    for item in items:
        if item.cells is None:
            first_text.setdefault(item.page, item)
    merged: list[_Item] = []
    for item in items:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and item.page == previous.page + 1
            and item.cells is None
            and previous.cells is None
            and item.unindented
            and previous.full
            and item is first_text[item.page]
        ):
            previous.text += item.text  # a paragraph that goes on on the next page
            previous.full, previous.page = item.full, item.page
            continue
        merged.append(item)
    return [Block(at, item.text, item.cells) for at, item in enumerate(merged, start=1)]


def _page_items(number: int, page: Any) -> list[_Item]:
    tables = page.find_tables()
    boxes = [table.bbox for table in tables]
    items = []
    for table in tables:
        top = table.bbox[1]
        for offset, row in enumerate(table.extract()):
            cells = tuple(tidy((cell or "").replace("\n", "")) for cell in row)
            if any(cells):
                items.append(_Item(number, top + offset * 0.001, " | ".join(cells), cells))

    def outside(obj: dict[str, Any]) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in boxes)

    lines = page.filter(outside).extract_text_lines(keep_blank_chars=False, x_tolerance=1.5)
    items.extend(_paragraphs(number, lines, float(page.width)))
    items.sort(key=lambda item: item.top)
    return items


def _paragraphs(number: int, lines: list[dict[str, Any]], width: float) -> list[_Item]:
    """Join a page's text lines into paragraphs."""
    lines = [line for line in lines if not _PAGE_NUMBER.match(line["text"].strip())]
    if not lines:
        return []
    left = min(line["x0"] for line in lines)
    right = max(line["x1"] for line in lines)
    out: list[_Item] = []
    previous: dict[str, Any] | None = None
    for line in lines:
        text = tidy(line["text"])
        if not text:
            continue
        size = _char_size(line)
        indented = line["x0"] - left > 0.8 * size
        short_before = previous is not None and right - previous["x1"] > 3 * size
        if out and previous is not None and not indented and not short_before:
            out[-1].text += text
        else:
            out.append(_Item(number, float(line["top"]), text, unindented=not indented))
        out[-1].full = right - line["x1"] <= 3 * size
        previous = line
    return out


def _char_size(line: dict[str, Any]) -> float:
    chars = line.get("chars") or []
    if chars:
        return float(sum(c["x1"] - c["x0"] for c in chars) / len(chars)) or 10.0
    return float(line["bottom"] - line["top"]) or 10.0
