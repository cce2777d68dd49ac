"""A portal page saved from a browser (``.html``/``.htm``), read with lxml by its structure.

The page's bytes are decoded with the charset the page declares (a byte-order mark, then
``<meta charset>`` or ``<meta http-equiv="Content-Type">``; UTF-8 when it declares none;
GBK and GB2312 are read as their superset GB18030). A page whose bytes are not in its
declared charset is refused rather than guessed at.

**The article body** is found as a structure, not by listing what to drop: the content
container of the content-management system the portal runs (``TRS_UEDITOR``/``TRS_Editor``,
``UCAP-CONTENT``, ``zoom``, ``<article>``), or, failing those (an office suite's export, an
unknown CMS), the smallest element that holds the document number and most of the page's
text. Nothing outside it reaches the parser; the **metadata** (``索引号``, ``标题``, ...) is
read from label/value pairs before it, each cell once. Inside the body the document runs
from its head to its last annex row (:mod:`cqpolicy.intake.extent`).

Every block-level element with text becomes a block (paragraphs, headings, list items,
``<br>``-separated lines), in document order; every table row becomes a block with its
cells, ``rowspan`` and ``colspan`` expanded so that a merged cell's text stands in every row
and column it covers. Inline markup (``<span>``, ``<b>``, ``<font>``, an office suite's
``<o:p>``) is read as running text. Scripts, styles and forms are not text; content the page
hides (the ``hidden`` attribute, an inline ``display:none``/``visibility:hidden``, or a class
or id the page's own ``<style>`` hides) is dropped and named. Links are never followed.

A page is untrusted: over :data:`MAX_ELEMENTS` elements, one text node over
:data:`MAX_NODE_CHARS`, nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_TABLES`
tables, a span over :data:`MAX_SPAN` or tables over :data:`MAX_CELLS` cells is refused with one
sentence, within seconds.

Why not a main-content extraction library (trafilatura, readability-lxml): both were tried on
the portal page. They score blocks by text and link density and return re-serialised text or
HTML: a short block (``附件``, the issuer's name) can be scored away, table rows come back as
text to be split again, the metadata table is mixed into the article, and they bring a dozen
dependencies (readability-lxml pins an older chardet than frictionless needs). The portal's
pages mark their content container; finding it on lxml, already a dependency, keeps every
row and every character accountable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError
from cqpolicy.intake import Block, Furniture, Reading

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_CHINESE_CHARSETS = {"gbk", "gb2312", "gb_2312", "gb_2312-80", "x-gbk", "cp936", "gb18030", "euc-cn"}
_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "object", "embed", "select", "button",
         "form", "input", "textarea", "svg", "canvas", "map"}  # fmt: skip
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section",
          "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre", "center", "address",
          "figure", "figcaption", "hr", "body", "caption"}  # fmt: skip
#: The largest rowspan or colspan a cell may have (the policy's tables have 3 to 5 columns).
MAX_SPAN = 100
#: Cells (after merged cells are expanded) all tables of a page may have together.
MAX_CELLS = 200_000
#: Tables a page may hold (a policy page has one to three).
MAX_TABLES = 200
#: How deep elements may nest (a portal page nests about 20 deep).
MAX_DEPTH = 200
#: Elements a page may hold (the portal's page has about 1,000; an office suite's export 3,000).
MAX_ELEMENTS = 100_000
#: Characters one text node may hold (the longest paragraph of a policy is a few thousand).
MAX_NODE_CHARS = 1_000_000
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^[a-z0-9]*(?P<kind>[.#])(?P<name>[\w-]+)$", re.IGNORECASE)
#: Class or id names of the content container that portal content-management systems write.
_CONTAINERS = ("trs_ueditor", "trs_editor", "ucap-content", "zoom", "article")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,24}\s*[〔﹝\[【（(［]\s*[0-9０-９]{4}\s*[〕﹞\]】）)］]\s*第?\s*[0-9０-９]{1,5}\s*号"
)


def declared_charset(data: bytes) -> str | None:
    """The charset the page declares, as a Python codec name (``None`` when it declares none)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").lower()
    if name in _CHINESE_CHARSETS:
        return "gb18030"
    if name in ("utf8", "utf-8"):
        return "utf-8"
    return name


