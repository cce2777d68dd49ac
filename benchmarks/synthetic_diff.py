"""Synthetic package pairs for the diff benchmark: N times the shipped package, then amended.

``make_pair(base, factor, out, seed)`` writes two package directories, ``old`` and
``new``. ``old`` repeats the clauses, tasks and assignments of ``base`` ``factor``
times (each copy's texts marked with its copy number so that rows stay distinct);
``new`` is ``old`` with a few percent of tasks inserted at random places (so every
later task is renumbered, and its assignments with it), removed, and reworded, a few
clauses reworded and a few leads swapped. Only what ``cqpolicy diff`` and ``csv-diff``
read is written: ``datapackage.json`` (the base descriptor; ``bytes`` and ``hash`` are
not recomputed) and the CSV files. The answer key (how many of each edit) is returned.

(``benchmarks/make_synthetic.py``, if present, is the validation benchmark's generator;
this one adds the amendment that a diff needs.)
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path
from typing import Any

#: Share of tasks inserted, removed and reworded in ``new``.
INSERTED, REMOVED, REWORDED = 0.02, 0.02, 0.02


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _scaled(base: Path, factor: int) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    tables = {p.stem: _read(p) for p in sorted((base / "data").glob("*.csv"))}
    c_head, clauses = tables["clauses"]
    t_head, tasks = tables["tasks"]
    a_head, links = tables["task_agencies"]
    n_clauses, n_tasks = len(clauses), len(tasks)
    out_clauses, out_tasks, out_links = [], [], []
    for copy in range(factor):
        mark = f"（第{copy + 1}册）"
        for row in clauses:
            out_clauses.append(
                {**row, "clause_no": int(row["clause_no"]) + copy * n_clauses, "text": row["text"] + mark}
            )
        for row in tasks:
            out_tasks.append(
                {
                    **row,
                    "task_no": int(row["task_no"]) + copy * n_tasks,
                    "clause_no": int(row["clause_no"]) + copy * n_clauses,
                    "text": row["text"] + mark,
                }
            )
        for row in links:
            out_links.append({**row, "task_no": int(row["task_no"]) + copy * n_tasks})
    tables["clauses"] = (c_head, out_clauses)
    tables["tasks"] = (t_head, out_tasks)
    tables["task_agencies"] = (a_head, out_links)
    return tables


def _amend(
    tables: dict[str, tuple[list[str], list[dict[str, Any]]]], rng: random.Random
) -> tuple[dict[str, tuple[list[str], list[dict[str, Any]]]], dict[str, int]]:
    t_head, tasks = tables["tasks"]
    a_head, links = tables["task_agencies"]
    c_head, clauses = tables["clauses"]
    n = len(tasks)
    by_task: dict[int, list[dict[str, Any]]] = {}
    for link in links:
        by_task.setdefault(int(link["task_no"]), []).append(dict(link))
    order = [dict(row) for row in tasks]
    removed = set(rng.sample(range(n), int(n * REMOVED)))
    reworded = set(rng.sample(sorted(set(range(n)) - removed), int(n * REWORDED)))
    for i in reworded:
        order[i]["text"] = "全面" + order[i]["text"].replace("，", "，进一步", 1)
    kept = [(row, by_task.get(int(row["task_no"]), [])) for i, row in enumerate(order) if i not in removed]
    agencies = sorted({link["agency_id"] for link in links})
    for k in range(int(n * INSERTED)):
        text = "新增任务" + "".join(chr(0x3400 + rng.randrange(2000)) for _ in range(20)) + str(k)
        row = {**kept[0][0], "text": text, "responsible_units_raw": "市级有关部门"}
        units = rng.sample(agencies, 2)
        new_links = [
            {"agency_id": unit, "position": p, "group_no": 1, "role": "lead" if p == 1 else "support"}
            for p, unit in enumerate(units, start=1)
        ]
        kept.insert(rng.randrange(len(kept) + 1), (row, new_links))
    new_tasks, new_links_all = [], []
    for number, (row, task_links) in enumerate(kept, start=1):
        new_tasks.append({**row, "task_no": number})
        for link in task_links:
            new_links_all.append({**link, "task_no": number})
    new_links_all.sort(key=lambda link: (link["task_no"], link["agency_id"]))
    new_clauses = [dict(row) for row in clauses]
    for i in rng.sample(range(len(new_clauses)), max(1, len(new_clauses) // 100)):
        new_clauses[i]["text"] += "加强统筹协调。"
    amended = dict(tables)
    amended["tasks"] = (t_head, new_tasks)
    amended["task_agencies"] = (a_head, new_links_all)
    amended["clauses"] = (c_head, new_clauses)
    key = {"tasks": n, "inserted": int(n * INSERTED), "removed": len(removed), "reworded": len(reworded)}
    return amended, key


def _write_package(base: Path, tables: dict[str, tuple[list[str], list[dict[str, Any]]]], out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "data").mkdir(parents=True)
    descriptor = json.loads((base / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r.get("format") == "csv"]
    (out / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    for name, (header, rows) in tables.items():
        _write(out / "data" / f"{name}.csv", header, rows)


def make_pair(base: Path, factor: int, out: Path, seed: int = 1) -> dict[str, int]:
    """Write ``out/old`` and ``out/new`` (see the module docstring); return the answer key."""
    tables = _scaled(base, factor)
    amended, key = _amend(tables, random.Random(seed))
    _write_package(base, tables, out / "old")
    _write_package(base, amended, out / "new")
    return key
