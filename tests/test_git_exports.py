"""Git revisions as diff inputs are bounded like zips: sizes and kinds checked before export."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cqpolicy.cli import main
from cqpolicy.diff import revisions


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, built_package: Path) -> Path:
    """A repository whose only commit holds the package."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    shutil.copytree(built_package / "data", repo / "data")
    shutil.copy2(built_package / "datapackage.json", repo / "datapackage.json")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "package")
    return repo


def _diff(repo: Path, old: str, new: str = ".") -> tuple[int, str]:
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        result = CliRunner().invoke(main, ["diff", old, new])
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    "target",
    ["../../../../etc/hostname", "tasks.csv"],
    ids=["leading-out", "inside"],
)
def test_resource_that_is_a_symlink_in_the_revision_is_refused(repo: Path, target: str) -> None:
    (repo / "data" / "roles.csv").unlink()
    (repo / "data" / "roles.csv").symlink_to(target)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "symlink")
    code, stderr = _diff(repo, "HEAD", "HEAD~1")
    assert code == 2
    assert stderr.startswith("error: data/roles.csv at commit ")
    assert stderr.endswith("is a symbolic link, not a regular file; a package holds only regular files\n")


def test_resource_that_is_a_directory_in_the_revision_is_refused(repo: Path) -> None:
    (repo / "data" / "roles.csv").unlink()
    (repo / "data" / "roles.csv").mkdir()
    (repo / "data" / "roles.csv" / "x").write_text("x\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "directory")
    code, stderr = _diff(repo, "HEAD", "HEAD~1")
    assert code == 2
    assert "data/roles.csv at commit" in stderr and "is a directory, not a regular file" in stderr


@pytest.mark.parametrize("spec", ["HEAD:..", "HEAD:../x", "HEAD:/etc", "HEAD:a/../../b"])
def test_dir_of_rev_dir_must_stay_inside_the_repository(repo: Path, spec: str) -> None:
    code, stderr = _diff(repo, spec)
    assert code == 2
    assert "must be a relative path inside the repository, without '..'" in stderr
    assert stderr.count("\n") == 1


def test_revision_larger_than_the_zip_limit_is_refused_before_export(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    largest = max((repo / "data").iterdir(), key=lambda path: path.stat().st_size)
    size = largest.stat().st_size
    monkeypatch.setattr(revisions, "MAX_ZIP_BYTES", size - 1)
    exported: list[str] = []
    real_run = subprocess.run

    def spy(args: list[str], *rest: object, **kwargs: object) -> object:
        if "cat-file" in args and "blob" in args:
            exported.append(args[-1])
        return real_run(args, *rest, **kwargs)  # type: ignore[call-overload]  # same signature

    monkeypatch.setattr(revisions.subprocess, "run", spy)
    code, stderr = _diff(repo, "HEAD")
    assert code == 2
    assert (
        f"data/{largest.name} at commit" in stderr
        and f"is {size:,} bytes, more than the {size - 1:,}" in stderr
    )
    assert len(exported) == 1  # the descriptor only: no resource file was exported


def test_revision_in_total_larger_than_the_limit_is_refused(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    largest = max(p.stat().st_size for p in (repo / "data").iterdir())
    monkeypatch.setattr(revisions, "MAX_ZIP_BYTES", largest + 1)
    code, stderr = _diff(repo, "HEAD")
    assert code == 2
    assert "the package files at commit" in stderr and "nothing was exported" in stderr


def test_export_streams_every_file_byte_for_byte(repo: Path, tmp_path: Path) -> None:
    commit = _git(repo, "rev-parse", "HEAD")
    root = revisions.export_package(repo, commit, "", tmp_path / "out")
    for path in (repo / "data").iterdir():
        assert (root / "data" / path.name).read_bytes() == path.read_bytes()
