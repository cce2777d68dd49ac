"""No character lost: every Han character of a publication's document region is accounted for.

A reader returns a :class:`~cqpolicy.intake.Reading`: the document's blocks, the region it
read them from (every character, as found), and the furniture it dropped inside that region,
each with why. :func:`check_conservation` proves the reading: the Han characters of the region,
in order, with the named furniture taken out, are exactly those of the blocks that reach the
parser (a merged table cell, which the reader copies into every row and column it covers,
counts once). The parser then reads every block or stops, so a row, a cell or the
continuation of a cell that a reader drops or duplicates stops the build, naming where.

Only Han characters are compared: spaces, punctuation width, cell separators and line breaks
differ between forms by design; the words do not. The comparison runs before normalisation
(which converts Traditional characters by reviewed rules), on the reader's own text.

:func:`check_sentence_ends` adds the check a reading cannot make: every clause and every task
ends as a sentence ends, so a text cut inside a sentence anywhere (a continuation on the next
page of a PDF lost) stops the build.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from cqpolicy.build.parse import SENTENCE_END, Document
from cqpolicy.errors import InputError, SourceError
from cqpolicy.intake import Block, Publication

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def han(text: str) -> str:
    """The Han characters of ``text``, in order."""
    return "".join(_HAN.findall(text))


def _segments(blocks: Sequence[Block]) -> list[tuple[int, str, bool]]:
    """``(at, Han text, may repeat)`` for every cell or paragraph, in reading order.

    A cell equal to the cell before it in its row, or to the same column's cell in the row
    before, may be a merged cell's copy: the comparison lets it stand once or twice.
    """
    out: list[tuple[int, str, bool]] = []
    previous: tuple[str, ...] | None = None
    for block in blocks:
        if block.cells is None:
            out.append((block.at, han(block.text), False))
            previous = None
            continue
        for column, cell in enumerate(block.cells):
            left = column > 0 and block.cells[column - 1] == cell
            above = previous is not None and column < len(previous) and previous[column] == cell
            out.append((block.at, han(cell), bool(cell) and (left or above)))
        previous = block.cells
    return out


def check_conservation(publication: Publication, path: Path | str) -> None:
    """Prove that the blocks of ``publication`` hold every Han character of its document region.

    The region is read in order; each block's text must come next, except where a piece of
    named furniture stands (before, after or inside a block: a hidden span inside a cell).
    A reader that reports no region is checked against its own blocks and furniture, which
    still proves the steps after it (the document's extent, the portal's metadata).

    Where a block's text also stands inside furniture (a running header that repeats the
    title, a repeated header row equal to the real one), reading the block first can take the
    furniture's characters for the block's; the region is then read again taking furniture
    first. Either reading that accounts for every character is a proof; when both fail, the
    first one's finding is reported.

    Raises:
        InputError: naming the block where the first missing or extra text is (exit code 2).
    """
    first = _align(publication, path, furniture_first=False)
    if first is not None and _align(publication, path, furniture_first=True) is not None:
        raise first


def _align(publication: Publication, path: Path | str, *, furniture_first: bool) -> InputError | None:
    """One reading of the region against the blocks and furniture; the finding, or ``None``."""
    region = publication.region or "\n".join(
        [*(block.text for block in publication.blocks), *(item.text for item in publication.furniture)]
    )
    expected = han(region)
    pieces = [piece for piece in (han(item.text) for item in publication.furniture) if piece]
    used = [False] * len(pieces)

    def skip_furniture(pos: int) -> int:
        for n, piece in enumerate(pieces):
            if not used[n] and expected.startswith(piece, pos):
                used[n] = True
                return pos + len(piece)
        return pos

    unit = "line" if publication.form == "text" else "paragraph"
    form = FORM_WORDS[publication.form]
    pos = 0
    last_at: int | None = None
    for at, piece, may_repeat in _segments(publication.blocks):
        if not piece:
            continue
        if may_repeat and not expected.startswith(piece, pos):
            after = skip_furniture(pos)
            if after == pos or not expected.startswith(piece, after):
                continue  # a merged cell's copy
        i = 0
        while i < len(piece):
            if furniture_first and (after := skip_furniture(pos)) > pos:
                pos = after
                continue
            if pos < len(expected) and expected[pos] == piece[i]:
                pos, i = pos + 1, i + 1
                continue
            after = skip_furniture(pos)
            if after > pos:
                pos = after
                continue
            found = expected.find(piece[i:], pos)
            if found > pos:
                return InputError(
                    f"the reader lost text of the {form}: {_fragment(expected[pos:found])!r} stands there in "
                    f"the file but reached no block of the document and is named as no furniture; a reader "
                    "fault: report it with the file",
                    path=path,
                    line=at,
                    unit=unit,
                )
            return InputError(
                f"the reader made up text not in the {form}: {_fragment(piece[i:])!r}, where the file has "
                f"{_fragment(expected[pos : pos + 12])!r}; a reader fault: report it with the file",
                path=path,
                line=at,
                unit=unit,
            )
        last_at = at
    while (after := skip_furniture(pos)) > pos:
        pos = after
    if pos < len(expected):
        return InputError(
            f"the reader lost text of the {form}: {_fragment(expected[pos:])!r} stands after the last "
            "block it read but reached no block of the document and is named as no furniture; a reader "
            "fault: report it with the file",
            path=path,
            line=last_at,
            unit=unit,
        )
    return None


FORM_WORDS = {"text": "text", "html": "page", "docx": "Word document", "pdf": "PDF"}


def _fragment(text: str) -> str:
    return text if len(text) <= 24 else text[:24] + "…"


def check_sentence_ends(doc: Document, path: Path | str, unit: str = "line") -> None:
    """Every clause and every task ends as a sentence ends (``。``, ``；``, ...).

    Raises:
        SourceError: naming the first clause or task cut inside a sentence (exit code 1).
    """
    for clause in doc.clauses:
        text = clause.text.rstrip()
        if text != clause.title and not SENTENCE_END.search(text):
            raise SourceError(
                f"clause {clause.label} ends mid-sentence ({text[-16:]!r}): its text is cut short; "
                "use the complete publication",
                path=path,
                line=clause.line_end,
                unit=unit,
            )
    for task in doc.tasks:
        if not SENTENCE_END.search(task.text.rstrip()):
            raise SourceError(
                f"task {task.task_no} ends mid-sentence ({task.text.rstrip()[-16:]!r}): its text is cut "
                "short (a cell continued on the next page lost?); use the complete publication",
                path=path,
                line=task.line,
                unit=unit,
            )


def furniture_warnings(publication: Publication) -> list[str]:
    """One warning per reason the reader dropped text, naming where and the first few pieces."""
    unit = "line" if publication.form == "text" else "paragraph"
    by_why: dict[str, list[tuple[int, str]]] = {}
    for item in publication.furniture:
        by_why.setdefault(item.why, []).append((item.at, item.text))
    out = []
    for why, items in by_why.items():
        shown = "; ".join(f"{at}: {_fragment(text.strip())!r}" for at, text in items[:3])
        more = f"; and {len(items) - 3} more" if len(items) > 3 else ""
        plural = "s" if len(items) > 1 else ""
        out.append(f"dropped {len(items)} {unit}{plural} of page furniture ({why}): {shown}{more}")
    return out
