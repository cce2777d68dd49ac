"""Parse the normalised text of the policy into its structure.

The document has a header (issuer, title, document number), an addressee line,
a preamble, numbered sections (``一、``) holding numbered clauses (``（一）``),
a signature with the date written, and an annex table of tasks with their
responsible units. Every element remembers its line in the source so that each
row of the package can be traced back to it.

The parser works on the output of :func:`cqpolicy.normalise.normalise_text`:
the raw mirror form and a clean official-form text give the same structure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from cqpolicy.errors import SourceError

_NUMERALS = "一二三四五六七八九十"
DOC_NUMBER = re.compile(r"^(?P<no>[\u4e00-\u9fff]+〔\d{4}〕\d+号)$")
HEADER_LINE = re.compile(r"^(?P<no>[\u4e00-\u9fff]+〔\d{4}〕\d+号)《(?P<title>.+)》$")
SECTION = re.compile(rf"^(?P<num>[{_NUMERALS}]+)、(?P<title>.+)$")
CLAUSE = re.compile(rf"^（(?P<num>[{_NUMERALS}百]+)）(?P<rest>.*)$")
DATE = re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$")
ANNEX_REF = re.compile(r"^附件[：:]\s*(?P<title>.*)$")
ANNEX_HEADING = re.compile(r"^附件\s*\d*$")
ROW_SPLIT = re.compile(r"\s*[|｜\t]\s*")
PUBLIC_RELEASE = "（此件公开发布）"
UNIT_SEPARATOR = "、"
GROUP_SEPARATOR = "，"


def chinese_numeral(text: str) -> int:
    """Value of a Chinese numeral from 一 (1) to 九十九 (99).

    Raises:
        ValueError: if ``text`` is not such a numeral.
    """
    digits = {char: i for i, char in enumerate(_NUMERALS[:9], start=1)}
    if text and all(char in digits for char in text) and len(text) == 1:
        return digits[text]
    match = re.fullmatch(r"(?P<tens>[一二三四五六七八九]?)十(?P<units>[一二三四五六七八九]?)", text)
    if not match:
        raise ValueError(f"not a Chinese numeral from 1 to 99: {text!r}")
    tens = digits[match["tens"]] if match["tens"] else 1
    units = digits[match["units"]] if match["units"] else 0
    return tens * 10 + units


def to_chinese_numeral(value: int) -> str:
    """Inverse of :func:`chinese_numeral` for 1 to 99."""
    if not 1 <= value <= 99:
        raise ValueError(f"only 1 to 99 can be written, not {value}")
    tens, units = divmod(value, 10)
    digit = " 一二三四五六七八九"
    if tens == 0:
        return digit[units]
    prefix = "" if tens == 1 else digit[tens]
    return prefix + "十" + (digit[units] if units else "")


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
class UnitRef:
    """One responsible unit as written in a task's cell."""

    name: str
    position: int
    group_no: int


@dataclass(frozen=True)
class Task:
    """One row of the annex table."""

    task_no: int
    text: str
    units_raw: str
    units: tuple[UnitRef, ...]
    line: int


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


def split_units(cell: str, *, path: Path | str, line: int) -> tuple[UnitRef, ...]:
    """Split a responsible-units cell into units: ``，`` separates groups, ``、`` units.

    Raises:
        SourceError: if the cell or one of its units is empty, or a unit is listed twice.
    """
    units: list[UnitRef] = []
    seen: set[str] = set()
    position = 0
    for group_no, group in enumerate(cell.split(GROUP_SEPARATOR), start=1):
        for name in group.split(UNIT_SEPARATOR):
            name = name.strip()
            if not name:
                raise SourceError(
                    f"the responsible-units cell {cell!r} has an empty unit name; remove the stray separator",
                    path=path,
                    line=line,
                )
            if name in seen:
                raise SourceError(
                    f"the responsible-units cell lists {name!r} twice; list each unit once",
                    path=path,
                    line=line,
                )
            seen.add(name)
            position += 1
            units.append(UnitRef(name=name, position=position, group_no=group_no))
    return tuple(units)


class _Lines:
    """Non-blank normalised lines with their 1-based source line numbers."""

    def __init__(self, lines: list[str]):
        self.items = [(i, text) for i, text in enumerate(lines, start=1) if text]
        self.pos = 0

    def peek(self) -> tuple[int, str] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self) -> tuple[int, str]:
        item = self.items[self.pos]
        self.pos += 1
        return item


