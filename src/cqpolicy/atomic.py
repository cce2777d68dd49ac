"""Replace files in a directory all or nothing, even under SIGKILL: a lock, a journal, recovery.

Everything that writes into a directory (build, release, report, pack) goes through this
module, the way SQLite and Git do it:

1. **Lock.** :func:`directory_lock` takes an exclusive ``fcntl.flock`` on the directory itself
   for the whole command. A second command writing into the same directory is refused at once
   with :class:`LockedError` (exit code 2) instead of waiting: a release that waited would run
   against the package the first one just released and bump it again, stacking two releases
   nobody reviewed; refusing lets the person look first. The kernel drops the lock when the
   process dies, so a killed run never leaves a stale lock.
2. **Stage.** A :class:`Transaction` gives a staging directory ``.cqpolicy-txn-*`` beside the
   files it replaces (same file system, so every move is a rename). New files are written
   there, under ``new/<relative path>``.
3. **Journal, then move.** :meth:`Transaction.commit` fsyncs the staged files, then writes the
   journal ``.cqpolicy-journal.json`` (the list of planned moves) and fsyncs it: that is the
   commit point. Only then does it move each old entry aside (``old/<relative path>``) and the
   new one in, and finally deletes the journal and the staging directory.
4. **Recover.** :func:`recover` runs at the start of every ``cqpolicy`` command and of every
   library function that writes. A journal left by a killed run is rolled forward (every entry
   whose new version is still staged is moved in; the moves are idempotent), so the tree is
   wholly new; without a journal the run died before its commit point, and its staging
   directories are simply deleted, so the tree is wholly old.

Set ``CQPOLICY_TEST_KILL_AT_RENAME=N`` to have the process SIGKILL itself just before its N-th
rename here: the fault-injection tests use it where ``strace --inject`` is not available.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from cqpolicy.errors import InputError

JOURNAL = ".cqpolicy-journal.json"
#: Prefixes of the staging directories this toolkit creates inside a directory it writes.
STAGING_PREFIXES = (".cqpolicy-txn-", ".cqpolicy-build-", ".cqpolicy-old-", ".cqpolicy-release-")
_KILL_ENV = "CQPOLICY_TEST_KILL_AT_RENAME"
_renames = 0


class LockedError(InputError):
    """Another ``cqpolicy`` command is writing into the same directory: exit code 2."""


#: Called with (source, target) just before every rename here; tests use it to capture the
#: directory exactly as a crash at that instant would leave it.
before_rename: Callable[[Path, Path], None] | None = None


def _rename(source: Path, target: Path) -> None:
    """``os.replace``, with the fault-injection hooks."""
    global _renames
    _renames += 1
    if before_rename is not None:
        before_rename(source, target)
    kill_at = os.environ.get(_KILL_ENV)
    if kill_at and kill_at.isdigit() and int(kill_at) == _renames:
        os.kill(os.getpid(), signal.SIGKILL)
    os.replace(source, target)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    """fsync every file and directory under ``path`` (so the journal never promises lost bytes)."""
    if path.is_dir() and not path.is_symlink():
        for child in path.iterdir():
            _fsync_tree(child)
    if not path.is_symlink():
        _fsync_path(path)


# --- lock -----------------------------------------------------------------------------------------

_held: set[str] = set()


@contextlib.contextmanager
def directory_lock(directory: Path, command: str = "cqpolicy") -> Iterator[Path]:
    """Hold an exclusive lock on ``directory`` (created if needed) and recover it first.

    Re-entrant within one process (a release that writes its report holds the lock once).

    Raises:
        LockedError: another process holds the lock.
    """
    directory.mkdir(parents=True, exist_ok=True)
    key = str(directory.resolve())
    if key in _held:
        yield directory
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise LockedError(
                f"another cqpolicy command is writing into this directory right now, so this {command} "
                "was refused to keep both results; run it again when the other one has finished",
                path=directory,
            ) from None
        _held.add(key)
        try:
            _recover_locked(directory)
            yield directory
        finally:
            _held.discard(key)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


# --- recovery -------------------------------------------------------------------------------------


def recover(directory: Path) -> bool:
    """Finish or discard what a killed command left in ``directory``; return whether there was any.

    Cheap when there is nothing to do (one ``listdir``). Skips a directory another process is
    writing into right now (its leftovers are its own work in progress), and one it may not write.
    """
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    if not any(name == JOURNAL or name.startswith(STAGING_PREFIXES) for name in names):
        return False
    try:
        with directory_lock(directory, "recovery"):
            pass
    except (LockedError, PermissionError):
        return False
    return True


def _recover_locked(directory: Path) -> None:
    journal = directory / JOURNAL
    if journal.is_file():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
            stage = directory / str(plan["stage"])
            entries = [str(entry) for entry in plan["entries"]]
        except (ValueError, KeyError, TypeError):
            raise InputError(
                "is not a journal this toolkit wrote; move it away and check the directory by hand",
                path=journal,
            ) from None
        _roll_forward(directory, stage, entries)
        journal.unlink()
        _fsync_path(directory)
    for name in os.listdir(directory):
        if name.startswith(STAGING_PREFIXES) and (directory / name).is_dir():
            shutil.rmtree(directory / name, ignore_errors=True)


def _roll_forward(directory: Path, stage: Path, entries: list[str]) -> None:
    """Move every entry whose new version is still staged into place; idempotent."""
    for relative in entries:
        new = stage / "new" / relative
        if not new.exists() and not new.is_symlink():
            continue  # already moved in
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            old = stage / "old" / relative
            old.parent.mkdir(parents=True, exist_ok=True)
            _rename(target, old)
        _rename(new, target)
    _fsync_path(directory)


# --- transaction ----------------------------------------------------------------------------------


class Transaction:
    """New versions of files and directories under ``root``, moved in all at once by :meth:`commit`.

    Use inside :func:`directory_lock` on ``root``::

        with directory_lock(out, "build"), Transaction(out) as txn:
            txn.path("data/tasks.csv").write_bytes(...)
            txn.commit()
    """

    def __init__(self, root: Path):
        self.root = root
        self.stage: Path | None = None
        self.entries: list[str] = []
        self.committed = False

    def __enter__(self) -> Transaction:
        self.root.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIXES[0], dir=self.root))
        (self.stage / "new").mkdir()
        return self

    def __exit__(self, *exc: object) -> None:
        # After the commit point the staging directory belongs to the journal: never delete it
        # here, so that recovery can still roll forward.
        if self.stage is not None and not (self.root / JOURNAL).exists():
            shutil.rmtree(self.stage, ignore_errors=True)

    @property
    def new(self) -> Path:
        """The staged tree (``new/``), mirroring ``root``."""
        assert self.stage is not None, "use Transaction as a context manager"  # programming error
        return self.stage / "new"

    def path(self, relative: str) -> Path:
        """Where to write the new version of ``relative`` (its parent directories are created)."""
        self.include(relative)
        return self.file(relative)

    def file(self, relative: str) -> Path:
        """Where to write a file inside an entry :meth:`include` names (parents created)."""
        target = self.new / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def include(self, *entries: str) -> None:
        """Replace these entries (files or whole directories) of ``root`` on commit."""
        for entry in entries:
            self._add(entry)

    def adopt(self, relative: str, source: Path) -> None:
        """Move ``source`` (on the same file system) in as the new version of ``relative``."""
        _rename(source, self.path(relative))

    def _add(self, relative: str) -> None:
        top = relative.split("/")
        if ".." in top or relative.startswith("/") or not relative:
            raise ValueError(f"not a relative path inside the directory: {relative!r}")
        if relative not in self.entries:
            self.entries.append(relative)

    def commit(self) -> None:
        """Write the journal (the commit point), move everything in, then forget the journal."""
        assert self.stage is not None, "use Transaction as a context manager"  # programming error
        entries = [entry for entry in self.entries if (self.new / entry).exists()]
        _fsync_tree(self.new)
        journal = self.root / JOURNAL
        pending = self.stage / "journal.json"
        pending.write_text(
            json.dumps({"stage": self.stage.name, "entries": entries}, ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
        _fsync_path(pending)
        _rename(pending, journal)
        _fsync_path(self.root)
        _roll_forward(self.root, self.stage, entries)
        journal.unlink()
        _fsync_path(self.root)
        shutil.rmtree(self.stage, ignore_errors=True)
        self.committed = True


# --- the shapes callers need ----------------------------------------------------------------------


@contextlib.contextmanager
def staging_directory(out: Path, command: str = "build") -> Iterator[Path]:
    """Lock ``out`` and give a staging directory whose contents :func:`commit_package` moves in."""
    with directory_lock(out, command), Transaction(out) as txn:
        yield txn.new


def commit_package(stage: Path, out: Path, entries: tuple[str, ...] = ("data", "datapackage.json")) -> None:
    """Move ``entries`` from ``stage`` (a :func:`staging_directory`) into ``out`` in one transaction."""
    txn_dir = stage.parent
    txn = Transaction(out)
    txn.stage = txn_dir
    txn.include(*entries)
    txn.commit()
