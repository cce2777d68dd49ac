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
