"""A Word attachment (``.docx``), read from its WordprocessingML with lxml.

Paragraphs and tables of the document body become blocks in document order (page headers,
footers, footnotes and text boxes are not part of the policy). A table's rows become blocks
with their cells (a cell's paragraphs and lines joined without a separator, as in the page);
a merged cell stands in every grid position it covers (``w:gridSpan``
across, ``w:vMerge`` down), so a category row merged across the table and a lead unit merged
down over several tasks read as the parser expects. A header row that Word repeats on every
page (``w:tblHeader``) is stored once and read once; a header row repeated as real rows (as
in files converted from PDF) is left for the parser, which skips rows equal to the header.

What Word shows is what is read: a list's automatic number (``w:numPr``, an annex's 序号
column numbered by Word) is written before its paragraph's text (:mod:`cqpolicy.intake.numbering`);
a run formatted hidden (``w:vanish``, directly or through
its character style) is not policy and is dropped; tracked changes are read as accepted
(insertions ``w:ins``/``w:moveTo`` kept, deletions ``w:del``/``w:moveFrom`` dropped). Every
dropped text is named in the :class:`~cqpolicy.intake.Reading`'s furniture, so the build can
prove nothing else was lost.

The file is a zip and untrusted: its members and their uncompressed sizes are checked before
anything is inflated; the XML is parsed without DTDs, entities or network access; and the
number of elements, paragraphs, rows and grid columns is bounded, so that a small hostile file
(a gridSpan of fifty million, millions of empty paragraphs, a merge thousands of rows deep) is
refused within a second or two instead of exhausting memory. The bounds are far above any
policy: the real one has about 200 paragraphs, one table of 60 rows and 3 columns.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError
from cqpolicy.intake import Block, Furniture, Reading
from cqpolicy.intake.numbering import Numbering
from cqpolicy.intake.numbering import w as _w

#: Members a .docx may have, and the uncompressed bytes they may unpack to in all (the real
#: policy: 60 KB in 12 members).
MAX_MEMBERS = 5000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Uncompressed bytes of ``word/document.xml`` and ``word/styles.xml`` (the real policy: 160 KB).
MAX_PART_BYTES = 16 * 1024 * 1024
#: XML elements of the document part: 25 million empty paragraphs must not reach a tree.
MAX_ELEMENTS = 1_000_000
#: Paragraphs and table rows read, grid columns of one table, and cells of all tables.
MAX_BLOCKS = 100_000
MAX_COLUMNS = 64
MAX_CELLS = 500_000

_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


#: Subtrees of a paragraph whose text is not the paragraph's (properties, drawings, text boxes,
#: the fallback copy of alternate content, field instructions, footnote references).
_SKIP = {
    _w("pPr"),
    _w("rPr"),
    _w("drawing"),
    _w("pict"),
    _w("object"),
    _w("txbxContent"),
    _w("instrText"),
    _w("delInstrText"),
    f"{{{_MC}}}Fallback",
}
#: Tracked changes read as accepted: these hold text that is deleted.
_DELETED = {_w("del"), _w("moveFrom")}
_OFF = {"0", "false", "off"}


def check_zip(data: bytes, path: Path) -> None:
    """Refuse a file that is not a complete, reasonably sized Word zip, before inflating anything.

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
            names = {member.filename: member.file_size for member in members}
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
    for part in ("word/document.xml", "word/styles.xml"):
        if names.get(part, 0) > MAX_PART_BYTES:
            raise InputError(
                f"the Word file's {part} unpacks to {names[part]:,} bytes, more than the "
                f"{MAX_PART_BYTES:,} a policy document can have",
                path=path,
            )


