"""Turn a parsed document and the curated inputs into the package's tables.

Tables are plain lists of row dicts in the column order of the schema
(``resources/schema.json``), sorted by primary key. Writing them to CSV and
Parquet is :mod:`cqpolicy.write`'s job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cqpolicy.curated import Register
from cqpolicy.errors import RegisterError
from cqpolicy.mapping import ClauseMatch
from cqpolicy.parse import Document

Row = dict[str, Any]


@dataclass(frozen=True)
class SourceFacts:
    """What the build knows about the source file beyond its text."""

    sha256: str
    metadata: dict[str, Any]


def document_table(doc: Document, facts: SourceFacts) -> list[Row]:
    """The one-row ``document`` table: what the text states, plus the optional metadata file."""
    meta = facts.metadata
    date_published = meta.get("date_published")
    return [
        {
            "document_number": doc.document_number,
            "title": doc.title,
            "title_en": meta.get("title_en"),
            "issuer": doc.issuer,
            "date_written": doc.date_written,
            "date_published": dt.date.fromisoformat(date_published) if date_published else None,
            "index_number": meta.get("index_number"),
            "subject": meta.get("subject"),
            "category": meta.get("category"),
            "status": meta.get("status", "in-force"),
            "publicly_released": doc.publicly_released,
            "addressees": doc.addressees,
            "preamble": doc.preamble,
            "annex_title": doc.annex_title,
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
            "source_line": t.line,
        }
        for t in doc.tasks
    ]


def agency_tables(doc: Document, register: Register, source: Path | str) -> tuple[list[Row], list[Row]]:
    """The ``agencies`` and ``task_agencies`` tables.

    Only units named in this document's annex become agencies: one row each,
    with the name exactly as written.

    Raises:
        RegisterError: naming the task, the unit and the register file when a
            unit is not in the register, or when one register entry is written
            two different ways in the same annex.
    """
    agencies: dict[str, Row] = {}
    links: list[Row] = []
    for task in doc.tasks:
        seen: set[str] = set()
        for unit in task.units:
            agency = register.resolve(unit.name)
            if agency is None:
                raise RegisterError(
                    f"task {task.task_no} names the unit {unit.name!r}, which is not in the agency register; "
                    f"add it to {register.path} (with its full name, English name, type and level)",
                    path=source,
                    line=task.line,
                )
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
                    "role": "lead" if unit.position == 1 else "support",
                }
            )
    agency_rows = sorted(agencies.values(), key=lambda r: r["agency_id"])
    link_rows = sorted(links, key=lambda r: (r["task_no"], r["agency_id"]))
    return agency_rows, link_rows
