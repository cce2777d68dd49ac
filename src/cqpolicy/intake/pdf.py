"""A PDF attachment with a text layer, read with pdfplumber, by the page's structure.

Each page's tables are found by their ruling lines (pdfplumber's table geometry); the text
outside them is read line by line and joined into paragraphs (a new paragraph starts where a
line is indented or the previous line stopped short of the right margin). Tables and
paragraphs are interleaved by their position on the page, and pages follow each other. Inside
a cell, wrapped lines are joined. PDF text puts spaces where glyphs are far apart (``5 号``,
``2025 年``): spaces next to a Chinese character are removed.

What is on the paper but not the document is dropped and named (the
:class:`~cqpolicy.intake.Reading`'s furniture), found by where it stands, not by what it says:

- **running headers and footers, page numbers**: the first and last lines of a page that
  recur at the same height on other pages once their digits are masked (``— 3 —``, ``2/8``, a
  browser's date and page title above, its address and ``x/y`` below);
- **repeated header rows**: a table row equal to the table's first (header) row;
- **before the document and after it**: in a page printed from a browser, the site's
  navigation and the portal's metadata table stand before the document's title and number, and
  related reading, print links and the site footer after the last annex row. The document's
  extent runs from its title (the centred lines just above its number) to the last numbered
  row of its last table. The portal's metadata in such a print is not read (a PDF of the Word
  attachment carries none, and a print's metadata cannot be told from the page's furniture
  reliably); give the build a sidecar ``.meta.json`` for it.

A row continued on the next page (a row allowed to break across pages) is joined to its row,
cell by cell; so is a paragraph that goes on on the next page. A cell merged down over several
rows stands in every row it covers.

The file is untrusted: before pdfplumber reads a page, every stream is measured inflated
(without inflating it whole) and the content each page draws is counted, so that a small file
whose pages share one huge content stream, or a stream that inflates to a gigabyte, is refused
in a second instead of taking minutes and gigabytes. A scanned PDF, whose pages are images
without a text layer, gets a clear error.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import logging
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError
from cqpolicy.intake import Block, Furniture, Reading

MAX_PAGES = 500
#: Bytes one stream may inflate to (the real policy's largest, a font, is under 1 MB).
MAX_STREAM_BYTES = 32 * 1024 * 1024
#: Inflated bytes of all streams together, and PDF objects in all.
MAX_TOTAL_STREAM_BYTES = 256 * 1024 * 1024
MAX_OBJECTS = 200_000
#: Content-stream bytes one page draws, and all pages together (a stream shared by pages
#: counts once per page: that is what it costs to read). The real policy's pages draw at most
#: 28 KB each and 200 KB in all. pdfplumber reads dense content (one glyph per operator) at
#: about 40 KB a second, so the worst file within these bounds takes about 20 s.
MAX_PAGE_CONTENT_BYTES = 128 * 1024
MAX_CONTENT_BYTES = 768 * 1024

_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}])[ \t]+|[ \t]+(?=[{_CJK}])")
_DIGITS = re.compile(r"\d+")
_SENTENCE_ENDS = ("。", "！", "？", "；", "：", "”", "」")
_NUMBER_CELL = re.compile(r"^\d{1,4}$")
#: How many lines at a page's top and bottom may be running furniture.
_EDGE_LINES = 2


def tidy(text: str) -> str:
    """Remove the spaces PDF extraction puts next to Chinese characters."""
    return _SPACE_BY_CJK.sub("", text).strip()


@dataclass
class _Item:
    page: int
    top: float
    text: str
    cells: tuple[str, ...] | None = None
    #: For table rows: which cells are covered by a cell merged from above (no cell of their own).
    covered: tuple[bool, ...] = ()
    #: A paragraph whose first line is not indented (it may continue one from the page before).
    unindented: bool = False
    #: A paragraph whose last line reaches the right margin (it may go on on the next page).
    full: bool = False
    #: Centre and size of the first line, to tell the title's centred lines.
    centre: float = 0.0
    size: float = 0.0
    #: The text as found, for the region; why it is furniture, when it is.
    found: str = ""
    why: str | None = None
    table: int = -1
    lines: int = 1
    #: A line kept alone only because it stands at the page's edge: it goes on the paragraph above.
    joins_above: bool = False
    #: The font (name, size) most of the first line, and of the last line, is set in.
    font: tuple[str, float] = ("", 0.0)
    last_font: tuple[str, float] = ("", 0.0)
    #: Room left after the last line, and the width of what starts the first line unbroken.
    room: float = 0.0
    first_unit: float = 0.0


@dataclass
class _Page:
    """What a page gives before its text is made paragraphs: its table rows as items, its text
    lines outside the tables, and its width (pages of one width share a text column)."""

    rows: list[_Item]
    lines: list[dict[str, Any]]
    width: float


def read_pdf(data: bytes, path: Path) -> Reading:
    """The PDF's paragraphs and table rows in reading order, and the furniture dropped.

    Raises:
        InputError: if the PDF is damaged, cut short, encrypted, too long or too costly to
            read, or has no text layer.
    """
    import pdfplumber

    if b"%%EOF" not in data[-2048:]:
        raise InputError("the PDF is incomplete (it has no end-of-file marker); download it again", path=path)
    # pdfminer logs every font it cannot fully describe (a browser's print has hundreds); the
    # reader's own findings are what the user needs.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    read: list[_Page] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            check_costs(pdf.doc, path)
            if len(pdf.pages) > MAX_PAGES:
                raise InputError(f"the PDF has {len(pdf.pages)} pages, more than {MAX_PAGES}", path=path)
            chars = 0
            radicals: dict[str, str] = {}
            for number, page in enumerate(pdf.pages, start=1):
                chars += len(page.chars)
                read_radicals(page.chars, radicals)
                read.append(_read_page(number, page))
                page.flush_cache()
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
    columns, shared = _columns(read)
    pages: list[list[_Item]] = []
    for number, (part, (left, right)) in enumerate(zip(read, columns, strict=True), start=1):
        middle = sum(shared[part.width]) / 2
        found = [*part.rows, *_paragraphs(number, part.lines, left, right, middle)]
        pages.append(sorted(found, key=lambda item: item.top))
    _mark_running(pages, [part.width for part in read])
    items = [item for page in pages for item in _rejoin(page)]
    _mark_header_rows(items)
    _mark_extent(items)
    carried: list[str] = []
    merged = {id(item) for item in _join_across_pages(items, carried)}
    blocks: list[Block] = []
    furniture: list[Furniture] = []
    region: list[str] = []
    for at, item in enumerate(items, start=1):
        if item.found:
            region.append(item.found)
        if item.why is not None:
            furniture.append(Furniture(at, item.found, item.why))
        elif id(item) in merged:
            blocks.append(Block(at, item.text, item.cells))
    notes: tuple[str, ...] = ()
    if radicals:
        shown = "、".join(f"{r}→{c}" for r, c in sorted(radicals.items())[:8])
        notes = (
            f"read {len(radicals)} Kangxi or CJK radical{'s' if len(radicals) > 1 else ''} of the PDF's text "
            f"layer as the characters they stand for ({shown}): the fonts map those glyphs to radicals "
            "(a browser printing with some CJK fonts does this); check the result against the page",
        )
    notes += tuple(carried)
    return Reading(blocks=tuple(blocks), region="\n".join(region), furniture=tuple(furniture), notes=notes)


def read_radicals(chars: list[dict[str, Any]], seen: dict[str, str]) -> None:
    """Read a Kangxi radical (U+2F00–U+2FDF) or a CJK radical supplement character (U+2E80–U+2EFF)
    in a PDF's text layer as the unified ideograph it stands for.

    A PDF's text is what its fonts' character maps say, not what the page shows: some CJK fonts
    map common ideographs' glyphs to the radicals that look the same (``⼀`` U+2F00 for ``一``,
    ``⻓`` U+2ED3 for ``长``), so the text reads ``（⼀）`` where the page shows ``（一）``. The
    policy's text has no radicals, so each is read as its ideograph, in place (every later step,
    the region included, sees the ideograph), and ``seen`` collects them for the build's warning.
    Kangxi radicals by their NFKC form; the supplement by Unicode's Equivalent_Unified_Ideograph
    table (``resources/cjk_radicals.csv``), which NFKC does not cover.
    """
    table = _radical_table()
    for char in chars:
        text = char.get("text", "")
        if len(text) != 1 or not ("\u2e80" <= text <= "\u2eff" or "\u2f00" <= text <= "\u2fdf"):
            continue
        unified = table.get(text) or unicodedata.normalize("NFKC", text)
        if len(unified) == 1 and unified != text:
            char["text"] = unified
            seen[text] = unified


@functools.cache
def _radical_table() -> dict[str, str]:
    """CJK radical supplement character → its equivalent unified ideograph (see the file's header)."""
    from importlib.resources import files

    text = files("cqpolicy").joinpath("resources/cjk_radicals.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["radical"]: row["ideograph"] for row in rows}


def check_costs(document: Any, path: Path) -> None:
    """Refuse a PDF whose streams inflate, or whose pages draw, more than a policy's ever would.

    Every stream is inflated in pieces and counted, never held whole; each page's content
    streams are counted for that page, so one stream shared by many pages counts for each.

    Raises:
        InputError: naming the bound exceeded.
    """
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import PDFStream, resolve1

    sizes: dict[int, int] = {}
    total = 0
    objects = 0
    for xref in document.xrefs:
        for objid in xref.get_objids():
            objects += 1
            if objects > MAX_OBJECTS:
                raise InputError(
                    f"the PDF has more than {MAX_OBJECTS:,} objects, far more than a policy's", path=path
                )
            try:
                obj = document.getobj(objid)
            except Exception:  # a broken object is pdfplumber's to report, if a page uses it
                continue
            if isinstance(obj, PDFStream):
                size = _inflated_size(obj, path)
                sizes[objid] = size
                total += size
                if total > MAX_TOTAL_STREAM_BYTES:
                    raise InputError(
                        f"the PDF's streams inflate to more than {MAX_TOTAL_STREAM_BYTES:,} bytes, far more "
                        "than a policy's; it cannot be read safely",
                        path=path,
                    )
    drawn = 0
    for number, page in enumerate(PDFPage.create_pages(document), start=1):
        if number > MAX_PAGES:
            raise InputError(f"the PDF has more than {MAX_PAGES} pages", path=path)
        contents = resolve1(page.attrs.get("Contents"))
        refs = contents if isinstance(contents, list) else [page.attrs.get("Contents")]
        size = 0
        for ref in refs:
            objid = getattr(ref, "objid", None)
            if objid is not None and objid in sizes:
                size += sizes[objid]
            elif isinstance(stream := resolve1(ref), PDFStream):
                size += _inflated_size(stream, path)
        if size > MAX_PAGE_CONTENT_BYTES:
            raise InputError(
                f"page {number} of the PDF draws {size:,} bytes of content, more than the "
                f"{MAX_PAGE_CONTENT_BYTES:,} a page of text needs; it cannot be read safely",
                path=path,
            )
        drawn += size
        if drawn > MAX_CONTENT_BYTES:
            raise InputError(
                f"the PDF's pages draw more than {MAX_CONTENT_BYTES:,} bytes of content in all (pages "
                "sharing one huge content stream?); it cannot be read safely",
                path=path,
            )


def _inflated_size(stream: Any, path: Path) -> int:
    """How many bytes ``stream`` decodes to, up to the bound, without holding them."""
    filters = [getattr(f, "name", f) for f, _ in stream.get_filters()]
    raw = stream.rawdata if stream.rawdata is not None else (stream.data or b"")
    if not filters:
        return len(raw)
    if filters[0] not in ("FlateDecode", "Fl"):
        return len(raw) * 8  # other filters are rare in office PDFs; bound them by a fair ratio
    inflater = zlib.decompressobj()
    size = 0
    data = raw
    try:
        while data:
            piece = inflater.decompress(data, 1 << 20)
            size += len(piece)
            if size > MAX_STREAM_BYTES:
                raise InputError(
                    f"a stream of the PDF inflates to more than {MAX_STREAM_BYTES:,} bytes (from "
                    f"{len(raw):,}), far more than a policy's; it cannot be read safely",
                    path=path,
                )
            data = inflater.unconsumed_tail
            if not piece and not data:
                break
    except zlib.error:
        return len(raw)  # a damaged stream: pdfminer reports it, or reads what it can
    return size * (8 if len(filters) > 1 else 1)


def _read_page(number: int, page: Any) -> _Page:
    """The page's table rows as items, its text lines outside the tables, and its width."""
    # A ruled box of one column (a page frame, a bordered content area) is not a table: its text
    # is read as lines.
    edges = _rulings(page)
    edges += _open_edges(page, edges)
    vertical = [edge for edge in edges if edge["orientation"] == "v"]
    horizontal = [edge for edge in edges if edge["orientation"] == "h"]
    found = []
    if len(vertical) >= 2 and len(horizontal) >= 2:
        settings = {
            "vertical_strategy": "explicit",
            "horizontal_strategy": "explicit",
            "explicit_vertical_lines": vertical,
            "explicit_horizontal_lines": horizontal,
        }
        found = page.find_tables(table_settings=settings)
    tables = [table for table in found if max((len(row.cells) for row in table.rows), default=0) > 1]
    boxes = [table.bbox for table in tables]
    items = []
    for index, table in enumerate(tables):
        top = table.bbox[1]
        for offset, row in enumerate(table.extract()):
            covered = tuple(cell is None for cell in row)
            cells = tuple(tidy((cell or "").replace("\n", "")) for cell in row)
            if any(cells):
                text = " | ".join(cells)
                items.append(
                    _Item(number, top + offset * 0.001, text, cells, covered, found=text, table=index)
                )

    def outside(obj: dict[str, Any]) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in boxes)

    lines = page.filter(outside).extract_text_lines(keep_blank_chars=False, x_tolerance=1.5)
    lines = [line for line in lines if tidy(line["text"])]
    return _Page(items, lines, round(float(page.width)))


def _columns(read: list[_Page]) -> tuple[list[tuple[float, float]], dict[float, tuple[float, float]]]:
    """Each page's text column (its left and right edges), and the document's for each page width.

    The leftmost place where a fair share of full lines start (a page's chrome, a logo or a
    search box, may stand further out alone; a table without rulings has many short lines), and
    the furthest a line starting there reaches, over all pages of a width: the document's column.
    A page keeps a column of its own only where it has six full lines or more and none of them,
    or one, at the document's column (an annex set in another box); a page of few lines (the
    document's head alone under a long page top) or of a box of indented lines above the
    document (a summary) takes the document's.
    """
    bodies = [
        page.lines[_EDGE_LINES:-_EDGE_LINES] if len(page.lines) > 2 * _EDGE_LINES else page.lines
        for page in read
    ]
    by_width: dict[float, list[dict[str, Any]]] = {}
    for page, body in zip(read, bodies, strict=True):
        by_width.setdefault(page.width, []).extend(body)
    shared = {width: _column(lines, width) for width, lines in by_width.items()}
    out = []
    for page, body in zip(read, bodies, strict=True):
        full = _full(body)
        at_shared = sum(abs(line["x0"] - shared[page.width][0]) <= 2 for line in full)
        # a page keeps a column of its own where the document's column has no lines on it
        own = len(full) >= _OWN_COLUMN_LINES and at_shared < 2
        out.append(_column(body, page.width) if own else shared[page.width])
    return out, shared


#: Full lines a page needs to have a text column of its own.
_OWN_COLUMN_LINES = 6


def _full(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines of running text: at least 60 % as wide as the widest line."""
    if not lines:
        return []
    widest = max(line["x1"] - line["x0"] for line in lines)
    return [line for line in lines if line["x1"] - line["x0"] >= 0.6 * widest]


def _column(lines: list[dict[str, Any]], width: float) -> tuple[float, float]:
    full = _full(lines)
    if not full:
        return 0.0, width
    # the leftmost place where a fair share of full lines start: a page of short paragraphs has
    # more indented first lines than lines going on at the column's edge
    starts = Counter(round(line["x0"]) for line in full)
    most = max(starts.values())
    column = min(x for x, count in starts.items() if count >= max(2, most / 4) or count == most)
    near = [line for line in lines if abs(line["x0"] - column) <= 2]
    return min(line["x0"] for line in near), max(line["x1"] for line in near)


def _rulings(page: Any) -> list[dict[str, Any]]:
    """The page's rulings: its lines, its stroked shapes, and filled shapes thin enough to be lines.

    A filled box of some height and width is shading, not a ruling: an office suite fills the
    background of each line of text of a page it imported (white, or a table's tint), and those
    boxes' edges would make a table of every paragraph.
    """
    from pdfplumber.utils.geometry import obj_to_edges

    edges: list[dict[str, Any]] = []
    for line in page.lines:
        edges.extend(obj_to_edges(line))
    # a browser draws a cell's border as a thin filled box, or a thin filled four-sided shape
    for shape in [*page.rects, *page.curves]:
        if shape.get("stroke") or min(float(shape["width"]), float(shape["height"])) <= 2:
            edges.extend(obj_to_edges(shape))
    return edges


def _open_edges(page: Any, edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rulings a table broken by the page leaves out: a line across its open end.

    A browser printing a table whose row breaks across pages draws the row's column rulings
    down to the foot of the page (and on the next page from its head) but no horizontal ruling
    there, so the row's cells are not closed and its text would be read as loose lines across
    the columns. The table is open at the foot when the page's lowest vertical rulings, three or
    more at different places across, end at one height with no horizontal ruling there and
    nothing but the page's last lines (its running footer) below them; likewise at the head.
    A line is drawn across it there.
    """
    verticals = [e for e in edges if e["orientation"] == "v" and e["bottom"] - e["top"] > 2]
    if not verticals:
        return []
    lines = sorted({round(float(c["top"])) for c in page.chars if str(c.get("text", "")).strip()})
    lines_out = []
    for key, extreme in (("bottom", max), ("top", min)):
        at = extreme(e[key] for e in verticals)
        ending = [e for e in verticals if abs(e[key] - at) <= 1]
        places = sorted({round(e["x0"]) for e in ending})
        distinct = [x for i, x in enumerate(places) if i == 0 or x - places[i - 1] > 3]
        ruled = any(
            e["orientation"] == "h" and abs(e["top"] - at) <= 1 and e["x1"] - e["x0"] > 3 for e in edges
        )
        beyond = [top for top in lines if (top > at if key == "bottom" else top < at - 4)]
        at_edge = len(beyond) <= _EDGE_LINES
        if len(distinct) >= 3 and not ruled and at_edge:
            x0, x1 = min(e["x0"] for e in ending), max(e["x1"] for e in ending)
            lines_out.append(
                {
                    "object_type": "line",
                    "orientation": "h",
                    "x0": x0,
                    "x1": x1,
                    "top": at,
                    "bottom": at,
                    "width": x1 - x0,
                    "height": 0,
                }
            )
    return lines_out


def _paragraphs(
    number: int, lines: list[dict[str, Any]], left: float, right: float, middle: float
) -> list[_Item]:
    """Join a page's text lines into paragraphs; the first and last lines stay alone.

    ``left`` and ``right`` are the page's text column's edges (:func:`_columns`); ``middle`` the
    middle of the document's column, from which a line's centring is measured (a page whose own
    column is set by a box of indented lines, a summary above the document, centres its title
    on the document's column all the same). The lines at the
    page's top and bottom edge are kept as items of their own, so that running furniture can be
    told from them; they are joined back when they are not.
    """
    if not lines:
        return []
    pitch = _line_pitch(lines, left, right)
    out: list[_Item] = []
    previous: dict[str, Any] | None = None
    for index, line in enumerate(lines):
        text = tidy(line["text"])
        size = _char_size(line)
        indented = line["x0"] - left > 0.8 * size
        # a line above that stops short ends its paragraph, unless what starts this line could not
        # have stood in the room left there (a word such as （GDP） is not broken)
        short_before = (
            previous is not None
            and right - previous["x1"] > 3 * size
            and _first_unit_width(line) < right - previous["x1"]
        )
        # paragraphs set apart by space rather than by an indent (a Word file made from a web
        # page, where every paragraph has space after it and none an indent)
        spaced = previous is not None and line["top"] - previous["top"] > 1.3 * pitch * _font_size(previous)
        edge = index < _EDGE_LINES or index >= len(lines) - _EDGE_LINES
        was_edge = previous is not None and (index - 1 < _EDGE_LINES or index - 1 >= len(lines) - _EDGE_LINES)
        # a line set to the right or centred (a signature, a date) is a paragraph of its own
        aligned_before = previous is not None and previous["x0"] - left > (right - left) / 4
        goes_on = (
            bool(out) and previous is not None and not (indented or short_before or spaced or aligned_before)
        )
        if goes_on and not edge and not was_edge:
            out[-1].text += text
            out[-1].found += text
            out[-1].lines += 1
            out[-1].last_font = _font(line)
        else:
            centre = (line["x0"] + line["x1"]) / 2 - middle
            out.append(
                _Item(
                    number,
                    float(line["top"]),
                    text,
                    unindented=not indented,
                    centre=centre,
                    size=size,
                    found=text,
                    joins_above=goes_on,
                    font=_font(line),
                    last_font=_font(line),
                    first_unit=_first_unit_width(line),
                )
            )
        out[-1].full = right - line["x1"] <= 3 * size
        out[-1].room = right - line["x1"]
        previous = line
    return out


def _line_pitch(lines: list[dict[str, Any]], left: float, right: float) -> float:
    """The page's usual distance from one line to the next within a paragraph, in font sizes.

    The most common distance from a line that fills the text column to the next line when that
    one starts at the column's left edge (a paragraph going on), measured in the upper line's
    font size, so a title's larger lines keep their own pitch. Other lines (the cells of a table
    drawn without rulings, set side by side) do not count. A page without such a pair has no
    pitch, and no paragraph on it is split by its spacing.
    """
    ratios = Counter(
        round((below["top"] - above["top"]) / _font_size(above), 1)
        for above, below in itertools.pairwise(lines)
        if below["top"] > above["top"]
        and abs(below["x0"] - left) <= 2
        and right - above["x1"] <= 3 * _font_size(above)
    )
    if not ratios:
        return float("inf")
    return float(max(ratios.items(), key=lambda pair: (pair[1], -pair[0]))[0])


#: What a line cannot be broken inside of at its start: Latin letters and digits with the
#: brackets and quotes around them, or one character with the closing marks after it.
_UNIT = re.compile(r"^[（(“‘《〈\[]*(?:[A-Za-z0-9.%+\-/]+|.)[）)”’》〉\]，。、；：！？,.;:!?]*")


def _first_unit_width(line: dict[str, Any]) -> float:
    """How wide the start of the line is that a line break cannot fall inside."""
    chars = [c for c in line.get("chars") or [] if str(c.get("text", "")).strip()]
    if not chars:
        return 0.0
    unit = _UNIT.match("".join(str(c["text"]) for c in chars))
    count = max(1, len(unit.group(0)) if unit else 1)
    return float(chars[min(count, len(chars)) - 1]["x1"] - chars[0]["x0"])


def _font(line: dict[str, Any]) -> tuple[str, float]:
    """The font most of the line is set in: its name (without the subset prefix) and size."""
    fonts = Counter(
        (str(c.get("fontname", "")).split("+")[-1], round(float(c.get("size", 0)), 1))
        for c in line.get("chars") or []
    )
    return max(fonts.items(), key=lambda pair: (pair[1], pair[0]))[0] if fonts else ("", 0.0)


def _font_size(line: dict[str, Any]) -> float:
    """The line's font size: the size most of its characters are set in."""
    sizes = Counter(round(float(c["size"]), 1) for c in line.get("chars") or [] if c.get("size"))
    if not sizes:
        return float(line["bottom"] - line["top"]) or 10.0
    return max(sizes.items(), key=lambda pair: (pair[1], pair[0]))[0] or 10.0


def _char_size(line: dict[str, Any]) -> float:
    chars = line.get("chars") or []
    if chars:
        return float(sum(c["x1"] - c["x0"] for c in chars) / len(chars)) or 10.0
    return float(line["bottom"] - line["top"]) or 10.0


def _mark_running(pages: list[list[_Item]], widths: list[float]) -> None:
    """Mark the running headers, footers and page numbers: edge lines that recur on other pages.

    A running line stands on most pages (all but a first page set apart, say): one that recurs
    on fewer than half of them is a coincidence, such as the site's name at the top of a print's
    first page and the document's issuer line at the top of a later one. Pages are counted
    among those of the same width (a landscape annex section has running lines of its own).
    """
    if len(pages) < 2:
        return
    alike = Counter(widths)
    candidates: list[tuple[_Item, str, bool]] = []
    for page in pages:
        texts = [item for item in page if item.cells is None]
        for position, item in enumerate(texts):
            top_edge = position < _EDGE_LINES and all(i.cells is None for i in page[: page.index(item)])
            bottom_edge = position >= len(texts) - _EDGE_LINES and all(
                i.cells is None for i in page[page.index(item) + 1 :]
            )
            if (top_edge or bottom_edge) and item.lines == 1:
                candidates.append((item, _DIGITS.sub("#", item.text), top_edge))
    seen = Counter((masked, round(item.top / 4)) for item, masked, _ in candidates)
    for item, masked, top in candidates:
        key = round(item.top / 4)
        count = sum(seen[(masked, k)] for k in (key - 1, key, key + 1))
        need = max(2, (alike[widths[item.page - 1]] + 1) // 2)
        if count < 2 or _distinct_pages(candidates, masked, item) < need:
            continue
        if not re.search(r"[^\W\d_]", masked.replace("#", "")):
            item.why = "page number"
        else:
            item.why = "running header" if top else "running footer"


def _distinct_pages(candidates: list[tuple[_Item, str, bool]], masked: str, item: _Item) -> int:
    """On how many pages the line recurs at the same height, digits aside."""
    return len({other.page for other, m, _ in candidates if m == masked and abs(other.top - item.top) <= 6})


def _rejoin(page: list[_Item]) -> list[_Item]:
    """Join back the edge lines that are not furniture to the paragraph they go on."""
    out: list[_Item] = []
    for item in page:
        above = out[-1] if out else None
        if (
            item.joins_above
            and item.why is None
            and above is not None
            and above.cells is None
            and above.why is None
        ):
            above.text += item.text
            above.found += item.found
            above.lines += 1
            above.full = item.full
            above.last_font = item.last_font
            above.room = item.room
            continue
        out.append(item)
    return out


def _mark_header_rows(items: list[_Item]) -> None:
    """Mark each repetition of the task table's header row: the row just above its first
    numbered row (a page's metadata table, drawn as a table too, may come first)."""
    rows = [item for item in items if item.cells is not None and item.why is None]
    first = next(
        (i for i, item in enumerate(rows) if _NUMBER_CELL.match(item.cells[0] if item.cells else "")), None
    )
    if not first:
        return
    header = rows[first - 1].cells
    for item in rows[first:]:
        if item.cells == header:
            item.why = "repeated header row"


def _mark_extent(items: list[_Item]) -> None:
    """Mark what stands before the document's title and after its last numbered table row."""
    from cqpolicy.build.numerals import document_number

    rows = [
        i
        for i, item in enumerate(items)
        if item.cells and item.why is None and _NUMBER_CELL.match(item.cells[0])
    ]
    if rows:
        continuing = True  # the last row's continuation on the next page is still the row's
        for item in items[rows[-1] + 1 :]:
            if item.why is not None:
                continue
            continuing = continuing and item.cells is not None and not item.cells[0]
            if not continuing:
                item.why = "after the last annex row"
    number = next(
        (
            i
            for i, item in enumerate(items)
            if item.cells is None and item.why is None and document_number(item.text)
        ),
        None,
    )
    if number is None:
        return
    start = number
    for i in range(number - 1, -1, -1):
        item = items[i]
        if item.why is not None:
            continue
        if item.cells is not None or abs(item.centre) > 2 * max(item.size, 1.0) or item.lines > 4:
            break
        start = i
    for item in items[:start]:
        if item.why is None:
            item.why = "before the document (the page's navigation and metadata)"


def _join_across_pages(items: list[_Item], notes: list[str]) -> list[_Item]:
    """Join a table row or a paragraph continued on the next page to where it started.

    A cell merged down over rows that a page break splits is printed once, on the first page
    (LibreOffice does so): the row at the head of the next page shows that cell empty. Where
    the column is never empty otherwise (a task's units), the empty cell at a page's head is
    the merged cell going on, and is read as the cell above it; ``notes`` says which.
    """
    heads = _page_head_rows(items)
    # Where paragraphs are told by their indent, an unindented first line at a page's head goes
    # on the paragraph before; where they are set apart by space alone, one that ends a sentence
    # at the foot of a page may as well have ended there, and is taken to (no text is lost
    # either way: at worst a paragraph is read as two).
    paragraphs = [item for item in items if item.cells is None and item.why is None and item.lines > 1]
    by_indent = sum(not item.unindented for item in paragraphs) * 2 > len(paragraphs)
    kept: list[_Item] = []
    for item in items:
        if item.why is not None:
            continue
        previous = kept[-1] if kept else None
        if previous is not None and item.cells is not None and previous.cells is not None:
            if item.page == previous.page + 1 and _continues(previous, item):
                # the region reads a broken row cell by cell, as the blocks do
                joined = tuple(a + b for a, b in zip(previous.cells, item.cells, strict=True))
                previous.cells, previous.text = joined, " | ".join(joined)
                previous.found, item.found = previous.text, ""
                previous.page = item.page
                continue
            if id(item) in heads and len(item.cells) == len(previous.cells):
                carried = [c for c in heads[id(item)] if previous.cells[c]]
                if carried:
                    item.covered = tuple(c in carried or old for c, old in enumerate(_covered(item)))
                    plural = "s" if len(carried) > 1 else ""
                    notes.append(
                        f"read the empty cell{plural} of row {item.cells[0]} at the head of page "
                        f"{item.page} as the cell merged down from the row above (a cell merged "
                        "across a page break is printed once); check the result against the file"
                    )
            if any(item.covered) and len(item.cells) == len(previous.cells):
                # a cell merged down from above stands in every row it covers
                cells = tuple(
                    p if c else t for t, c, p in zip(item.cells, item.covered, previous.cells, strict=True)
                )
                item.cells, item.text = cells, " | ".join(cells)
                item.found = item.text
        if (
            previous is not None
            and item.page == previous.page + 1
            and item.cells is None
            and previous.cells is None
            and item.unindented
            # the page's last line reached the margin, or stopped where the next page's first
            # word could not have stood
            and (previous.full or item.first_unit > previous.room)
            # after a sentence's end, only where paragraphs are told by their indent, and not
            # into a heading set in another font
            and (
                not previous.text.endswith(_SENTENCE_ENDS) or (by_indent and item.font == previous.last_font)
            )
        ):
            previous.text += item.text  # a paragraph that goes on on the next page
            previous.full, previous.page = item.full, item.page
            previous.last_font, previous.room = item.last_font, item.room
            continue
        kept.append(item)
    return kept


def _page_head_rows(items: list[_Item]) -> dict[int, list[int]]:
    """The numbered rows at a page's head whose empty cells stand in columns never empty
    elsewhere: ``id(row) → those columns``."""
    rows = [i for i in items if i.why is None and i.cells and _NUMBER_CELL.match(i.cells[0])]
    if not rows:
        return {}
    width = len(rows[0].cells or ())
    at_head = {id(row) for before, row in itertools.pairwise(rows) if row.page > before.page}
    empty = {
        id(row): {c for c in range(1, width) if not row.cells[c] and not _covered(row)[c]}
        for row in rows
        if row.cells and len(row.cells) == width
    }
    elsewhere = set().union(*(columns for key, columns in empty.items() if key not in at_head))
    return {
        key: sorted(columns - elsewhere)
        for key, columns in empty.items()
        if key in at_head and columns - elsewhere
    }


def _covered(item: _Item) -> tuple[bool, ...]:
    """Which of the row's cells are covered by a cell merged from above (none, when not said)."""
    return item.covered or (False,) * len(item.cells or ())


def _continues(previous: _Item, item: _Item) -> bool:
    """Whether ``item`` is the rest of ``previous``, a row broken across a page."""
    assert previous.cells is not None and item.cells is not None
    return len(item.cells) == len(previous.cells) and not item.cells[0] and bool(previous.cells[0])
