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


#: States the search may visit before it gives up. Only the places where the reading could go
#: two ways are states (a run of a block's text is one step), so the real policy's pages take a
#: few hundred; the bound keeps a hostile reading to seconds.
MAX_STATES = 4_000_000


def check_conservation(publication: Publication, path: Path | str) -> None:
    """Prove that the blocks of ``publication`` hold every Han character of its document region.

    The region's Han characters must be those of the blocks and those of the named furniture,
    each kept in its own order and the two interleaved: each piece of furniture stands whole
    before, after or inside a block (a hidden span inside a cell, a running header inside a
    paragraph broken by the page). The proof is a search over the ways to interleave them that
    tries the blocks first and never visits a state twice, so text a block shares with furniture
    (a running header that repeats the title, a footer equal to the title's first line) cannot
    lead it astray. A merged cell's copy (a cell equal to the one before it in its row or above
    it) may stand once or not at all.

    A reader that reports no region is checked against its own blocks and furniture, which
    still proves the steps after it (the document's extent, the portal's metadata).

    Raises:
        InputError: naming the block where the first missing or extra text is (exit code 2).
    """
    region = publication.region or "\n".join(
        [*(block.text for block in publication.blocks), *(item.text for item in publication.furniture)]
    )
    expected = han(region)
    segments = [(at, piece, optional) for at, piece, optional in _segments(publication.blocks) if piece]
    ordered = sorted(publication.furniture, key=lambda item: item.at)
    furniture = [piece for piece in (han(item.text) for item in ordered) if piece]
    # state: (segment, offset in it, pieces of furniture taken, position in the region); the
    # position follows from the rest but for the optional segments skipped
    start = (0, 0, 0, 0)
    seen = {start}
    stack = [start]
    best = start
    while stack:
        state = stack.pop()
        segment, offset, taken, pos = state
        if pos > best[3]:
            best = state
        if segment == len(segments) and taken == len(furniture):
            if pos == len(expected):
                return
            continue
        following = []
        piece, optional = (
            (segments[segment][1], segments[segment][2]) if segment < len(segments) else ("", False)
        )
        own = piece[offset] if piece else None
        theirs = furniture[taken] if taken < len(furniture) else None
        if theirs is not None and expected.startswith(theirs, pos):
            following.append((segment, offset, taken + 1, pos + len(theirs)))
        if offset == 0 and optional:
            following.append((segment + 1, 0, taken, pos))
        if own is not None and pos < len(expected) and own == expected[pos]:
            run = _run(piece, offset, expected, pos, theirs[0] if theirs else None)
            following.append(
                (segment + 1, 0, taken, pos + run)
                if offset + run == len(piece)
                else (segment, offset + run, taken, pos + run)
            )
        for state in following:  # the block's own character is pushed last, so tried first
            if state not in seen:
                seen.add(state)
                stack.append(state)
        if len(seen) > MAX_STATES:
            break
    raise _finding(publication, path, expected, segments, best)


def _run(ours: str, at: int, expected: str, pos: int, other: str | None) -> int:
    """How far ``ours[at:]`` runs along ``expected[pos:]`` (at least 1, as the first characters
    agree) before the next piece of furniture, starting with ``other``, could stand: the states
    in between have one way on, so the search need not visit them one by one."""
    limit = min(len(ours) - at, len(expected) - pos)
    run, step = 1, 64
    while run < limit and step:
        size = min(step, limit - run)
        if ours[at + run : at + run + size] == expected[pos + run : pos + run + size]:
            run += size
            step *= 2
        else:
            step //= 2
    if other is not None:
        branch = expected.find(other, pos + 1, pos + run)
        if branch > 0:
            run = branch - pos
    return run


def _finding(
    publication: Publication,
    path: Path | str,
    expected: str,
    segments: list[tuple[int, str, bool]],
    best: tuple[int, int, int, int],
) -> InputError:
    """What the furthest reading found: text of the region no block holds, or text of a block
    the region does not have, named at the block where it stands."""
    segment, offset, _, pos = best
    unit = "line" if publication.form == "text" else "paragraph"
    form = FORM_WORDS[publication.form]
    at = segments[min(segment, len(segments) - 1)][0] if segments else None
    rest = segments[segment][1][offset:] if segment < len(segments) else ""
    if rest:
        found = expected.find(rest, pos)
        if found < 0:
            found = expected.find(rest[:4], pos)
        if found > pos:
            where = "there"
            if offset == 0 and segment > 0:  # lost between two blocks: named at the one it follows
                at, where = segments[segment - 1][0], f"after it (before {unit} {at})"
            return InputError(
                f"the reader lost text of the {form}: {_fragment(expected[pos:found])!r} stands {where} in "
                "the file but reached no block of the document and is named as no furniture; a reader "
                "fault: report it with the file",
                path=path,
                line=at,
                unit=unit,
            )
        return InputError(
            f"the reader made up text not in the {form}: {_fragment(rest)!r}, where the file has "
            f"{_fragment(expected[pos : pos + 12])!r}; a reader fault: report it with the file",
            path=path,
            line=at,
            unit=unit,
        )
    return InputError(
        f"the reader lost text of the {form}: {_fragment(expected[pos:])!r} stands after the last "
        "block it read but reached no block of the document and is named as no furniture; a reader "
        "fault: report it with the file",
        path=path,
        line=at,
        unit=unit,
    )


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
