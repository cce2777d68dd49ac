"""A portal page saved from a browser (``.html``/``.htm``), read with lxml.

The page's bytes are decoded with the charset the page declares (a byte-order mark, then
``<meta charset>`` or ``<meta http-equiv="Content-Type">``; UTF-8 when it declares none;
GBK and GB2312 are read as their superset GB18030). A page whose bytes are not in its
declared charset is refused rather than guessed at.

Every block-level element with text becomes a block (paragraphs, headings, list items,
``<br>``-separated lines), in document order; every table row becomes a block with its
cells, ``rowspan`` and ``colspan`` expanded so that a merged cell's text stands in every row
and column it covers. Scripts, styles, forms and hidden elements are skipped; links are
never followed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError
from cqpolicy.intake import Block

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_CHINESE_CHARSETS = {"gbk", "gb2312", "gb_2312", "gb_2312-80", "x-gbk", "cp936", "gb18030", "euc-cn"}
_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "object", "embed", "select", "button",
         "form", "input", "textarea", "svg", "canvas", "map"}  # fmt: skip
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section",
          "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre", "center", "address",
          "figure", "figcaption", "hr", "body", "caption"}  # fmt: skip
#: Rows and columns one table may have: a rowspan of 10,000 must not build a huge grid.
_MAX_SPAN = 1000
_MAX_CELLS = 200_000
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def declared_charset(data: bytes) -> str:
    """The charset the page declares, as a Python codec name (``utf-8`` when none)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return "utf-8"
    name = match.group(1).decode("ascii", "replace").lower()
    if name in _CHINESE_CHARSETS:
        return "gb18030"
    if name in ("utf8", "utf-8"):
        return "utf-8"
    return name


def decode_page(data: bytes, path: Path) -> str:
    """Decode a page with its declared charset.

    Raises:
        InputError: if the declared charset is unknown or the bytes are not in it.
    """
    charset = declared_charset(data)
    try:
        text = data.decode(charset)
    except LookupError:
        raise InputError(
            f"the page declares the charset {charset!r}, which is not known; save it as UTF-8", path=path
        ) from None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        other = "GB18030/GBK" if charset == "utf-8" else "UTF-8"
        raise InputError(
            f"the page declares the charset {charset} but its bytes are not {charset} (perhaps "
            f"{other}); save the page again from the browser, or fix its <meta charset>",
            path=path,
            line=line,
        ) from None
    return text.removeprefix("\ufeff")


def read_html(data: bytes, path: Path) -> list[Block]:
    """The page's paragraphs and table rows, in document order.

    Raises:
        InputError: if the page cannot be decoded or parsed.
    """
    import lxml.html

    text = decode_page(data, path)
    if not text.strip():
        raise InputError("the page is empty", path=path)
    try:
        root = lxml.html.document_fromstring(text)
    except Exception as error:  # lxml raises several parser errors; each means the page is unusable
        raise InputError(f"the page cannot be read as HTML ({error})", path=path) from None
    walker = _Walker()
    body = root.find("body")
    try:
        walker.visit(body if body is not None else root)
    except _TooLarge:
        raise InputError("a table on the page is too large to be a task table", path=path) from None
    walker.flush()
    return [Block(at, text_, cells) for at, (text_, cells) in enumerate(walker.blocks, start=1)]


class _TooLarge(Exception):
    """A table expands to more cells than a task table can have."""


class _Walker:
    """Collect block texts and table rows from an element tree in document order."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, tuple[str, ...] | None]] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buffer).strip(" \t\r\n\u3000\xa0")
        self.buffer = []
        if text:
            self.blocks.append((text, None))

    def visit(self, element: Any) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if not tag or tag in _SKIP or _HIDDEN.search(element.get("style") or ""):
            self.buffer.append(_space(element.tail or ""))  # a comment's or skipped element's tail is text
            return
        if tag == "table":
            self.flush()
            for cells in table_rows(element):
                if any(cell for cell in cells):
                    self.blocks.append((" | ".join(cells), tuple(cells)))
            self.buffer.append(element.tail or "")
            return
        if tag == "br":
            self.flush()
            self.buffer.append(element.tail or "")
            return
        block = tag in _BLOCK
        if block:
            self.flush()
        self.buffer.append(_space(element.text or ""))
        for child in element:
            self.visit(child)
        if block:
            self.flush()
        self.buffer.append(_space(element.tail or ""))


def _space(text: str) -> str:
    """HTML white space: runs of spaces and newlines read as one space; &nbsp; and U+3000 stay."""
    return re.sub(r"[ \t\r\n]+", " ", text)


def cell_text(cell: Any) -> str:
    """A cell's text: its paragraphs and lines joined without a separator (Chinese text)."""
    walker = _Walker()
    walker.visit(cell)
    walker.flush()
    return "".join(text for text, _ in walker.blocks)


def table_rows(table: Any) -> list[list[str]]:
    """The rows of a table with merged cells expanded (a nested table's text stays in its cell)."""
    rows = [row for row in table.iter("tr") if _nearest_table(row) is table]
    grid: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            rowspan = _span(cell.get("rowspan"))
            colspan = _span(cell.get("colspan"))
            text = cell_text(cell)
            for dr in range(min(rowspan, len(rows) - r)):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text
                    if len(grid) > _MAX_CELLS:
                        raise _TooLarge
            c += colspan
            width = max(width, c)
    return [[grid.get((r, c), "") for c in range(width)] for r in range(len(rows))]


def _nearest_table(element: Any) -> Any:
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), _MAX_SPAN))
    except ValueError:
        return 1
