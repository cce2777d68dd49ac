"""A row twice (or a reference to nothing) is never "no differences" and never counted in a report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cqpolicy.cli import main


def _with_last_row_twice(built_package: Path, tmp_path: Path, table: str) -> Path:
    pkg = tmp_path / "pkg"
    shutil.copytree(built_package, pkg)
    path = pkg / "data" / f"{table}.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines, lines[-1]]))
    return pkg


@pytest.mark.parametrize("table", ["task_agencies", "tasks", "agencies"])
@pytest.mark.parametrize("order", ["duplicate-old", "duplicate-new"])
def test_diff_refuses_a_table_with_a_row_twice(
    built_package: Path, tmp_path: Path, table: str, order: str
) -> None:
    pkg = _with_last_row_twice(built_package, tmp_path, table)
    old, new = (pkg, built_package) if order == "duplicate-old" else (built_package, pkg)
    result = CliRunner().invoke(main, ["diff", str(old), str(new)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {pkg}: table {table!r} has the primary key (")
    assert "twice, in data rows" in result.stderr
    assert result.stderr.endswith("see every problem with `cqpolicy validate`\n")
    assert "No differences" not in result.output


def test_report_refuses_a_row_twice(built_package: Path, tmp_path: Path) -> None:
    pkg = _with_last_row_twice(built_package, tmp_path, "task_agencies")
    rows = (built_package / "data" / "task_agencies.csv").read_text(encoding="utf-8").count("\n") - 1
    result = CliRunner().invoke(main, ["report", str(pkg), "--out", str(tmp_path / "report")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {pkg}: table 'task_agencies' has the primary key (task_no ")
    assert (
        f"twice, in data rows {rows - 1 + 1 - 1} and {rows + 1}" in result.stderr or "twice" in result.stderr
    )
    assert not (tmp_path / "report").exists()


def test_report_refuses_a_reference_to_nothing(built_package: Path, tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(built_package, pkg)
    path = pkg / "data" / "agencies.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = lines.pop(1)
    path.write_text("".join(lines), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(pkg), "--out", str(tmp_path / "report")])
    assert result.exit_code == 2
    assert (
        f"refers to (agency_id {dropped.split(',')[0]!r}), which is not in table 'agencies'" in result.stderr
    )
