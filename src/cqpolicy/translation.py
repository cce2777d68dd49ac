"""What an English translation of the policy must keep, as pure rules on pairs of texts.

Shared by the build (:mod:`cqpolicy.build.translations`, which refuses to build a broken
translation) and by ``cqpolicy validate`` (:mod:`cqpolicy.validate.translation`, which
reports the same problems as findings in a package someone hands it). Both layers call
:func:`problems`, so a rule cannot hold in one and not in the other.

The rules:

- every Chinese text has an English one (``translation-missing``);
- no Chinese character is left in the English (``translation-chinese-characters``);
- every Arabic number of the Chinese appears in the English (``translation-number-missing``);
- the English has as many paragraphs as the Chinese (``translation-paragraphs``);
- wherever a glossary term occurs in the Chinese, its one rendering occurs in the English of
  the same row (``translation-term-missing``), compared without regard to case so that a
  rendering may start a sentence. This is what keeps a term to one rendering across all the
  texts: a text that renders 生态岛 some other way lacks the glossary's rendering and fails.
  An occurrence inside a longer glossary term does not count (longest match, as a reader
  reads): 生态岛 inside 重庆生态岛 is rendered by the longer term's own rendering, and a
  legitimately different sense of a term is listed as the longer word it occurs in (人才生态环境,
  the environment for talent, is not 生态环境, the eco-environment);
- no placeholder stands for the English: TODO, TBD, FIXME, the word "translate", 待译
  (``translation-placeholder``);
- the English is of a plausible length for the Chinese (``translation-length``): between
  :data:`MIN_RATIO` and :data:`MAX_RATIO` characters of English per character of Chinese, for
  Chinese of at least :data:`RATIO_FROM` characters;
- the glossary gives each term one rendering (``glossary-term-ambiguous``) and each
  rendering one term (``glossary-rendering-shared``), with a basis (``glossary-basis-missing``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Han characters (CJK unified ideographs and their extensions A and compatibility block)
#: and the full-width punctuation Chinese text uses.
CHINESE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
#: An Arabic number as written in the Chinese: 168, 2025, 5G's 5, 1.5.
NUMBER = re.compile(r"\d+(?:\.\d+)?")
#: Words that stand in for an English text not written yet. "translate" is refused as a word:
#: the policy's English never needs it (its 成果转化 is "transformation of achievements").
PLACEHOLDER = re.compile(r"\b(?:TODO|TBD|FIXME|XXX|translate)\b|待译|待翻译", re.IGNORECASE)
#: The band of English characters per Chinese character a translation must fall in. Measured on
#: the 125 reviewed translations of version 1.2.0 (clause and task texts, document fields,
#: section and clause titles): minimum 3.4, median 5.3, maximum 8.2 (5th-95th percentile
#: 4.0-6.8). The band is wide around that, so only a cut or padded text is refused.
MIN_RATIO, MAX_RATIO = 2.0, 12.0
#: Below this many Chinese characters the ratio says little: a title of four characters, or
#: 到2025年。 whose number is as long in both languages.
RATIO_FROM = 10


@dataclass(frozen=True)
class Term:
    """One glossary entry: a Chinese term and its one English rendering."""

    term_zh: str
    term_en: str
    basis: str = ""


@dataclass(frozen=True)
class Pair:
    """One Chinese text and its English, with where they live (for messages).

    Attributes:
        table: The table or curated file, e.g. ``clauses``.
        key: The row, e.g. ``5`` or ``preamble:1``.
        field: The English column, e.g. ``text_en``.
        zh: The Chinese text.
        en: The English text (empty when untranslated).
    """

    table: str
    key: str
    field: str
    zh: str
    en: str

    @property
    def where(self) -> str:
        return f"{self.table} {self.key}, {self.field}"


@dataclass(frozen=True)
class Problem:
    """One broken rule: a stable kebab-case ``check`` id and a sentence for a person."""

    check: str
    message: str
    pair: Pair | None = None


def _has_number(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)", text) is not None


def occurs(term_zh: str, text: str, glossary_terms: Iterable[str]) -> bool:
    """Whether ``term_zh`` occurs in ``text`` other than inside a longer glossary term.

    The longer terms that contain it are blanked out first, longest first, so that 生态岛 is
    not found in 重庆生态岛 and 生态环境 not in 广阳岛长江生态环境野外科学观测研究站.
    """
    if term_zh not in text:
        return False
    longer = sorted(
        (t for t in glossary_terms if len(t) > len(term_zh) and term_zh in t), key=len, reverse=True
    )
    for word in longer:
        text = text.replace(word, "\0")
    return term_zh in text


def pair_problems(pair: Pair, glossary: Iterable[Term]) -> list[Problem]:
    """Everything wrong with one translated text."""
    glossary = list(glossary)
    if not pair.zh.strip():
        return []
    if not pair.en.strip():
        return [Problem("translation-missing", f"{pair.where} is empty; translate the Chinese", pair)]
    out = []
    chinese = sorted(set(CHINESE.findall(pair.en)))
    if chinese:
        shown = "".join(chinese[:10])
        out.append(
            Problem(
                "translation-chinese-characters",
                f"{pair.where} contains Chinese characters or punctuation ({shown}); write them in English",
                pair,
            )
        )
    missing_numbers = [n for n in dict.fromkeys(NUMBER.findall(pair.zh)) if not _has_number(n, pair.en)]
    if missing_numbers:
        out.append(
            Problem(
                "translation-number-missing",
                f"{pair.where} lacks the number{'s' if len(missing_numbers) > 1 else ''} "
                f"{', '.join(missing_numbers)} of the Chinese; keep every number",
                pair,
            )
        )
    placeholder = PLACEHOLDER.search(pair.en)
    if placeholder:
        out.append(
            Problem(
                "translation-placeholder",
                f"{pair.where} holds the placeholder {placeholder.group()!r}, not an English text; "
                "write the translation",
                pair,
            )
        )
    length = implausible_length(pair.zh, pair.en)
    if length:
        out.append(Problem("translation-length", f"{pair.where} {length}", pair))
    zh_paragraphs, en_paragraphs = pair.zh.count("\n") + 1, pair.en.count("\n") + 1
    if zh_paragraphs != en_paragraphs:
        out.append(
            Problem(
                "translation-paragraphs",
                f"{pair.where} has {en_paragraphs} paragraph(s) but the Chinese has {zh_paragraphs}; "
                "break the English where the Chinese breaks",
                pair,
            )
        )
    folded = pair.en.casefold()
    terms_zh = [t.term_zh for t in glossary]
    for term in glossary:
        if occurs(term.term_zh, pair.zh, terms_zh) and term.term_en.casefold() not in folded:
            out.append(
                Problem(
                    "translation-term-missing",
                    f"{pair.where}: the Chinese has {term.term_zh} but the English lacks its glossary "
                    f"rendering {term.term_en!r}; use it",
                    pair,
                )
            )
    return out


def implausible_length(zh: str, en: str) -> str | None:
    """Why ``en`` is too short or too long to translate ``zh`` (see :data:`MIN_RATIO`), or ``None``."""
    if len(zh) < RATIO_FROM:
        return None
    ratio = len(en) / len(zh)
    if MIN_RATIO <= ratio <= MAX_RATIO:
        return None
    return (
        f"has {len(en)} characters for {len(zh)} of Chinese ({ratio:.1f} per character; translations "
        f"of this policy have {MIN_RATIO:g} to {MAX_RATIO:g}); "
        f"{'is part of it missing' if ratio < MIN_RATIO else 'does it hold more than this text'}?"
    )


def glossary_problems(glossary: Iterable[Term]) -> list[Problem]:
    """A glossary that renders a term two ways, or two terms one way, cannot be followed."""
    out = []
    renderings: dict[str, set[str]] = {}
    terms_of: dict[str, set[str]] = {}
    for term in glossary:
        renderings.setdefault(term.term_zh, set()).add(term.term_en)
        terms_of.setdefault(term.term_en.casefold(), set()).add(term.term_zh)
        if not term.term_en.strip():
            out.append(
                Problem("glossary-rendering-missing", f"glossary term {term.term_zh} has no rendering")
            )
        if not term.basis.strip():
            out.append(
                Problem(
                    "glossary-basis-missing",
                    f"glossary term {term.term_zh} has no basis; "
                    "say whose usage or which convention it follows",
                )
            )
    for term_zh, ens in renderings.items():
        if len(ens) > 1:
            out.append(
                Problem(
                    "glossary-term-ambiguous",
                    f"glossary term {term_zh} is rendered {len(ens)} ways ({' / '.join(sorted(ens))}); "
                    "keep one",
                )
            )
    for term_en, zhs in terms_of.items():
        if len(zhs) > 1:
            out.append(
                Problem(
                    "glossary-rendering-shared",
                    f"glossary rendering {term_en!r} is given to {len(zhs)} terms "
                    f"({', '.join(sorted(zhs))}); a reader could not tell them apart",
                )
            )
    return out


def problems(pairs: Iterable[Pair], glossary: Iterable[Term]) -> list[Problem]:
    """Every broken rule in the glossary and in the pairs, glossary first."""
    terms = list(glossary)
    out = glossary_problems(terms)
    for pair in pairs:
        out.extend(pair_problems(pair, terms))
    return out