def decode_page(data: bytes, path: Path) -> tuple[str, str | None]:
    """Decode a page with its declared charset; the text, and a note when the charset was inferred.

    A page that declares none (fetched without the HTTP header that named it) is read as UTF-8,
    or, when its bytes are not UTF-8, as GB18030, as a browser set to Chinese reads it; the note
    says so.

    Raises:
        InputError: if the declared charset is unknown or the bytes are not in it.
    """
    from cqpolicy.intake.text import utf8_or_gb18030

    charset = declared_charset(data)
    if charset is None:
        try:
            text, codec = utf8_or_gb18030(data)
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise InputError(
                "the page declares no charset and its bytes are neither UTF-8 nor GB18030; save the "
                "page again from the browser",
                path=path,
                line=line,
            ) from None
        if codec == "utf-8":
            return text, None
        return (
            text,
            "the page declares no charset and is not UTF-8: it was read as GB18030, as a browser set "
            "to Chinese reads it",
        )
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
    return text.removeprefix("\ufeff"), None


@dataclass(frozen=True)
class PageReading(Reading):
    """A page's :class:`~cqpolicy.intake.Reading`, with the metadata read before its body.

    Attributes:
        metadata: The label/value pairs before the body (``索引号`` → value, ...).
        outside: How many blocks of the page stood outside the body (navigation, footer, ...).
    """

    metadata: dict[str, str] = field(default_factory=dict)
    outside: int = 0


def read_html(data: bytes, path: Path) -> PageReading:
    """The page's document, read from its article body; see the module docstring.

    Raises:
        InputError: if the page cannot be decoded or parsed, or is over a bound.
    """
    import lxml.html

    from cqpolicy.intake import portal
    from cqpolicy.intake.extent import document_extent

    text, charset_note = decode_page(data, path)
    if not text.strip():
        raise InputError("the page is empty", path=path)
    # huge_tree: libxml2 otherwise stops at a text node (or comment) over 10 MB without an error
    # and silently drops the rest of the page; the file itself is bounded by the intake's limit.
    parser = lxml.html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except Exception as error:  # lxml raises several parser errors; each means the page is unusable
        raise InputError(f"the page cannot be read as HTML ({error})", path=path) from None
    _check_bounds(root, path)
    hidden = _HiddenRules.of(root)
    top = root.find("body")
    top = top if top is not None else root
    container = find_body(top, hidden)
    before = _Walker(hidden, expand=False, stop=container)
    try:
        before.visit(top)
    except _Stop:
        pass
    except _TooLarge as error:
        raise InputError(str(error), path=path) from None
    before.flush()
    metadata = portal.metadata_from(
        Block(at, text_, cells) for at, (text_, cells) in enumerate(before.blocks, 1)
    )
    walker = _Walker(hidden, expand=True, first=len(before.blocks) + 1)
    try:
        walker.visit_children(container)
    except _TooLarge as error:
        raise InputError(str(error), path=path) from None
    walker.flush()
    blocks = [Block(at, text_, cells) for at, (text_, cells) in walker.numbered()]
    region = "".join(_region_text(container, hidden))
    head = _head_above(blocks, [Block(at, t, c) for at, (t, c) in enumerate(before.blocks, 1)])
    if head:  # the body starts at the addressee line: its head is the page's heading above it
        blocks = [*head, *blocks]
        region = "\n".join([*(block.text for block in head), region])
    kept, furniture, inside_before = document_extent(blocks, path, unit="paragraph")
    # A container that holds the metadata block too (a class "article" around the whole page).
    metadata = {**portal.metadata_from(inside_before), **metadata}
    return PageReading(
        blocks=tuple(kept),
        region=region,
        furniture=tuple(sorted([*walker.hidden, *furniture], key=lambda item: item.at)),
        notes=(charset_note,) if charset_note else (),
        metadata=metadata,
        outside=len(before.blocks),
    )


