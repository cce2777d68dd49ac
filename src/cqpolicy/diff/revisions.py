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

Git inputs are read with ``git show``, ``git ls-tree`` and ``git archive`` into a
temporary directory, so the working tree and the index are never touched.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from cqpolicy.diff.model import Side
from cqpolicy.errors import InputError
from cqpolicy.package import DESCRIPTOR, open_package, resolve_resource_path

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
        build_package(source=path, out=Path(tmp) / "package", sources_dir=sources, allow_untranslated=True)
        yield Path(tmp) / "package"


def _git(repo: Path, *args: str, input_bytes: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
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
    done = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
    if done.returncode == 0:
        return done.stdout.decode("ascii").strip()
    if match:
        known = ", ".join(sorted(set(versions(repo, subdir).values()), key=_version_order)) or "none"
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
    done = _git(repo, "show", f"{commit}:{path}")
    return done.stdout if done.returncode == 0 else None


def _descriptor_path(subdir: str) -> str:
    return str(PurePosixPath(subdir.strip("/")) / DESCRIPTOR) if subdir.strip("/") else DESCRIPTOR


def _version_order(version: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-+]", version))


def versions(repo: Path, subdir: str = "") -> dict[str, str]:
    """``{commit: version}`` of every commit that changed ``datapackage.json``, oldest first."""
    path = _descriptor_path(subdir)
    done = _git(repo, "log", "--reverse", "--format=%H", "--", path)
    commits = done.stdout.decode("ascii").split() if done.returncode == 0 else []
    if not commits:
        return {}
    request = "".join(f"{commit}:{path}\n" for commit in commits).encode("utf-8")
    batch = _git(repo, "cat-file", "--batch", input_bytes=request)
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

    Returns:
        The package directory inside ``target``.

    Raises:
        InputError: the commit has no descriptor there, or it is not valid JSON, or a resource
            path is unsafe (exit code 2).
    """
    prefix = subdir.strip("/")
    descriptor_path = _descriptor_path(subdir)
    done = _git(repo, "show", f"{commit}:{descriptor_path}")
    if done.returncode != 0:
        raise InputError(
            f"commit {commit[:12]} has no {descriptor_path}; give a revision that holds a built package"
        )
    try:
        descriptor = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{descriptor_path} at commit {commit[:12]} is not valid JSON ({error})") from None
    root = target.joinpath(*PurePosixPath(prefix).parts) if prefix else target
    root.mkdir(parents=True, exist_ok=True)
    (root / DESCRIPTOR).write_bytes(done.stdout)
    wanted = []
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, dict) and isinstance(resource.get("path"), str):
            resolve_resource_path(root, resource["path"])  # refuses URLs, absolute paths, '..'
            wanted.append(str(PurePosixPath(prefix) / resource["path"]) if prefix else resource["path"])
    if not wanted:
        return root
    listed = _git(repo, "ls-tree", "-r", "--name-only", "-z", commit, "--", *wanted)
    present = [name for name in listed.stdout.decode("utf-8").split("\0") if name]
    if present:
        archive = _git(repo, "archive", "--format=tar", commit, "--", *present)
        if archive.returncode != 0:
            message = archive.stderr.decode("utf-8", "replace").strip()
            raise InputError(f"git archive of commit {commit[:12]} failed: {message}")
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")
    return root
