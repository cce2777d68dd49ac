"""Tables derived from the package's tables for people: who does what, and a summary per unit.

The same rows as the SQLite views ``assignments`` and ``agency_summary``
(:mod:`cqpolicy.build.database`; a test holds the two equal), computed here from the rows
of the tables, so that the workbook can show them and ``cqpolicy validate`` can check the
workbook's sheets against the CSV tables. Units appear by name: the sheets leave out the
``agency_id`` slug the views keep for joining.
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]

#: The tables the derived rows are computed from.
NEEDED = ("tasks", "clauses", "agencies", "task_agencies")

#: The workbook's sheet, the view it mirrors, and the view's columns the sheet shows.
ASSIGNMENTS_SHEET = "谁负责什么 Who does what"
SUMMARY_SHEET = "各单位汇总 Per unit"
ASSIGNMENT_COLUMNS = [
    "task_no",
    "clause_no",
    "clause_label",
    "clause_title",
    "clause_title_en",
    "task_text",
    "task_text_en",
    "unit_zh",
    "unit_en",
    "agency_type",
    "level",
    "position",
    "group_no",
    "role",
    "role_source",
]
SUMMARY_COLUMNS = [
    "unit_zh",
    "unit_en",
    "agency_type",
    "level",
    "tasks",
    "leads",
    "supports",
    "clauses",
    "clause_labels",
    "collective",
]


def assignment_rows(tables: dict[str, list[Row]]) -> list[Row]:
    """One row per task and unit, in task and position order (the ``assignments`` view)."""
    tasks = {row["task_no"]: row for row in tables["tasks"]}
    clauses = {row["clause_no"]: row for row in tables["clauses"]}
    agencies = {row["agency_id"]: row for row in tables["agencies"]}
    out = []
    for link in sorted(tables["task_agencies"], key=lambda r: (r["task_no"], r["position"])):
        task = tasks[link["task_no"]]
        clause = clauses[task["clause_no"]]
        agency = agencies[link["agency_id"]]
        out.append(
            {
                "task_no": link["task_no"],
                "clause_no": clause["clause_no"],
                "clause_label": clause["label"],
                "clause_title": clause["title"],
                "clause_title_en": clause.get("title_en"),
                "task_text": task["text"],
                "task_text_en": task.get("text_en"),
                "agency_id": agency["agency_id"],
                "unit_zh": agency["name_zh"],
                "unit_en": agency["name_en"],
                "agency_type": agency["agency_type"],
                "level": agency["level"],
                "position": link["position"],
                "group_no": link["group_no"],
                "role": link["role"],
                "role_source": link["role_source"],
            }
        )
    return out


def agency_summary_rows(tables: dict[str, list[Row]]) -> list[Row]:
    """Per unit: tasks, leads, supports, clauses; most tasks first (the ``agency_summary`` view)."""
    assignments = assignment_rows(tables)
    out = []
    for agency in tables["agencies"]:
        mine = [row for row in assignments if row["agency_id"] == agency["agency_id"]]
        clauses = sorted({(row["clause_no"], row["clause_label"]) for row in mine})
        out.append(
            {
                "agency_id": agency["agency_id"],
                "unit_zh": agency["name_zh"],
                "unit_en": agency["name_en"],
                "agency_type": agency["agency_type"],
                "level": agency["level"],
                "tasks": len(mine),
                "leads": sum(row["role"] == "lead" for row in mine),
                "supports": sum(row["role"] == "support" for row in mine),
                "clauses": len(clauses),
                "clause_labels": " ".join(label for _, label in clauses) or None,
                "collective": agency["agency_type"] == "collective",
            }
        )
    out.sort(key=lambda row: (-row["tasks"], -row["leads"], row["agency_id"]))
    return out


#: Each derived sheet: its rows and columns, in workbook order (right after the About sheet).
SHEETS = {
    ASSIGNMENTS_SHEET: (assignment_rows, ASSIGNMENT_COLUMNS),
    SUMMARY_SHEET: (agency_summary_rows, SUMMARY_COLUMNS),
}
