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
4. **Recover.** :func:`recover` runs when a writer takes the lock (``build``, ``release``,
   ``report``, ``pack``, ``cqpolicy recover``), never for a command that only reads: recovery
   writes, and a reader may be pointed at a directory it does not own. A journal left by a
   killed run is rolled forward (every entry whose new version is still staged is moved in; the
   moves are idempotent), so the tree is wholly new; without a journal the run died before its
   commit point, and its staging directories are simply deleted, so the tree is wholly old.
   A reader that finds a journal refuses (:func:`check_no_unfinished_write`) and says how to
   finish it. The journal is untrusted input: it must have exactly the shape
   :meth:`Transaction.commit` writes, within :data:`MAX_JOURNAL_BYTES` and the other bounds, and
   every path is resolved from directory descriptors without following a symbolic link, so a
   planted journal cannot move anything outside the directory.

Set ``CQPOLICY_TEST_KILL_AT_RENAME=N`` to have the process SIGKILL itself just before its N-th
rename here: the fault-injection tests use it where ``strace --inject`` is not available.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import stat
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


def _rename(source: Path, target: Path, *, fds: tuple[int, str, int, str] | None = None) -> None:
    """``os.replace``, with the fault-injection hooks.

    With ``fds`` (source directory descriptor, name, target directory descriptor, name) the
    rename is made relative to those descriptors; ``source`` and ``target`` only name it.
    """
    global _renames
    _renames += 1
    if before_rename is not None:
        before_rename(source, target)
    kill_at = os.environ.get(_KILL_ENV)
    if kill_at and kill_at.isdigit() and int(kill_at) == _renames:
        os.kill(os.getpid(), signal.SIGKILL)
    if fds is None:
        os.replace(source, target)
    else:
        os.replace(fds[1], fds[3], src_dir_fd=fds[0], dst_dir_fd=fds[2])


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

#: The lock descriptors this process holds, by resolved directory.
_held: dict[str, int] = {}


def _close_held_in_child() -> None:
    """In a forked child, close the inherited lock descriptors.

    ``flock`` belongs to the open file description, which a fork shares: a child that kept its copy
    (the validation worker a release forks) would hold the lock after the release was killed. The
    parent's descriptor still holds it; closing the child's copy only drops the child's claim.
    (The child runs this first thing after the fork; only if the parent is killed in the instant
    before the child is first scheduled does the child hold the lock, until it runs.)
    """
    for fd in _held.values():
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_in_child)


@contextlib.contextmanager
def directory_lock(directory: Path, command: str = "cqpolicy") -> Iterator[Path]:
    """Hold an exclusive lock on ``directory`` (created if needed) and recover it first.

    Re-entrant within one process (a release that writes its report holds the lock once). The
    descriptor is close-on-exec and closed in forked children, so only this process holds it.

    Raises:
        LockedError: another process holds the lock.
        InputError: what a killed run left cannot be recovered safely (:func:`recover`).
    """
    directory.mkdir(parents=True, exist_ok=True)
    key = str(directory.resolve())
    if key in _held:
        yield directory
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
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
        _held[key] = fd
        try:
            _recover_locked(directory, fd)
            yield directory
        finally:
            _held.pop(key, None)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


# --- recovery -------------------------------------------------------------------------------------

#: Bounds on a journal (it is read from a directory anyone may have written): its size, its
#: number of entries, the length of one entry and of one path component. The toolkit's own
#: journals hold about 10 entries of under 40 characters.
MAX_JOURNAL_BYTES = 1 << 20
MAX_JOURNAL_ENTRIES = 10_000
MAX_ENTRY_CHARS = 1024
MAX_COMPONENT_BYTES = 255
#: The staging directory a journal may name: one :class:`Transaction` made (``mkdtemp``'s suffix).
_STAGE_NAME = re.compile(r"\.cqpolicy-txn-[A-Za-z0-9_]{1,64}")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class UnfinishedWriteError(InputError):
    """A directory holds the journal of a killed write; reading it now would read a mixed tree."""


def has_unfinished_write(directory: Path) -> bool:
    """Whether ``directory`` holds a journal (a write killed after its commit point, or one under way)."""
    try:
        os.lstat(directory / JOURNAL)
    except OSError:
        return False
    return True


