"""Synthetic packages N times the size of the shipped one, for benchmarks.

``scale_package(base, out, factor)`` writes a complete, self-consistent package
into ``out``: the clauses, tasks, agencies and task links of ``base`` repeated
``factor`` times, each copy with new keys (clause and task numbers continue,
agency ids and names get the copy number), its texts marked with the copy
number (``（第2册）``), labels renumbered, the annex cells respelled with the
renamed units, and rows sorted by primary key. Sections, the document and the
code lists stay as they are. CSV and Parquet are written the way ``cqpolicy
build`` writes them and the descriptor's ``bytes``, ``hash`` and ``rows`` match,
so every layer of ``cqpolicy validate`` sees a valid package (the suites take their
row counts and ranges from the declared ``rows``). The Excel copy is left out.

Usage::

    python benchmarks/make_synthetic.py --factor 100 --out benchmarks/out/x100
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import sys
from pathlib import Path
from typing import Any

from cqpolicy.build.write import csv_bytes, json_bytes, parquet_bytes, read_csv_value, sha256
from cqpolicy.validate.checks import chinese_numeral

ROOT = Path(__file__).resolve().parent.parent
Row = dict[str, Any]


def read_rows(base: Path, descriptor: dict[str, Any], table: str) -> list[Row]:
    """A CSV table of ``base`` as typed rows (the way the build holds them before writing)."""
    fields = {f["name"]: f["type"] for f in resource(descriptor, table)["schema"]["fields"]}
    with (base / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return [{k: read_csv_value(v, fields[k]) for k, v in row.items()} for row in csv.DictReader(handle)]


def resource(descriptor: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in descriptor["resources"] if r["name"] == name)
    return found


def scaled_tables(tables: dict[str, list[Row]], factor: int) -> dict[str, list[Row]]:
    """The tables repeated ``factor`` times with new keys (see the module docstring)."""
    clauses, tasks = tables["clauses"], tables["tasks"]
    agencies, links = tables["agencies"], tables["task_agencies"]
    n_clauses, n_tasks = len(clauses), len(tasks)
    last_line = max(r["source_line_end"] for r in clauses) + 1
    names = {a["agency_id"]: a["name_zh"] for a in agencies}
    out: dict[str, list[Row]] = {**tables, "clauses": [], "tasks": [], "agencies": [], "task_agencies": []}
    for k in range(factor):
        mark = f"（第{k + 1}册）" if k else ""

        def agency(agency_id: str, k: int = k) -> str:
            return f"{agency_id}-{k + 1}" if k else agency_id

        def name(name_zh: str, k: int = k) -> str:
            return f"{name_zh}{k + 1}号" if k else name_zh

        for row in clauses:
            number = row["clause_no"] + k * n_clauses
            out["clauses"].append(
                {
                    **row,
                    "clause_no": number,
                    "label": f"（{chinese_numeral(number)}）",
                    "title": row["title"] + mark,
                    "text": row["text"] + mark,
                    "source_line": row["source_line"] + k * last_line,
                    "source_line_end": row["source_line_end"] + k * last_line,
                }
            )
        for row in tasks:
            cell = "，".join(
                "、".join(name(unit) for unit in group.split("、"))
                for group in row["responsible_units_raw"].split("，")
            )
            out["tasks"].append(
                {
                    **row,
                    "task_no": row["task_no"] + k * n_tasks,
                    "clause_no": row["clause_no"] + k * n_clauses,
                    "text": row["text"] + mark,
                    "responsible_units_raw": cell,
                    "source_line": row["source_line"] + k * last_line,
                }
            )
        for row in agencies:
            out["agencies"].append(
                {**row, "agency_id": agency(row["agency_id"]), "name_zh": name(names[row["agency_id"]])}
            )
        for row in links:
            out["task_agencies"].append(
                {**row, "task_no": row["task_no"] + k * n_tasks, "agency_id": agency(row["agency_id"])}
            )
    out["agencies"].sort(key=lambda r: r["agency_id"])
    out["task_agencies"].sort(key=lambda r: (r["task_no"], r["agency_id"]))
    return out


def scale_package(base: Path, out: Path, factor: int) -> dict[str, int]:
    """Write the package of ``base`` scaled ``factor`` times into ``out``; return row counts."""
    descriptor = json.loads((base / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in descriptor["resources"] if r.get("format") == "csv"]
    tables = scaled_tables({name: read_rows(base, descriptor, name) for name in names}, factor)
    scaled = copy.deepcopy(descriptor)
    scaled["resources"] = [r for r in scaled["resources"] if r.get("format") in ("csv", "parquet")]
    (out / "data").mkdir(parents=True, exist_ok=True)
    for name in names:
        csv_resource, parquet_resource = resource(scaled, name), resource(scaled, f"{name}-parquet")
        fields = csv_resource["schema"]["fields"]
        for res, data in (
            (csv_resource, csv_bytes(tables[name], fields)),
            (parquet_resource, parquet_bytes(tables[name], fields, csv_resource["description"])),
        ):
            (out / res["path"]).write_bytes(data)
            res["hash"] = f"sha256:{sha256(data)}"
            if "bytes" in res:
                res["bytes"] = len(data)
            if "rows" in res:
                res["rows"] = len(tables[name])
    (out / "datapackage.json").write_bytes(json_bytes(scaled))
    return {name: len(rows) for name, rows in tables.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, default=ROOT, help="package to scale (default: the repository)")
    parser.add_argument("--factor", type=int, required=True, help="how many copies")
    parser.add_argument("--out", type=Path, required=True, help="directory to write the package into")
    args = parser.parse_args(argv)
    counts = scale_package(args.base, args.out, args.factor)
    print(f"wrote {args.out}: " + ", ".join(f"{n} {name}" for name, n in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