def _head_above(blocks: list[Block], before: list[Block]) -> list[Block]:
    """The document's head (title lines and number) standing just above a body that lacks it.

    Some pages print the title and the number as the page's heading and start the article body
    at the addressee line. When the body holds no number before its first line ending in
    ``：``, the number block and the title lines directly above it among the last few blocks
    before the body are the document's head. Otherwise nothing is taken.
    """
    from cqpolicy.intake.extent import is_number_block, title_start

    addressee = next((i for i, block in enumerate(blocks) if block.text.rstrip().endswith("：")), None)
    if addressee is None or any(is_number_block(block) for block in blocks[:addressee]):
        return []
    for k in range(len(before) - 1, max(-1, len(before) - 4), -1):
        if is_number_block(before[k]):
            return before[title_start(before, k) : k + 1]
    return []


class _TooLarge(Exception):
    """A table of the page is over a bound (its message says which)."""


class _Stop(Exception):
    """The walk reached the element it was told to stop at."""


def _check_bounds(root: Any, path: Path) -> None:
    """Refuse a page with too many elements or tables, nested too deep, or with a huge text node."""
    for count, _ in enumerate(root.iter(), start=1):
        if count > MAX_ELEMENTS:
            raise InputError(
                f"the page has more than {MAX_ELEMENTS:,} elements, far more than a policy page has; give "
                "the policy's own page",
                path=path,
            )
    tables = 0
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(
                f"the page nests elements more than {MAX_DEPTH} deep, which no policy page does; "
                "give the page as the portal serves it",
                path=path,
            )
        for text in (element.text, element.tail):
            if text and len(text) > MAX_NODE_CHARS:
                raise InputError(
                    f"one text node of the page holds {len(text):,} characters, more than the "
                    f"{MAX_NODE_CHARS:,} a policy page has; give the page as the portal serves it",
                    path=path,
                )
        if isinstance(element.tag, str) and element.tag.lower() == "table":
            tables += 1
            if tables > MAX_TABLES:
                raise InputError(
                    f"the page has more than {MAX_TABLES} tables, which no policy page has; give the "
                    "policy's own page",
                    path=path,
                )
        stack.extend((child, depth + 1) for child in element)


@dataclass(frozen=True)
class _HiddenRules:
    """Which elements the page hides: attribute, inline style, or a class or id its CSS hides."""

    classes: frozenset[str]
    ids: frozenset[str]

    @classmethod
    def of(cls, root: Any) -> _HiddenRules:
        classes: set[str] = set()
        ids: set[str] = set()
        for style in root.iter("style"):
            for selectors, declarations in _CSS_RULE.findall(style.text or ""):
                if not _HIDDEN.search(declarations):
                    continue
                for selector in selectors.split(","):
                    if match := _SIMPLE_SELECTOR.match(selector.strip()):
                        (classes if match["kind"] == "." else ids).add(match["name"].lower())
        return cls(frozenset(classes), frozenset(ids))

    def hides(self, element: Any) -> str | None:
        """Why ``element`` is hidden, or ``None``."""
        if element.get("hidden") is not None:
            return "hidden on the page (hidden attribute)"
        if _HIDDEN.search(element.get("style") or ""):
            return "hidden on the page (inline style)"
        names = (element.get("class") or "").lower().split()
        if any(name in self.classes for name in names) or (element.get("id") or "").lower() in self.ids:
            return "hidden on the page (its class or id is hidden by the page's style)"
        return None


def _tag(element: Any) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _region_text(element: Any, hidden: _HiddenRules) -> list[str]:
    """Every text node inside ``element``, hidden or not, scripts and styles excepted."""
    out: list[str] = []
    stack: list[tuple[Any, bool]] = [(element, False)]
    while stack:
        node, tail_only = stack.pop()
        if tail_only:
            out.append(node.tail or "")
            continue
        if _tag(node) in _SKIP:
            continue
        out.append(node.text or "")
        for child in reversed(node):
            stack.append((child, True))
            stack.append((child, False))
    return out


def _han(text: str) -> int:
    return len(_HAN.findall(text))


