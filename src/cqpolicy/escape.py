"""Escape text from the data where it meets a format: one helper per format, never at call sites.

Names, titles and clause texts come from a source document and from curated files that anyone
can edit; a name such as ``<img src=x onerror=alert(1)>`` must reach a Markdown page, an HTML
page or an SVG chart as text, never as markup. Shared by the diff's Markdown and the report
(hence here, above both in the flow, rather than in ``publish/``).

The build refuses control characters (:mod:`cqpolicy.build.hygiene`); the XML helpers replace any
that reach them anyway with U+FFFD, because XML 1.0 cannot hold them at all.
"""

from __future__ import annotations

import html as _html
import re

_MARKDOWN = str.maketrans({c: f"\\{c}" for c in "\\`*_[]|#"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})
#: Characters XML 1.0 forbids (C0 controls but tab, newline and carriage return; U+FFFE, U+FFFF;
#: lone surrogates). DEL and the C1 controls are allowed by XML but refused by the build too.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def markdown(text: object) -> str:
    """Inline Markdown: markup characters backslash-escaped, ``<>&`` as entities, newlines as ``<br>``."""
    return str(text).translate(_MARKDOWN).replace("\r\n", "\n").replace("\n", "<br>")


def html(text: object) -> str:
    """HTML text or a double-quoted attribute value."""
    return _html.escape(_NOT_XML.sub("\ufffd", str(text)), quote=True)


def xml_text(text: object) -> str:
    """XML (SVG) element content: ``&<>`` as entities, characters XML forbids replaced."""
    return _NOT_XML.sub("\ufffd", str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: object) -> str:
    """An XML (SVG) attribute value, with its double quotes."""
    value = xml_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return f'"{value}"'


#: Blocks of characters that look like a common Chinese character they are not, each with how a
#: message names it. NFKC maps each to the character it looks like.
_LOOKALIKE_BLOCKS = (
    (0x2F00, 0x2FDF, "a Kangxi radical"),
    (0x2E80, 0x2EFF, "a CJK radical"),
    (0xF900, 0xFAFF, "a CJK compatibility ideograph"),
    (0x2F800, 0x2FA1F, "a CJK compatibility ideograph"),
)
#: Categories of characters that show as nothing (or as a space): format characters such as zero
#: width spaces and bidi controls, controls, combining marks and variation selectors, separators,
#: private use, unassigned code points and lone surrogates.
_INVISIBLE_CATEGORIES = {"Cf", "Cc", "Mn", "Me", "Zl", "Zp", "Co", "Cn", "Cs"}


def _lookalike(char: str) -> tuple[str, str] | None:
    import unicodedata

    code = ord(char)
    for first, last, kind in _LOOKALIKE_BLOCKS:
        if first <= code <= last:
            target = unicodedata.normalize("NFKC", char)
            return kind, (target if target != char else "")
    return None


def _invisible(char: str) -> bool:
    import unicodedata

    category = unicodedata.category(char)
    return category in _INVISIBLE_CATEGORIES or (category == "Zs" and char != " ")


def name_in_message(text: object) -> str:
    """A name from the data (a unit, a title) as an error message shows it: quoted, with every
    invisible or lookalike character escaped as ``\\uXXXX`` and named in a note.

    ``市发展改⾰委`` (with the Kangxi radical U+2FB0) would print exactly like the register's
    ``市发展改革委``, and a message saying the register lacks it would make no sense to anyone:
    shown as ``'市发展改\\u2fb0委' (contains a Kangxi radical, U+2FB0, that looks like 革)`` it does.
    """
    import unicodedata

    shown: list[str] = []
    notes: list[str] = []
    for char in str(text):
        if char in "'\\":
            shown.append("\\" + char)
            continue
        lookalike = _lookalike(char)
        if lookalike is None and not _invisible(char):
            shown.append(char)
            continue
        code = ord(char)
        shown.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        if lookalike is not None:
            kind, target = lookalike
            note = f"{kind}, U+{code:04X}" + (f", that looks like {target}" if target else "")
        else:
            name = unicodedata.name(char, "")
            note = f"an invisible character, U+{code:04X}" + (f" ({name})" if name else "")
        if note not in notes:
            notes.append(note)
    quoted = "'" + "".join(shown) + "'"
    if not notes:
        return quoted
    return f"{quoted} (contains {'; '.join(notes)})"
