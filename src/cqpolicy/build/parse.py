"""Parse the normalised blocks of a publication into the policy's structure.

The document has a header (issuer, title, document number), an addressee line, a preamble,
numbered sections (``一、``) holding numbered clauses (``（一）``), a signature with the date
written, and one or more annexes, one of which is the table of tasks with their responsible
units (:mod:`cqpolicy.build.annex`). A policy may also come attached to a notice
(``关于印发…的通知``): the notice's number, title and date are kept, and the policy is read.
Every element remembers its block's position in the source (``at``) so that each row of the
package can be traced back to it.

The parser works on the output of :func:`cqpolicy.build.normalise.normalise_blocks` (or on
plain normalised lines): every form of the same policy gives the same structure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cqpolicy.build.annex import (
    Annex,
    Task,
    UnitRef,
    annex_notes,
    pick_task_table,
    read_annex,
    shorten,
    split_units,
)
from cqpolicy.build.numerals import (
    DOC_NUMBER_PATTERN,
    canonical_number,
    chinese_numeral,
    document_number,
    looks_like_date,
    parse_date,
    to_chinese_numeral,
)
from cqpolicy.errors import SourceError
from cqpolicy.intake import Block

__all__ = [
    "Clause",
    "Document",
    "Section",
    "Task",
    "UnitRef",
    "chinese_numeral",
    "parse_document",
    "split_units",
    "to_chinese_numeral",
]

_NUMERALS = "一二三四五六七八九十"
HEADER_LINE = re.compile(rf"^{DOC_NUMBER_PATTERN}\s*《(?P<title>.+)》$")
SECTION = re.compile(rf"^(?P<num>[{_NUMERALS}]+)、(?P<title>.+)$")
CLAUSE = re.compile(rf"^（(?P<num>[{_NUMERALS}百]+)）(?P<rest>.*)$")
ANNEX_REF = re.compile(r"^附件[：:]\s*(?P<title>.*)$")
#: A further annex named under ``附件：1．…`` on a line of its own: ``2．…``.
ANNEX_REF_MORE = re.compile(r"^(?P<n>\d{1,2})\s*[．.、]\s*(?P<title>\S.*)$")
ANNEX_HEADING = re.compile(r"^附件\s*(?P<n>\d*)$")
NOTICE_TITLE = re.compile(r"^(?P<issuer>.*?)关于印发(?P<name>.+)的通知$")
PUBLIC_RELEASE = "（此件公开发布）"


@dataclass(frozen=True)
class Section:
    """A numbered section (``一、总体要求``)."""

    section_no: int
    label: str
    title: str
    line: int


@dataclass(frozen=True)
class Clause:
    """A numbered clause (``（五）厚植绿色生态本底。…``)."""

    clause_no: int
    label: str
    section_no: int
    title: str
    text: str
    line: int
    line_end: int


@dataclass(frozen=True)
class Notice:
    """The notice a policy was published under (``关于印发…的通知``)."""

    number: str
    title: str
    issuer: str
    date: dt.date
    addressees: str
    released: bool


@dataclass
class Document:
    """The parsed policy."""

    document_number: str
    title: str
    issuer: str
    date_written: dt.date
    addressees: str
    preamble: str
    annex_title: str
    publicly_released: bool
    sections: list[Section] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    notice: Notice | None = None
    #: Annexes that are not the task table, and other things the build should mention.
    warnings: list[str] = field(default_factory=list)


class _Lines:
    """The blocks with text, in order, with a cursor."""

    def __init__(self, blocks: Sequence[Block]):
        self.items = [block for block in blocks if block.text]
        self.pos = 0

    @property
    def last_at(self) -> int | None:
        """Where the text ends (its last non-empty block), for messages about what is missing."""
        return self.items[-1].at if self.items else None

    def peek(self, ahead: int = 0) -> Block | None:
        at = self.pos + ahead
        return self.items[at] if at < len(self.items) else None

    def next(self) -> Block:
        item = self.items[self.pos]
        self.pos += 1
        return item


def _as_blocks(lines: Sequence[str] | Sequence[Block]) -> list[Block]:
    """Plain lines become blocks numbered by line; blocks stay as they are."""
    out: list[Block] = []
    for at, item in enumerate(lines, start=1):
        if isinstance(item, Block):
            out.append(item)
        elif item:
            out.append(Block(at, str(item)))
    return out


def _is_row(block: Block) -> bool:
    return block.cells is not None or "|" in block.text or "｜" in block.text or "\t" in block.text


def _is_main_text_end(block: Block) -> bool:
    text = block.text
    return (
        bool(ANNEX_REF.match(text))
        or looks_like_date(text)
        or text == PUBLIC_RELEASE
        or bool(ANNEX_HEADING.match(text))
        or block.cells is not None
    )


def parse_document(
    lines: Sequence[str] | Sequence[Block], path: Path | str = "<source>", *, stated_number: str | None = None
) -> Document:
    """Parse normalised blocks (or lines) into a :class:`Document`.

    ``stated_number`` is the document number the publication states outside the document's text
    (a portal page's 发文字号): some pages show the number only there. It stands in for a header
    without one, with a warning; a header that has one is checked against it later.

    Raises:
        SourceError: naming the line, when the structure is broken: no document
            number, a clause or section out of sequence, a missing annex, a task
            number duplicated or missing, an empty cell.
    """
    src = _Lines(_as_blocks(lines))
    if src.peek() is None:
        raise SourceError("the text has no content after normalisation", path=path)

    header, addressee_at, addressees = _read_header(src, path)
    number, title, from_page = _parse_header(header, path, addressee_at, stated_number)
    warnings: list[str] = []
    if from_page:
        warnings.append(
            f"the document's head shows no document number; {number} is the page's own (its 发文字号)"
        )
    notice: Notice | None = None
    if (wrapper := NOTICE_TITLE.match(title)) is not None:
        notice, title, own_number, own_addressees = _parse_notice(
            src, number, title, wrapper["name"], addressees, path
        )
        number = own_number or number
        addressees = own_addressees or addressees

    preamble: list[str] = []
    while (item := src.peek()) is not None and not SECTION.match(item.text):
        if CLAUSE.match(item.text) or _is_main_text_end(item):
            raise SourceError(
                f"expected the first section heading (一、…) before {item.text[:20]!r}",
                path=path,
                line=item.at,
            )
        preamble.append(src.next().text)
    if not preamble:
        raise SourceError("the preamble is missing before the first section", path=path, line=addressee_at)

    sections, clauses = _parse_body(src, path)
    if src.peek() is None:
        raise SourceError(
            f"the text ends inside clause {clauses[-1].label}{_cut(clauses[-1])}, before the "
            "signature, the date and the annex: the source is cut short; use the complete publication",
            path=path,
            line=src.last_at,
        )
    issuer, date_written, announced, released = _parse_signature(src, path, optional=notice is not None)
    annexes = _read_annexes(src, path, announced)
    annex, skipped = pick_task_table(annexes, path)
    if announced and annex.title not in announced:
        raise SourceError(
            f"the annex is announced as {' / '.join(announced)!r} but titled {annex.title!r}; "
            "make them agree",
            path=path,
        )
    tasks = read_annex(annex, path)
    warnings += [
        f"the annex table's note {shorten(text)!r} (line {at}) belongs to no task and is not in the tables; "
        "read it in the source"
        for at, text in annex_notes(annex)
    ]
    warnings += [
        f"{other.heading} {other.title!r} (line {other.at}) is not a task table (its header names no "
        "tasks and responsible units); it was skipped"
        for other in skipped
    ]
    if date_written is None:
        if notice is None:  # pragma: no cover  # _parse_signature requires a date without a notice
            raise SourceError("no date written after the main text", path=path)
        date_written = notice.date
    return Document(
        document_number=number,
        title=title,
        issuer=issuer or (notice.issuer if notice else ""),
        date_written=date_written,
        addressees=addressees,
        preamble="\n".join(preamble),
        annex_title=annex.title,
        publicly_released=released or bool(notice and notice.released),
        sections=sections,
        clauses=clauses,
        tasks=tasks,
        notice=notice,
        warnings=warnings,
    )


#: What a sentence, a clause or a task ends with (a closing quote or bracket may follow).
SENTENCE_END = re.compile(r"[。！？；…][”’」』）)]*$")


def _cut(clause: Clause) -> str:
    """Where in ``clause`` a text cut short stops, for messages about truncation."""
    if clause.text == clause.title:
        return " after its heading"
    return "" if SENTENCE_END.search(clause.text.rstrip()) else " mid-sentence"


def _read_header(src: _Lines, path: Path | str) -> tuple[list[Block], int, str]:
    """The header blocks and the addressee line (the first line ending in ``：``)."""
    header: list[Block] = []
    while (item := src.peek()) is not None and not item.text.endswith("："):
        if SECTION.match(item.text) or CLAUSE.match(item.text):
            break
        header.append(src.next())
    item = src.peek()
    if item is None or not item.text.endswith("："):
        where = item.at if item else None
        raise SourceError(
            "no addressee line (such as '有关区人民政府，市政府有关部门，有关单位：') before the body; "
            "is this the page or file of one policy document?",
            path=path,
            line=where,
        )
    addressee = src.next()
    return header, addressee.at, addressee.text


def _parse_header(
    header: list[Block], path: Path | str, before_line: int, stated: str | None
) -> tuple[str, str, bool]:
    """The document number, the title, and whether the number is ``stated`` (the page's own),
    standing in for a header that shows none."""
    number: str | None = None
    combined_title: str | None = None
    title_parts: list[str] = []
    for block in header:
        found: str | None
        if m := HEADER_LINE.match(block.text):
            found, combined_title = canonical_number(m), m["title"]
        elif found := document_number(block.text):
            pass
        else:
            title_parts.append(block.text)
            continue
        if number and number != found:
            raise SourceError(
                f"two document numbers: {number} and {found}; give the page or file of one document",
                path=path,
                line=block.at,
            )
        number = found
    if number is None and stated is None:
        raise SourceError(
            "no document number (such as 渝府〔2022〕5号) in the header, and the page states none "
            "(发文字号); give the complete publication",
            path=path,
            line=before_line,
        )
    title = "".join(title_parts) or combined_title
    if not title:
        raise SourceError("no title in the header", path=path, line=before_line)
    if combined_title and combined_title != title:
        raise SourceError(
            f"the header line names the title {combined_title!r} but the title lines read {title!r}",
            path=path,
            line=header[0].at,
        )
    if number is not None:
        return number, title, False
    assert stated is not None  # refused above otherwise
    return stated, title, True


def _parse_notice(
    src: _Lines, number: str, title: str, name: str, addressees: str, path: Path | str
) -> tuple[Notice, str, str | None, str | None]:
    """Read a notice's body and signature, then the attached policy's own header.

    Returns:
        The notice, the policy's title, and its own number and addressee line when it has them.
    """
    policy_title = name.strip("《》")
    issuer = ""
    date: dt.date | None = None
    released = False
    while (item := src.peek()) is not None and item.text.strip("《》") != policy_title:
        block = src.next()
        if looks_like_date(block.text):
            date = _date(block, path)
        elif block.text == PUBLIC_RELEASE:
            released = True
        elif date is None and not ANNEX_REF.match(block.text):
            issuer = block.text
        if SECTION.match(block.text) or CLAUSE.match(block.text):
            raise SourceError(
                f"the notice {title!r} is not followed by the policy it issues ({policy_title!r})",
                path=path,
                line=block.at,
            )
    if src.peek() is None:
        raise SourceError(
            f"the notice {title!r} is not followed by the policy it issues ({policy_title!r})", path=path
        )
    src.next()  # the policy's title line
    if date is None:
        raise SourceError(f"the notice {title!r} has no date before the policy", path=path)
    own_number = None
    if (item := src.peek()) is not None and (found := document_number(item.text)):
        own_number = found
        src.next()
    own_addressees = None
    if (item := src.peek()) is not None and item.text.endswith("：") and not SECTION.match(item.text):
        own_addressees = src.next().text
    notice = Notice(number, title, issuer, date, addressees, released)
    return notice, policy_title, own_number, own_addressees


def _parse_body(src: _Lines, path: Path | str) -> tuple[list[Section], list[Clause]]:
    sections: list[Section] = []
    clauses: list[Clause] = []
    while (item := src.peek()) is not None and not _is_main_text_end(item) and not _is_signature(src):
        block = src.next()
        if m := SECTION.match(block.text):
            _require_clauses(sections, clauses, path)
            number = chinese_numeral(m["num"])
            if number != len(sections) + 1:
                raise SourceError(
                    f"section {m['num']}、 is out of sequence: expected section "
                    f"{to_chinese_numeral(len(sections) + 1)}、",
                    path=path,
                    line=block.at,
                )
            sections.append(Section(number, f"{m['num']}、", m["title"], block.at))
        elif m := CLAUSE.match(block.text):
            number = chinese_numeral(m["num"])
            expected = len(clauses) + 1
            if number != expected:
                what = "is missing" if number > expected else "is duplicated or out of order"
                raise SourceError(
                    f"clause （{to_chinese_numeral(expected)}） {what}: found （{m['num']}） instead",
                    path=path,
                    line=block.at,
                )
            if not sections:
                raise SourceError("a clause comes before the first section heading", path=path, line=block.at)
            clauses.append(_parse_clause(src, number, m["num"], m["rest"], sections[-1].section_no, block.at))
        else:
            raise SourceError(
                f"text outside any clause: {block.text[:30]!r}; "
                "it should follow a clause label such as （一）",
                path=path,
                line=block.at,
            )
    stop = src.peek()
    end = "; the text ends there: is the source cut short?" if stop is None else ""
    at = src.last_at if stop is None else stop.at
    if not sections:
        raise SourceError(f"no numbered sections (一、…) found{end}", path=path, line=at)
    if not clauses:
        raise SourceError(f"no numbered clauses (（一）…) found{end}", path=path, line=at)
    _require_clauses(sections, clauses, path)
    return sections, clauses


def _require_clauses(sections: list[Section], clauses: list[Clause], path: Path | str) -> None:
    """The last section read holds at least one clause: a heading alone means text is missing."""
    if sections and not any(clause.section_no == sections[-1].section_no for clause in clauses):
        last = sections[-1]
        raise SourceError(
            f"section {last.label}{last.title} has no clause (（…）) under it: the source is cut short "
            "or its clauses are missing",
            path=path,
            line=last.line,
        )


def _is_signature(src: _Lines) -> bool:
    """Whether the next blocks are the issuer's name lines and then the date written.

    Without an annex reference (``附件：…``) between them, nothing else ends the last clause
    before its signature: the issuer's name (no sentence punctuation) directly above a date is it.
    """
    for ahead in range(3):
        item = src.peek(ahead)
        if item is None or item.cells is not None:
            return False
        if looks_like_date(item.text):
            return ahead > 0
        if re.search(r"[。；，：！？]", item.text) or len(item.text) > 40:
            return False
    return False


def _parse_clause(src: _Lines, number: int, numeral: str, rest: str, section_no: int, line_no: int) -> Clause:
    body: list[str] = []
    line_end = line_no
    while (item := src.peek()) is not None:
        if (
            SECTION.match(item.text)
            or CLAUSE.match(item.text)
            or _is_main_text_end(item)
            or _is_signature(src)
        ):
            break
        block = src.next()
        line_end = block.at
        body.append(block.text)
    head = rest.strip()
    if "。" not in head.rstrip("。"):
        # Heading on a line of its own: the mirror adds a 。 the official text does not have.
        title = head.rstrip("。")
        text = "\n".join([title, *body]) if title else "\n".join(body)
    else:
        title = head.split("。", 1)[0]
        text = "\n".join([head, *body])
    return Clause(number, f"（{numeral}）", section_no, title, text, line_no, line_end)


def _date(block: Block, path: Path | str) -> dt.date:
    try:
        date = parse_date(block.text)
    except ValueError:
        raise SourceError(f"{block.text} is not a valid date", path=path, line=block.at) from None
    if date is None:  # pragma: no cover  # only called on lines that look like dates
        raise SourceError(f"{block.text} is not a date", path=path, line=block.at)
    return date


def _parse_signature(
    src: _Lines, path: Path | str, *, optional: bool
) -> tuple[str, dt.date | None, list[str], bool]:
    """Annex references, issuer, date written and the public-release note after the main text."""
    announced: list[str] = []
    issuer = ""
    date_written: dt.date | None = None
    released = False
    after_ref = False
    while (item := src.peek()) is not None and not ANNEX_HEADING.match(item.text) and not _is_row(item):
        block = src.next()
        if m := ANNEX_REF.match(block.text):
            title = m["title"].strip()
            if more := ANNEX_REF_MORE.match(title):
                title = more["title"].strip()
            if title:
                announced.append(title)
            after_ref = True
            continue
        if after_ref and (more := ANNEX_REF_MORE.match(block.text)):
            announced.append(more["title"].strip())
            continue
        after_ref = False
        if looks_like_date(block.text):
            date_written = _date(block, path)
        elif block.text == PUBLIC_RELEASE:
            released = True
        elif date_written is None:
            issuer = block.text
        else:
            raise SourceError(
                f"unexpected text after the date: {block.text[:30]!r}", path=path, line=block.at
            )
    if not optional:
        end = "" if src.peek() is not None else "; the text ends there: is the source cut short?"
        if date_written is None:
            raise SourceError(
                f"no date written (such as 2022年1月25日) after the main text{end}",
                path=path,
                line=src.last_at,
            )
        if not issuer:
            raise SourceError(
                f"no issuer (signature) before the date written{end}", path=path, line=src.last_at
            )
    return issuer, date_written, announced, released


def _read_annexes(src: _Lines, path: Path | str, announced: Sequence[str] = ()) -> list[Annex]:
    """Split what follows the signature into annexes: a heading, title lines, then table rows."""
    if src.peek() is None:
        promised = f"; the text announces {' / '.join(announced)!r} but ends here" if announced else ""
        raise SourceError(
            f"the annex (附件) with the task table is missing{promised}: is the source cut short?",
            path=path,
            line=src.last_at,
        )
    annexes: list[Annex] = []
    while (item := src.peek()) is not None:
        heading = src.next() if ANNEX_HEADING.match(item.text) else None
        title_parts: list[str] = []
        while (item := src.peek()) is not None and not _is_row(item) and not ANNEX_HEADING.match(item.text):
            title_parts.append(src.next().text)
        rows: list[Block] = []
        while (item := src.peek()) is not None and not ANNEX_HEADING.match(item.text):
            rows.append(src.next())
        at = heading.at if heading is not None else (rows[0].at if rows else 0)
        annexes.append(Annex(heading.text if heading else "附件", "".join(title_parts), tuple(rows), at))
    return annexes
