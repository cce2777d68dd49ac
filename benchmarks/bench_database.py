"""Benchmark the SQLite copy: what it adds to a build, and how fast its Chinese search answers.

Prints a table (and writes ``benchmarks/out/bench_database.json``):

1. build: ``render_package`` (everything a build computes, in memory) with the database and
   with the database step replaced by nothing, median of ``--runs`` runs each in this process,
   and their ratio;
2. writing the database alone for the shipped package and synthetic packages ``--factors`` times
   its size (``make_synthetic.scaled_tables``), with the file's size;
3. search latency: the query Datasette's search box runs on ``tasks`` and on ``clauses`` (a page of
   rows, ``limit 101``, and the count), for 零碳, 金融科技, 智创生态城, a single character and an
   English word, median of ``--searches`` runs each, on each database (target: under 50 ms per
   search at 1000 times);
4. with ``--http``, the same searches through a running Datasette started with the settings of
   ``cqpolicy serve`` (``/db/tasks.json?_search=``), which adds the facets and the page's other
   queries.

Usage::

    python benchmarks/bench_database.py                          # 5 runs; 100x and 1000x
    python benchmarks/bench_database.py --factors 100 --http
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from make_synthetic import read_rows, scaled_tables

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
TERMS = ["零碳", "金融科技", "智创生态城", "碳", "green"]
TARGET_MS = 50.0


def median_seconds(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build_ratio(runs: int) -> dict[str, float]:
    """``render_package`` with and without the database step."""
    import cqpolicy.build as build

    inputs = build.resolve_inputs(None, ROOT / "sources")
    build.render_package(inputs)  # warm the imports and caches
    with_db = median_seconds(lambda: build.render_package(inputs), runs)
    real = build.database_bytes
    build.database_bytes = lambda tables, schemas: b""  # type: ignore[assignment]  # the baseline
    try:
        without_db = median_seconds(lambda: build.render_package(inputs), runs)
    finally:
        build.database_bytes = real  # type: ignore[assignment]
    return {"with_database_s": with_db, "without_database_s": without_db, "ratio": with_db / without_db}


def schemas_of(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """The table schemas (with their enums) as the build passes them to ``database_bytes``."""
    return [{"name": r["name"], **r["schema"]} for r in descriptor["resources"] if r.get("format") == "csv"]


def write_databases(factors: list[int]) -> dict[str, dict[str, Any]]:
    """The shipped database and one per factor in ``benchmarks/out/``, with write time and size."""
    from cqpolicy.build.database import database_bytes

    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    base = {r["name"]: read_rows(ROOT, descriptor, r["name"]) for r in schemas_of(descriptor)}
    out: dict[str, dict[str, Any]] = {}
    for factor in [1, *factors]:
        tables = scaled_tables(base, factor) if factor > 1 else base
        start = time.perf_counter()
        data = database_bytes(tables, schemas_of(descriptor))
        seconds = time.perf_counter() - start
        path = OUT / f"database-x{factor}.sqlite"
        path.write_bytes(data)
        out[f"x{factor}"] = {
            "path": str(path),
            "write_s": seconds,
            "bytes": len(data),
            "tasks": len(tables["tasks"]),
            "clauses": len(tables["clauses"]),
        }
    return out


def search_latency(path: Path, searches: int) -> dict[str, float]:
    """Median milliseconds of the search box's two queries, per term and table."""
    import sqlite3

    from cqpolicy.build.database import search_where

    connection = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    out = {}
    for table, key in (("tasks", "task_no"), ("clauses", "clause_no")):
        columns = [row[1] for row in connection.execute(f"PRAGMA table_info('{table}_fts')")]
        for term in TERMS:

            def run(
                term: str = term, table: str = table, key: str = key, columns: list[str] = columns
            ) -> None:
                where, params = search_where(table, key, columns, term)
                page = f"SELECT * FROM {table} WHERE {where} ORDER BY {key} LIMIT 101"
                connection.execute(page, params).fetchall()
                connection.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchall()

            run()
            out[f"{table}:{term}"] = median_seconds(run, searches) * 1000
    connection.close()
    return out


def http_latency(path: Path, searches: int) -> dict[str, float]:
    """Median milliseconds of ``/db/tasks.json?_search=`` and ``clauses.json`` on a running Datasette."""
    from cqpolicy.publish.serve import PLUGINS_DIR, SETTINGS, datasette_metadata

    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        metadata = Path(tmp) / "metadata.json"
        metadata.write_text(json.dumps(datasette_metadata(descriptor, path.stem)), encoding="utf-8")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "datasette",
                "serve",
                "-i",
                str(path),
                "-m",
                str(metadata),
                "--plugins-dir",
                str(PLUGINS_DIR),
                "--port",
                str(port),
                *SETTINGS,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}/{path.stem}"
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=5).close()
                    break
                except OSError:
                    time.sleep(0.2)
            out = {}
            for table in ("tasks", "clauses"):
                for term in TERMS:
                    url = f"{base}/{table}.json?" + urllib.parse.urlencode({"_search": term})

                    def run(url: str = url) -> None:
                        with urllib.request.urlopen(url, timeout=60) as response:
                            json.load(response)

                    run()
                    out[f"{table}:{term}"] = median_seconds(run, searches) * 1000
        finally:
            process.terminate()
            process.wait(timeout=30)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="builds per variant")
    parser.add_argument("--searches", type=int, default=20, help="runs per search")
    parser.add_argument("--factors", default="100,1000", help="synthetic sizes, comma-separated")
    parser.add_argument("--http", action="store_true", help="also time the searches through Datasette")
    args = parser.parse_args(argv)
    factors = [int(f) for f in args.factors.split(",") if f]
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"build": build_ratio(args.runs)}
    b = results["build"]
    print(
        f"build (render_package, median of {args.runs}): with database {b['with_database_s']:.3f} s, "
        f"without {b['without_database_s']:.3f} s, ratio {b['ratio']:.2f}"
    )
    results["databases"] = write_databases(factors)
    worst = 0.0
    for size, info in results["databases"].items():
        latency = search_latency(Path(info["path"]), args.searches)
        info["search_ms"] = latency
        worst = max(worst, *latency.values()) if size == f"x{max(factors, default=1)}" else worst
        print(
            f"{size}: {info['tasks']} tasks, {info['clauses']} clauses; written in {info['write_s']:.2f} s, "
            f"{info['bytes'] / 1e6:.1f} MB; search (SQL, median ms): "
            + ", ".join(f"{k} {v:.2f}" for k, v in latency.items())
        )
        if args.http:
            info["http_ms"] = http_latency(Path(info["path"]), args.searches)
            print(
                f"{size}: search through Datasette (median ms): "
                + ", ".join(f"{k} {v:.1f}" for k, v in info["http_ms"].items())
            )
    results["target_ms"] = TARGET_MS
    results["worst_ms_at_largest"] = worst
    (OUT / "bench_database.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    verdict = "within" if worst < TARGET_MS else "OVER"
    print(f"slowest search at the largest size: {worst:.2f} ms ({verdict} the {TARGET_MS:.0f} ms target)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
