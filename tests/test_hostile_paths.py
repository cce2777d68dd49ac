"""A resource path that is not a regular file (a FIFO would block every reader) is refused, with why.

Run in child processes with a timeout: before the fix ``validate`` hung on a FIFO forever.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ENTRIES = {
    "validate": ["-m", "cqpolicy.cli", "validate", "{pkg}"],
    "diff": ["-m", "cqpolicy.cli", "diff", "{pkg}", "{good}"],
    "report": ["-m", "cqpolicy.cli", "report", "{pkg}", "--out", "{tmp}/report"],
    "load": ["-c", "import sys, cqpolicy; from cqpolicy.errors import InputError\n"
             "try:\n    cqpolicy.load(sys.argv[1])\n"
             "except InputError as e:\n    sys.exit(f'error: {{e}}')", "{pkg}"],
}  # fmt: skip


def _fifo(path: Path) -> str:
    path.unlink()
    os.mkfifo(path)
    return "a FIFO (named pipe), which would block the reader"


def _directory(path: Path) -> str:
    path.unlink()
    path.mkdir()
    return "a directory"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("entry", sorted(ENTRIES))
@pytest.mark.parametrize("make", [_fifo, _directory], ids=["fifo", "directory"])
@pytest.mark.parametrize("resource", ["roles.csv", "roles.parquet"])
def test_resource_that_is_not_a_regular_file_is_refused(
    entry: str, make: object, resource: str, built_package: Path, tmp_path: Path
) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(built_package, pkg)
    kind = make(pkg / "data" / resource)  # type: ignore[operator]  # one of the two makers above
    args = [a.format(pkg=pkg, good=built_package, tmp=tmp_path) for a in ENTRIES[entry]]
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == (1 if entry == "load" else 2), done.stderr  # sys.exit(text) exits 1
    assert done.stderr == (
        f"error: {pkg}/datapackage.json: resource path 'data/{resource}' is {kind}, not a regular file; "
        "a package holds only regular files\n"
    )
