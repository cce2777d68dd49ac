"""Turn what the user typed (``OLD``, ``NEW``) into a package directory to read.

An input is, in this order:

1. an existing path: a package directory, a ``datapackage.json`` or a ``.zip``
   (opened by :func:`cqpolicy.package.open_package`, which also checks every path), or a
   publication of the policy (a text, ``.html``, ``.docx`` or ``.pdf`` file), which is built
   with the repository's curated ``sources/`` into a temporary directory first;
2. a released version such as ``1.0.0`` (or ``v1.0.0``): the oldest commit of the
   current repository in which ``datapackage.json`` has that ``version``;
3. any git revision of the current repository: ``HEAD``, ``HEAD~3``, a commit id, a
   tag, a branch. ``REV:dir`` reads the package in ``dir`` of that revision instead of
   the repository root.

Git inputs are read with ``git ls-tree -l`` (sizes and kinds checked first, with the same
limits as for a zip) and ``git cat-file`` (each blob streamed into its file) into a temporary
directory, so the working tree and the index are never touched.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from cqpolicy.diff.model import Side
from cqpolicy.errors import CqpolicyError, InputError
from cqpolicy.package import DESCRIPTOR, MAX_ZIP_BYTES, MAX_ZIP_MEMBERS, open_package, resolve_resource_path

_VERSION = re.compile(r"^v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.\-+]+)?)$")


@contextlib.contextmanager
def open_input(spec: str, *, cwd: Path | None = None) -> Iterator[tuple[Path, Side]]:
    """Yield ``(package directory, side)`` for one diff input; temporary files are removed on exit.

    Args:
        spec: The input as typed: a path, a version, or a git revision (optionally ``REV:dir``).
        cwd: Where relative paths and the git repository are looked up (default: the current directory).

    Raises:
        InputError: the input is none of the above, or cannot be read (exit code 2).
    """
    base = cwd or Path.cwd()
    path = Path(spec) if Path(spec).is_absolute() else base / spec
    if spec and path.exists():
        if is_publication(path):
            with _built(path, base) as root:
                yield root, Side(source=spec, kind="publication")
            return
        kind = "directory" if path.is_dir() else ("descriptor" if path.name == DESCRIPTOR else "zip")
        with open_package(path) as root:
            yield root, Side(source=spec, kind=kind)
        return
    repo = git_toplevel(base)
    if repo is None:
        raise InputError(
            f"{spec!r} is not a package directory, a datapackage.json or a .zip, and {base} is not inside a "
            "git repository where it could be a revision; check the spelling"
        )
    revision, _, subdir = spec.partition(":")
    commit = resolve_revision(repo, revision, subdir)
    with tempfile.TemporaryDirectory(prefix="cqpolicy-rev-") as tmp:
        root = export_package(repo, commit, subdir, Path(tmp))
        yield root, Side(source=spec, kind="git", revision=commit)


def is_publication(path: Path) -> bool:
    """A file that is not a package (not a descriptor, not a package zip): a policy publication."""
    if not path.is_file() or path.name == DESCRIPTOR:
        return False
    with path.open("rb") as handle:
        head = handle.read(4)
    if head != b"PK\x03\x04":
        return True
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False  # the package reader says what is wrong with a damaged zip


@contextlib.contextmanager
def _built(path: Path, base: Path) -> Iterator[Path]:
    """Build a publication with the repository's curated inputs into a temporary directory."""
    from cqpolicy.build import build_package

    repo = git_toplevel(base) or base
    sources = repo / "sources"
    if not (sources / "package.json").is_file():
        raise InputError(
            "is a publication of the policy; building it for the diff needs the curated inputs in "
            f"sources/, which {repo} does not have: run the diff from the repository",
            path=path,
        )
    with tempfile.TemporaryDirectory(prefix="cqpolicy-pub-") as tmp:
        # A new publication is compared before anyone translates it: its new texts have no English yet.
        try:
            build_package(
                source=path, out=Path(tmp) / "package", sources_dir=sources, allow_untranslated=True
            )
        except CqpolicyError as error:
            if isinstance(error, InputError):
                raise
            # For diff, exit code 1 means "differences": a publication that cannot be built is
            # unusable input (2), whatever the build would have exited with.
            raise InputError(
                f"cannot be compared, because it does not build: {error.detail}",
                path=error.path or path,
                line=error.line,
                unit=error.unit,
            ) from None
        yield Path(tmp) / "package"


