"""One lock per directory for every writer, released the instant its holder dies.

* ``report`` takes the same locks as ``release``: a report during a release is refused, never
  left at the old version beside a new package;
* a forked child (the validation worker of a release) does not keep its parent's lock, so a
  killed release frees the repository at once, and its leftovers are recovered by the next writer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import snapshot
from cqpolicy import atomic
from cqpolicy.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AMENDED = HERE / "fixtures" / "amended" / "amended-2023.txt"

_HOLD_LOCK = """
import sys, time
from pathlib import Path
from cqpolicy.atomic import directory_lock
with directory_lock(Path(sys.argv[1]), "release"):
    print("locked", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("package", ["repo", "elsewhere"])
def test_a_report_into_a_package_being_released_is_refused(
    repo: Path, built_package: Path, package: str
) -> None:
    before = snapshot(repo)
    child = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(repo)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        source = repo if package == "repo" else built_package
        result = CliRunner().invoke(main, ["report", str(source), "--out", str(repo / "docs" / "report")])
    finally:
        child.kill()
        child.wait()
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {repo}: another cqpolicy command is writing into this directory right now, so this "
        "report was refused to keep both results; run it again when the other one has finished\n"
    )
    assert snapshot(repo) == before


_FORK_THEN_DIE = """
import multiprocessing, os, signal, sys, time
from pathlib import Path
from cqpolicy.atomic import directory_lock

def worker(running):
    running.set()  # the worker runs (as the validation worker does when a release is killed)
    time.sleep(60)

with directory_lock(Path(sys.argv[1]), "release"):
    context = multiprocessing.get_context("fork")
    running = context.Event()
    child = context.Process(target=worker, args=(running,))
    child.start()
    running.wait(30)
    print(child.pid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_forked_child_does_not_keep_the_lock(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _FORK_THEN_DIE, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    worker = int(holder.stdout.readline())
    try:
        assert holder.wait(timeout=30) == -signal.SIGKILL
        os.kill(worker, 0)  # the worker is still alive ...
        with atomic.directory_lock(tmp_path, "build"):  # ... and yet the lock is free at once
            pass
    finally:
        os.kill(worker, signal.SIGKILL)


def test_a_release_killed_mid_way_frees_the_repository_at_once(repo: Path) -> None:
    """SIGKILL once the release has built its new package (it validates it next); the next writer
    gets the lock at once (it is refused, not kept waiting, if anything still held it), deletes the
    release's work directory and finds the repository wholly old."""
    old = snapshot(repo)
    release = subprocess.Popen(
        [sys.executable, "-m", "cqpolicy.cli", "release", "--source", str(AMENDED), "--root", str(repo)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        built = False
        while not built and release.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
            built = any(
                (work / "package" / "datapackage.json").is_file() for work in repo.glob(".cqpolicy-release-*")
            )
        assert built, "the release never reached its validation"
    finally:
        release.send_signal(signal.SIGKILL)
        release.wait()
    assert release.returncode == -signal.SIGKILL
    assert any(p.name.startswith(".cqpolicy-release-") for p in repo.iterdir())
    result = CliRunner().invoke(main, ["recover", str(repo)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{repo}: recovered\n"
    assert not [p for p in repo.iterdir() if p.name.startswith(atomic.STAGING_PREFIXES)]
    assert snapshot(repo) == old
