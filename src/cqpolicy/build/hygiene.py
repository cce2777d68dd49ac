"""Refuse control characters in everything a build reads: source, register, curated files, translations.

A control character (U+0000-U+001F other than tab and newline, DEL, U+0080-U+009F) is invisible
in an editor, yet it breaks the files built from the text: an SVG chart with U+0001 in a label is
not well-formed XML, and a CSV cell or Markdown table with one is garbled. They never belong in
the policy's text or in a name, so the build stops with one sentence naming the file and line.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def control_character(text: str) -> str | None:
    """The first control character in ``text`` as ``U+0001``, or ``None``."""
    match = _CONTROL.search(text)
    return None if match is None else f"U+{ord(match.group()):04X}"


def refusal(code: str) -> str:
    """The end of the sentence that refuses ``code``."""
    return (
        f"holds the control character {code}, which no text or name may hold (it would break the CSV, "
        "Markdown and SVG files built from it); remove it"
    )


# --- artefacts of a mirror copy or a bad conversion -------------------------------------------------

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
#: Each artefact: what to call it, and a pattern that finds it. Checked in this order, so a
#: pinyin annotation is named as one rather than as its tone-marked letter.
_ARTEFACTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "a bidirectional control character",
        re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"),
    ),
    ("a line or paragraph separator (U+2028/U+2029)", re.compile("[\u2028\u2029]")),
    ("the replacement character U+FFFD (the text was decoded wrongly)", re.compile("\ufffd")),
    ("'?' inside Chinese text", re.compile(rf"(?<=[{_HAN}])\?|\?(?=[{_HAN}])")),
    (
        "pinyin in parentheses",
        re.compile(rf"[(（](?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]+[)）]"),
    ),
    ("a Latin letter with a tone mark (pinyin)", re.compile(f"[{_TONED}{_TONED.upper()}]")),
)


def _shown(code_point: str) -> str:
    """A character as a reader can see it: invisible ones by their code point."""
    if code_point.isprintable() and code_point not in "\u2028\u2029":
        return code_point
    return f"<U+{ord(code_point):04X}>"


def _fragment(text: str, start: int, end: int, around: int = 8) -> str:
    return "".join(_shown(c) for c in text[max(0, start - around) : end + around])


def text_artefact(text: str, simplified: str | None = None) -> str | None:
    """What is wrong with ``text`` (normalised publication text), with the fragment, or ``None``.

    The checks run on the text as it enters the parser, after the reviewed corrections and the
    normalisation of known mirror artefacts (:mod:`cqpolicy.build.normalise`): what is left
    is an artefact no rule or correction removed, such as ``漆t（yī）院``. ``simplified`` is
    ``text`` under OpenCC t2s (the caller converts, keeping OpenCC out of this module); a
    difference means Traditional characters are left.
    """
    for what, pattern in _ARTEFACTS:
        match = pattern.search(text)
        if match is not None:
            return f"{what} in “{_fragment(text, match.start(), match.end())}”"
    if simplified is not None and simplified != text:
        pairs = enumerate(zip(text, simplified, strict=False))
        at = next((i for i, (a, b) in pairs if a != b), min(len(text), len(simplified)))
        shown = _fragment(text, at, at + 1)
        return f"Traditional characters (the text changes under OpenCC t2s) in “{shown}”"
    return None


def artefact_refusal(found: str, corrections: str) -> str:
    """The sentence that refuses an artefact ``found`` by :func:`text_artefact`."""
    return (
        f"holds {found}, which is not the official text; fix it with a reviewed row in {corrections} "
        "(columns line, find, replace, reason) or give a clean copy of the official text"
    )
