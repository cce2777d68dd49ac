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