def run_git(repo: Path, *args: str, input_bytes: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run git in ``repo`` and return the finished process (its exit code is the caller's to read)."""
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args], input=input_bytes, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise InputError(
            "git is not installed, so git revisions cannot be read; give package paths"
        ) from None


def git_toplevel(path: Path) -> Path | None:
    """The top directory of the git work tree holding ``path``, or ``None`` outside one."""
    try:
        done = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--show-toplevel"], capture_output=True, check=False
        )
    except (FileNotFoundError, NotADirectoryError):
        return None
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode("utf-8").strip())


def resolve_revision(repo: Path, revision: str, subdir: str = "") -> str:
    """The full commit id that ``revision`` names: a version, or anything ``git rev-parse`` knows.

    Raises:
        InputError: no such revision (the message lists the versions found, for a version).
    """
    if not revision:
        raise InputError("an empty revision was given; name a commit, a tag or a version such as 1.0.0")
    match = _VERSION.match(revision)
    if match:
        commit = version_commit(repo, match.group(1), subdir)
        if commit is not None:
            return commit
    done = run_git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
    if done.returncode == 0:
        return done.stdout.decode("ascii").strip()
    if match:
        known = ", ".join(sorted(set(versions(repo, subdir).values()), key=version_order)) or "none"
        raise InputError(
            f"no commit of {repo} has {_descriptor_path(subdir)} with version {match.group(1)} "
            f"(versions found: {known}); check the version or give a commit"
        )
    raise InputError(
        f"{revision!r} is not a package directory, a datapackage.json, a .zip or a revision of the git "
        f"repository {repo}; check the spelling"
    )


def show_file(repo: Path, commit: str, path: str) -> bytes | None:
    """The bytes of ``path`` at ``commit``, or ``None`` when it has no such file."""
    done = run_git(repo, "show", f"{commit}:{path}")
    return done.stdout if done.returncode == 0 else None


def _descriptor_path(subdir: str) -> str:
    return str(PurePosixPath(subdir.strip("/")) / DESCRIPTOR) if subdir.strip("/") else DESCRIPTOR


