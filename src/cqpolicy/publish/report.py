"""A summary a journalist can use straight away: who does what, which clauses have tasks, who works together.

What belongs here: the figures (plain data computed from the package tables), the
Markdown page that presents them, and :func:`build_report`, which writes the page
and its SVG charts (drawn by :mod:`cqpolicy.publish.charts`) into a folder. The figures
follow the package's two caveats:

- **Lead** is the first unit listed in a task's cell (``task_agencies.role``); the
  document does not define a lead, so the page says so.
- **市级有关部门** is a collective reference (``agency_type == "collective"``), not one
  body: it is counted and shown, but apart from the ranking of bodies and out of the
  pairs of units that share tasks.

Typical use::

    result = build_report(".", "docs/report")
    print(result.figures.units[0].unit.name_zh, result.files)
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError
from cqpolicy.escape import markdown

#: The page and the charts, in the order the page shows them.
PAGE = "README.md"
UNITS_CHART = "tasks-per-unit.svg"
CLAUSES_CHART = "tasks-per-clause.svg"
PAIRS_CHART = "shared-tasks.svg"
MATRIX_CHART = "shared-tasks-matrix.svg"
FILES = (PAGE, UNITS_CHART, CLAUSES_CHART, PAIRS_CHART, MATRIX_CHART)

#: Tables and columns the report reads; a package without them is not usable here.
REQUIRED = {
    "document": ("document_number", "title", "title_en"),
    "sections": ("section_no", "label", "title", "title_en"),
    "clauses": ("clause_no", "label", "section_no", "title", "title_en"),
    "tasks": ("task_no", "clause_no"),
    "agencies": ("agency_id", "name_zh", "name_en", "agency_type"),
    "agency_types": ("code", "label_zh", "label_en"),
    "task_agencies": ("task_no", "agency_id", "position", "role"),
}
COLLECTIVE = "collective"

Rows = list[dict[str, Any]]


# --- figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A responsible unit as the register names it."""

    agency_id: str
    name_zh: str
    name_en: str
    agency_type: str
    type_zh: str
    type_en: str

    @property
    def collective(self) -> bool:
        """True for a collective reference (市级有关部门): never one body."""
        return self.agency_type == COLLECTIVE


@dataclass(frozen=True)
class UnitCount:
    """How many tasks name a unit, as lead and as supporting unit, and which."""

    unit: Unit
    lead: int
    support: int
    lead_tasks: tuple[int, ...]
    support_tasks: tuple[int, ...]

    @property
    def total(self) -> int:
        """Tasks that name the unit at all."""
        return self.lead + self.support


@dataclass(frozen=True)
class ClauseCount:
    """A clause with the tasks mapped to it (none for some)."""

    clause_no: int
    label: str
    title: str
    title_en: str
    section_no: int
    section_label: str
    section_title: str
    section_title_en: str
    task_nos: tuple[int, ...]

    @property
    def tasks(self) -> int:
        """Number of tasks mapped to the clause."""
        return len(self.task_nos)


@dataclass(frozen=True)
class PairCount:
    """Two bodies named together in the same tasks (either as lead or supporting)."""

    first: Unit
    second: Unit
    task_nos: tuple[int, ...]

    @property
    def tasks(self) -> int:
        """Number of tasks that name both."""
        return len(self.task_nos)


@dataclass(frozen=True)
class Figures:
    """Everything the page shows, as plain data.

    Attributes:
        units: Bodies (every agency but collectives), most tasks first (then most leads, then id).
        collectives: Collective references, counted but never ranked with bodies.
        clauses: All clauses in order, with their tasks; zero-task clauses included.
        pairs: Pairs of bodies sharing the most tasks: the top ``top_pairs`` plus any tied with the last.
        matrix_units: The bodies in the most tasks (rows and columns of the co-assignment matrix).
        matrix: ``matrix[i][j]`` = tasks naming both; the diagonal holds each body's own total.
        collective_tasks: Tasks that name a collective (left out of the pairs).
    """

    package_name: str
    version: str
    document_number: str
    title: str
    title_en: str
    task_count: int
    units: tuple[UnitCount, ...]
    collectives: tuple[UnitCount, ...]
    clauses: tuple[ClauseCount, ...]
    pairs: tuple[PairCount, ...]
    top_pairs: int
    matrix_units: tuple[Unit, ...]
    matrix: tuple[tuple[int, ...], ...]
    collective_tasks: tuple[int, ...]

    @property
    def clauses_without_tasks(self) -> tuple[ClauseCount, ...]:
        """The clauses no task is mapped to."""
        return tuple(clause for clause in self.clauses if not clause.task_nos)