def _is_main_text_end(text: str) -> bool:
    return bool(ANNEX_REF.match(text)) or bool(DATE.match(text)) or text == PUBLIC_RELEASE


def parse_document(lines: list[str], path: Path | str = "<source>") -> Document:
    """Parse normalised lines (as from :func:`normalise_text`) into a :class:`Document`.

    Raises:
        SourceError: naming the line, when the structure is broken: no document
            number, a clause or section out of sequence, a missing annex, a task
            number duplicated or missing, an empty cell.
    """
    src = _Lines(lines)
    if src.peek() is None:
        raise SourceError("the text has no content after normalisation", path=path)

    # Header: everything before the addressee line (the first line ending in "：").
    header: list[tuple[int, str]] = []
    while (item := src.peek()) is not None and not item[1].endswith("："):
        if SECTION.match(item[1]) or CLAUSE.match(item[1]):
            break
        header.append(src.next())
    item = src.peek()
    if item is None or not item[1].endswith("："):
        where = item[0] if item else None
        raise SourceError(
            "no addressee line (such as '有关区人民政府，市政府有关部门，有关单位：') before the body",
            path=path,
            line=where,
        )
    addressee_line, addressees = src.next()
    document_number, title = _parse_header(header, path, addressee_line)

    preamble: list[str] = []
    while (item := src.peek()) is not None and not SECTION.match(item[1]):
        if CLAUSE.match(item[1]) or _is_main_text_end(item[1]):
            raise SourceError(
                f"expected the first section heading (一、…) before {item[1][:20]!r}",
                path=path,
                line=item[0],
            )
        preamble.append(src.next()[1])
    if not preamble:
        raise SourceError("the preamble is missing before the first section", path=path, line=addressee_line)

    sections, clauses = _parse_body(src, path)
    issuer, date_written, annex_ref_title, released = _parse_signature(src, path)
    annex_title, tasks = _parse_annex(src, path)
    if annex_ref_title and annex_ref_title != annex_title:
        raise SourceError(
            f"the annex is announced as {annex_ref_title!r} but titled {annex_title!r}; make them agree",
            path=path,
        )
    return Document(
        document_number=document_number,
        title=title,
        issuer=issuer,
        date_written=date_written,
        addressees=addressees,
        preamble="\n".join(preamble),
        annex_title=annex_title,
        publicly_released=released,
        sections=sections,
        clauses=clauses,
        tasks=tasks,
    )


def _parse_header(header: list[tuple[int, str]], path: Path | str, before_line: int) -> tuple[str, str]:
    number: str | None = None
    combined_title: str | None = None
    title_parts: list[str] = []
    for line_no, text in header:
        if m := HEADER_LINE.match(text):
            if number and number != m["no"]:
                raise SourceError(f"two document numbers: {number} and {m['no']}", path=path, line=line_no)
            number, combined_title = m["no"], m["title"]
        elif m := DOC_NUMBER.match(text):
            if number and number != m["no"]:
                raise SourceError(f"two document numbers: {number} and {m['no']}", path=path, line=line_no)
            number = m["no"]
        else:
            title_parts.append(text)
    if number is None:
        raise SourceError(
            "no document number (such as 渝府〔2022〕5号) in the header", path=path, line=before_line
        )
    title = "".join(title_parts) or combined_title
    if not title:
        raise SourceError("no title in the header", path=path, line=before_line)
    if combined_title and combined_title != title:
        raise SourceError(
            f"the header line names the title {combined_title!r} but the title lines read {title!r}",
            path=path,
            line=header[0][0],
        )
    return number, title


def _parse_body(src: _Lines, path: Path | str) -> tuple[list[Section], list[Clause]]:
    sections: list[Section] = []
    clauses: list[Clause] = []
    while (item := src.peek()) is not None and not _is_main_text_end(item[1]):
        line_no, text = src.next()
        if m := SECTION.match(text):
            number = chinese_numeral(m["num"])
            if number != len(sections) + 1:
                raise SourceError(
                    f"section {m['num']}、 is out of sequence: expected section "
                    f"{to_chinese_numeral(len(sections) + 1)}、",
                    path=path,
                    line=line_no,
                )
            sections.append(Section(number, f"{m['num']}、", m["title"], line_no))
        elif m := CLAUSE.match(text):
            number = chinese_numeral(m["num"])
            expected = len(clauses) + 1
            if number != expected:
                what = "is missing" if number > expected else "is duplicated or out of order"
                raise SourceError(
                    f"clause （{to_chinese_numeral(expected)}） {what}: found （{m['num']}） instead",
                    path=path,
                    line=line_no,
                )
            if not sections:
                raise SourceError("a clause comes before the first section heading", path=path, line=line_no)
            clauses.append(_parse_clause(src, number, m["num"], m["rest"], sections[-1].section_no, line_no))
        else:
            raise SourceError(
                f"text outside any clause: {text[:30]!r}; it should follow a clause label such as （一）",
                path=path,
                line=line_no,
            )
    if not sections:
        raise SourceError("no numbered sections (一、…) found", path=path)
    if not clauses:
        raise SourceError("no numbered clauses (（一）…) found", path=path)
    return sections, clauses


