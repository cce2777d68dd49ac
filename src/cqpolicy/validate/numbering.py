"""Numbering and keys: numbers run 1..n, labels match, links across tables are complete and
rows are sorted (``numbering``, ``label-mismatch``, ``lead-count``, ``lead-position``,
``task-without-agency``, ``agency-unused``, ``units-mismatch``, ``row-order``)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from cqpolicy.findings import Finding
from cqpolicy.validate.data import (
    PackageData,
    capped,
    key_text,
    new_finding,
    plain,
)

if TYPE_CHECKING:
    import pandas as pd

_NUMERALS = "零一二三四五六七八九"

# --- numbering and links ---------------------------------------------------------------------------


def chinese_numeral(number: int) -> str:
    """A positive number in Chinese numerals, as documents number their parts.

    1 → 一, 10 → 十, 15 → 十五, 28 → 二十八, 105 → 一百零五, 110 → 一百一十, 10001 → 一万零一.
    """
    if number <= 0:
        return _NUMERALS[0]
    if number >= 10_000:
        high, low = divmod(number, 10_000)
        text = chinese_numeral(high) + "万"
        if low:
            text += ("零" if low < 1000 else "") + _below_ten_thousand(low, leading=False)
        return text
    return _below_ten_thousand(number, leading=True)


def _below_ten_thousand(number: int, *, leading: bool) -> str:
    text, zero = "", False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // power % 10
        if digit:
            text += ("零" if zero else "") + _NUMERALS[digit] + unit
            zero = False
        elif text:
            zero = True
    return text[1:] if leading and text.startswith("一十") else text


def _sequence_problem(values: list[int]) -> str | None:
    """Why ``values`` are not exactly 1..n, or None."""
    if not values:
        return None
    unique = sorted(set(values))
    if unique == list(range(1, len(values) + 1)):
        return None
    expected = set(range(1, len(values) + 1))
    missing = sorted(expected - set(unique))
    beyond = sorted(set(unique) - expected)
    parts = []
    if missing:
        parts.append(f"{_list(missing)} missing")
    if beyond:
        parts.append(f"{_list(beyond)} beyond {len(values)}")
    if len(unique) != len(values):
        parts.append("numbers repeated")
    return "; ".join(parts)


def _list(values: list[Any]) -> str:
    return ", ".join(str(v) for v in values[:10]) + (
        f" and {len(values) - 10} more" if len(values) > 10 else ""
    )


def _ints(frame: pd.DataFrame, column: str) -> list[int]:
    return [int(v) for v in frame[column].dropna().tolist()]


def check_numbering(data: PackageData) -> list[Finding]:
    """Sections, clauses and tasks run 1..n; labels match numbers; positions run 1..k in each task."""
    out = []
    for table, column in (("sections", "section_no"), ("clauses", "clause_no"), ("tasks", "task_no")):
        frame = data.csv.get(table)
        if frame is None or column not in frame.columns:
            continue
        problem = _sequence_problem(_ints(frame, column))
        if problem:
            out.append(
                new_finding(
                    "numbering",
                    f"{table}.{column} must run 1..{len(frame)} without gaps: {problem}",
                    table,
                    field=column,
                )
            )
    for table, column, label in (("sections", "section_no", "{}、"), ("clauses", "clause_no", "（{}）")):
        frame = data.csv.get(table)
        if frame is None or not {column, "label"} <= set(frame.columns):
            continue
        for index, number, actual in zip(
            frame.index, frame[column].tolist(), frame["label"].tolist(), strict=True
        ):
            if plain(number) is None or int(number) <= 0:
                continue
            expected = label.format(chinese_numeral(int(number)))
            if actual != expected:
                row = data.key_of(table, frame, index)
                out.append(
                    new_finding(
                        "label-mismatch",
                        f"{table} ({key_text(row)}): label {actual!r} should be {expected!r}",
                        table,
                        row=row,
                        field="label",
                    )
                )
    out.extend(_position_problems(data))
    return out


def _position_problems(data: PackageData) -> list[Finding]:
    links = data.csv.get("task_agencies")
    if links is None or not {"task_no", "position", "group_no", "role"} <= set(links.columns):
        return []
    sources = (
        links["role_source"].astype(object).tolist()
        if "role_source" in links.columns
        else [None] * len(links)
    )
    by_task: dict[int, list[tuple[int, int | None, str]]] = {}
    stated: set[int] = set()
    for task_no, position, group_no, role, source in zip(
        links["task_no"].tolist(),
        links["position"].tolist(),
        links["group_no"].tolist(),
        links["role"].astype(object).tolist(),
        sources,
        strict=True,
    ):
        if plain(task_no) is None or plain(position) is None:
            continue
        group = None if plain(group_no) is None else int(group_no)
        by_task.setdefault(int(task_no), []).append((int(position), group, str(plain(role) or "")))
        if plain(source) == "stated":
            stated.add(int(task_no))
    out = []
    for task_no, units in sorted(by_task.items()):
        units.sort()
        row = {"task_no": task_no}
        where = f"task_agencies (task_no {task_no})"
        positions = [position for position, _, _ in units]
        problem = _sequence_problem(positions)
        if problem:
            out.append(
                new_finding(
                    "numbering",
                    f"{where}: positions must run 1..{len(positions)}: {problem}",
                    "task_agencies",
                    row=row,
                    field="position",
                )
            )
        groups = [group for _, group, _ in units if group is not None]
        if groups and (groups[0] != 1 or any(b - a not in (0, 1) for a, b in itertools.pairwise(groups))):
            out.append(
                new_finding(
                    "numbering",
                    f"{where}: group numbers {groups} must start at 1 and grow by at most 1 from one "
                    "position to the next",
                    "task_agencies",
                    row=row,
                    field="group_no",
                )
            )
        out.extend(_lead_problems([role for _, _, role in units], task_no in stated, where, row))
    return capped(out, "task_agencies", "break the same rule")


def _lead_problems(roles: list[str], stated: bool, where: str, row: dict[str, Any]) -> list[Finding]:
    """Leads per task: where the annex states roles, one or more, listed first; else exactly one, first."""
    leads = roles.count("lead")
    if stated:
        if leads == 0:
            message = f"{where}: no lead unit; the annex's lead column names at least one"
            return [new_finding("lead-count", message, "task_agencies", row=row, field="role")]
        if roles[:leads] != ["lead"] * leads:
            message = f"{where}: the stated leads are not listed before the supporting units"
            return [new_finding("lead-position", message, "task_agencies", row=row, field="role")]
        return []
    if leads != 1:
        message = (
            f"{where}: {leads} lead units; where the annex does not state roles, the first-listed "
            "unit is the one lead"
        )
        return [new_finding("lead-count", message, "task_agencies", row=row, field="role")]
    if roles[0] != "lead":
        message = f"{where}: the lead is not the first-listed unit (position 1)"
        return [new_finding("lead-position", message, "task_agencies", row=row, field="role")]
    return []


def check_links(data: PackageData) -> list[Finding]:
    """Every task has a unit, every agency is used, and the units match the annex cell."""
    tasks, links, agencies = (data.csv.get(t) for t in ("tasks", "task_agencies", "agencies"))
    if tasks is None or links is None or "task_no" not in links.columns:
        return []
    out = []
    linked_tasks = set(_ints(links, "task_no"))
    for task_no in _ints(tasks, "task_no"):
        if task_no not in linked_tasks:
            out.append(
                new_finding(
                    "task-without-agency",
                    f"task {task_no} has no responsible unit in task_agencies",
                    "tasks",
                    row={"task_no": task_no},
                )
            )
    if agencies is None or "agency_id" not in agencies.columns:
        return out
    used = set(links["agency_id"].dropna().astype(str))
    for agency_id in agencies["agency_id"].dropna().astype(str):
        if agency_id not in used:
            out.append(
                new_finding(
                    "agency-unused",
                    f"agency {agency_id} is named by no task; the package lists only units the annex names",
                    "agencies",
                    row={"agency_id": agency_id},
                )
            )
    out.extend(_units_problems(tasks, links, agencies))
    return out


def _units_problems(tasks: pd.DataFrame, links: pd.DataFrame, agencies: pd.DataFrame) -> list[Finding]:
    """task_agencies, in position order, spells out each task's responsible_units_raw cell."""
    needed_tasks = {"task_no", "responsible_units_raw"}
    needed_links = {"task_no", "agency_id", "position", "group_no"}
    if not needed_tasks <= set(tasks.columns) or not needed_links <= set(links.columns):
        return []
    names = dict(zip(agencies["agency_id"].astype(object), agencies["name_zh"].astype(object), strict=True))
    listed: dict[int, list[tuple[Any, int]]] = {}
    ordered = links.dropna(subset=["task_no", "position"]).sort_values(["task_no", "position"])
    for task_no, agency_id, group_no in zip(
        ordered["task_no"].tolist(), ordered["agency_id"].tolist(), ordered["group_no"].tolist(), strict=True
    ):
        group = int(group_no) if plain(group_no) is not None else 0
        listed.setdefault(int(task_no), []).append((names.get(agency_id, agency_id), group))
    rows = []
    for task_no, cell in zip(tasks["task_no"].tolist(), tasks["responsible_units_raw"].tolist(), strict=True):
        if plain(task_no) is None or plain(cell) is None or int(task_no) not in listed:
            continue
        expected = units_in_cell(str(cell))
        actual = listed[int(task_no)]
        if actual != expected:
            rows.append(
                new_finding(
                    "units-mismatch",
                    f"task {int(task_no)}: task_agencies lists {[u for u, _ in actual]} in groups "
                    f"{[g for _, g in actual]}, but responsible_units_raw reads {cell!r}",
                    "task_agencies",
                    row={"task_no": int(task_no)},
                )
            )
    return capped(rows, "task_agencies", "do not match their cell")


