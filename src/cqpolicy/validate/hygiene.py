"""Text hygiene: every text cell is clean Simplified Chinese or clean English
(``traditional-characters``, ``pinyin-annotation``, ``stray-question-mark``,
``replacement-character``, ``zero-width-character``, ``control-character``,
``ascii-punctuation``, ``unicode-normalisation``, ``bidi-control``, ``pinyin-tone-mark``).

``bidi-control`` (U+061C, U+200E/F, U+202A-202E, U+2066-2069) catches characters that make a
text display in another order than it reads (a unit name that looks like another);
``pinyin-tone-mark`` catches what is left of a pinyin annotation the normalisation could not
see, such as the ``t（yī）`` of a garbled word: neither the Chinese nor the English of this
policy writes a Latin letter with a tone mark."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cqpolicy.findings import Finding
from cqpolicy.package import schema_fields
from cqpolicy.validate.data import (
    PackageData,
    capped,
    key_text,
    new_finding,
)

if TYPE_CHECKING:
    pass

#: Characters of Chinese text: CJK ideographs and full-width forms and punctuation.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CHINESE = _HAN + "\u3000-\u303f\uff00-\uffef\u201c\u201d\u2018\u2019"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN = re.compile(rf"[{_HAN}][(（][a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*[)）]")
_HAS_HAN = re.compile(rf"[{_HAN}]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_TONE_MARK = re.compile(f"[{_TONED}{_TONED.upper()}]+")
_ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200d\u2028\u2029\u2060-\u2064\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
#: ASCII , : ; ( ) between Chinese characters (, : ; also at the end of a Chinese line), or a
#: parenthesised group that Chinese text wraps.
_ASCII_PUNCT = re.compile(
    rf"(?<=[{_CHINESE}])[,:;](?=[{_CHINESE}]|\n|$)|(?<=[{_CHINESE}])[()](?=[{_CHINESE}])"
    rf"|(?<=[{_CHINESE}])\([^()\n]*\)|\([^()\n]*\)(?=[{_CHINESE}])"
)

# --- text ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextRule:
    """One text-hygiene rule: a finding id, a test on one value, and what to tell people."""

    check: str
    find: Callable[[str], list[str]]
    advice: str


def _matches(pattern: re.Pattern[str]) -> Callable[[str], list[str]]:
    return lambda value: [m.group(0) for m in pattern.finditer(value)]


def _question_marks(value: str) -> list[str]:
    return ["?"] if "?" in value and _HAS_HAN.search(value) else []


def _not_nfc(value: str) -> list[str]:
    return [] if unicodedata.is_normalized("NFC", value) else ["not NFC"]


def _traditional(value: str) -> list[str]:
    converted = _to_simplified(value)
    if converted == value:
        return []
    return sorted(set(value) - set(converted)) or ["a Traditional phrase"]


_CONVERTER: list[Any] = []


def _to_simplified(text: str) -> str:
    if not _CONVERTER:
        import opencc

        _CONVERTER.append(opencc.OpenCC("t2s"))
    return str(_CONVERTER[0].convert(text))


TEXT_RULES = [
    TextRule("traditional-characters", _traditional, "write them in Simplified Chinese (OpenCC t2s)"),
    TextRule("pinyin-annotation", _matches(_PINYIN), "remove the pinyin annotation"),
    TextRule("stray-question-mark", _question_marks, "remove the '?' artefact"),
    TextRule(
        "replacement-character", _matches(re.compile("\ufffd")), "the text was decoded wrongly; rebuild it"
    ),
    TextRule("zero-width-character", _matches(_ZERO_WIDTH), "remove the invisible character"),
    TextRule("control-character", _matches(_CONTROL), "remove the control character"),
    TextRule("ascii-punctuation", _matches(_ASCII_PUNCT), "use the full-width ，：；（） in Chinese text"),
    TextRule("unicode-normalisation", _not_nfc, "normalise the text to NFC"),
    TextRule(
        "bidi-control",
        lambda value: [f"U+{ord(m.group()):04X}" for m in _BIDI.finditer(value)],
        "remove the bidirectional control character (it reorders what a reader sees)",
    ),
    TextRule(
        "pinyin-tone-mark",
        _matches(_TONE_MARK),
        "a Latin letter with a tone mark is pinyin left by a mirror copy; correct the source text",
    ),
]


def check_text(data: PackageData) -> list[Finding]:
    """Every text cell of every CSV table is clean Simplified Chinese (or clean English)."""
    out = []
    for table, frame in data.csv.items():
        resource = data.csv_resources[table]
        name = str(resource.get("name"))
        for spec in schema_fields(resource):
            if spec.get("type", "string") != "string" or spec["name"] not in frame.columns:
                continue
            column = frame[spec["name"]].dropna().astype(str)
            if column.empty:
                continue
            joined = "\n".join(column.tolist())
            for rule in TEXT_RULES:
                if not rule.find(joined):
                    continue
                rows = []
                for index, value in column.items():
                    hits = rule.find(value)
                    if hits:
                        row = data.key_of(table, frame, index)
                        shown = ", ".join(repr(h) for h in dict.fromkeys(hits))
                        rows.append(
                            new_finding(
                                rule.check,
                                f"{name} ({key_text(row)}), {spec['name']}: {shown}; {rule.advice}",
                                name,
                                row=row,
                                field=spec["name"],
                            )
                        )
                out.extend(capped(rows, name, f"break {rule.check}"))
    return out