def check_no_unfinished_write(directory: Path) -> None:
    """Refuse to read a directory a killed (or running) write left half moved in.

    Readers (``validate``, ``diff``, ``report``'s input, ``load()``) never recover: recovery writes,
    and a reader may be pointed at a directory it does not own.

    Raises:
        UnfinishedWriteError: the directory holds a journal (exit code 2).
    """
    if has_unfinished_write(directory):
        raise UnfinishedWriteError(
            f"holds {JOURNAL}, the journal of a cqpolicy command that was killed while moving its "
            "files in (or is moving them now), so its files are part old and part new; run "
            f"`cqpolicy recover {directory}` to finish it, then read it again",
            path=directory,
        )


def recover(directory: Path) -> bool:
    """Finish or discard what a killed command left in ``directory``; return whether there was any.

    Cheap when there is nothing to do (one ``listdir``). Takes the directory's lock, so it never
    touches another command's work in progress.

    Raises:
        LockedError: another command is writing into ``directory`` right now (exit code 2).
        InputError: the journal is not one this toolkit wrote, or names a path it may not move.
    """
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    if not any(name == JOURNAL or name.startswith(STAGING_PREFIXES) for name in names):
        return False
    with directory_lock(directory, "recovery"):
        pass
    return True


def _refuse(journal: Path, what: str) -> InputError:
    return InputError(
        f"{what}, so it is not a journal this toolkit wrote and nothing was moved; move it away and "
        "check the directory by hand",
        path=journal,
    )