def _part(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """One member's bytes, read no further than its bound (a zip can lie about its sizes)."""
    with archive.open(name) as handle:
        data = handle.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:
        raise InputError(f"the Word file's {name} unpacks to more than {MAX_PART_BYTES:,} bytes", path=path)
    return data


def _parse_xml(data: bytes, name: str, path: Path) -> Any:
    """Parse one part without DTDs or entity expansion, counting elements as they come."""
    from lxml import etree

    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    count = 0
    try:
        for offset in range(0, len(data), 65536):
            parser.feed(data[offset : offset + 65536])
            for _event, _element in parser.read_events():
                count += 1
            if count > MAX_ELEMENTS:
                raise InputError(
                    f"the Word file's {name} has more than {MAX_ELEMENTS:,} XML elements, far more than "
                    "a policy document; it cannot be read safely",
                    path=path,
                )
        root = parser.close()
    except etree.XMLSyntaxError:
        raise InputError(
            f"the Word file's {name} is not well-formed XML; open and save it again in Word", path=path
        ) from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise InputError(
            f"the Word file's {name} declares a DTD (entities), which Word never writes; open and save "
            "it again in Word",
            path=path,
        )
    return root


@dataclass
class _Reader:
    path: Path
    hidden_styles: set[str]
    numbering: Numbering = field(default_factory=Numbering)
    items: list[tuple[str, tuple[str, ...] | None]] = field(default_factory=list)
    #: For each item: (index of the item, text dropped, why).
    dropped: list[tuple[int, str, str]] = field(default_factory=list)
    #: For each item: its text as found, with what was dropped, in reading order.
    found: list[str] = field(default_factory=list)
    cells: int = 0

    def add(self, text: str, cells: tuple[str, ...] | None, found: str) -> None:
        if len(self.items) >= MAX_BLOCKS:
            raise InputError(
                f"the Word document has more than {MAX_BLOCKS:,} paragraphs and table rows, far more "
                "than a policy; it cannot be read safely",
                path=self.path,
            )
        self.items.append((text, cells))
        self.found.append(found)

    def hidden(self, run: Any) -> bool:
        properties = run.find(_w("rPr"))
        if properties is None:
            return False
        vanish = properties.find(_w("vanish"))
        if vanish is not None:
            return vanish.get(_w("val"), "true").lower() not in _OFF
        style = properties.find(_w("rStyle"))
        return style is not None and style.get(_w("val")) in self.hidden_styles

    def paragraph(self, element: Any) -> tuple[str, str, list[tuple[str, str]]]:
        """The paragraph's text as Word shows it, its text as found, and what was dropped (why)."""
        label = self.numbering.label(element)  # a list's number, which Word shows and the XML has not
        shown: list[str] = [label]
        found: list[str] = [label]
        dropped: list[tuple[str, str]] = []
        # An explicit stack, not recursion: nesting depth is the file's to choose.
        stack: list[tuple[Any, str | None]] = [(child, None) for child in reversed(element)]
        while stack:
            node, why = stack.pop()
            tag = node.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag in _DELETED:
                why = why or "tracked deletion (w:del), read as accepted"
            elif tag == _w("r") and why is None and self.hidden(node):
                why = "hidden run (w:vanish)"
            if tag in (_w("t"), _w("delText")):
                text = _text_of(node, self.path)
            elif tag in (_w("tab"), _w("ptab")):
                text = "\t"
            elif tag in (_w("br"), _w("cr")):
                text = "\n"
            elif tag == _w("noBreakHyphen"):
                text = "-"
            else:
                stack.extend((child, why) for child in reversed(node))
                continue
            found.append(text)
            if why is None:
                shown.append(text)
            elif text:
                dropped.append((text, why))
        return "".join(shown), "".join(found), dropped

    def block_level(self, container: Any) -> None:
        """Paragraphs and tables of the body (or of a content control), in order."""
        stack = list(reversed(container))
        while stack:
            child = stack.pop()
            if child.tag == _w("p"):
                text, found, dropped = self.paragraph(child)
                self.dropped.extend((len(self.items), t, why) for t, why in dropped)
                self.add(text, None, found)
            elif child.tag == _w("tbl"):
                self.table(child)
            elif child.tag in (_w("sdt"), _w("customXml"), _w("sdtContent"), _w("ins"), _w("moveTo")):
                stack.extend(reversed(child))

    def table(self, table: Any) -> None:
        above: dict[int, str] = {}  # the text of the cell above, per grid column, for vertical merges
        for row in table.iter(_w("tr")):
            if _ancestor_table(row) is not table:
                continue  # a row of a nested table: read with its cell's paragraphs
            cells: list[str] = []
            found: list[str] = []
            dropped: list[tuple[str, str]] = []
            properties = row.find(_w("trPr"))
            before = _int(properties, "gridBefore") if properties is not None else 0
            cells.extend([""] * before)
            for cell in row.iter(_w("tc")):
                if _ancestor_table(cell) is not table:
                    continue
                tc_pr = cell.find(_w("tcPr"))
                span = _int(tc_pr, "gridSpan") if tc_pr is not None else 1
                span = max(span, 1)
                column = len(cells)
                if column + span > MAX_COLUMNS:
                    raise InputError(
                        f"a table row of the Word document spans {column + span:,} grid columns, more "
                        f"than the {MAX_COLUMNS} a policy's table can have; it cannot be read safely",
                        path=self.path,
                    )
                merge = tc_pr.find(_w("vMerge")) if tc_pr is not None else None
                texts: list[str] = []
                raw: list[str] = []
                for paragraph in cell.iter(_w("p")):
                    if paragraph.getparent() is not None and _inside_text_box(paragraph, cell):
                        continue
                    text, got, lost = self.paragraph(paragraph)
                    # a line break in a cell is layout (the cell's width), not content: the
                    # lines are joined as the paragraphs are, as the page's reader joins them
                    texts.append("".join(line.strip() for line in text.split("\n")))
                    raw.append(got)
                    dropped.extend(lost)
                text = "".join(texts)
                if merge is not None and merge.get(_w("val"), "continue") == "continue" and not text:
                    text = above.get(column, "")  # a merged cell stands in every row it covers
                found.append("".join(raw) or text)
                for offset in range(span):
                    cells.append(text)
                    above[column + offset] = text
            self.cells += len(cells)
            if self.cells > MAX_CELLS:
                raise InputError(
                    f"the Word document's tables have more than {MAX_CELLS:,} cells, far more than a "
                    "policy's; it cannot be read safely",
                    path=self.path,
                )
            if cells:
                self.dropped.extend((len(self.items), t, why) for t, why in dropped)
                self.add(" | ".join(cells), tuple(cells), " | ".join(cells) + "".join(t for t, _ in dropped))


def _ancestor_table(element: Any) -> Any:
    parent = element.getparent()
    while parent is not None and parent.tag != _w("tbl"):
        parent = parent.getparent()
    return parent


def _inside_text_box(paragraph: Any, cell: Any) -> bool:
    parent = paragraph.getparent()
    while parent is not None and parent is not cell:
        if parent.tag in _SKIP:
            return True
        parent = parent.getparent()
    return False


def _int(properties: Any, name: str) -> int:
    element = properties.find(_w(name))
    if element is None:
        return 0 if name == "gridBefore" else 1
    value = element.get(_w("val"), "")
    if not value.isdigit() or len(value) > 9:
        return MAX_COLUMNS + 1  # unreadable or absurd: refused by the caller's bound
    return int(value)


def _text_of(node: Any, path: Path) -> str:
    """A ``w:t``'s whole text: an entity left unresolved must not cut the rest of the run."""
    if len(node):
        raise InputError(
            "the Word document has an entity reference inside a run, which Word never writes; open "
            "and save it again in Word",
            path=path,
        )
    return str(node.text or "")


def _hidden_styles(root: Any) -> set[str]:
    """Character styles that hide their runs (``w:vanish`` in the style's run properties)."""
    out = set()
    for style in root.iter(_w("style")):
        vanish = style.find(f"{_w('rPr')}/{_w('vanish')}")
        if vanish is not None and vanish.get(_w("val"), "true").lower() not in _OFF:
            out.add(style.get(_w("styleId"), ""))
    return out


def read_docx(data: bytes, path: Path) -> Reading:
    """The document body's paragraphs and table rows, in order, and what was dropped.

    The region is every paragraph and row as found, hidden runs and tracked deletions
    included (a merged cell in each position it covers, as in the blocks); the furniture
    names each hidden run and deletion.

    Raises:
        InputError: if the file is not a usable Word document or exceeds a bound.
    """
    check_zip(data, path)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document = _parse_xml(_part(archive, "word/document.xml", path), "word/document.xml", path)
        names = set(archive.namelist())
        styles = (
            _parse_xml(_part(archive, "word/styles.xml", path), "word/styles.xml", path)
            if "word/styles.xml" in names
            else None
        )
        numbering = (
            _parse_xml(_part(archive, "word/numbering.xml", path), "word/numbering.xml", path)
            if "word/numbering.xml" in names
            else None
        )
    body = document.find(_w("body"))
    if document.tag != _w("document") or body is None:
        raise InputError("the Word file's word/document.xml has no document body", path=path)
    reader = _Reader(
        path, _hidden_styles(styles) if styles is not None else set(), Numbering.read(numbering, styles)
    )
    reader.block_level(body)
    blocks: list[Block] = []
    region: list[str] = []
    furniture: list[Furniture] = []
    for index, text, why in reader.dropped:
        furniture.append(Furniture(index + 1, text, why))
    for index, ((text, cells), found) in enumerate(zip(reader.items, reader.found, strict=True)):
        at = index + 1
        region.append(found)
        if text.strip():
            blocks.append(Block(at, text, cells))
    # the region writes a merged cell in every column it covers, as the blocks do
    return Reading(
        blocks=tuple(blocks), region="\n".join(region), furniture=tuple(furniture), merged_once=False
    )
