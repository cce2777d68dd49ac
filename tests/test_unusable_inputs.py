"""Unusable input and a hostile environment: exit code 2 and one sentence naming the file, never a traceback.

A full ``TMPDIR`` or a file size limit while the database is written, a CHANGELOG that is not
UTF-8, a curated file with bytes that are not UTF-8, nested too deeply, or with a 200,000-character
field.
"""

from __future__ import annotations

import json
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FROZEN_SOURCES
from cqpolicy.cli import main

HERE = Path(__file__).resolve().parent
RELEASED = HERE / "fixtures" / "released" / "1.2.0"
AMENDED = HERE / "fixtures" / "amended" / "amended-2023.txt"


def _one_sentence(stderr: str) -> None:
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr


def test_a_file_size_limit_while_the_database_is_written(tmp_path: Path) -> None:
    """``ulimit -f`` (RLIMIT_FSIZE) below the database's size, with SIGXFSZ ignored as a shell may."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))  # the CSVs fit, the database not

    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cqpolicy.cli",
            "build",
            "--out",
            str(out),
            "--sources-dir",
            str(RELEASED / "sources"),
        ],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    _one_sentence(done.stderr)
    assert "the SQLite copy of the package could not be written there" in done.stderr
    assert "ulimit -f" in done.stderr
    assert not (out / "data").exists()


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(RELEASED / "sources", target)
    return target


def _build(sources: Path, tmp_path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["build", "--out", str(tmp_path / "out"), "--sources-dir", str(sources)]
    )
    return result.exit_code, result.stderr


def test_a_register_with_bytes_that_are_not_utf8(sources: Path, tmp_path: Path) -> None:
    register = sources / "agencies.csv"
    lines = register.read_bytes().split(b"\n")
    lines[2] = lines[2].replace("市".encode(), "市".encode("gbk"), 1)
    register.write_bytes(b"\n".join(lines))
    code, stderr = _build(sources, tmp_path)
    assert code == 2
    assert (
        stderr == f"error: {register}, line 3: is not UTF-8 (byte 0xca cannot be decoded); save it as UTF-8\n"
    )


def test_a_curated_field_of_200000_characters(sources: Path, tmp_path: Path) -> None:
    overrides = sources / "task_clause_overrides.csv"
    with overrides.open("a", encoding="utf-8") as handle:
        handle.write('1,1,"' + "理" * 200_000 + '"\n')
    code, stderr = _build(sources, tmp_path)
    assert code == 2
    line = overrides.read_text(encoding="utf-8").count("\n")
    assert stderr == (
        f"error: {overrides}, line {line}: a field is longer than 131072 characters, more than any curated "
        "value holds; check the quoting of that row\n"
    )


def test_a_deeply_nested_package_json(sources: Path, tmp_path: Path) -> None:
    meta = sources / "package.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    data["deep"] = "DEEP"
    meta.write_text(json.dumps(data).replace('"DEEP"', "[" * 100_000 + "]" * 100_000), encoding="utf-8")
    code, stderr = _build(sources, tmp_path)
    assert code == 2
    assert stderr == f"error: {meta}: nests deeper than 64 levels, more than a curated file does\n"


@pytest.mark.parametrize("fault", ["agencies-bytes", "package-json-depth"])
def test_a_download_with_broken_sources_is_reported_not_crashed(
    built_package: Path, tmp_path: Path, fault: str
) -> None:
    """validate of a download rebuilds from its sources/: a broken one is a finding naming the file."""
    package = tmp_path / "download"
    shutil.copytree(built_package, package)
    shutil.copytree(FROZEN_SOURCES, package / "sources")
    if fault == "agencies-bytes":
        (package / "sources" / "agencies.csv").write_bytes(b"agency_id,name_zh\n\xff\xfe\n")
        expected = "sources/agencies.csv, line 2: is not UTF-8"
    else:
        (package / "sources" / "package.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
        expected = "sources/package.json nests too deeply to be read"
    result = CliRunner().invoke(main, ["validate", str(package), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    messages = [f["message"] for f in report["findings"] if f["check"].startswith("rebuild-")]
    assert len(messages) == 1 and expected in messages[0], messages


def test_release_refuses_a_changelog_that_is_not_utf8(built_package: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(built_package, root)
    shutil.copytree(FROZEN_SOURCES, root / "sources")
    changelog = root / "CHANGELOG.md"
    changelog.write_bytes("# Changelog\n\n## [Unreleased]\n\n- 修订\n".encode("gbk"))
    result = CliRunner().invoke(main, ["release", "--source", str(AMENDED), "--root", str(root)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {changelog}, line 5: is not UTF-8 (byte 0xd0 cannot be decoded); save it as UTF-8\n"
    )
