"""Run every benchmark: ``make bench``.

The benchmarks measure; the tests never time anything. Each script prints its
table and writes its numbers to ``benchmarks/out/`` (ignored by git):

- ``bench_validate.py``: ``cqpolicy validate`` next to the imports it cannot avoid,
  the CLI's start-up, and its growth next to ``frictionless validate``;
- ``bench_diff.py``: ``cqpolicy diff`` on the shipped package against the amended
  fixture, and next to ``csv-diff`` on synthetic packages;
- ``bench_intake.py``: ``cqpolicy build`` from the policy as a web page, copied text,
  Word and PDF, as ratios to the build from the archived text;
- ``bench_database.py``: the build with and without the SQLite copy, and the latency of
  its Chinese search on the shipped and synthetic databases (SQL, and through Datasette).

By default the synthetic packages are 100 times the shipped one (a few minutes in
all); ``--full`` adds 1000 times (about a quarter of an hour).

Usage::

    python benchmarks/run_all.py          # or: make bench
    python benchmarks/run_all.py --full   # or: make bench BENCH_ARGS=--full
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also measure packages 1000 times the size")
    args = parser.parse_args(argv)
    factors = ["100", "1000"] if args.full else ["100"]
    commands = [
        [sys.executable, str(HERE / "bench_validate.py"), "--runs", "5", "--factors", ",".join(factors)],
        [sys.executable, str(HERE / "bench_diff.py"), "--runs", "5", "--factors", *factors],
        [sys.executable, str(HERE / "bench_intake.py"), "--runs", "5"],
        [
            sys.executable,
            str(HERE / "bench_database.py"),
            "--runs",
            "5",
            "--factors",
            ",".join(factors),
            "--http",
        ],
    ]
    worst = 0
    for command in commands:
        print(f"$ {' '.join(Path(c).name if c.endswith('.py') else c for c in command[1:])}", flush=True)
        worst = max(worst, subprocess.run(command, check=False).returncode)
        print(flush=True)
    return worst


if __name__ == "__main__":
    sys.exit(main())
