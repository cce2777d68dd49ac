"""Writes are transactions: killed at any rename, a build or release leaves the tree wholly old or new.

Two ways to crash a run at every rename point:

* in process, :data:`cqpolicy.atomic.before_rename` copies the repository exactly as it is just
  before each rename (what SIGKILL at that instant leaves on disk), then the copy is recovered;
* in a child process, ``CQPOLICY_TEST_KILL_AT_RENAME=N`` makes it SIGKILL itself before its N-th
  rename, and the next ``cqpolicy`` command recovers.

``scripts/crash_test.py`` does the same with ``strace --inject`` (run by hand; it needs strace).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FROZEN_SOURCES, snapshot
from cqpolicy import atomic
from cqpolicy.cli import main
from cqpolicy.publish.release import release_package

HERE = Path(__file__).resolve().parent
AMENDED = HERE / "fixtures" / "amended" / "amended-2023.txt"


def _valid(_package: Path) -> tuple[bool, str]:
    return True, "valid (validation stubbed in this test)"


def test_release_crashed_at_every_rename_is_wholly_old_or_wholly_new(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = snapshot(repo)
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    points: list[str] = []

    def capture(source: Path, target: Path) -> None:
        points.append(f"{source.name} -> {target}")
        shutil.copytree(repo, crashes / str(len(points)), symlinks=True)

    monkeypatch.setattr(atomic, "before_rename", capture)
    release_package(AMENDED, repo, release_date="2026-12-01", validate=_valid)
    monkeypatch.setattr(atomic, "before_rename", None)
    new = snapshot(repo)
    assert new != old
    # Every rename of the release's own commit into the repository is a crash point (the
    # builds into its work directory rename too, and are crash points before the commit).
    targets = [point.split(" -> ")[1] for point in points]
    committed = [t for t in targets if t.startswith(f"{repo}/") and "/.cqpolicy-" not in t]
    assert any(p.endswith("/CHANGELOG.md") for p in committed)
    assert any(p.endswith("/sources/package.json") for p in committed)
    assert any(p.endswith("/docs/report/README.md") for p in committed)
    outcomes = []
    for n in range(1, len(points) + 1):
        crashed = crashes / str(n)
        atomic.recover(crashed)
        after = snapshot(crashed)
        assert after in (old, new), f"crash before rename {n} ({points[n - 1]}) left a mixed tree"
        outcomes.append("new" if after == new else "old")
    # Before the journal the release is undone, after it the release is finished.
    assert outcomes == sorted(outcomes, key=lambda outcome: outcome == "new")
    assert "old" in outcomes and "new" in outcomes


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cqpolicy.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_build_killed_at_every_rename_is_recovered_by_the_next_writer(repo: Path, tmp_path: Path) -> None:
    """A real SIGKILL before each rename of ``cqpolicy build``; ``cqpolicy recover`` (what every
    writer does first) finishes or discards it; a reader in between refuses a half-moved tree."""
    old = snapshot(repo)
    finished = tmp_path / "finished"
    shutil.copytree(repo, finished)
    build = (
        "build",
        "--source",
        str(AMENDED),
        "--sources-dir",
        str(FROZEN_SOURCES),
        "--allow-untranslated",
    )
    assert _cli(*build, "--out", str(finished)).returncode == 0
    new = snapshot(finished)
    kills = 0
    for n in range(1, 50):
        crashed = tmp_path / f"killed-{n}"
        shutil.copytree(repo, crashed)
        run = _cli(*build, "--out", str(crashed), env={"CQPOLICY_TEST_KILL_AT_RENAME": str(n)})
        if run.returncode == 0:
            assert snapshot(crashed) == new
            break
        assert run.returncode == -signal.SIGKILL
        kills += 1
        if atomic.has_unfinished_write(crashed):
            # a reader never recovers (recovery writes): it refuses the half-moved tree and says how
            before = snapshot(crashed)
            result = CliRunner().invoke(main, ["validate", str(crashed), "--format", "json"])
            assert result.exit_code == 2, result.output
            assert f"run `cqpolicy recover {crashed}` to finish it" in result.stderr
            assert snapshot(crashed) == before
        elif n == 1:
            # killed before its commit point: the tree is wholly old, and a reader reads it as it is
            result = CliRunner().invoke(main, ["validate", str(crashed), "--format", "json"])
            assert result.exit_code == 0, result.output
        result = CliRunner().invoke(main, ["recover", str(crashed)])
        assert result.exit_code == 0, result.output
        assert snapshot(crashed) in (old, new), f"killed before rename {n}: mixed tree"
    assert kills >= 5  # journal, two entries aside, two entries in


def test_recovery_deletes_staging_left_by_a_killed_run(tmp_path: Path) -> None:
    for prefix in atomic.STAGING_PREFIXES:
        (tmp_path / f"{prefix}abc" / "data").mkdir(parents=True)
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    assert atomic.recover(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    assert not atomic.recover(tmp_path)


def test_recovery_leaves_a_directory_another_command_is_writing(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        staging = tmp_path / ".cqpolicy-txn-busy"  # the other command's work in progress
        staging.mkdir()
        with pytest.raises(atomic.LockedError, match="this recovery was refused"):
            atomic.recover(tmp_path)  # not skipped silently: it says so
        assert staging.is_dir()
    finally:
        child.kill()
        child.wait()


_HOLD_LOCK = """
import sys, time
from pathlib import Path
from cqpolicy.atomic import Transaction, directory_lock
with directory_lock(Path(sys.argv[1]), "release"):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_release_while_another_holds_the_lock_is_refused(repo: Path) -> None:
    before = snapshot(repo)
    child = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(repo)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        result = CliRunner().invoke(main, ["release", "--source", str(AMENDED), "--root", str(repo)])
    finally:
        child.kill()
        child.wait()
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {repo}: another cqpolicy command is writing into this directory right now, so this "
        "release was refused to keep both results; run it again when the other one has finished\n"
    )
    assert snapshot(repo) == before


