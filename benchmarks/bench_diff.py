"""Benchmark ``cqpolicy diff``: against its time budget, and next to csv-diff on big packages.

1. The shipped package against an amended build (tests/fixtures/amended/amended-2023.txt):
   wall time of ``cqpolicy diff OLD NEW --format json`` next to ``python -c "import pandas,
   pyarrow"``; the issue's budget is 1.5 times the latter. Also checks that the diff path
   imports neither Great Expectations nor frictionless.
2. Synthetic packages 100 and 1000 times the size (benchmarks/synthetic_diff.py) with 2 %
   of tasks inserted, 2 % removed and 2 % reworded: ``cqpolicy diff`` next to ``csv-diff``
   (``pip install csv-diff``; keyed by ``task_no`` / ``clause_no``) on the same CSV files, and
   what each reports for the renumbered tasks.

Run from the repository root: ``python benchmarks/bench_diff.py [--runs 5] [--factors 100 1000]``.
Results are printed as Markdown and written to benchmarks/out/bench_diff.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_diff import make_pair  # noqa: E402  # sibling module, path set just above

CQPOLICY = [sys.executable, "-m", "cqpolicy.cli"]


def wall(command: list[str], runs: int) -> tuple[float, list[float], subprocess.CompletedProcess[bytes]]:
    """Median wall time of ``runs`` runs (after one warm-up run), all times, and the last result."""
    done = subprocess.run(command, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, done


def heavy_imports(old: Path, new: Path) -> list[str]:
    code = (
        "import sys\nfrom cqpolicy.cli import main\n"
        f"try:\n    main(['diff', {str(old)!r}, {str(new)!r}, '--format', 'json'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('great_expectations', 'frictionless', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"')))


def shipped_vs_amended(work: Path, runs: int) -> dict[str, Any]:
    from cqpolicy.build import build_package

    amended = work / "amended"
    build_package(
        source=ROOT / "tests" / "fixtures" / "amended" / "amended-2023.txt",
        out=amended,
        sources_dir=ROOT / "sources",
        allow_untranslated=True,
    )
    baseline, base_times, _ = wall([sys.executable, "-c", "import pandas, pyarrow"], runs)
    diff_time, diff_times, done = wall([*CQPOLICY, "diff", str(ROOT), str(amended), "--format", "json"], runs)
    summary = json.loads(done.stdout)["summary"]
    return {
        "baseline_import_pandas_pyarrow_s": round(baseline, 3),
        "cqpolicy_diff_s": round(diff_time, 3),
        "ratio": round(diff_time / baseline, 2),
        "budget_ratio": 1.5,
        "runs": runs,
        "all_times_s": {
            "baseline": [round(t, 3) for t in base_times],
            "diff": [round(t, 3) for t in diff_times],
        },
        "exit_code": done.returncode,
        "tasks": summary["tasks"],
        "heavy_modules_imported": heavy_imports(ROOT, amended),
    }


def csv_diff(old: Path, new: Path, key: str | None, runs: int) -> tuple[float, dict[str, Any]]:
    exe = shutil.which("csv-diff", path=str(Path(sys.executable).parent)) or shutil.which("csv-diff")
    if exe is None:
        raise SystemExit("csv-diff is not installed: pip install csv-diff")
    command = [exe, str(old), str(new), "--json", *(["--key", key] if key else [])]
    seconds, _, done = wall(command, runs)
    return seconds, json.loads(done.stdout)


def synthetic(work: Path, factor: int, runs: int) -> dict[str, Any]:
    pair = work / f"x{factor}"
    key = make_pair(ROOT, factor, pair)
    old, new = pair / "old", pair / "new"
    ours, _, done = wall([*CQPOLICY, "diff", str(old), str(new), "--format", "json"], runs)
    result = json.loads(done.stdout)
    tasks = result["summary"]["tasks"]
    renumbered_with_changes = sum(
        1
        for c in result["changes"]
        if c["table"] == "tasks" and c["kind"] == "renumbered" and set(c["fields"]) - {"source_line"}
    )
    theirs_total = 0.0
    theirs: dict[str, Any] = {}
    for table, column in (("tasks", "task_no"), ("clauses", "clause_no"), ("task_agencies", None)):
        seconds, report = csv_diff(old / "data" / f"{table}.csv", new / "data" / f"{table}.csv", column, runs)
        theirs_total += seconds
        theirs[table] = {
            "seconds": round(seconds, 3),
            "added": len(report["added"]),
            "removed": len(report["removed"]),
            "changed": len(report["changed"]),
        }
    return {
        "factor": factor,
        "answer_key": key,
        "rows": {"tasks": key["tasks"], "task_agencies_old": _count(old / "data" / "task_agencies.csv")},
        "cqpolicy_diff": {
            "seconds": round(ours, 3),
            "tasks": tasks,
            "tasks_renumbered_with_other_changes": renumbered_with_changes,
            "task_agencies": result["summary"]["task_agencies"],
            "clauses": result["summary"]["clauses"],
        },
        "csv_diff": {"seconds_total": round(theirs_total, 3), **theirs},
    }


def _count(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


def markdown(report: dict[str, Any]) -> str:
    s = report["shipped_vs_amended"]
    lines = [
        "## cqpolicy diff: shipped package vs amended build",
        "",
        f'- `python -c "import pandas, pyarrow"`: {s["baseline_import_pandas_pyarrow_s"]} s '
        f"(median of {s['runs']})",
        f"- `cqpolicy diff . AMENDED --format json`: {s['cqpolicy_diff_s']} s, "
        f"**{s['ratio']}x** (budget {s['budget_ratio']}x); exit {s['exit_code']}",
        f"- heavy modules imported on the diff path: {s['heavy_modules_imported'] or 'none'}",
        "",
        "## Synthetic packages (2 % of tasks inserted, 2 % removed, 2 % reworded)",
        "",
        "| size | tasks | cqpolicy diff | tasks: added / removed / modified / renumbered "
        "| csv-diff (3 files) | csv-diff tasks: added / removed / changed |",
        "| --- | ---: | ---: | --- | ---: | --- |",
    ]
    for row in report["synthetic"]:
        ours, theirs = row["cqpolicy_diff"], row["csv_diff"]
        t = ours["tasks"]
        lines.append(
            f"| {row['factor']}x | {row['rows']['tasks']} | {ours['seconds']} s | "
            f"{t['added']} / {t['removed']} / {t['modified']} / {t['renumbered']} "
            f"({ours['tasks_renumbered_with_other_changes']} of them also edited) | "
            f"{theirs['seconds_total']} s | "
            f"{theirs['tasks']['added']} / {theirs['tasks']['removed']} / {theirs['tasks']['changed']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (median reported)")
    parser.add_argument("--factors", type=int, nargs="*", default=[100, 1000], help="synthetic sizes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cqpolicy-bench-diff-") as tmp:
        work = Path(tmp)
        report = {
            "shipped_vs_amended": shipped_vs_amended(work, args.runs),
            "synthetic": [
                synthetic(work, f, max(1, args.runs // (2 if f >= 1000 else 1))) for f in args.factors
            ],
        }
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_diff.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(markdown(report))
    ok = (
        report["shipped_vs_amended"]["ratio"] <= 1.5
        and not report["shipped_vs_amended"]["heavy_modules_imported"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