def compute_figures(
    tables: dict[str, Rows], descriptor: dict[str, Any], *, top_pairs: int = 15, matrix_size: int = 10
) -> Figures:
    """Compute the figures from the package tables (rows as dicts) and its descriptor.

    Args:
        tables: ``{table: rows}`` for at least the tables in :data:`REQUIRED`.
        descriptor: The parsed ``datapackage.json`` (for the package name and version).
        top_pairs: How many pairs of bodies to rank (ties with the last one are kept too).
        matrix_size: How many bodies (those in the most tasks) the co-assignment matrix shows.
    """
    types = {row["code"]: row for row in tables["agency_types"]}
    units = {
        row["agency_id"]: Unit(
            agency_id=row["agency_id"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            agency_type=row["agency_type"],
            type_zh=str(types.get(row["agency_type"], {}).get("label_zh", row["agency_type"])),
            type_en=str(types.get(row["agency_type"], {}).get("label_en", row["agency_type"])),
        )
        for row in tables["agencies"]
    }
    links = sorted(tables["task_agencies"], key=lambda r: (r["task_no"], r["position"]))
    lead: dict[str, list[int]] = {agency_id: [] for agency_id in units}
    support: dict[str, list[int]] = {agency_id: [] for agency_id in units}
    named: dict[int, list[str]] = {}
    for link in links:
        (lead if link["role"] == "lead" else support)[link["agency_id"]].append(link["task_no"])
        named.setdefault(link["task_no"], []).append(link["agency_id"])
    counts = [
        UnitCount(unit, len(lead[a]), len(support[a]), tuple(lead[a]), tuple(support[a]))
        for a, unit in units.items()
    ]
    counts.sort(key=lambda c: (-c.total, -c.lead, c.unit.agency_id))
    bodies = tuple(c for c in counts if not c.unit.collective)
    collectives = tuple(c for c in counts if c.unit.collective)
    rank = {c.unit.agency_id: i for i, c in enumerate(counts)}

    shared: dict[tuple[str, str], list[int]] = {}
    for task_no, agency_ids in sorted(named.items()):
        present = sorted({a for a in agency_ids if not units[a].collective}, key=rank.__getitem__)
        for first, second in itertools.combinations(present, 2):
            shared.setdefault((first, second), []).append(task_no)
    ranked = sorted(shared.items(), key=lambda item: (-len(item[1]), rank[item[0][0]], rank[item[0][1]]))
    cutoff = len(ranked[top_pairs - 1][1]) if len(ranked) >= top_pairs else 1
    pairs = tuple(
        PairCount(units[a], units[b], tuple(task_nos))
        for (a, b), task_nos in ranked
        if len(task_nos) >= cutoff
    )

    matrix_units = tuple(c.unit for c in bodies[:matrix_size])
    total = {c.unit.agency_id: c.total for c in counts}
    matrix = tuple(
        tuple(
            total[a.agency_id]
            if a == b
            else len(shared.get((a.agency_id, b.agency_id), shared.get((b.agency_id, a.agency_id), [])))
            for b in matrix_units
        )
        for a in matrix_units
    )

    sections = {row["section_no"]: row for row in tables["sections"]}
    by_clause: dict[int, list[int]] = {}
    for task in tables["tasks"]:
        by_clause.setdefault(task["clause_no"], []).append(task["task_no"])
    clauses = tuple(
        ClauseCount(
            clause_no=row["clause_no"],
            label=row["label"],
            title=row["title"],
            title_en=row["title_en"],
            section_no=row["section_no"],
            section_label=sections[row["section_no"]]["label"],
            section_title=sections[row["section_no"]]["title"],
            section_title_en=sections[row["section_no"]]["title_en"],
            task_nos=tuple(sorted(by_clause.get(row["clause_no"], []))),
        )
        for row in sorted(tables["clauses"], key=lambda r: r["clause_no"])
    )
    document = tables["document"][0]
    collective_tasks = sorted({t for c in collectives for t in c.lead_tasks + c.support_tasks})
    return Figures(
        package_name=str(descriptor.get("name", "")),
        version=str(descriptor.get("version", "")),
        document_number=document["document_number"],
        title=document["title"],
        title_en=document["title_en"],
        task_count=len(tables["tasks"]),
        units=bodies,
        collectives=collectives,
        clauses=clauses,
        pairs=pairs,
        top_pairs=top_pairs,
        matrix_units=matrix_units,
        matrix=matrix,
        collective_tasks=tuple(collective_tasks),
    )


# --- reading the package ---------------------------------------------------------------------------


def load_package_tables(package_path: Path | str) -> tuple[dict[str, Any], dict[str, Rows]]:
    """Read the descriptor and the tables the report needs, as rows of plain Python values.

    The one place that reads the package (through :mod:`cqpolicy.publish.package`, so a directory,
    its ``datapackage.json`` or a zip all work, safely); swap it to read another way.

    Raises:
        InputError: the package cannot be read, or lacks a table or column the report needs.
    """
    from cqpolicy.package import check_descriptor_paths, load_tables, open_package, read_descriptor

    with open_package(package_path) as root:
        descriptor = read_descriptor(root)
        check_descriptor_paths(root, descriptor)  # every file, not only the CSV read here
        frames = load_tables(root, descriptor, "csv")
    tables: dict[str, Rows] = {}
    for name, columns in REQUIRED.items():
        frame = frames.get(name)
        if frame is None:
            raise InputError(
                f"the package has no {name!r} table; is it a cqpolicy package? "
                "Rebuild it with `cqpolicy build`",
                path=package_path,
            )
        missing = [column for column in columns if column not in frame.columns]
        if missing:
            raise InputError(
                f"the {name!r} table lacks the column(s) {', '.join(missing)}; "
                "rebuild it with `cqpolicy build`",
                path=package_path,
            )
        tables[name] = [
            {str(key): _plain(value) for key, value in row.items()} for row in frame.to_dict("records")
        ]
    from cqpolicy.keys import REFUSAL, key_problem

    problem = key_problem(descriptor, tables)
    if problem:  # a row twice would double every count on the page
        raise InputError(problem + REFUSAL, path=package_path)
    if len(tables["document"]) != 1:
        raise InputError("the 'document' table must hold exactly one row", path=package_path)
    return descriptor, tables


def _plain(value: Any) -> Any:
    """numpy/pandas scalars as Python ones, missing values as None."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


# --- charts ----------------------------------------------------------------------------------------


def render_charts(figures: Figures, font: Any = None) -> dict[str, str]:
    """The four SVG charts, keyed by file name.

    Args:
        figures: From :func:`compute_figures`.
        font: A :class:`cqpolicy.publish.charts.Font` (default: Noto Sans SC from ``pylopdf-fonts-zh-cn``).
    """
    from cqpolicy.publish.charts import Font

    font = font or Font()
    return {
        UNITS_CHART: _units_chart(figures, font),
        CLAUSES_CHART: _clauses_chart(figures, font),
        PAIRS_CHART: _pairs_chart(figures, font),
        MATRIX_CHART: _matrix_chart(figures, font),
    }


def _units_chart(figures: Figures, font: Any) -> str:
    from cqpolicy.publish.charts import COLLECTIVE as GREY
    from cqpolicy.publish.charts import LEAD, SUPPORT, BarRow, Legend, Segment, bar_chart

    def row(count: UnitCount, lead_colour: str, support_colour: str) -> BarRow:
        name = count.unit.name_zh
        return BarRow(
            label=name,
            sublabel=count.unit.name_en,
            segments=(
                Segment(count.lead, lead_colour, f"{name}：牵头 {count.lead} 项 · lead in {count.lead}"),
                Segment(
                    count.support,
                    support_colour,
                    f"{name}：配合 {count.support} 项 · supporting in {count.support}",
                ),
            ),
            note=str(count.total),
        )

    rows = [row(c, LEAD, SUPPORT) for c in figures.units]
    if figures.collectives:
        rows.append(
            BarRow(
                heading="集合称谓，不是一个单位，不参与排名 · Collective reference, not one body: not ranked",
                dashed_rule=True,
            )
        )
        rows.extend(row(c, GREY, "#d0d0d0") for c in figures.collectives)
    leads = sum(c.lead for c in (*figures.units, *figures.collectives))
    return bar_chart(
        font,
        title="各单位承担的任务数 · Tasks per responsible unit",
        subtitle=(
            f"{figures.document_number} 附件共 {figures.task_count} 项任务；"
            "牵头 = 责任单位栏中列第一位（惯例，原文未说明）",
            f"{figures.task_count} tasks in the annex; lead = the unit listed first in a task's cell "
            "(a convention; the document does not say so)",
        ),
        legend=(Legend(LEAD, "牵头 lead"), Legend(SUPPORT, "配合 supporting")),
        rows=rows,
        axis_label="任务数 tasks",
        description=(
            f"Horizontal stacked bars: for each of {len(figures.units)} bodies, the number of the "
            f"{figures.task_count} tasks it leads and supports ({leads} leads in all); the collective "
            "reference 市级有关部门 is shown apart, not ranked."
        ),
    )


def _clauses_chart(figures: Figures, font: Any) -> str:
    from cqpolicy.publish.charts import BAR, MUTED, ZERO, BarRow, Segment, bar_chart

    rows: list[BarRow] = []
    section = None
    for clause in figures.clauses:
        if clause.section_no != section:
            section = clause.section_no
            rows.append(
                BarRow(heading=f"{clause.section_label}{clause.section_title} · {clause.section_title_en}")
            )
        if clause.task_nos:
            note = f"{clause.tasks} · 任务 tasks {task_ranges(clause.task_nos)}"
            colour = MUTED
        else:
            note, colour = "0 · 无任务 no task", ZERO
        rows.append(
            BarRow(
                label=f"{clause.label}{clause.title}",
                sublabel=clause.title_en,
                segments=(
                    Segment(clause.tasks, BAR, f"{clause.label}{clause.title}：{clause.tasks} 项任务 tasks"),
                ),
                note=note,
                note_colour=colour,
            )
        )
    empty = figures.clauses_without_tasks
    return bar_chart(
        font,
        title="各条款对应的任务数 · Tasks per clause",
        subtitle=(
            f"正文 {len(figures.clauses)} 条意见，附件 {figures.task_count} 项任务；"
            f"{len(empty)} 条没有对应任务：{''.join(c.label for c in empty)}",
            f"{len(figures.clauses)} clauses, {figures.task_count} tasks; {len(empty)} clauses have no task. "
            "Tasks are matched to clauses by text similarity, with reviewed overrides.",
        ),
        rows=rows,
        label_width=420,
        axis_label="任务数 tasks",
        description=(
            f"Horizontal bars: the number of tasks mapped to each of the {len(figures.clauses)} clauses, "
            f"grouped by section; {len(empty)} clauses have no task and are marked in red."
        ),
    )


def _pairs_chart(figures: Figures, font: Any) -> str:
    from cqpolicy.publish.charts import BAR, MUTED, BarRow, Segment, bar_chart

    rows = [
        BarRow(
            label=f"{pair.first.name_zh} + {pair.second.name_zh}",
            sublabel=f"{pair.first.name_en} + {pair.second.name_en}",
            segments=(
                Segment(
                    pair.tasks,
                    BAR,
                    f"{pair.first.name_zh} + {pair.second.name_zh}：共同 {pair.tasks} 项 · "
                    f"{pair.tasks} shared tasks: {task_ranges(pair.task_nos)}",
                ),
            ),
            note=str(pair.tasks),
            note_colour=MUTED,
        )
        for pair in figures.pairs
    ]
    return bar_chart(
        font,
        title="最常共同承担任务的单位 · Units that most often share a task",
        subtitle=(
            f"两个单位同时列入一项任务（牵头或配合）即计一次；前 {figures.top_pairs} 对（并列者一并列出）；"
            "不含集合称谓「市级有关部门」",
            f"A pair counts a task when both are named in it (lead or supporting); top {figures.top_pairs} "
            "pairs, ties at the cut-off included; the collective 市级有关部门 is left out",
        ),
        rows=rows,
        label_width=520,
        axis_label="共同任务数 shared tasks",
        description=(
            f"Horizontal bars: the {len(figures.pairs)} pairs of units named together in the most tasks."
        ),
    )


def _matrix_chart(figures: Figures, font: Any) -> str:
    from cqpolicy.publish.charts import heat_map

    units = figures.matrix_units
    tooltips = [
        [
            f"{a.name_zh}：共 {figures.matrix[i][j]} 项任务 · in {figures.matrix[i][j]} tasks"
            if i == j
            else f"{a.name_zh} + {b.name_zh}：共同 {figures.matrix[i][j]} 项 · "
            f"{figures.matrix[i][j]} shared tasks"
            for j, b in enumerate(units)
        ]
        for i, a in enumerate(units)
    ]
    return heat_map(
        font,
        title="共同承担任务矩阵 · Who shares tasks with whom",
        subtitle=(
            f"任务数最多的 {len(units)} 个单位；格中数字 = 两者同时列入的任务数",
            f"The {len(units)} units named in the most tasks; each cell = tasks naming both",
        ),
        labels=[unit.name_zh for unit in units],
        values=figures.matrix,
        tooltips=tooltips,
        diagonal_note="灰色对角线 = 该单位列入的任务总数 · grey diagonal = the unit's own number of tasks",
        description=(
            f"A {len(units)} by {len(units)} matrix of the number of tasks shared by the units "
            "named in the most tasks; darker cells share more."
        ),
    )


# --- the page --------------------------------------------------------------------------------------


def task_ranges(task_nos: Iterable[int]) -> str:
    """Task numbers with consecutive runs joined: ``1–3, 7, 9–10``."""
    numbers = sorted(set(task_nos))
    parts: list[str] = []
    for _, run in itertools.groupby(enumerate(numbers), key=lambda pair: pair[1] - pair[0]):
        values = [n for _, n in run]
        parts.append(str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}")
    return ", ".join(parts)


def _cell(text: str) -> str:
    return markdown(text)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str) -> list[str]:
    """A Markdown table; ``align`` has one letter per column, ``l`` or ``r``."""
    marks = {"l": "---", "r": "---:"}
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks[a] for a in align) + " |"]
    lines.extend("| " + " | ".join(_cell(str(value)) for value in row) + " |" for row in rows)
    return lines


def _names(counts: Sequence[UnitCount]) -> str:
    return "、".join(f"{markdown(c.unit.name_zh)} ({markdown(c.unit.name_en)})" for c in counts)


def render_markdown(figures: Figures) -> str:
    """The report page: charts, a short bilingual explanation, the numbers in tables, and notes."""
    units, empty = figures.units, figures.clauses_without_tasks
    facts = (figures.document_number, figures.title, figures.title_en)
    number, title, title_en = (markdown(value) for value in facts)
    package = f"{markdown(figures.package_name)} {markdown(figures.version)}"
    most = [c for c in units if units and c.total == units[0].total]
    top_lead = max((c.lead for c in units), default=0)
    most_lead = [c for c in units if c.lead == top_lead]
    with_tasks = len(figures.clauses) - len(empty)
    lines = [
        f"# 谁负责什么：{number} 任务分工一览 · Who does what: the tasks of {number}",
        "",
        f"《{title}》（{number}）的附件列出 "
        f"{figures.task_count} 项任务及其责任单位。本页由 `cqpolicy report` 根据数据包 "
        f"{package} 生成，数字均可在下表中核对。",
        "",
        f"*{title_en}* ({number}) lists {figures.task_count} tasks in its annex, "
        f"each with the units responsible. This page is generated by `cqpolicy report` from the data package "
        f"{package}; every number in the charts is in the tables below it.",
        "",
        "## 1. 各单位承担的任务 · Tasks per unit",
        "",
        f"![各单位承担的任务数：牵头与配合 · Tasks per unit, lead and supporting]({UNITS_CHART})",
        "",
        "条形长度为列入该单位的任务数：深色为牵头（责任单位栏中列第一位），浅色为配合。"
        "「市级有关部门」是集合称谓，不是一个单位，单独列在最后，不参与排名。",
        "",
        "Each bar is the number of tasks that name the unit: dark where it is the lead (listed first in the "
        "task's cell), light where it supports. 市级有关部门 (relevant municipal departments) "
        "is a collective reference, not one body, so it is shown apart and not ranked.",
        "",
        f"- Named in the most tasks: {_names(most)}, {most[0].total if most else 0} of {figures.task_count}.",
        f"- Lead in the most tasks: {_names(most_lead)}, {top_lead}.",
    ]
    for collective in figures.collectives:
        lines.append(
            f"- {markdown(collective.unit.name_zh)} ({markdown(collective.unit.name_en)}) leads "
            f"{collective.lead} and supports "
            f"{collective.support} tasks ({task_ranges(collective.lead_tasks + collective.support_tasks)})."
        )
    rows: list[Sequence[object]] = []
    previous, position = None, 0
    for index, count in enumerate(units, start=1):
        if count.total != previous:
            position, previous = index, count.total
        rows.append(
            (
                position,
                count.unit.name_zh,
                count.unit.name_en,
                count.unit.type_en,
                count.lead,
                count.support,
                count.total,
            )
        )
    rows.extend(
        (
            "—",
            f"{c.unit.name_zh}（集合称谓）",
            f"{c.unit.name_en} (collective, not one body)",
            c.unit.type_en,
            c.lead,
            c.support,
            c.total,
        )
        for c in figures.collectives
    )
    lead_sum = sum(c.lead for c in (*units, *figures.collectives))
    lines += [
        "",
        *_table(
            ("排名 rank", "单位 unit", "English name", "type", "牵头 lead", "配合 supporting", "合计 total"),
            rows,
            "rlllrrr",
        ),
        "",
        f"Leads add up to {lead_sum}: one per task.",
        "",
        "## 2. 条款与任务 · Clauses and their tasks",
        "",
        f"![各条款对应的任务数 · Tasks per clause]({CLAUSES_CHART})",
        "",
        f"正文 {len(figures.clauses)} 条意见中，{with_tasks} 条有附件任务，{len(empty)} 条没有："
        + "、".join(f"{markdown(c.label)}{markdown(c.title)}" for c in empty)
        + "。",
        "",
        f"{with_tasks} of the {len(figures.clauses)} clauses have at least one task in the annex; "
        f"{len(empty)} have none: "
        + "; ".join(f"{markdown(c.label)} {markdown(c.title_en)}" for c in empty)
        + ". Tasks are matched to clauses by text similarity, with reviewed overrides "
        "(`tasks.clause_match_method`), not by the document itself.",
        "",
        *_table(
            ("条款 clause", "标题 title", "English title", "任务数 tasks", "任务编号 task numbers"),
            (
                (c.label, c.title, c.title_en, c.tasks, task_ranges(c.task_nos) or "—")
                for c in figures.clauses
            ),
            "lllrl",
        ),
        "",
        "## 3. 共同承担任务的单位 · Units that share tasks",
        "",
        f"![最常共同承担任务的单位 · Units that most often share a task]({PAIRS_CHART})",
        "",
        f"![共同承担任务矩阵 · Who shares tasks with whom]({MATRIX_CHART})",
        "",
        "两个单位同时列入同一项任务（无论牵头或配合）即计为共同承担一次。集合称谓「市级有关部门」不计入。",
        "",
        "Two units share a task when the task's cell names both, as lead or supporting. The collective "
        f"市级有关部门 is left out. The list shows the top {figures.top_pairs} pairs and any tied with the "
        "last; the matrix shows every pair among the units named in the most tasks.",
        "",
        *_table(
            (
                "#",
                "单位 unit",
                "单位 unit",
                "English names",
                "共同任务 shared tasks",
                "任务编号 task numbers",
            ),
            (
                (
                    index,
                    pair.first.name_zh,
                    pair.second.name_zh,
                    f"{pair.first.name_en} + {pair.second.name_en}",
                    pair.tasks,
                    task_ranges(pair.task_nos),
                )
                for index, pair in enumerate(figures.pairs, start=1)
            ),
            "rlllrl",
        ),
        "",
        "## 说明 · Notes",
        "",
        "- **牵头 Lead.** 「牵头」指责任单位栏中列第一位的单位，这是此类分工表的通常惯例，原文并未说明。"
        " Lead means the unit listed first in a task's cell, by the usual convention of such annexes; "
        "the document itself does not define a lead.",
        "- **市级有关部门** is a collective reference to unnamed municipal departments, not one body "
        "(`agency_type` = `collective`); it is counted but never ranked as a body, and left out of the pairs"
        + (f" (tasks {task_ranges(figures.collective_tasks)})." if figures.collective_tasks else "."),
        "- **Clauses.** The task-to-clause mapping is automatic (text similarity, "
        "`tasks.clause_match_score`) with reviewed overrides; a clause without a task may be a general "
        "or safeguard clause that the annex does not break down.",
        "- **Charts.** The SVG files keep their labels as text. Each embeds the glyphs it uses from "
        "Noto Sans SC (© 2014-2021 Adobe), under the SIL Open Font License 1.1, so the Chinese renders "
        "in any web browser, also on machines without a Chinese font (a few non-browser SVG viewers "
        "ignore embedded fonts and then need one installed). English names are unofficial translations "
        "unless `agencies.name_en_official` is true.",
        "- **Rebuild.** `cqpolicy report . --out docs/report` writes this page and the charts again, "
        "byte for byte, from the package.",
        "",
    ]
    return "\n".join(lines)


# --- writing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote.

    Attributes:
        out_dir: The folder written into.
        files: The files written (relative to ``out_dir``): the page first, then the charts.
        figures: The figures the page shows.
    """

    out_dir: Path
    files: tuple[str, ...]
    figures: Figures

    def summary(self) -> str:
        """One line for people (stderr)."""
        charts = len(self.files) - 1
        return f"wrote {PAGE} and {charts} charts into {self.out_dir}"


def build_report(package_path: Path | str, out_dir: Path | str) -> ReportResult:
    """Write the report page and its charts into ``out_dir``.

    The files are written into a staging folder inside ``out_dir`` and moved into
    place only when all are ready; other files in ``out_dir`` are left alone. The
    output is deterministic: building twice gives the same bytes.

    Args:
        package_path: A package directory, its ``datapackage.json``, or a ``.zip`` of a package.
        out_dir: The folder for ``README.md`` and the SVG charts (created if needed).

    Raises:
        InputError: the package cannot be read or lacks what the report needs, or the
            font package is not installed.
    """
    from cqpolicy.atomic import Transaction, directory_lock
    from cqpolicy.publish.charts import Font

    out = Path(out_dir)
    with contextlib.ExitStack() as locks:
        for directory in _directories_to_lock(Path(package_path), out):
            locks.enter_context(directory_lock(directory, "report"))
        descriptor, tables = load_package_tables(package_path)
        figures = compute_figures(tables, descriptor)
        font = Font()
        contents = {PAGE: render_markdown(figures), **render_charts(figures, font)}
        # out last: its lock creates it, and an unusable package must leave no empty folder behind
        with directory_lock(out, "report"), Transaction(out) as txn:
            for name in FILES:
                txn.path(name).write_bytes(contents[name].encode("utf-8"))
            txn.commit()
    return ReportResult(out_dir=out, files=FILES, figures=figures)


def _directories_to_lock(package: Path, out: Path) -> list[Path]:
    """The locks a report takes: the same ones as ``build``, ``release`` and ``pack``.

    ``out`` itself when it exists (else it is locked as it is created, after the package is
    read); the package it reads, when a directory (a release holds that lock while it
    moves the new version in, so a report never reads half a release); and the package directory
    ``out`` lies in, such as the repository for ``docs/report`` (a release rewrites that folder
    under the repository's lock, so a report never leaves it at the old version). Sorted, so two
    commands take them in the same order.
    """
    found: dict[Path, Path] = {}  # resolved -> as the user named it (for messages)
    if out.is_dir():
        found[out.resolve()] = out
    if package.is_dir():
        found.setdefault(package.resolve(), package)
    elif package.name == "datapackage.json" and package.parent.is_dir():
        found.setdefault(package.parent.resolve(), package.parent)
    for parent in out.resolve().parents:
        if (parent / "datapackage.json").is_file():
            found.setdefault(parent, parent)
            break
    return [found[key] for key in sorted(found)]