def _read_journal(dir_fd: int, journal: Path) -> tuple[str, list[str]]:
    """The journal's staging directory and entries, checked to be what :meth:`Transaction.commit` writes."""
    try:
        fd = os.open(JOURNAL, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError as error:
        raise _refuse(journal, f"cannot be opened as a file ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(journal, "is not a regular file")
        if info.st_size > MAX_JOURNAL_BYTES:
            raise _refuse(journal, f"is larger than {MAX_JOURNAL_BYTES} bytes")
        with os.fdopen(os.dup(fd), "rb") as handle:
            raw = handle.read(MAX_JOURNAL_BYTES + 1)
    finally:
        os.close(fd)
    try:
        plan = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse(journal, "is not UTF-8 JSON") from None
    if not isinstance(plan, dict) or set(plan) != {"stage", "entries"}:
        raise _refuse(journal, "is not an object with exactly the keys 'stage' and 'entries'")
    stage, entries = plan["stage"], plan["entries"]
    if not isinstance(stage, str) or not _STAGE_NAME.fullmatch(stage):
        raise _refuse(journal, "names a staging directory not of the form .cqpolicy-txn-<letters and digits>")
    if not isinstance(entries, list) or len(entries) > MAX_JOURNAL_ENTRIES:
        raise _refuse(journal, f"'entries' is not a list of at most {MAX_JOURNAL_ENTRIES} paths")
    for entry in entries:
        problem = _entry_problem(entry)
        if problem:
            shown = repr(entry[:60] + "…" if isinstance(entry, str) and len(entry) > 60 else entry)
            raise _refuse(journal, f"has the entry {shown}, which {problem}")
    return stage, entries


def _entry_problem(entry: object) -> str | None:
    """Why ``entry`` is not a relative path inside the directory, or ``None``."""
    if not isinstance(entry, str):
        return "is not a string"
    if len(entry) > MAX_ENTRY_CHARS:
        return f"is longer than {MAX_ENTRY_CHARS} characters"
    if "\x00" in entry or "\\" in entry:
        return "holds a NUL or a backslash"
    if entry.startswith("/"):
        return "is an absolute path"
    parts = entry.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "has an empty, '.' or '..' component"
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_COMPONENT_BYTES for part in parts):
        return f"has a component longer than {MAX_COMPONENT_BYTES} bytes"
    if parts[0] == JOURNAL or parts[0].startswith(STAGING_PREFIXES):
        return "names the journal or a staging directory"
    return None


def _lstat_at(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _walk(dir_fd: int, parts: list[str], shown: Path, *, create: bool) -> int | None:
    """A descriptor of the directory ``parts`` below ``dir_fd``, never through a link.

    Returns ``None`` when a component is missing and ``create`` is false.

    Raises:
        InputError: a component is a symbolic link or not a directory.
    """
    fd = os.dup(dir_fd)
    try:
        for index, part in enumerate(parts):
            info = _lstat_at(fd, part)
            if info is None:
                if not create:
                    os.close(fd)
                    return None
                os.mkdir(part, 0o755, dir_fd=fd)
            elif not stat.S_ISDIR(info.st_mode):
                kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a directory"
                where = shown.joinpath(*parts[: index + 1])
                raise InputError(
                    f"is {kind}; recovery never follows a path out of the directory it recovers: move "
                    f"{JOURNAL} away and check the directory by hand",
                    path=where,
                )
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as error:
                raise InputError(
                    f"cannot be entered without following a link ({error.strerror}): move {JOURNAL} "
                    "away and check the directory by hand",
                    path=shown.joinpath(*parts[: index + 1]),
                ) from None
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise


def _recover_locked(directory: Path, dir_fd: int) -> None:
    journal = directory / JOURNAL
    if _lstat_at(dir_fd, JOURNAL) is not None:
        stage, entries = _read_journal(dir_fd, journal)
        _roll_forward(directory, dir_fd, stage, entries, journal=journal)
        os.unlink(JOURNAL, dir_fd=dir_fd)
        os.fsync(dir_fd)
    for name in os.listdir(dir_fd):
        info = _lstat_at(dir_fd, name) if name.startswith(STAGING_PREFIXES) else None
        if info is not None and stat.S_ISDIR(info.st_mode):
            shutil.rmtree(name, ignore_errors=True, dir_fd=dir_fd)  # fd-based: never follows a link


def _roll_forward(
    directory: Path, dir_fd: int, stage: str, entries: list[str], *, journal: Path | None = None
) -> None:
    """Move every entry whose new version is still staged into place; idempotent.

    Every path is resolved component by component from descriptors, never through a symbolic
    link: a journal or staging directory someone else wrote cannot move files outside
    ``directory``. Every entry is checked before the first move.

    Raises:
        InputError: the staging directory or a component of an entry is a link or not a directory.
    """
    stage_path = directory / stage
    info = _lstat_at(dir_fd, stage)
    if info is None:
        if journal is not None:
            raise _refuse(journal, f"names the staging directory {stage}, which does not exist")
        raise FileNotFoundError(errno.ENOENT, "staging directory missing", str(stage_path))
    stage_fd = _walk(dir_fd, [stage], directory, create=False)
    assert stage_fd is not None  # checked above; a race would have raised
    try:
        plan = [entry.split("/") for entry in entries]
        for parts in plan:  # check everything before moving anything
            for base, shown in ((stage_fd, stage_path), (dir_fd, directory)):
                fd = _walk(
                    base, ["new", *parts[:-1]] if base == stage_fd else parts[:-1], shown, create=False
                )
                if fd is not None:
                    os.close(fd)
            new_fd = _walk(stage_fd, ["new", *parts[:-1]], stage_path, create=False)
            if new_fd is not None:
                try:
                    leaf = _lstat_at(new_fd, parts[-1])
                finally:
                    os.close(new_fd)
                if leaf is not None and stat.S_ISLNK(leaf.st_mode):
                    raise InputError(
                        "is a symbolic link; this toolkit never stages links, so nothing was moved: "
                        "check the directory by hand",
                        path=stage_path.joinpath("new", *parts),
                    )
        for parts in plan:
            _move_in(directory, dir_fd, stage_path, stage_fd, parts)
        os.fsync(dir_fd)
    finally:
        os.close(stage_fd)


def _move_in(directory: Path, dir_fd: int, stage_path: Path, stage_fd: int, parts: list[str]) -> None:
    name = parts[-1]
    new_fd = _walk(stage_fd, ["new", *parts[:-1]], stage_path, create=False)
    if new_fd is None:
        return  # already moved in (with its parent)
    try:
        if _lstat_at(new_fd, name) is None:
            return  # already moved in
        target_fd = _walk(dir_fd, parts[:-1], directory, create=True)
        assert target_fd is not None  # create=True never gives None
        try:
            if _lstat_at(target_fd, name) is not None:
                old_fd = _walk(stage_fd, ["old", *parts[:-1]], stage_path, create=True)
                assert old_fd is not None
                try:
                    _rename(
                        directory.joinpath(*parts),
                        stage_path.joinpath("old", *parts),
                        fds=(target_fd, name, old_fd, name),
                    )
                finally:
                    os.close(old_fd)
            _rename(
                stage_path.joinpath("new", *parts),
                directory.joinpath(*parts),
                fds=(new_fd, name, target_fd, name),
            )
        finally:
            os.close(target_fd)
    finally:
        os.close(new_fd)


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
        root_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(root_fd)
            _roll_forward(self.root, root_fd, self.stage.name, entries)
            os.unlink(JOURNAL, dir_fd=root_fd)
            os.fsync(root_fd)
        finally:
            os.close(root_fd)
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