def find_body(top: Any, hidden: _HiddenRules) -> Any:
    """The element holding the document: a CMS content container, else the smallest holding it all.

    A content container counts when it holds at least half of the page's Han text (a class
    ``article`` on a teaser in a sidebar does not). Failing one, the body is the smallest
    element that holds a document number and at least 60% of the page's Han text.
    """
    counts: dict[Any, int] = {}
    order: list[Any] = []
    stack: list[tuple[Any, bool]] = [(top, False)]
    while stack:  # post-order: each element's count is its own text plus its children's
        node, done = stack.pop()
        if done:
            own = _han(node.text or "") + sum(counts.get(child, 0) + _han(child.tail or "") for child in node)
            counts[node] = own
            order.append(node)
            continue
        if _tag(node) in _SKIP or not _tag(node):
            counts[node] = 0
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in node)
    total = counts.get(top, 0)
    if total == 0:
        return top
    marked = [
        node
        for node in order
        if _tag(node) == "article"
        or any(name in _CONTAINERS for name in (node.get("class") or "").lower().split())
        or (node.get("id") or "").lower() in _CONTAINERS
    ]
    marked = [node for node in marked if counts[node] * 2 >= total]
    if marked:
        best = max(counts[node] for node in marked)
        return next(node for node in reversed(order) if node in marked and counts[node] == best)
    candidates = sorted(
        (node for node in order if counts[node] * 10 >= total * 6), key=lambda node: counts[node]
    )
    for node in candidates:
        if _DOC_NUMBER.search("".join(_region_text(node, hidden))):
            return node
    return top


class _Walker:
    """Collect block texts and table rows from an element tree in document order."""

    def __init__(
        self, hidden: _HiddenRules, *, expand: bool = True, stop: Any = None, first: int = 1
    ) -> None:
        self.rules = hidden
        self.expand = expand
        self.stop = stop
        self.first = first
        self.blocks: list[tuple[str, tuple[str, ...] | None]] = []
        self.buffer: list[str] = []
        self.hidden: list[Furniture] = []
        self.cells = [0]  # shared with the walkers of nested tables: the bound is the page's

    def numbered(self) -> list[tuple[int, tuple[str, tuple[str, ...] | None]]]:
        return list(enumerate(self.blocks, start=self.first))

    def flush(self) -> None:
        text = "".join(self.buffer).strip(" \t\r\n\u3000\xa0")
        self.buffer = []
        if text:
            self.blocks.append((text, None))

    def visit_children(self, element: Any) -> None:
        self.buffer.append(_space(element.text or ""))
        for child in element:
            self.visit(child)

    def visit(self, element: Any) -> None:
        if element is self.stop:
            raise _Stop
        tag = _tag(element)
        if not tag or tag in _SKIP:
            self.buffer.append(_space(element.tail or ""))  # a skipped element's tail is text
            return
        if (why := self.rules.hides(element)) is not None:
            text = "".join(_region_text(element, self.rules)).strip()
            if text:
                self.hidden.append(Furniture(self.first + len(self.blocks), text, why))
            self.buffer.append(_space(element.tail or ""))
            return
        if tag == "table" and _is_layout(element, self.stop):
            # a table laying out the page (its cells hold tables, or the body): its cells are
            # regions of the page, read as blocks, and the tables inside them as tables
            self.flush()
            for row in _own_rows(element):
                for cell in row:
                    if _tag(cell) in ("td", "th"):
                        self.count_cells(_span(cell.get("rowspan")) * _span(cell.get("colspan")))
                        self.visit_children(cell)
                        self.flush()
            self.buffer.append(element.tail or "")
            return
        if tag == "table":
            self.flush()
            for cells in self.table_rows(element):
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
        self.visit_children(element)
        if block:
            self.flush()
        self.buffer.append(_space(element.tail or ""))

    def count_cells(self, cells: int) -> None:
        """Count cells towards the page's bound (a layout table's as a data table's)."""
        self.cells[0] += cells
        if self.cells[0] > MAX_CELLS:
            raise _TooLarge(
                f"the page's tables expand to more than {MAX_CELLS:,} cells, more than a task "
                "table has; give the policy's own page"
            )

    def cell_text(self, cell: Any) -> str:
        """A cell's text: its paragraphs and lines joined without a separator (Chinese text)."""
        walker = _Walker(self.rules, expand=self.expand, first=self.first + len(self.blocks))
        walker.cells = self.cells
        walker.visit_children(cell)
        walker.flush()
        self.hidden.extend(walker.hidden)
        return "".join(text for text, _ in walker.blocks)

    def table_rows(self, table: Any) -> list[list[str]]:
        """The rows of a table, merged cells expanded (or, for metadata, each cell once)."""
        rows = _own_rows(table)
        out: list[list[str]] = []
        grid: dict[tuple[int, int], str] = {}
        hidden_rows: set[int] = set()
        width = 0
        for r, row in enumerate(rows):
            if (why := self.rules.hides(row)) is not None:
                hidden_rows.add(r)
                text = "".join(_region_text(row, self.rules)).strip()
                if text:
                    self.hidden.append(Furniture(self.first + len(self.blocks) + len(out), text, why))
                out.append([])
                continue
            c = 0
            plain: list[str] = []
            for cell in row:
                if _tag(cell) not in ("td", "th"):
                    continue
                rowspan = _span(cell.get("rowspan"))
                colspan = _span(cell.get("colspan"))
                text = self.cell_text(cell) if self.rules.hides(cell) is None else ""
                if self.rules.hides(cell) is not None:
                    hidden_text = "".join(_region_text(cell, self.rules)).strip()
                    if hidden_text:
                        self.hidden.append(
                            Furniture(
                                self.first + len(self.blocks) + len(out),
                                hidden_text,
                                str(self.rules.hides(cell)),
                            )
                        )
                plain.append(text)
                if not self.expand:
                    continue
                while (r, c) in grid:
                    c += 1
                self.count_cells(rowspan * colspan)
                for dr in range(min(rowspan, len(rows) - r)):
                    for dc in range(colspan):
                        grid[(r + dr, c + dc)] = text
                c += colspan
                width = max(width, c)
            out.append(plain)
        if not self.expand:
            return out
        # A hidden row stays empty even where a merged cell above would reach into it.
        return [
            [] if r in hidden_rows else [grid.get((r, c), "") for c in range(width)] for r in range(len(rows))
        ]


