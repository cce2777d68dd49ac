"""Plain text: the archived mirror copy, a clean official text, or a page's text copied from a browser.

Every non-blank line is one block, numbered by its line in the file. Table rows stay as
written (``1 | task | units |``, or cells separated by tabs in copied text): the parser
splits them.
"""

from __future__ import annotations

from pathlib import Path

from cqpolicy.errors import InputError
from cqpolicy.intake import Block


def decode(data: bytes, path: Path | str) -> str:
    """Decode text bytes: UTF-8 (BOM optional), else GB18030; newlines become LF.

    Raises:
        InputError: if the file is empty or is neither UTF-8 nor GB18030.
    """
    if not data.strip():
        raise InputError("the file is empty; give the policy's source text", path=path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("the file is UTF-16; save it as UTF-8 or GB18030 and build again", path=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise InputError(
                "the file is neither UTF-8 nor GB18030 text; save it as UTF-8 and build again",
                path=path,
                line=line,
            ) from None
    if "\x00" in text:
        raise InputError("the file contains NUL bytes and is not a text file", path=path)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(data: bytes, path: Path) -> list[Block]:
    """One block per non-blank line, ``at`` = the 1-based line number.

    Raises:
        InputError: if the text cannot be decoded.
    """
    lines = decode(data, path).split("\n")
    return [Block(at, line) for at, line in enumerate(lines, start=1) if line.strip(" \t\u3000\xa0")]
