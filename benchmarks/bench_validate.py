"""Benchmark `cqpolicy validate`: its cost next to the imports it cannot avoid, its start-up, its growth.

Prints a small table (and writes ``benchmarks/out/bench_validate.json``):

1. wall time of ``cqpolicy validate --format json`` on the shipped package against
   ``python -c "import great_expectations, frictionless, pandas, pyarrow"`` in the same
   environment (median of ``--runs`` fresh processes each), and their ratio (target <= 1.3);
   and the default (which re-derives the data from ``sources/``) against ``--no-rebuild``;
2. ``cqpolicy --help``: its time, and whether it imported Great Expectations or frictionless
   (it must not; ``tests/test_validate_cli.py`` asserts the same);
3. growth: ``cqpolicy validate`` and the standard ``frictionless validate`` on synthetic
   packages ``--factors`` times the size (``benchmarks/make_synthetic.py``), which are valid.

Usage::

    python benchmarks/bench_validate.py                       # 5 runs; 100x and 1000x
    python benchmarks/bench_validate.py --runs 3 --factors 100
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
BIN = Path(sys.executable).parent
IMPORTS = "import great_expectations, frictionless, pandas, pyarrow"
TARGET_RATIO = 1.3
STARTUP_PROBE = (
    "import sys\nfrom cqpolicy.cli import main\n"
    "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    "import json\nheavy = ('great_expectations', 'frictionless', 'pandas')\n"
    "print(json.dumps({m: m in sys.modules for m in heavy}), file=sys.stderr)"
)


def wall(command: list[str], *, cwd: Path = ROOT, ok: tuple[int, ...] = (0, 1)) -> float:
    """Seconds one run of ``command`` takes (output discarded); fails on an unexpected exit code."""
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(command)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return seconds


def timed(command: list[str], runs: int, **kwargs: Any) -> dict[str, float]:
    """Median, min and max wall time of ``runs`` fresh runs."""
    times = [wall(command, **kwargs) for _ in range(runs)]
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "runs": runs}


def validate_command(package: Path, *extra: str) -> list[str]:
    return [str(BIN / "cqpolicy"), "validate", "--format", "json", *extra, str(package)]


def frictionless_command(package: Path) -> list[str]:
    return [str(BIN / "frictionless"), "validate", "--json", str(package / "datapackage.json")]


def startup() -> dict[str, Any]:
    """Time of ``cqpolicy --help`` and which heavy modules it imported."""
    probe = subprocess.run([sys.executable, "-c", STARTUP_PROBE], capture_output=True, text=True, check=True)
    imported = json.loads(probe.stderr.strip().splitlines()[-1])
    return {"help": timed([str(BIN / "cqpolicy"), "--help"], 5, ok=(0,)), "imported": imported}


def growth(factors: list[int], runs: int, frictionless_runs: int) -> list[dict[str, Any]]:
    """validate and frictionless validate on the shipped package and on scaled copies."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from make_synthetic import scale_package

    rows = []
    for factor in [1, *factors]:
        if factor == 1:
            package = ROOT
        else:
            package = OUT / "validate" / f"x{factor}"
            if not (package / "datapackage.json").is_file():
                scale_package(ROOT, package, factor)
        few = 1 if factor >= 1000 else runs
        size = sum(p.stat().st_size for p in (package / "data").glob("*.csv"))
        rows.append(
            {
                "factor": factor,
                "csv_mb": round(size / 1e6, 1),
                "validate": timed(validate_command(package), few),
                "frictionless": timed(frictionless_command(package), min(few, frictionless_runs)),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per measurement (median)")
    parser.add_argument(
        "--factors", default="100,1000", help="synthetic sizes, comma-separated ('' for none)"
    )
    parser.add_argument(
        "--frictionless-runs", type=int, default=3, help="runs of frictionless validate per size"
    )
    args = parser.parse_args(argv)
    factors = [int(f) for f in args.factors.split(",") if f.strip()]

    imports = timed([sys.executable, "-c", IMPORTS], args.runs, ok=(0,))
    validate = timed(validate_command(ROOT), args.runs)
    no_rebuild = timed(validate_command(ROOT, "--no-rebuild"), args.runs)
    ratio = validate["median"] / imports["median"]
    rebuild_ratio = validate["median"] / no_rebuild["median"]
    start = startup()
    scaled = growth(factors, args.runs, args.frictionless_runs)

    print(f"cqpolicy validate benchmark ({sys.version.split()[0]}, median of {args.runs} fresh processes)")
    print()

    def line(label: str, stats: dict[str, float]) -> str:
        return f"{label:70} {stats['median']:9.2f} {stats['min']:6.2f} {stats['max']:6.2f}"

    print(f"{'measurement':70} {'median s':>9} {'min':>6} {'max':>6}")
    print(line("python -c " + repr(IMPORTS), imports))
    print(line("cqpolicy validate --format json .  (rebuilds from sources/)", validate))
    print(line("cqpolicy validate --format json --no-rebuild .", no_rebuild))
    print(f"{'ratio validate / validate --no-rebuild':70} {rebuild_ratio:9.2f}")
    verdict = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"{'ratio validate / imports':70} {ratio:9.2f}   (target <= {TARGET_RATIO}: {verdict})")
    helped = start["help"]
    heavy = ", ".join(f"{m}: {'IMPORTED' if v else 'no'}" for m, v in start["imported"].items())
    print(f"{'cqpolicy --help':70} {helped['median']:9.2f}   ({heavy})")
    print()
    head = ("size", "CSV MB", "cqpolicy validate s", "frictionless validate s", "speed-up")
    print(f"{head[0]:>6} {head[1]:>7} {head[2]:>20} {head[3]:>24} {head[4]:>9}")
    for row in scaled:
        v, f = row["validate"]["median"], row["frictionless"]["median"]
        print(f"{str(row['factor']) + 'x':>6} {row['csv_mb']:7.1f} {v:20.2f} {f:24.2f} {f / v:8.1f}x")
    print()
    print(
        "frictionless validate reads the Parquet copies as well; cqpolicy validate runs frictionless on the"
    )
    print("CSV files, Great Expectations on the CSV tables, and checks the Parquet copies against them.")

    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "imports": imports,
        "validate": validate,
        "validate_no_rebuild": no_rebuild,
        "rebuild_ratio": rebuild_ratio,
        "ratio": ratio,
        "startup": start,
        "growth": scaled,
    }
    (OUT / "bench_validate.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
