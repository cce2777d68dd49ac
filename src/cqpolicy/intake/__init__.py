"""Reading a publication: turn the file the portal publishes into blocks of text the parser reads.

A policy reaches the maintainer as a plain text (the archived mirror copy or a clean official
text), the portal page saved from a browser (``.html``), the same page's text copied from a
browser, a Word attachment (``.docx``) or a PDF attachment. Each form has one module here that
ends in the same result, a :class:`Publication`: the document's paragraphs and table rows, in
reading order, each with its position in the file (:class:`Block`), and the portal's metadata
block when the page shows one (:mod:`cqpolicy.intake.portal`).

The form is chosen by the file's content, never by its name alone, and every file is treated
as untrusted: its size is bounded, archives are checked before they are opened, nothing in it
is followed or executed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cqpolicy.errors import InputError

Form = Literal["text", "html", "docx", "pdf"]

#: The largest publication read, in bytes: the real policy is 40 KB as text, 200 KB as PDF.
MAX_PUBLICATION_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Block:
    """One paragraph or table row of a publication.

    Attributes:
        at: 1-based position in the file: the line for a text file, the paragraph or table row
            (counted in reading order) for HTML, Word and PDF. ``source_line`` columns hold it.
        text: The text as read, not yet normalised. A table row's cells joined by `` | ``.
        cells: The cells of a table row, when the form knows them (HTML, Word, PDF); ``None``
            for a paragraph, and for plain text, whose rows the parser splits itself.
    """

    at: int
    text: str
    cells: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Furniture:
    """Text a reader found in the file but outside the document, and dropped (page furniture).

    Conservation: every character of the form's document region either reaches the parsed
    document or is named here, so a build can prove that nothing was lost silently.

    Attributes:
        at: 1-based position in the file, as :attr:`Block.at` counts it.
        text: The text dropped, as read.
        why: Why it is not the document's, in a few words ("running header", "page number",
            "after the last annex row", "repeated header row", ...).
    """

    at: int
    text: str
    why: str


@dataclass(frozen=True)
class Reading:
    """What a form's reader returns: the document's blocks, and what it saw to get them.

    Attributes:
        blocks: The document's paragraphs and table rows, in reading order.
        region: Every character of the form's document region, in reading order, as the reader
            found it before it dropped anything: the text the conservation check counts from.
        furniture: What the reader dropped inside that region, each with its reason.
        notes: What the reader changed as it read, in a sentence each, for the build's warnings
            (a PDF's Kangxi radicals read as the characters they stand for).
        merged_once: How the region writes a table cell merged across columns: once (a page's
            ``colspan``, a PDF's wide cell), or in every column it covers, as the blocks do (a
            Word table's ``gridSpan``); furniture cut from the blocks is written the same way.
    """

    blocks: tuple[Block, ...]
    region: str
    furniture: tuple[Furniture, ...] = ()
    notes: tuple[str, ...] = ()
    merged_once: bool = True


@dataclass(frozen=True)
class Publication:
    """A publication read into blocks.

    Attributes:
        path: The file read.
        form: Which reader read it.
        raw: The file's bytes, for its hash and size.
        blocks: The document's blocks, portal chrome removed.
        metadata: The portal's metadata block (``索引号`` → value, ...), empty when none is shown.
        dropped: How many blocks of portal chrome (navigation, footer, ...) were removed.
        region: The form's document region as its reader found it (see :class:`Reading`);
            empty where the reader does not report one yet.
        furniture: What the reader and the portal step dropped inside that region.
        notes: What the reader changed as it read (see :class:`Reading`).
    """

    path: Path
    form: Form
    raw: bytes
    blocks: tuple[Block, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    dropped: int = 0
    region: str = ""
    furniture: tuple[Furniture, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        """What :attr:`Block.at` counts in this form, in words, for the package's descriptor."""
        return "line" if self.form == "text" else "paragraph or table row, in reading order"


def read_bytes(path: Path, *, max_bytes: int = MAX_PUBLICATION_BYTES) -> bytes:
    """Read a publication's bytes, refusing what is not a regular file or is too large.

    Raises:
        InputError: if the file is missing, not a regular file, unreadable or too large.
    """
    if not path.exists():
        raise InputError("the source does not exist; check the path given to --source", path=path)
    if not path.is_file():
        raise InputError(
            f"the source must be a regular file (a text, .html, .docx or .pdf), not {file_kind(path)}",
            path=path,
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"the file has {size:,} bytes, more than the {max_bytes:,} a policy publication can "
                "have; give the policy's own page or attachment",
                path=path,
            )
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise InputError(f"cannot read the source: {error.strerror}", path=path) from None
    if len(data) > max_bytes:
        raise InputError("the file grew past the size limit while it was read", path=path)
    return data


def file_kind(path: Path) -> str:
    """What ``path`` is, in words, when it is not a regular file (for the message refusing it)."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError as error:
        return f"a path that cannot be examined ({error.strerror or error})"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), which would block the reader"
    if stat.S_ISCHR(mode):
        return "a character device (such as /dev/zero), which has no end"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def sniff(data: bytes, path: Path) -> Form:
    """Which form ``data`` is in, by its content.

    Raises:
        InputError: for a form no reader takes (legacy ``.doc``, RTF, ``.xlsx``, other zips, images).
    """
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise InputError(
            "the file is a legacy Word .doc (or another old Office file); open it in Word or "
            "LibreOffice and save it as .docx, then build again",
            path=path,
        )
    if data[:8] in (b"\x89PNG\r\n\x1a\n",) or data[:3] == b"\xff\xd8\xff" or data[:4] == b"GIF8":
        raise InputError("the file is an image; give the policy's text, web page, .docx or .pdf", path=path)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{\\rtf"):
        raise InputError(
            "the file is an RTF document; open it in Word or LibreOffice and save it as .docx, then "
            "build again",
            path=path,
        )
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head or b"<body" in head:
        return "html"
    return "text"


def read_publication(path: Path, *, max_bytes: int = MAX_PUBLICATION_BYTES) -> Publication:
    """Read any form of the policy's publication into blocks; see the module docstring.

    Raises:
        InputError: the file cannot be used (missing, too large, damaged, a scan without
            text, undecodable).
    """
    from cqpolicy.intake import portal
    from cqpolicy.intake.extent import document_extent

    data = read_bytes(path, max_bytes=max_bytes)
    form = sniff(data, path)
    metadata: dict[str, str] = {}
    if form == "html":
        from cqpolicy.intake.html import read_html

        page = read_html(data, path)
        reading: Reading = page
        metadata, outside = page.metadata, page.outside
    elif form == "text":
        from cqpolicy.intake.text import read_text

        reading = read_text(data, path)
        before = [Block(item.at, item.text) for item in reading.furniture if item.why == BEFORE_DOCUMENT]
        metadata, outside = portal.metadata_from(before), 0
    else:
        reading = _read_binary(form, data, path)
        outside = 0
        kept, furniture, before_blocks = document_extent(
            reading.blocks, path, unit="paragraph", merged_once=reading.merged_once
        )
        metadata = portal.metadata_from(before_blocks)
        reading = Reading(tuple(kept), reading.region, (*reading.furniture, *furniture), reading.notes)
    return Publication(
        path=path,
        form=form,
        raw=data,
        blocks=reading.blocks,
        metadata=metadata,
        dropped=outside + len(reading.furniture),
        region=reading.region,
        furniture=reading.furniture,
        notes=reading.notes,
    )


#: Why the text before a document's head is dropped (:mod:`cqpolicy.intake.extent`).
BEFORE_DOCUMENT = "before the document's head"


def _read_binary(form: Form, data: bytes, path: Path) -> Reading:
    """The Word or PDF reader's :class:`Reading`."""
    if form == "pdf":
        from cqpolicy.intake.pdf import read_pdf

        return read_pdf(data, path)
    from cqpolicy.intake.docx import read_docx

    return read_docx(data, path)