def units_in_cell(cell: str) -> list[tuple[str, int]]:
    """``(unit, group_no)`` in the order a ``responsible_units_raw`` cell lists them.

    The cell is one units cell (``、`` between units, ``，`` between groups), or, where the
    annex has lead and support columns, ``牵头单位：…；配合单位：…`` with groups numbered on
    from the lead cell into the support cell.
    """
    parts = [cell]
    if cell.startswith("牵头单位："):
        parts = [part.split("：", 1)[1] for part in cell.split("；")]
    out: list[tuple[str, int]] = []
    group_no = 0
    for part in parts:
        for group in part.split("，"):
            group_no += 1
            out.extend((unit, group_no) for unit in group.split("、"))
    return out


def check_row_order(data: PackageData) -> list[Finding]:
    """Rows are sorted by primary key, as the package promises."""
    out = []
    for table, frame in data.csv.items():
        key = [k for k in data.primary_key(table) if k in frame.columns]
        if not key or len(frame) < 2 or frame[key].isna().any().any():
            continue
        tuples = list(frame[key].astype(object).itertuples(index=False, name=None))
        try:
            ordered = tuples == sorted(tuples)
        except TypeError:
            continue
        if not ordered:
            first = next(i for i in range(1, len(tuples)) if tuples[i] < tuples[i - 1])
            out.append(
                new_finding(
                    "row-order",
                    f"{table} is not sorted by {', '.join(key)}: row {first + 1} comes after a larger key",
                    table,
                    row=first + 1,
                )
            )
    return out
