"""Plain text: the archived mirror copy, a clean official text, or a page's text copied from a browser.

Every non-blank line is one block, numbered by its line in the file. Table rows stay as
written (``1 | task | units |``, or cells separated by tabs in copied text): the parser
splits them.

The document is read by its extent (:mod:`cqpolicy.intake.extent`): from its head (title and
number) to its last annex row. Lines before and after it (a page's navigation, metadata
block, print and close links, related reading, footer) are furniture, named in the
:class:`~cqpolicy.intake.Reading` so that the build can say what it dropped and prove that
nothing else was lost: the region is the whole file.

Text copied out of a PDF keeps the PDF's line breaks inside sentences and its page numbers
between pages; its paragraphs cannot be told apart for certain, so such a text is refused
with a sentence that asks for the PDF itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from cqpolicy.errors import InputError
from cqpolicy.intake import Block, Reading


def utf8_or_gb18030(data: bytes) -> tuple[str, str]:
    """The bytes decoded as UTF-8, or else as GB18030 (what Chinese text that is not UTF-8 is
    in), and the codec used.

    Raises:
        UnicodeDecodeError: the bytes are neither (the GB18030 error, where it stopped).
    """
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gb18030"


def decode(data: bytes, path: Path | str) -> str:
    """Decode text bytes: UTF-8 (BOM optional), else GB18030; newlines become LF.

    Raises:
        InputError: if the file is empty or is neither UTF-8 nor GB18030.
    """
    if not data.strip():
        raise InputError("the file is empty; give the policy's source text", path=path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("the file is UTF-16; save it as UTF-8 or GB18030 and build again", path=path)
    try:
        text, _ = utf8_or_gb18030(data)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(
            "the file is neither UTF-8 nor GB18030 text; save it as UTF-8 and build again",
            path=path,
            line=line,
        ) from None
    if "\x00" in text:
        raise InputError("the file contains NUL bytes and is not a text file", path=path)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(data: bytes, path: Path) -> Reading:
    """The document's lines (one block per non-blank line, ``at`` = the 1-based line number).

    Raises:
        InputError: if the text cannot be decoded, a task row stands after the table, or the
            text was copied out of a PDF.
    """
    from cqpolicy.intake.extent import document_extent

    text = decode(data, path)
    blocks = join_lone_tabs(text.split("\n"))
    blocks = join_broken_rows(blocks)
    kept, furniture, _before = document_extent(blocks, path)
    refuse_pdf_copy(kept, path)
    return Reading(blocks=tuple(kept), region=text, furniture=tuple(furniture))


def join_lone_tabs(lines: Sequence[str]) -> list[Block]:
    """One block per non-blank line, except that a line holding only a tab joins its neighbours.

    A browser's ``innerText`` of a table whose cells hold paragraphs (``<td><p>…</p></td>``, as
    Word-pasted tables on portals have them) writes each cell on lines of its own, with a line
    holding a lone tab between two cells: ``序号`` / ``\t`` / ``目标任务``. The cells on either
    side of a lone tab are one row, ``序号\t目标任务``; the row keeps the line of its first part.
    A cell's own paragraphs stay lines of their own, joined to their row by
    :func:`join_broken_rows`.
    """
    blocks: list[Block] = []
    open_cell = False  # a lone tab was seen: the next line is the row's next cell
    for at, line in enumerate(lines, start=1):
        if line.strip(" \t\u3000\xa0"):
            if open_cell and blocks:
                blocks[-1] = Block(blocks[-1].at, blocks[-1].text + line)
            else:
                blocks.append(Block(at, line))
            open_cell = False
        elif "\t" in line and blocks:
            blocks[-1] = Block(blocks[-1].at, blocks[-1].text + "\t" * line.count("\t"))
            open_cell = True
    return blocks


def _tab_cells(text: str) -> list[str]:
    return [cell.strip(" \u3000\xa0") for cell in text.split("\t")]


def join_broken_rows(blocks: list[Block]) -> list[Block]:
    """Join the lines of a tab-separated table row that line breaks inside its cells cut.

    A browser's copy (or ``innerText``) separates a table's cells by tabs and turns a ``<br>``
    or ``<p>`` inside a cell into a line break. After a tab-separated header row naming the
    tasks and units, a number row with fewer cells than the header continues on the next lines
    until it has them: a continuation line's first fragment continues the row's last cell, the
    fragments after its tabs are the next cells; a new number row starts only once the row is
    complete. A line without a tab after a complete row whose last cell ends with a separator
    (``、``, ``，``) continues that cell too. Fragments are joined without adding a character;
    the joined row keeps the line of its first part.
    """
    from cqpolicy.build.annex import GROUP_SEPARATOR, NUMBER_CELL, UNIT_SEPARATOR, layout_of

    out: list[Block] = []
    width: int | None = None
    current: list[str] | None = None
    for block in blocks:
        cells = _tab_cells(block.text)
        if "\t" in block.text and (layout := layout_of(cells)) is not None:
            width, current = layout.width, None
            out.append(block)
            continue
        if width is None:
            out.append(block)
            continue
        number_row = len(cells) > 1 and NUMBER_CELL.match(cells[0]) is not None
        if current is not None:
            incomplete = len(current) < width
            cut_after_separator = "\t" not in block.text and current[-1].endswith(
                (UNIT_SEPARATOR, GROUP_SEPARATOR)
            )
            if incomplete or cut_after_separator:
                current[-1] += cells[0]
                current.extend(cells[1:])
                out[-1] = Block(out[-1].at, "\t".join(current))
                continue
        current = cells if number_row else None
        out.append(block if current is None else Block(block.at, "\t".join(cells)))
    return out


_SENTENCE_END = re.compile(r"[。！？；：…!?;:.”’」』）)]$")
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~\s]*\d{1,3}[-—–－~\s]*|第\s*\d+\s*页(?:\s*[，,]?\s*共\s*\d+\s*页)?|\d{1,3}\s*/\s*\d{1,3})$"
)
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十百]+）[^。]*$|第[一二三四五六七八九十百]+[章节条])"
)
_DATE = re.compile(r"^(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年.{1,3}月.{1,4}日$")
_ORGAN = re.compile(r"^[\u4e00-\u9fff（）]{2,40}(?:人民政府|办公厅|办公室|委员会|局|厅|部)$")
_SPACE = " \t\u3000\xa0"


def refuse_pdf_copy(blocks: Sequence[Block], path: Path) -> None:
    """Refuse text copied out of a PDF: page numbers, or paragraphs broken inside sentences.

    Only the main text is looked at (after the addressee line, before the annex): there every
    paragraph of an official document ends as a sentence ends, and headings stand alone.

    Raises:
        InputError: naming the first line that gives it away.
    """
    start = next(
        (i for i, block in enumerate(blocks) if block.text.strip(_SPACE).endswith(("：", ":"))), None
    )
    if start is None:
        return
    broken: list[Block] = []
    for block in blocks[start + 1 :]:
        text = block.text.strip(_SPACE)
        if text.startswith("附件") or "|" in text or "\t" in text:
            break
        if _PAGE_NUMBER.match(text):
            raise InputError(
                f"{text!r} between the paragraphs is a page number: the text was copied out of a PDF, "
                "whose line breaks are its page layout, not the document's paragraphs; give the PDF "
                "itself as --source",
                path=path,
                line=block.at,
            )
        if _SENTENCE_END.search(text) or _HEADING.match(text) or _DATE.match(text) or _ORGAN.match(text):
            continue
        if text == "（此件公开发布）":
            continue
        broken.append(block)
    if len(broken) >= 2:
        raise InputError(
            f"{len(broken)} lines of the main text break inside a sentence (the first: "
            f"{broken[0].text.strip(_SPACE)[-12:]!r}): the text was copied out of a PDF, whose line "
            "breaks are its page layout, not the document's paragraphs; give the PDF itself as --source",
            path=path,
            line=broken[0].at,
        )
