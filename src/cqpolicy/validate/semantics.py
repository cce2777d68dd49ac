"""Meaning: cheap checks that a value agrees with what the rest of the package says, no source needed.

They catch consistent corruptions (every copy and hash regenerated) that the other checks
cannot see: a clause's ``section_title`` that is not its section's title
(``section-title-mismatch``), a collective reference such as 市级有关部门 typed as one body
or a body typed as collective (``collective-type``), blank or doubled spaces
(``whitespace``), two tasks with the same text (``duplicate-task-text``), a date written
in another year than the document number's (``date-number-year``), and a clause or task
text that does not end a sentence (``sentence-end``). That ``task_agencies`` spells each
units cell is :func:`cqpolicy.validate.numbering.check_links`'s ``units-mismatch``.
"""

from __future__ import annotations

import re
from typing import Any

from cqpolicy.findings import Finding
from cqpolicy.validate.data import PackageData, capped, clip, key_text, new_finding, plain

#: What a sentence ends with in the policy's text (a closing quote or bracket may follow).
SENTENCE_END = re.compile(r"[。！？；…][”’」』）)]*$")
#: A collective reference names no one body: 市级有关部门, 各区县人民政府.
COLLECTIVE_NAME = re.compile(r"有关|^各")
_YEAR = re.compile(r"〔(\d{4})〕")


def _rows(data: PackageData, table: str, columns: set[str]) -> list[tuple[Any, dict[str, Any]]]:
    """``(key, row)`` for each row of ``table`` that has ``columns`` (none when it lacks them)."""
    frame = data.csv.get(table)
    if frame is None or not columns <= set(frame.columns):
        return []
    records = frame.astype(object).to_dict("records")
    return [
        (data.key_of(table, frame, index), {str(k): plain(v) for k, v in record.items()})
        for index, record in zip(frame.index, records, strict=True)
    ]


def check_section_titles(data: PackageData) -> list[Finding]:
    """``clauses.section_title`` is the title of the clause's section."""
    titles = {row["section_no"]: row["title"] for _, row in _rows(data, "sections", {"section_no", "title"})}
    out = []
    for key, row in _rows(data, "clauses", {"section_no", "section_title"}):
        want = titles.get(row["section_no"])
        if want is not None and row["section_title"] != want:
            out.append(
                new_finding(
                    "section-title-mismatch",
                    f"clauses ({key_text(key)}): section_title {clip(row['section_title'])} is not the title "
                    f"of section {row['section_no']}, {clip(want)}",
                    "clauses",
                    row=key,
                    field="section_title",
                )
            )
    return capped(out, "clauses", "name another section's title")


def check_collective_type(data: PackageData) -> list[Finding]:
    """A collective reference (市级有关部门) is typed ``collective``, and only such a reference is."""
    out = []
    for key, row in _rows(data, "agencies", {"name_zh", "agency_type"}):
        name, kind = str(row["name_zh"] or ""), row["agency_type"]
        collective_name = bool(COLLECTIVE_NAME.search(name))
        if collective_name != (kind == "collective"):
            what = (
                "names a group of units, so its type must be 'collective'"
                if collective_name
                else ("names one body, so its type cannot be 'collective'")
            )
            out.append(
                new_finding(
                    "collective-type",
                    f"agencies ({key_text(key)}): {name!r} {what}; it is {kind!r}",
                    "agencies",
                    row=key,
                    field="agency_type",
                )
            )
    return out


def check_whitespace(data: PackageData) -> list[Finding]:
    """No text value is blank, starts or ends with a space, or holds two spaces in a row."""
    out = []
    for table, frame in data.csv.items():
        for column in frame.columns:
            if frame[column].dtype != object and str(frame[column].dtype) != "string":
                continue
            found = []
            for index, value in frame[column].items():
                value = plain(value)
                if not isinstance(value, str):
                    continue
                lines = value.split("\n")
                if not value.strip() or any(line != line.strip() or "  " in line for line in lines):
                    key = data.key_of(table, frame, index)
                    found.append(
                        new_finding(
                            "whitespace",
                            f"{table} ({key_text(key)}), {column}: {clip(value)} is blank, has a space at "
                            "an end or two spaces in a row",
                            table,
                            row=key,
                            field=column,
                        )
                    )
            out.extend(capped(found, table, f"have stray spaces in {column}"))
    return out


def check_task_texts(data: PackageData) -> list[Finding]:
    """No two tasks have the same text."""
    seen: dict[str, Any] = {}
    out = []
    for key, row in _rows(data, "tasks", {"text"}):
        text = row["text"]
        if not isinstance(text, str):
            continue
        if text in seen:
            out.append(
                new_finding(
                    "duplicate-task-text",
                    f"tasks ({key_text(key)}) has the same text as tasks ({key_text(seen[text])}): "
                    f"{clip(text)}",
                    "tasks",
                    row=key,
                    field="text",
                )
            )
        else:
            seen[text] = key
    return out


def check_date_year(data: PackageData) -> list[Finding]:
    """The year of ``date_written`` is the year in the document number (渝府〔2022〕5号)."""
    out = []
    for key, row in _rows(data, "document", {"document_number", "date_written"}):
        match = _YEAR.search(str(row["document_number"] or ""))
        date = str(row["date_written"] or "")
        if match and date[:4].isdigit() and date[:4] != match[1]:
            out.append(
                new_finding(
                    "date-number-year",
                    f"document ({key_text(key)}): date_written {date} is not in {match[1]}, the year of "
                    "its number",
                    "document",
                    row=key,
                    field="date_written",
                )
            )
    return out


def check_sentence_ends(data: PackageData) -> list[Finding]:
    """Every clause text and task text ends a sentence (。！？；…), so a cut-off text shows."""
    out = []
    for table in ("clauses", "tasks"):
        found = []
        for key, row in _rows(data, table, {"text"}):
            text = row["text"]
            if isinstance(text, str) and text.strip() and not SENTENCE_END.search(text):
                found.append(
                    new_finding(
                        "sentence-end",
                        f"{table} ({key_text(key)}): the text ends {clip(text[-15:])}, not with 。: "
                        "is it cut off?",
                        table,
                        row=key,
                        field="text",
                    )
                )
        out.extend(capped(found, table, "do not end a sentence"))
    return out
