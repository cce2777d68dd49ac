"""Kill ``cqpolicy build`` and ``cqpolicy release`` with SIGKILL at every rename, using strace.

For N = 1, 2, ... this runs the command under
``strace -f -e inject=rename,renameat,renameat2:signal=SIGKILL:when=N`` on a fresh copy of the
repository's package, then runs ``cqpolicy recover`` (what the next writer does first; readers
such as ``validate`` never recover)
and checks that every file is exactly as before the command or exactly as after a run that was
not killed. It stops at the first N at which the command is no longer killed (all rename points
covered). Prints one line per N and a summary; exits 1 if any tree was mixed, 2 when strace is
missing (never skipped silently).

Usage: .venv/bin/python scripts/crash_test.py [build|release ...]

The same property is tested in ``make test`` without strace (tests/test_atomic.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AMENDED = ROOT / "tests" / "fixtures" / "amended" / "amended-2023.txt"
CQPOLICY = [sys.executable, "-m", "cqpolicy.cli"]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def make_repo(target: Path) -> Path:
    subprocess.run([*CQPOLICY, "build", "--out", str(target)], check=True, capture_output=True)
    shutil.copytree(ROOT / "sources", target / "sources")
    for name in ("CHANGELOG.md", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "docs" / "report", target / "docs" / "report")
    return target


def command(kind: str, repo: Path) -> list[str]:
    if kind == "build":
        return [
            *CQPOLICY,
            "build",
            "--source",
            str(AMENDED),
            "--sources-dir",
            str(ROOT / "sources"),
            "--out",
            str(repo),
        ]
    return [*CQPOLICY, "release", "--source", str(AMENDED), "--date", "2026-12-01", "--root", str(repo)]


def run(kind: str, work: Path) -> tuple[int, int]:
    template = make_repo(work / f"{kind}-template")
    old = snapshot(template)
    finished = work / f"{kind}-finished"
    shutil.copytree(template, finished)
    subprocess.run(command(kind, finished), check=True, capture_output=True)
    new = snapshot(finished)
    mixed = 0
    n = 0
    while True:
        n += 1
        repo = work / f"{kind}-{n}"
        shutil.copytree(template, repo)
        inject = f"inject=rename,renameat,renameat2:signal=SIGKILL:when={n}"
        done = subprocess.run(
            ["strace", "-f", "-qq", "-o", os.devnull, "-e", inject, *command(kind, repo)],
            capture_output=True,
            text=True,
        )
        if done.returncode == 0:
            state = "new" if snapshot(repo) == new else "MIXED"
            print(f"{kind} N={n}: not killed (all rename points passed), tree {state}")
            mixed += state == "MIXED"
            shutil.rmtree(repo)
            return n - 1, mixed
        check = subprocess.run([*CQPOLICY, "recover", str(repo)], capture_output=True, text=True)
        after = snapshot(repo)
        state = "old" if after == old else "new" if after == new else "MIXED"
        mixed += state == "MIXED"
        print(
            f"{kind} N={n}: killed (exit {done.returncode}); "
            f"next command exit {check.returncode}; tree {state}"
        )
        shutil.rmtree(repo)


def main(kinds: list[str]) -> int:
    if shutil.which("strace") is None:
        print(
            "strace is not installed: this check was NOT run (tests/test_atomic.py covers it without strace)"
        )
        return 2
    total_mixed = 0
    with tempfile.TemporaryDirectory(prefix="cqpolicy-crash-") as tmp:
        for kind in kinds or ["build", "release"]:
            points, mixed = run(kind, Path(tmp))
            print(f"{kind}: killed at {points} rename points, {mixed} mixed trees")
            total_mixed += mixed
    return 1 if total_mixed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