def test_two_releases_at_once_lose_nothing(repo: Path, tmp_path: Path) -> None:
    """Both started together: one releases, the other is refused (or, if it came second, finds
    nothing to release); the repository holds exactly one release and no stray files."""
    alone = tmp_path / "alone"
    shutil.copytree(repo, alone)
    args = ["release", "--source", str(AMENDED), "--date", "2026-12-01"]
    assert _cli(*args, "--root", str(alone)).returncode == 0
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "cqpolicy.cli", *args, "--root", str(repo)],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = sorted((run.wait(), run.stderr.read() if run.stderr else "") for run in runs)
    assert [code for code, _ in outcomes] in ([0, 0], [0, 2])
    released = [err for _, err in outcomes if "released minor bump: 1.2.0 → 1.3.0" in err]
    assert len(released) == 1
    other = next(err for _, err in outcomes if err is not released[0])
    assert "writing into this directory right now" in other or "nothing to release" in other
    assert snapshot(repo) == snapshot(alone)


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("build", ["build", "--sources-dir", str(FROZEN_SOURCES), "--out", "{dir}"]),
        ("report", ["report", "{pkg}", "--out", "{dir}"]),
        ("pack", ["pack", "{pkg}", "--dist", "{dir}", "--allow-unreleased"]),
    ],
)
def test_every_writer_is_refused_while_another_writes_into_the_directory(
    command: str, args: list[str], built_package: Path, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("untouched\n", encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        argv = [a.format(dir=target, pkg=built_package) for a in args]
        result = CliRunner().invoke(main, argv)
    finally:
        child.kill()
        child.wait()
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {target}: another cqpolicy command is writing into this directory right now, so this "
        f"{command} was refused to keep both results; run it again when the other one has finished\n"
    )
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]