def version_order(version: str) -> tuple[Any, ...]:
    """A sort key for version strings: ``1.10.0`` after ``1.9.0``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-+]", version))


def versions(repo: Path, subdir: str = "") -> dict[str, str]:
    """``{commit: version}`` of every commit that changed ``datapackage.json``, oldest first."""
    path = _descriptor_path(subdir)
    done = run_git(repo, "log", "--reverse", "--format=%H", "--", path)
    commits = done.stdout.decode("ascii").split() if done.returncode == 0 else []
    if not commits:
        return {}
    request = "".join(f"{commit}:{path}\n" for commit in commits).encode("utf-8")
    batch = run_git(repo, "cat-file", "--batch", input_bytes=request)
    out: dict[str, str] = {}
    data = batch.stdout
    position = 0
    for commit in commits:
        end = data.index(b"\n", position)
        header = data[position:end].split()
        position = end + 1
        if len(header) < 3 or header[1] != b"blob":  # "missing": the file was deleted in that commit
            continue
        size = int(header[2])
        blob = data[position : position + size]
        position += size + 1
        with contextlib.suppress(ValueError):
            descriptor = json.loads(blob.decode("utf-8"))
            if isinstance(descriptor, dict) and isinstance(descriptor.get("version"), str):
                out[commit] = descriptor["version"]
    return out


def version_commit(repo: Path, version: str, subdir: str = "") -> str | None:
    """The oldest commit in which ``datapackage.json`` got ``version``, or ``None``."""
    for commit, found in versions(repo, subdir).items():
        if found == version:
            return commit
    return None


def export_package(repo: Path, commit: str, subdir: str, target: Path) -> Path:
    """Write the package of ``commit`` (its descriptor and resource files) into ``target``.

    The same limits as for a zip apply, checked from ``git ls-tree -l`` before anything is
    written: at most :data:`~cqpolicy.package.MAX_ZIP_BYTES` in all and
    :data:`~cqpolicy.package.MAX_ZIP_MEMBERS` files, each a regular file (no symbolic link,
    submodule or directory). Each blob is streamed by ``git cat-file`` straight into its file,
    so memory stays small whatever the size.

    Returns:
        The package directory inside ``target``.

    Raises:
        InputError: ``dir`` leaves the repository, the commit has no descriptor there, it is
            not a valid descriptor, a resource path is unsafe, or the files are too large or
            not regular files (exit code 2).
    """
    from cqpolicy.package_shape import MAX_DESCRIPTOR_BYTES, ShapeError, check_shape, parse_descriptor

    prefix = _check_subdir(subdir)
    descriptor_path = _descriptor_path(prefix)
    entries = _tree_entries(repo, commit, [descriptor_path])
    if descriptor_path not in entries:
        raise InputError(
            f"commit {commit[:12]} has no {descriptor_path}; give a revision that holds a built package"
        )
    _check_entry(commit, descriptor_path, entries[descriptor_path], MAX_DESCRIPTOR_BYTES)
    done = run_git(repo, "cat-file", "blob", entries[descriptor_path][2])
    shown = f"{descriptor_path} at commit {commit[:12]}"
    try:
        descriptor = parse_descriptor(done.stdout, shown)
        check_shape(descriptor, shown)
    except ShapeError as error:
        raise InputError(error.detail, path=shown) from None
    root = target.joinpath(*PurePosixPath(prefix).parts) if prefix else target
    root.mkdir(parents=True, exist_ok=True)
    (root / DESCRIPTOR).write_bytes(done.stdout)
    wanted = []
    for resource in descriptor["resources"]:
        if isinstance(resource.get("path"), str):
            resolve_resource_path(root, resource["path"])  # refuses URLs, absolute paths, '..'
            wanted.append(str(PurePosixPath(prefix) / resource["path"]) if prefix else resource["path"])
    if not wanted:
        return root
    present = _tree_entries(repo, commit, wanted)
    if len(present) > MAX_ZIP_MEMBERS:
        raise InputError(
            f"commit {commit[:12]} names {len(present)} files for the package, more than {MAX_ZIP_MEMBERS}"
        )
    total = 0
    for name, entry in present.items():
        _check_entry(commit, name, entry, MAX_ZIP_BYTES)
        total += entry[3]
    if total > MAX_ZIP_BYTES:
        raise InputError(
            f"the package files at commit {commit[:12]} hold {total:,} bytes, more than the "
            f"{MAX_ZIP_BYTES:,} cqpolicy reads; nothing was exported"
        )
    for name, (_mode, _kind, blob, _size) in present.items():
        destination = target.joinpath(*PurePosixPath(name).parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with destination.open("wb") as handle:
            streamed = subprocess.run(
                ["git", "-C", str(repo), "cat-file", "blob", blob],
                stdout=handle,
                stderr=subprocess.PIPE,
                check=False,
            )
        if streamed.returncode != 0:
            message = streamed.stderr.decode("utf-8", "replace").strip()
            raise InputError(f"git cat-file of {name} at commit {commit[:12]} failed: {message}")
    return root


def _check_subdir(subdir: str) -> str:
    """``dir`` of ``REV:dir`` as a clean relative path, or refuse it."""
    prefix = subdir.strip("/")
    if not prefix:
        return ""
    parts = PurePosixPath(prefix).parts
    if subdir.startswith("/") or ".." in parts or "\\" in subdir or "\0" in subdir or subdir.startswith("-"):
        raise InputError(
            f"the directory {subdir!r} in REV:dir must be a relative path inside the repository, without '..'"
        )
    return str(PurePosixPath(*parts))


def _tree_entries(repo: Path, commit: str, paths: list[str]) -> dict[str, tuple[str, str, str, int]]:
    """``{path: (mode, type, object id, size)}`` from ``git ls-tree -l`` for the paths that exist."""
    listed = run_git(repo, "ls-tree", "-l", "-z", "--full-tree", commit, "--", *paths)
    entries: dict[str, tuple[str, str, str, int]] = {}
    for record in listed.stdout.decode("utf-8", "replace").split("\0"):
        if not record:
            continue
        meta, _, name = record.partition("\t")
        mode, kind, blob, size = meta.split()
        entries[name] = (mode, kind, blob, int(size) if size.isdigit() else 0)
    return entries


def _check_entry(commit: str, name: str, entry: tuple[str, str, str, int], limit: int) -> None:
    mode, kind, _blob, size = entry
    what = {"120000": "a symbolic link", "160000": "a submodule", "040000": "a directory"}.get(mode)
    if kind != "blob" or what is not None:
        raise InputError(
            f"{name} at commit {commit[:12]} is {what or 'not a file'}, not a regular file; a package "
            "holds only regular files"
        )
    if size > limit:
        raise InputError(
            f"{name} at commit {commit[:12]} is {size:,} bytes, more than the {limit:,} cqpolicy reads; "
            "nothing was exported"
        )
