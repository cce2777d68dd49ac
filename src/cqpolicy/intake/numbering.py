"""Word's automatic list numbering, written out as Word shows it.

A paragraph in a Word list (``w:numPr``: a list ``w:numId`` and a level ``w:ilvl``, directly
or through its paragraph style) shows a number Word computes: its text holds none. An office
that numbers the annex's 序号 column this way leaves every number cell empty in the XML; one
that numbers headings leaves ``一、`` and ``（三）`` out of their paragraphs. :class:`Numbering`
reads ``word/numbering.xml`` and counts the lists as Word does, so that the reader can put each
paragraph's number before its text: ``%1`` of a level's ``w:lvlText`` is the level's counter in
its ``w:numFmt``, ``%2`` the next level's, and a level resets the levels below it.

Formats a policy uses are written (decimal, Chinese counting, letters, Roman numerals); a
bullet or ``none`` shows no text. A list in another format is written in decimal, which is what
the parser can read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: The WordprocessingML namespace (shared with :mod:`cqpolicy.intake.docx`, which reads the rest).
W_NAMESPACE = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_LEVEL = re.compile(r"%([1-9])")
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
          (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip


def w(tag: str) -> str:
    """A WordprocessingML element or attribute name, as lxml writes it (``{namespace}tag``)."""
    return f"{{{W_NAMESPACE}}}{tag}"


def _val(element: Any, default: str = "") -> str:
    return str(element.get(w("val"), default)) if element is not None else default


def chinese(n: int) -> str:
    """A counter in Chinese counting: ``一`` … ``九十九``, then digit by digit (``一〇〇``)."""
    from cqpolicy.build.numerals import to_chinese_numeral

    return to_chinese_numeral(n) if 1 <= n <= 99 else "".join("〇一二三四五六七八九"[int(d)] for d in str(n))


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def formatted(n: int, fmt: str) -> str:
    """The counter ``n`` in Word's number format ``fmt``."""
    if fmt.startswith("chinese") or fmt in ("ideographTraditional", "taiwaneseCounting"):
        return chinese(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return str(n)


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int


@dataclass
class Numbering:
    """The lists of a Word document and their counters as the document is read in order."""

    #: numId → its levels (ilvl → level), overrides applied.
    lists: dict[str, dict[int, _Level]] = field(default_factory=dict)
    #: Paragraph style id → (numId, ilvl) the style numbers its paragraphs with.
    styles: dict[str, tuple[str, int]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    @classmethod
    def read(cls, numbering: Any | None, styles: Any | None) -> Numbering:
        """From the roots of ``word/numbering.xml`` and ``word/styles.xml`` (either may be missing)."""
        out = cls()
        if numbering is not None:
            abstract: dict[str, dict[int, _Level]] = {}
            for element in numbering.iter(w("abstractNum")):
                abstract[_val_attr(element, "abstractNumId")] = _levels(element)
            for element in numbering.iter(w("num")):
                levels = dict(abstract.get(_val(element.find(w("abstractNumId"))), {}))
                for override in element.iter(w("lvlOverride")):
                    ilvl = _int(_val_attr(override, "ilvl"))
                    start = override.find(w("startOverride"))
                    if (lvl := override.find(w("lvl"))) is not None:
                        levels.update(_levels_of([lvl]))
                    if start is not None and ilvl in levels:
                        old = levels[ilvl]
                        levels[ilvl] = _Level(old.fmt, old.text, _int(_val(start), 1))
                out.lists[_val_attr(element, "numId")] = levels
        if styles is not None:
            for style in styles.iter(w("style")):
                num_pr = style.find(f"{w('pPr')}/{w('numPr')}")
                if num_pr is not None:
                    num_id = _val(num_pr.find(w("numId")))
                    out.styles[str(style.get(w("styleId"), ""))] = (
                        num_id,
                        _int(_val(num_pr.find(w("ilvl")))),
                    )
        return out

    def label(self, paragraph: Any) -> str:
        """The number Word shows before ``paragraph`` (advancing its list's counter), or ``""``."""
        properties = paragraph.find(w("pPr"))
        if properties is None:
            return ""
        num_pr = properties.find(w("numPr"))
        if num_pr is not None:
            num_id = _val(num_pr.find(w("numId")))
            ilvl = _int(_val(num_pr.find(w("ilvl"))))
        else:
            style = _val(properties.find(w("pStyle")))
            if style not in self.styles:
                return ""
            num_id, ilvl = self.styles[style]
        levels = self.lists.get(num_id)
        if not levels or num_id == "0" or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]
        level = levels[ilvl]
        if level.fmt in ("bullet", "none"):
            return ""

        def number(match: re.Match[str]) -> str:
            at = int(match.group(1)) - 1
            of = levels.get(at)
            count = counters.get(at, of.start if of else 1)
            return formatted(count, of.fmt if of else "decimal")

        return _LEVEL.sub(number, level.text)


def _val_attr(element: Any, name: str) -> str:
    return str(element.get(w(name), ""))


def _int(text: str, default: int = 0) -> int:
    return int(text) if text.isdigit() and len(text) < 6 else default


def _levels(abstract: Any) -> dict[int, _Level]:
    return _levels_of(abstract.iter(w("lvl")))


def _levels_of(elements: Any) -> dict[int, _Level]:
    out = {}
    for lvl in elements:
        out[_int(_val_attr(lvl, "ilvl"))] = _Level(
            fmt=_val(lvl.find(w("numFmt")), "decimal"),
            text=_val(lvl.find(w("lvlText")), ""),
            start=_int(_val(lvl.find(w("start"))), 1),
        )
    return out
