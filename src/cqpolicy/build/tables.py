"""Turn a parsed document and the curated inputs into the package's tables.

Tables are plain lists of row dicts in the column order of the schema
(``resources/schema.json``), sorted by primary key. Writing them to CSV and
Parquet is :mod:`cqpolicy.build.write`'s job.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cqpolicy.build.curated import Register
from cqpolicy.build.mapping import ClauseMatch
from cqpolicy.build.parse import Document
from cqpolicy.errors import RegisterError
from cqpolicy.escape import name_in_message

Row = dict[str, Any]


class UnknownUnits(RegisterError):
    """The annex names units the register lacks: every such name, with the tasks naming it."""

    def __init__(self, missing: dict[str, list[int]], path: Path | str):
        self.missing = missing
        super().__init__(self.describe(), path=path)

    def describe(self) -> str:
        """The missing names with their tasks, in one phrase."""
        names = "; ".join(
            f"{name_in_message(name)} (task{'s' if len(tasks) > 1 else ''} {', '.join(map(str, tasks))})"
            for name, tasks in self.missing.items()
        )
        count = len(self.missing)
        return f"{count} unit{'s' if count > 1 else ''} named in the annex, {names},"


def document_table(doc: Document, meta: dict[str, Any]) -> list[Row]:
    """The one-row ``document`` table: what the text states, plus the page's and sidecar's facts."""
    date_published = meta.get("date_published")
    notice = doc.notice
    return [
        {
            "document_number": doc.document_number,
            "title": doc.title,
            "title_en": meta.get("title_en"),
            "issuer": doc.issuer,
            "date_written": doc.date_written,
            "date_published": date_published if isinstance(date_published, dt.date) else None,
            "index_number": meta.get("index_number"),
            "subject": meta.get("subject"),
            "category": meta.get("category"),
            "status": meta.get("status", "in-force"),
            "publicly_released": doc.publicly_released,
            "addressees": doc.addressees,
            "preamble": doc.preamble,
            "annex_title": doc.annex_title,
            "notice_number": notice.number if notice else None,
            "notice_title": notice.title if notice else None,
            "notice_date": notice.date if notice else None,
        }
    ]


def section_table(doc: Document, titles_en: dict[str, str]) -> list[Row]:
    """One row per section."""
    return [
        {
            "section_no": s.section_no,
            "label": s.label,
            "title": s.title,
            "title_en": titles_en.get(s.title),
            "source_line": s.line,
        }
        for s in doc.sections
    ]


def clause_table(doc: Document, titles_en: dict[str, str]) -> list[Row]:
    """One row per clause."""
    section_titles = {s.section_no: s.title for s in doc.sections}
    return [
        {
            "clause_no": c.clause_no,
            "label": c.label,
            "section_no": c.section_no,
            "section_title": section_titles[c.section_no],
            "title": c.title,
            "text": c.text,
            "title_en": titles_en.get(c.title),
            "source_line": c.line,
            "source_line_end": c.line_end,
        }
        for c in doc.clauses
    ]


def task_table(doc: Document, matches: list[ClauseMatch]) -> list[Row]:
    """One row per annex task, with the clause it was mapped to."""
    by_task = {m.task_no: m for m in matches}
    return [
        {
            "task_no": t.task_no,
            "clause_no": by_task[t.task_no].clause_no,
            "text": t.text,
            "responsible_units_raw": t.units_raw,
            "clause_match_score": round(by_task[t.task_no].score, 4),
            "clause_match_method": by_task[t.task_no].method,
            "category": t.category,
            "source_line": t.line,
        }
        for t in doc.tasks
    ]


def agency_tables(doc: Document, register: Register, source: Path | str) -> tuple[list[Row], list[Row]]:
    """The ``agencies`` and ``task_agencies`` tables.

    Only units named in this document's annex become agencies: one row each,
    with the name exactly as written.

    A unit's role is the annex's own where it states one (lead and support columns:
    ``role_source`` = ``stated``); otherwise the first-listed unit leads (``first-listed``).

    Raises:
        UnknownUnits: listing every unit the register lacks, with the tasks naming it.
        RegisterError: naming the task when one register entry is written two different
            ways in the same annex, or listed twice in one task.
    """
    agencies: dict[str, Row] = {}
    links: list[Row] = []
    missing: dict[str, list[int]] = {}
    for task in doc.tasks:
        for unit in task.units:
            if register.resolve(unit.name) is None:
                missing.setdefault(unit.name, []).append(task.task_no)
    if missing:
        raise UnknownUnits(missing, source)
    for task in doc.tasks:
        seen: set[str] = set()
        for unit in task.units:
            agency = register.resolve(unit.name)
            assert agency is not None  # checked above
            row = agencies.get(agency.agency_id)
            if row is None:
                agencies[agency.agency_id] = {
                    "agency_id": agency.agency_id,
                    "name_zh": unit.name,
                    "full_name_zh": agency.full_name_zh,
                    "name_en": agency.name_en,
                    "name_en_official": agency.name_en_official,
                    "agency_type": agency.agency_type,
                    "level": agency.level,
                }
            elif row["name_zh"] != unit.name:
                raise RegisterError(
                    f"task {task.task_no} writes {unit.name!r} for {agency.agency_id}, which earlier tasks "
                    f"write {row['name_zh']!r}; one unit must have one spelling per version",
                    path=source,
                    line=task.line,
                )
            if agency.agency_id in seen:
                raise RegisterError(
                    f"task {task.task_no} lists {agency.agency_id} twice (as {unit.name!r} and another "
                    "spelling); list each unit once",
                    path=source,
                    line=task.line,
                )
            seen.add(agency.agency_id)
            links.append(
                {
                    "task_no": task.task_no,
                    "agency_id": agency.agency_id,
                    "position": unit.position,
                    "group_no": unit.group_no,
                    "role": unit.role or ("lead" if unit.position == 1 else "support"),
                    "role_source": task.role_source,
                }
            )
    agency_rows = sorted(agencies.values(), key=lambda r: r["agency_id"])
    link_rows = sorted(links, key=lambda r: (r["task_no"], r["agency_id"]))
    return agency_rows, link_rows
