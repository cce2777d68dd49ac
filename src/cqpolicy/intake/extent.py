"""Where the document stands among the lines of a page: from its head to its last annex row.

A page's text (copied from a browser, taken from a PDF, or the article body of a saved page)
holds more than the document: navigation, a breadcrumb, font-size and print controls, the
metadata block, share bars, QR-code lines, related reading, the footer. None of it is listed
here. The document is known by its own structure instead:

- it **starts** at its head: the block holding its document number (``渝府〔2022〕5号``, or
  the header line ``渝府〔2022〕5号《…》``), preceded by its title lines (``重庆市人民政府`` /
  ``关于…的意见``, or the title on one line) when they stand directly above it; on a page
  that shows the number only in its metadata, the title lines directly above the addressee
  line;
- it **ends** at the last row of its annex table (a row whose first cell is a number) and the
  table's notes directly under it (``注：…``), or, for a document without an annex table, at
  its last block.

What lies outside is page furniture: dropped and named (:class:`~cqpolicy.intake.Furniture`),
never an error, unless a line after the table looks like a task row (a number, then text)
that the table lost, which stops the build. A page heading that repeats the title above the
document's own head lines is furniture too, so the title is never read twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from cqpolicy.build.annex import NOTE
from cqpolicy.build.numerals import DOC_NUMBER_PATTERN
from cqpolicy.errors import InputError
from cqpolicy.intake import BEFORE_DOCUMENT, Block, Furniture

_SPACE = " \t\u3000\xa0"
_NUMBER_ALONE = re.compile(rf"^{DOC_NUMBER_PATTERN}$")
_HEADER_LINE = re.compile(rf"^{DOC_NUMBER_PATTERN}\s*《.+》$")
#: An issuing organ's name on a line of its own (the first head line of an official document).
_ORGAN = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,40}(?:人民政府|人民代表大会常务委员会|办公厅|办公室|委员会|局|厅|部)$"
)
#: A title line: no sentence punctuation; it starts with 关于 or ends with a kind of document.
_TITLE_WORDS = (
    "意见|通知|办法|方案|规定|决定|条例|细则|规划|纲要|批复|决议|规则|计划|措施|要点|指引|指南|公告|通告|函"
)
_TITLE = re.compile(rf"^(?:关于\S*|\S*(?:{_TITLE_WORDS})(?:（[^）]{{1,20}}）)?)$")
_SENTENCE_PUNCT = re.compile(r"[。；！？：:|｜\t>＞»]")
_ROW_SPLIT = re.compile(r"\s*[|｜\t]\s*")
_TASK_NUMBER = re.compile(r"^\d{1,4}\s*[．.、]?$")
#: A line that looks like a task row written without cell separators: a number, then Han text.
_LOOSE_TASK_ROW = re.compile(r"^\d{1,4}\s*[．.、]?[\s\u3000]+[\u3400-\u9fff]")
_ANNEX_HEADING = re.compile(r"^附件\s*\d*$")


def _strip(text: str) -> str:
    return text.strip(_SPACE)


def cells(block: Block) -> list[str] | None:
    """A block's cells when it is a table row (a row of a table, or a line with ``|`` or tabs)."""
    if block.cells is not None:
        return [_strip(cell) for cell in block.cells]
    text = _strip(block.text)
    if "|" in text or "｜" in text or "\t" in text:
        parts = [_strip(part) for part in _ROW_SPLIT.split(text)]
        return [part for part in parts if part] or None
    return None


def is_task_row(block: Block) -> bool:
    """Whether the block is a row of a task table: its first non-empty cell is a task number."""
    row = cells(block)
    if not row:
        return False
    first = next((cell for cell in row if cell), "")
    return bool(_TASK_NUMBER.match(first)) and any(cell for cell in row[1:])


def is_number_block(block: Block) -> bool:
    text = _strip(block.text)
    return block.cells is None and bool(_NUMBER_ALONE.match(text) or _HEADER_LINE.match(text))


def _is_addressee(block: Block) -> bool:
    """A line addressing the document (``有关区人民政府，市政府有关部门，有关单位：``)."""
    text = _strip(block.text)
    return block.cells is None and text.endswith("：") and len(text) >= 6 and not _ROW_SPLIT.search(text)


def _is_title_line(text: str) -> bool:
    return not _SENTENCE_PUNCT.search(text) and bool(_TITLE.match(text)) and len(text) <= 80


def _squash(text: str) -> str:
    return re.sub(r"[\s\u3000《》]", "", text)