def _space(text: str) -> str:
    """HTML white space: runs of spaces and newlines read as one space; &nbsp; and U+3000 stay."""
    return re.sub(r"[ \t\r\n]+", " ", text)


def cell_text(cell: Any) -> str:
    """A cell's text: its paragraphs and lines joined without a separator (Chinese text)."""
    return _Walker(_HiddenRules(frozenset(), frozenset())).cell_text(cell)


def table_rows(table: Any) -> list[list[str]]:
    """The rows of a table with merged cells expanded (a nested table's text stays in its cell)."""
    return _Walker(_HiddenRules(frozenset(), frozenset())).table_rows(table)


def _is_layout(table: Any, stop: Any) -> bool:
    """Whether a table lays out the page rather than holding data: one of its own cells holds a
    table, or the element the walk stops at (the document's body)."""
    for row in _own_rows(table):
        for cell in row:
            if _tag(cell) not in ("td", "th"):
                continue
            if stop is not None and any(node is stop for node in cell.iter()):
                return True
            if any(_tag(node) == "table" for node in cell.iter() if node is not cell):
                return True
    return False


def _own_rows(table: Any) -> list[Any]:
    """The table's own rows, in order (directly or in its thead/tbody/tfoot; not a nested table's)."""
    rows = []
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(row for row in child if _tag(row) == "tr")
    return rows


def _span(value: str | None) -> int:
    try:
        span = int(str(value).strip())
    except ValueError:
        return 1
    if span > MAX_SPAN:
        raise _TooLarge(
            f"a table cell of the page spans {span:,} rows or columns, more than the {MAX_SPAN} a "
            "policy's table has; give the policy's own page"
        )
    return max(1, span)