def _parse_clause(src: _Lines, number: int, numeral: str, rest: str, section_no: int, line_no: int) -> Clause:
    body: list[str] = []
    line_end = line_no
    while (item := src.peek()) is not None:
        text = item[1]
        if SECTION.match(text) or CLAUSE.match(text) or _is_main_text_end(text):
            break
        line_end, paragraph = src.next()
        body.append(paragraph)
    head = rest.strip()
    if "。" not in head.rstrip("。"):
        # Heading on a line of its own: the mirror adds a 。 the official text does not have.
        title = head.rstrip("。")
        text = "\n".join([title, *body]) if title else "\n".join(body)
    else:
        title = head.split("。", 1)[0]
        text = "\n".join([head, *body])
    return Clause(number, f"（{numeral}）", section_no, title, text, line_no, line_end)


def _parse_signature(src: _Lines, path: Path | str) -> tuple[str, dt.date, str, bool]:
    annex_ref_title = ""
    issuer = ""
    date_written: dt.date | None = None
    released = False
    while (item := src.peek()) is not None and not ANNEX_HEADING.match(item[1]):
        line_no, text = src.next()
        if m := ANNEX_REF.match(text):
            annex_ref_title = m["title"].strip()
        elif m := DATE.match(text):
            try:
                date_written = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                raise SourceError(f"{text} is not a valid date", path=path, line=line_no) from None
        elif text == PUBLIC_RELEASE:
            released = True
        elif date_written is None:
            issuer = text
        else:
            raise SourceError(f"unexpected text after the date: {text[:30]!r}", path=path, line=line_no)
    if date_written is None:
        raise SourceError("no date written (such as 2022年1月25日) after the main text", path=path)
    if not issuer:
        raise SourceError("no issuer (signature) before the date written", path=path)
    return issuer, date_written, annex_ref_title, released


def _parse_annex(src: _Lines, path: Path | str) -> tuple[str, list[Task]]:
    if src.peek() is None:
        raise SourceError("the annex (附件) with the task table is missing", path=path)
    src.next()  # the 附件 heading
    title = ""
    while (item := src.peek()) is not None and not ROW_SPLIT.search(item[1]):
        title += src.next()[1]
    if not title:
        raise SourceError("the annex has no title line before its table", path=path)
    tasks: list[Task] = []
    header_seen = False
    while src.peek() is not None:
        line_no, text = src.next()
        cells = ROW_SPLIT.split(text.strip())
        if len(cells) > 1 and cells[-1] == "":
            cells.pop()  # the row's closing "|"
        if len(cells) > 1 and cells[0] == "":
            cells.pop(0)  # an opening "|"
        if not header_seen and not cells[0].isdigit():
            header_seen = True
            continue
        if len(cells) != 3 or not cells[0].isdigit():
            raise SourceError(
                "an annex row must read 'number | task | responsible units |'; "
                f"this one has {len(cells)} cells",
                path=path,
                line=line_no,
            )
        number, task_text, units_raw = int(cells[0]), cells[1], cells[2]
        expected = len(tasks) + 1
        if number != expected:
            what = "duplicates an earlier task number" if number < expected else f"skips task {expected}"
            raise SourceError(f"task number {number} {what}", path=path, line=line_no)
        if not task_text:
            raise SourceError(f"task {number} has no text", path=path, line=line_no)
        if not units_raw:
            raise SourceError(f"task {number} has no responsible units", path=path, line=line_no)
        units = split_units(units_raw, path=path, line=line_no)
        tasks.append(Task(number, task_text, units_raw, units, line_no))
    if not tasks:
        raise SourceError("the annex table has no task rows", path=path)
    return title, tasks
