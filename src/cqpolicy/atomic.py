"""Replace files in a directory all at once: stage them beside it, then move them into place.

Shared by everything that writes into the repository (build, report, release), so that a
failed run leaves the previous files as they were.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def staging_directory(out: Path) -> Iterator[Path]:
    """A temporary directory beside ``out`` (same file system, so moves are renames), always removed."""
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".cqpolicy-build-", dir=out))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def commit_package(stage: Path, out: Path, entries: tuple[str, ...] = ("data", "datapackage.json")) -> None:
    """Move the staged entries into ``out``, replacing the old ones.

    Old entries are first renamed aside, then the new ones renamed in, then the
    old ones deleted; if a rename fails, what was moved is put back.
    """
    backup = Path(tempfile.mkdtemp(prefix=".cqpolicy-old-", dir=out))
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        for name in entries:
            if (out / name).exists():
                (backup / name).parent.mkdir(parents=True, exist_ok=True)
                os.replace(out / name, backup / name)
                moved_aside.append(name)
        for name in entries:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / name, out / name)
            moved_in.append(name)
    except OSError:
        for name in moved_in:
            os.replace(out / name, stage / name)
        for name in moved_aside:
            os.replace(backup / name, out / name)
        raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)
