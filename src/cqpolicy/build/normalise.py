"""Turn the text of a publication into the official Simplified Chinese text, block by block.

The archived source is a mirror copy with artefacts (see sources/README.md):
Traditional characters, pinyin annotations such as ``關(guān)``, ASCII punctuation
where the official text has full-width forms, ``?`` where the page had spacing
characters, and trailing lines that belong to the mirror page. This module
removes exactly those, and nothing else, so that clean official-form text
passes through unchanged: normalising twice changes nothing.

Decoding the file is the job of :mod:`cqpolicy.intake`; this module works on its blocks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cqpolicy.errors import InputError
from cqpolicy.intake import Block

#: Vowels with a tone mark: an annotation must contain at least one of them.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_LETTER = f"a-zü{_TONED}"
#: A pinyin annotation: a run of lowercase Latin letters with a tone mark, in
#: parentheses (ASCII or full-width) straight after a Han character.
PINYIN_ANNOTATION = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（](?=[{_PINYIN_LETTER}]*[{_TONED}])[{_PINYIN_LETTER}]+[)）]"
)
#: Characters that are never part of the official text.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_HAN_OR_FULLWIDTH = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u201c\u201d\u2018\u2019]")
_ASCII_PAREN_GROUP = re.compile(r"\(([^()\n]*)\)")
_SIMPLE_PUNCT = {",": "，", ":": "：", ";": "；"}
#: Lines the mirror page appends after the document.
MIRROR_TRAILER = re.compile(r"^(本文链接|本文关键词)[:：]")


@dataclass(frozen=True)
class Correction:
    """One reviewed fix of a mirror artefact that no general rule can undo.

    Attributes:
        line: 1-based line of the source it applies to.
        find: Exact text on that line, as decoded from the source.
        replace: Official text to put in its place.
        reason: Why, for reviewers.
    """

    line: int
    find: str
    replace: str
    reason: str


@lru_cache(maxsize=1)
def _converter() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional characters to Simplified with OpenCC's ``t2s`` tables."""
    return str(_converter().convert(text))  # type: ignore[attr-defined]  # opencc is untyped


def _fullwidth_parens(match: re.Match[str]) -> str:
    line, start, end = match.string, match.start(), match.end()
    before = line[start - 1] if start else ""
    after = line[end] if end < len(line) else ""
    inner = match.group(1)
    chinese_context = any(_HAN_OR_FULLWIDTH.match(char) for char in (before, after) if char) or bool(
        _HAN_OR_FULLWIDTH.search(inner)
    )
    return f"（{inner}）" if chinese_context else match.group(0)


def _fullwidth_punct(line: str) -> str:
    chars = list(line)
    for i, char in enumerate(chars):
        if char in _SIMPLE_PUNCT:
            before = chars[i - 1] if i else ""
            after = chars[i + 1] if i + 1 < len(chars) else ""
            if any(_HAN_OR_FULLWIDTH.match(c) for c in (before, after) if c):
                chars[i] = _SIMPLE_PUNCT[char]
    return "".join(chars)


def normalise_line(line: str) -> str:
    """Normalise one line of text to the official form.

    Order matters: pinyin annotations are removed before Traditional characters
    are converted (the annotation marks the Traditional character), and ASCII
    punctuation is converted last, once the surrounding characters are final.
    """
    line = _INVISIBLE.sub("", line)
    line = _until_stable(lambda text: PINYIN_ANNOTATION.sub("", text), line)
    line = line.replace("?", "")
    line = to_simplified(line)
    # A converted mark can put the next one into Chinese context: repeat until nothing changes,
    # so that normalising twice changes nothing.
    line = _until_stable(lambda text: _fullwidth_punct(_ASCII_PAREN_GROUP.sub(_fullwidth_parens, text)), line)
    line = unicodedata.normalize("NFC", line)
    return line.strip(" \t\u3000\xa0")


def _until_stable(step: Callable[[str], str], text: str) -> str:
    """Apply ``step`` until the text stops changing (each pass only converts, so this ends)."""
    while (new := step(text)) != text:
        text = new
    return text


def correct_blocks(blocks: Sequence[Block], corrections: list[Correction], path: Path | str) -> list[Block]:
    """Apply reviewed corrections to the block at each correction's position (its ``line``).

    For a text file the position is the line; for other forms, the paragraph or table row.

    Raises:
        InputError: if a correction's text is not in its block (the source changed).
    """
    fixed = list(blocks)
    by_at = {block.at: index for index, block in enumerate(fixed)}
    for corr in corrections:
        index = by_at.get(corr.line)
        if index is None or corr.find not in fixed[index].text:
            raise InputError(
                f"correction for line {corr.line} expects {corr.find!r}, which is not there; "
                "update or remove it in the corrections file",
                path=path,
                line=corr.line,
            )
        block = fixed[index]
        cells = tuple(cell.replace(corr.find, corr.replace) for cell in block.cells) if block.cells else None
        fixed[index] = Block(block.at, block.text.replace(corr.find, corr.replace), cells)
    return fixed


def apply_corrections(lines: list[str], corrections: list[Correction], path: Path | str) -> list[str]:
    """:func:`correct_blocks` for plain lines (line ``n`` is the block at ``n``)."""
    blocks = [Block(at, line) for at, line in enumerate(lines, start=1)]
    return [block.text for block in correct_blocks(blocks, corrections, path)]


def _official(line: str) -> str:
    """A normalised line; a line of the mirror's trailer becomes empty."""
    norm = normalise_line(line)
    return "" if MIRROR_TRAILER.match(norm) else norm


def normalise_text(
    text: str, corrections: list[Correction] | None = None, path: Path | str = ""
) -> list[str]:
    """Normalise decoded text; returns the lines, same count and order as the input.

    Blank lines stay (as empty strings) so that line numbers keep pointing into
    the archived source. Mirror trailer lines become empty.
    """
    lines = apply_corrections(text.split("\n"), corrections or [], path)
    return [_official(line) for line in lines]


def normalise_blocks(
    blocks: Sequence[Block], corrections: list[Correction] | None = None, path: Path | str = ""
) -> list[Block]:
    """Normalise a publication's blocks (text and cells) after its corrections; empty blocks are dropped.

    Raises:
        InputError: if a correction's text is not in its block (the source changed).
    """
    out = []
    for block in correct_blocks(blocks, corrections or [], path):
        text = _official(block.text)
        if text:
            cells = tuple(normalise_line(cell) for cell in block.cells) if block.cells is not None else None
            out.append(Block(block.at, text, cells))
    return out
