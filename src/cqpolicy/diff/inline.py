"""Inline differences between two texts, character by character, suited to Chinese.

Chinese has no spaces between words, so a word diff needs a segmenter. jieba was
measured for this (``benchmarks/bench_diff.py`` notes): loading its dictionary
takes about 1.5 s, as long as the whole ``cqpolicy diff`` budget, so the diff is
character-level with :class:`difflib.SequenceMatcher` (``autojunk`` off: in a
long Chinese text every common character would otherwise count as junk), then
tidied the way diff-match-patch's "semantic cleanup" does: a run of one or two
unchanged characters squeezed between two edits is folded into them, so that
``完善[-绿色-]{+清洁+}能源`` reads as whole words instead of as scattered characters.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Literal

Op = Literal["=", "-", "+"]
Segment = tuple[Op, str]

#: Unchanged runs this short between two edits are folded into the edits.
SHORT_EQUAL = 2


def inline_diff(old: str, new: str) -> list[Segment]:
    """Segments ``("=", text)``, ``("-", text)``, ``("+", text)`` that turn ``old`` into ``new``.

    In each edit the deletion comes before the insertion. Joining the ``=`` and
    ``-`` segments gives ``old``; joining the ``=`` and ``+`` segments gives ``new``.
    A lone insertion or deletion is placed as far right as it can go (see ``_slide_right``).
    """
    if old == new:
        return [("=", old)] if old else []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    # Hunks: [equal text, deleted text, inserted text] in order; equal text precedes the edit.
    hunks: list[list[str]] = []
    pending_equal = ""
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pending_equal += old[i1:i2]
            continue
        deleted, inserted = old[i1:i2], new[j1:j2]
        if hunks and len(pending_equal) <= SHORT_EQUAL and "\n" not in pending_equal:
            hunks[-1][1] += pending_equal + deleted
            hunks[-1][2] += pending_equal + inserted
        else:
            hunks.append([pending_equal, deleted, inserted])
        pending_equal = ""
    segments: list[Segment] = []
    for equal, deleted, inserted in hunks:
        if equal:
            segments.append(("=", equal))
        if deleted:
            segments.append(("-", deleted))
        if inserted:
            segments.append(("+", inserted))
    if pending_equal:
        segments.append(("=", pending_equal))
    return _slide_right(segments)


def _slide_right(segments: list[Segment]) -> list[Segment]:
    """Move a lone insertion or deletion as far right as it can go without changing the texts.

    ``东[+环线和货运+]环线`` and ``东环线[+和货运环线+]`` describe the same edit; the second reads as
    the edit a person made, because the shared text attaches to what comes before it.
    """
    out = list(segments)
    for i in range(1, len(out) - 1):
        (op_before, before), (op, edit), (op_after, after) = out[i - 1], out[i], out[i + 1]
        if op_before != "=" or op == "=" or op_after != "=":
            continue
        shift = 0
        while shift < len(after) and edit[shift % len(edit)] == after[shift]:
            shift += 1
        if shift:
            moved = after[:shift]
            rotated = (edit + moved)[shift:]
            out[i - 1] = ("=", before + moved)
            out[i] = (op, rotated)
            out[i + 1] = ("=", after[shift:])
    return [segment for segment in out if segment[1]]


def elide(segments: list[Segment], context: int = 12) -> list[Segment]:
    """Shorten long unchanged runs to ``context`` characters on each side of an edit, with ``…``."""
    out: list[Segment] = []
    last = len(segments) - 1
    for position, (op, text) in enumerate(segments):
        if op != "=":
            out.append((op, text))
            continue
        keep_before = context if position > 0 else 0
        keep_after = context if position < last else 0
        if len(text) <= keep_before + keep_after + 1:
            out.append((op, text))
            continue
        head = text[:keep_before]
        tail = text[len(text) - keep_after :] if keep_after else ""
        out.append((op, f"{head}…{tail}"))
    return out
