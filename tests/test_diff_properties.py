"""Property-based tests: random edits to the package, and the diff reports exactly those edits.

Each example starts from the package built from the archived source and applies a random
mix of what amendments and corrections do: reword texts (a short addition, so the row stays
recognisable), replace other values, insert tasks (renumbering the later ones and their
assignments), remove tasks (with their assignments, renumbering the later ones), remove
single assignments, and rename agency ids. Every row remembers where it came from, so the
expected diff is known without running the diff. Then: the diff equals it, and the diff
of the reverse comparison is its exact inverse.

One rule of the diff shows up here on purpose: when a row is removed and an unrelated row
added under the same key, they are reported as one row modified (what a key-based diff
says); the oracle applies the same rule.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqpolicy.diff.compare import PackageData, Table, diff_packages
from cqpolicy.diff.load import load_package_data
from cqpolicy.diff.model import Side

#: Characters for new text: CJK Extension A, which the policy never uses, so new text is
#: never similar to existing text by accident.
NEW_TEXT = st.text(alphabet=[chr(c) for c in range(0x3400, 0x3400 + 400)], min_size=8, max_size=30)
SUFFIX = st.text(alphabet=[chr(c) for c in range(0x3400, 0x3400 + 400)], min_size=1, max_size=3)

#: Columns an edit may change: (table, column, how).
EDITABLE = [
    ("tasks", "text", "reword"),
    ("tasks", "responsible_units_raw", "replace"),
    ("tasks", "source_line", "number"),
    ("clauses", "text", "reword"),
    ("clauses", "title_en", "replace"),
    ("sections", "title_en", "replace"),
    ("agencies", "name_en", "replace"),
    ("agencies", "full_name_zh", "replace"),
    ("task_agencies", "position", "number"),
    ("task_agencies", "group_no", "number"),
    ("levels", "label_en", "replace"),
]


@dataclass
class Row:
    origin: int | None  # index of the row in the base table, None for an inserted row
    values: dict[str, Any]


@pytest.fixture(scope="module")
def base(built_package: Path) -> PackageData:
    return load_package_data(built_package, Side("base", "directory"))


def _state(base: PackageData) -> dict[str, list[Row]]:
    return {
        name: [Row(i, dict(zip(table.columns, row, strict=True))) for i, row in enumerate(table.rows)]
        for name, table in base.tables.items()
    }


def _package(base: PackageData, state: dict[str, list[Row]]) -> PackageData:
    tables = {}
    for name, table in base.tables.items():
        rows = [tuple(r.values[c] for c in table.columns) for r in state[name]]
        key = [table.columns.index(c) for c in table.key]
        rows.sort(key=lambda row: tuple((isinstance(row[p], str), row[p]) for p in key))
        tables[name] = Table(table.name, table.columns, table.key, rows, table.foreign_keys)
    return PackageData(Side("edited", "directory"), copy.deepcopy(base.descriptor), tables)


@st.composite
def edits(draw: st.DrawFn, base: PackageData) -> tuple[dict[str, list[Row]], dict[str, Any]]:
    """A random edit of the base package, and what was done (for the error message)."""
    state = _state(base)
    log: dict[str, Any] = {"edits": [], "inserted": [], "removed_tasks": [], "renamed": []}
    renamed_agencies: set[int] = set()
    # 1. renumbering operations first, on task numbers as they are at that moment
    for _ in range(draw(st.integers(0, 3))):
        tasks = state["tasks"]
        if draw(st.booleans()) and len(tasks) > 5:
            k = draw(st.integers(1, len(tasks)))
            log["removed_tasks"].append(k)
            state["tasks"] = [t for t in tasks if t.values["task_no"] != k]
            state["task_agencies"] = [a for a in state["task_agencies"] if a.values["task_no"] != k]
            for row in (*state["tasks"], *state["task_agencies"]):
                if row.values["task_no"] > k:
                    row.values["task_no"] -= 1
        else:
            p = draw(st.integers(1, len(tasks) + 1))
            for row in (*tasks, *state["task_agencies"]):
                if row.values["task_no"] >= p:
                    row.values["task_no"] += 1
            text = draw(NEW_TEXT)
            log["inserted"].append((p, text))
            tasks.append(
                Row(
                    None,
                    {
                        "task_no": p,
                        "clause_no": draw(st.integers(1, 28)),
                        "text": text,
                        "text_en": None,
                        "responsible_units_raw": text[:4],
                        "clause_match_score": 0.5,
                        "clause_match_method": "similarity",
                        "category": None,
                        "source_line": 500 + p,
                    },
                )
            )
            agency_ids = sorted(r.values["agency_id"] for r in state["agencies"])
            chosen = draw(st.lists(st.sampled_from(agency_ids), min_size=1, max_size=3, unique=True))
            for position, agency in enumerate(chosen, start=1):
                state["task_agencies"].append(
                    Row(
                        None,
                        {
                            "task_no": p,
                            "agency_id": agency,
                            "position": position,
                            "group_no": 1,
                            "role": "lead" if position == 1 else "support",
                            "role_source": "first-listed",
                        },
                    )
                )
    # 2. single assignments removed
    for _ in range(draw(st.integers(0, 2))):
        index = draw(st.integers(0, len(state["task_agencies"]) - 1))
        log["edits"].append(("remove assignment", state["task_agencies"][index].values))
        del state["task_agencies"][index]
    # 3. value edits on surviving rows
    for _ in range(draw(st.integers(0, 6))):
        table, column, how = draw(st.sampled_from(EDITABLE))
        rows = [r for r in state[table] if r.origin is not None]
        row = draw(st.sampled_from(rows))
        old = row.values[column]
        new: Any
        if how == "reword":
            new = f"{old}{draw(SUFFIX)}"
        elif how == "replace":
            new = draw(NEW_TEXT)
        else:
            new = (old or 0) + draw(st.integers(1000, 2000))
        row.values[column] = new
        if table == "agencies":
            renamed_agencies.add(row.origin)  # type: ignore[arg-type]  # origin is set for base rows
        log["edits"].append((table, column, old, new))
    # 4. agency ids renamed (rows not otherwise edited), following into task_agencies
    candidates = [r for r in state["agencies"] if r.origin not in renamed_agencies]
    for agency in draw(st.lists(st.sampled_from(candidates), max_size=2, unique_by=lambda r: r.origin)):
        old_id = agency.values["agency_id"]
        new_id = f"{old_id}-renamed"
        agency.values["agency_id"] = new_id
        for assignment in state["task_agencies"]:
            if assignment.values["agency_id"] == old_id:
                assignment.values["agency_id"] = new_id
        log["renamed"].append(old_id)
    return state, log


def _key(table: Table, values: dict[str, Any]) -> Any:
    key = tuple(values[c] for c in table.key)
    return key[0] if len(key) == 1 else key


def expected_changes(base: PackageData, state: dict[str, list[Row]]) -> set[tuple[Any, ...]]:
    """The diff that the edits should give, from the rows' origins (see the module docstring)."""
    expected: set[tuple[Any, ...]] = set()
    maps: dict[str, dict[Any, Any]] = {}
    for name in ("document", "sections", "clauses", "tasks", "agencies", "agency_types", "levels", "roles"):
        table = base.tables[name]
        old_rows = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
        kept = {r.origin: r for r in state[name] if r.origin is not None}
        removed = {_key(table, old_rows[i]): old_rows[i] for i in range(len(old_rows)) if i not in kept}
        added = {_key(table, r.values): r.values for r in state[name] if r.origin is None}
        pairs = [(old_rows[i], r.values) for i, r in kept.items()]
        for key in sorted(set(removed) & set(added)):  # same key: one row, modified
            pairs.append((removed.pop(key), added.pop(key)))
        maps[name] = {}
        for old, new in pairs:
            old_key, new_key = _key(table, old), _key(table, new)
            maps[name][old_key] = new_key
            fields = frozenset(c for c in table.columns if c not in table.key and old[c] != new[c])
            if old_key != new_key:
                expected.add((name, "renumbered", old_key, new_key, fields))
            elif fields:
                expected.add((name, "modified", old_key, new_key, fields))
        expected |= {(name, "removed", k, None, frozenset()) for k in removed}
        expected |= {(name, "added", None, k, frozenset()) for k in added}
    # Assignments follow their task and agency.
    table = base.tables["task_agencies"]
    new_rows = {_key(table, r.values): r.values for r in state["task_agencies"]}
    for row in table.rows:
        old = dict(zip(table.columns, row, strict=True))
        new_row: dict[str, Any] | None
        translated = (maps["tasks"].get(old["task_no"]), maps["agencies"].get(old["agency_id"]))
        new_row = new_rows.pop(translated) if None not in translated and translated in new_rows else None
        if new_row is None:
            expected.add(("task_agencies", "removed", _key(table, old), None, frozenset()))
            continue
        fields = frozenset(c for c in ("position", "group_no", "role") if old[c] != new_row[c])
        if fields:
            expected.add(("task_agencies", "modified", _key(table, old), _key(table, new_row), fields))
    expected |= {("task_agencies", "added", None, key, frozenset()) for key in new_rows}
    return expected


def reported(old: PackageData, new: PackageData) -> set[tuple[Any, ...]]:
    result = diff_packages(old, new)
    return {(c.table, c.kind, c.old_key, c.new_key, frozenset(c.fields)) for c in result.changes}


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=st.data())
def test_diff_reports_exactly_the_edits_made(base: PackageData, data: st.DataObject) -> None:
    state, log = data.draw(edits(base))
    edited = _package(base, state)
    assert reported(base, edited) == expected_changes(base, state), log


@SETTINGS
@given(data=st.data())
def test_reverse_diff_is_the_inverse(base: PackageData, data: st.DataObject) -> None:
    state, log = data.draw(edits(base))
    edited = _package(base, state)
    swap = {"added": "removed", "removed": "added", "modified": "modified", "renumbered": "renumbered"}
    forward = reported(base, edited)
    backward = reported(edited, base)
    assert backward == {(t, swap[k], new, old, f) for t, k, old, new, f in forward}, log