def title_start(blocks: Sequence[Block], head: int) -> int:
    """Where the title lines above the number block start (``head`` when there are none).

    Lines without sentence punctuation are taken upward until they make a whole title: one
    that starts with ``关于`` (the organ's name line above it is taken too) or with an organ's
    name followed by ``关于``, or, for a title without ``关于``, one line that ends with a kind
    of document. A title broken over several lines (a PDF's line width) is read whole.
    """
    taken = ""
    for start in range(head - 1, max(-1, head - 6), -1):
        block = blocks[start]
        text = _strip(block.text)
        if block.cells is not None or not text or _SENTENCE_PUNCT.search(text) or len(text) > 80:
            break
        if _ORGAN.match(text) and taken.startswith("关于"):
            return start
        taken = _squash(text) + taken
        if taken.startswith("关于"):
            above = _strip(blocks[start - 1].text) if start > 0 else ""
            return start - 1 if _ORGAN.match(above) and blocks[start - 1].cells is None else start
        if re.match(r"^[\u4e00-\u9fff]{2,40}?(?:人民政府|办公厅|办公室|委员会|局|厅|部)关于", taken):
            return start
    first = _strip(blocks[head - 1].text) if head > 0 else ""
    if head > 0 and blocks[head - 1].cells is None and _is_title_line(first) and not _ORGAN.match(first):
        return head - 1
    return head


def find_start(blocks: Sequence[Block]) -> tuple[int, list[int]]:
    """Index of the document's first block, and indexes of page headings that repeat its title.

    The head is the first block holding a document number alone (or ``number《title》``);
    directly above it may stand the title lines (an organ's name, then ``关于…`` lines). A
    line above those that reads as the whole title again is the page's heading: furniture.
    A page may show the number only in its metadata: without a number block, the head is the
    title lines directly above the addressee line (the first line ending in ``：`` that has
    them); without either, the document is taken to start at the first block.
    """
    head = next((i for i, block in enumerate(blocks) if is_number_block(block)), None)
    if head is None:
        addressee = next(
            (i for i, block in enumerate(blocks) if _is_addressee(block) and title_start(blocks, i) < i), None
        )
        if addressee is None:
            return 0, []
        head = addressee
    if _HEADER_LINE.match(_strip(blocks[head].text)):
        return head, []
    start = title_start(blocks, head)
    # Title lines stand above the number only up to one title: a further line holding the same
    # title (the page's own heading, above the document's head lines) is not the document's.
    repeats = []
    own = _squash("".join(block.text for block in blocks[start:head]))
    look = start
    while look > 0 and own:
        text = _squash(blocks[look - 1].text)
        if (
            blocks[look - 1].cells is None
            and text
            and (text == own or (own.endswith(text) and len(text) >= 6))
        ):
            repeats.append(look - 1)
            look -= 1
            continue
        break
    return start, repeats


def find_end(blocks: Sequence[Block], start: int) -> int:
    """Index one past the document's last block: its last task row, else its last block."""
    annex = next((i for i in range(start, len(blocks)) if _ANNEX_HEADING.match(_strip(blocks[i].text))), None)
    if annex is None:
        return len(blocks)
    last = None
    for i in range(annex, len(blocks)):
        if is_task_row(blocks[i]):
            last = i
    if last is None:
        return len(blocks)
    while last + 1 < len(blocks) and NOTE.match(
        _strip((cells(blocks[last + 1]) or [blocks[last + 1].text])[0])
    ):
        last += 1  # the table's notes (注：…) under its last row are the document's
    return last + 1


def _as_found(block: Block, *, merged_once: bool = True) -> str:
    """A block's text as the reader's region holds it.

    A page's region (HTML) writes a cell merged over several columns once; a Word document's
    region writes it in every column it covers, as its blocks do (``merged_once=False``).
    """
    if block.cells is None or not merged_once:
        return block.text
    return " | ".join(cell for n, cell in enumerate(block.cells) if n == 0 or cell != block.cells[n - 1])


def document_extent(
    blocks: Sequence[Block], path: Path | str, *, unit: str = "line", merged_once: bool = True
) -> tuple[list[Block], list[Furniture], list[Block]]:
    """Split ``blocks`` into the document and the furniture around it.

    Returns:
        The document's blocks; the furniture (before and after, each with why); and the blocks
        before the document (where a page's metadata block stands).

    Raises:
        InputError: if a line after the annex table looks like a task row the table lost.

    ``merged_once`` says how the reader's region writes a cell merged across columns (once,
    or in every column it covers): the furniture carries the text as the region has it, so
    that the region less the furniture is exactly the blocks.
    """
    start, repeats = find_start(blocks)
    end = find_end(blocks, start)
    furniture: list[Furniture] = []
    for i in range(start):
        why = "the page's heading, repeating the title" if i in repeats else BEFORE_DOCUMENT
        furniture.append(Furniture(blocks[i].at, _as_found(blocks[i], merged_once=merged_once), why))
    for block in blocks[end:]:
        text = _strip(block.text)
        if _LOOSE_TASK_ROW.match(text) or is_task_row(block):
            raise InputError(
                f"{text[:30]!r} comes after the annex table's last row but looks like a task row (a "
                "number, then text); join it to the table, or give the page or file the table comes from",
                path=path,
                line=block.at,
                unit=unit,
            )
        furniture.append(
            Furniture(block.at, _as_found(block, merged_once=merged_once), "after the annex table's last row")
        )
    return list(blocks[start:end]), furniture, list(blocks[:start])
