"""Pack the package into the one file people download: ``dist/<name>-<version>.zip``.

The zip holds, under one top folder ``<name>-<version>/``:

- ``datapackage.json`` and every file its resources name, read through the same safe
  reader as ``validate``, ``diff`` and ``load`` (no absolute paths, no ``..``, no links
  leading out, regular files only);
- a README written for the person who downloaded it (:mod:`cqpolicy.publish.download`),
  with every link resolving inside the zip;
- the summary page and its charts (``docs/report/``), the bilingual reading page
  (``docs/policy.md``) when there is one, the citation records, the licence and changelog;
- ``sources/``: the archived source and every curated file, so that ``cqpolicy validate``
  can re-derive the data from them.

A zip carries a version number, so it is written only for a released version: when the data
differ from what the release of that version committed (or the version was never released),
packing stops unless ``allow_unreleased``, which marks the file name ``+unreleased``.
Entries are sorted and carry a fixed timestamp, so packing twice gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cqpolicy.atomic import Transaction, directory_lock
from cqpolicy.build.citation import CITATION_FILES
from cqpolicy.errors import CqpolicyError, InputError
from cqpolicy.package import check_descriptor_paths, package_folder, read_descriptor
from cqpolicy.publish.download import download_readme

#: Files beside datapackage.json that go into the zip when present (the README is generated).
EXTRA_FILES = ("LICENSE.md", "CHANGELOG.md", *CITATION_FILES, "docs/policy.md")
#: Folders copied whole (regular files only) when present.
EXTRA_FOLDERS = ("docs/report", "sources")
#: What is released with the data and must be as the release committed it: the provenance
#: (``validate`` rebuilds from ``sources/``), the pages made from the data and the citation records.
#: The licence and the changelog may be corrected after a release.
RELEASED_WITH_THE_DATA = ("sources/", "docs/", *CITATION_FILES)
#: Files in those folders that are not part of a package (review files of a failed build, the
#: translations waiting in ``sources/translations/pending.csv``).
_SKIPPED = re.compile(r"(^|/)(\.[^/]*|[^/]*\.pending\.csv|pending\.csv)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
_FIXED_TIME = (2022, 1, 25, 0, 0, 0)
#: Bounds on what one zip may hold.
MAX_FILES = 2_000
MAX_BYTES = 500 * 1024 * 1024


class UnreleasedError(CqpolicyError):
    """The package's data are not those of the release its version names (exit code 1)."""

    exit_code = 1


@dataclass(frozen=True)
class PackResult:
    """What was packed."""

    path: Path
    files: tuple[str, ...]
    released: bool


def pack_package(
    root: Path = Path("."), dist: Path | None = None, *, allow_unreleased: bool = False
) -> PackResult:
    """Write ``dist/<name>-<version>.zip`` from the package in ``root``.

    Raises:
        InputError: no descriptor, a name or version unfit for a file name, a resource path that
            is unsafe, missing or not a regular file, or a package beyond the size bounds (exit 2).
        UnreleasedError: the data are not those of a released version (exit 1), unless
            ``allow_unreleased``.
    """
    descriptor = read_descriptor(root)
    name, version = descriptor.get("name"), descriptor.get("version")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(
            f"the package name {name!r} cannot name a file: use lower-case letters, digits, '.', '_' and '-'",
            path=root / "datapackage.json",
        )
    if not isinstance(version, str) or not _VERSION.match(version):
        raise InputError(
            f"the version {version!r} is not a SemVer version such as 1.2.0", path=root / "datapackage.json"
        )
    files = check_descriptor_paths(root, descriptor)
    members = {"datapackage.json": root / "datapackage.json"}
    for resource_name, path in files.items():
        members[path.relative_to(root).as_posix()] = _regular(path, f"resource {resource_name}", root)
    for extra in EXTRA_FILES:
        if (root / extra).is_file() and not (root / extra).is_symlink():
            members[extra] = root / extra
    for folder in EXTRA_FOLDERS:
        members.update(_folder(root, folder))
    _check_bounds(members, root)
    released_too = sorted(m for m in members if m.startswith(RELEASED_WITH_THE_DATA))
    difference = release_difference(root, descriptor, released_too)
    released = difference is None
    if difference is not None and not allow_unreleased:
        advice = "" if " is not committed: " in difference else "; release it with `cqpolicy release`"
        raise UnreleasedError(
            f"{difference}{advice}, or pack it marked as unreleased with --allow-unreleased", path=root
        )
    contents = {member: path.read_bytes() for member, path in members.items()}
    contents["README.md"] = download_readme(descriptor, set(contents), released=released).encode("utf-8")
    top = f"{name}-{version}" + ("" if released else "+unreleased")
    dist = dist or root / "dist"
    target = dist / f"{top}.zip"
    with directory_lock(dist, "pack"), Transaction(dist) as txn:  # all or nothing, even under SIGKILL
        with zipfile.ZipFile(txn.path(target.name), "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(contents):
                info = zipfile.ZipInfo(f"{top}/{member}", date_time=_FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, contents[member])
        txn.commit()
    return PackResult(path=target, files=tuple(sorted(contents)), released=released)


def _regular(path: Path, what: str, root: Path) -> Path:
    if path.is_symlink() or not path.is_file():
        state = "missing" if not path.exists() and not path.is_symlink() else "not a regular file"
        raise InputError(
            f"{what} names {path.relative_to(root).as_posix()}, which is {state}; rebuild the package",
            path=root / "datapackage.json",
        )
    return path


def _folder(root: Path, folder: str) -> dict[str, Path]:
    """The regular files of ``root/folder`` for the zip, without review files and hidden files."""
    files = package_folder(root, folder, max_files=MAX_FILES, max_bytes=MAX_BYTES)
    return {relative: path for relative, path in files.items() if not _SKIPPED.search(relative)}


def _check_bounds(members: dict[str, Path], root: Path) -> None:
    total = sum(path.stat().st_size for path in members.values())
    if len(members) > MAX_FILES or total > MAX_BYTES:
        raise InputError(
            f"the package holds {len(members)} files, {total:,} bytes; a zip holds at most {MAX_FILES} files "
            f"and {MAX_BYTES:,} bytes",
            path=root,
        )


def release_difference(root: Path, descriptor: dict[str, object], others: Sequence[str] = ()) -> str | None:
    """Why the package in ``root`` is not the release its version names, or ``None`` when it is.

    The release of version V is the commit that first gave ``datapackage.json`` version V
    (see :func:`cqpolicy.diff.revisions.version_commit`). The package is that release when
    its descriptor is byte for byte the one committed then, every resource file matches the
    ``hash`` the descriptor gives it, and each of ``others`` (paths relative to ``root``: the
    sources, pages and citation records that go into the zip) is byte for byte as committed.
    """
    from cqpolicy.diff.revisions import git_toplevel, show_file, version_commit

    version = str(descriptor.get("version"))
    repo = git_toplevel(root)
    if repo is None:
        return (
            f"{root} is not in a git repository, so whether version {version} is released cannot be checked"
        )
    subdir = root.resolve().relative_to(repo.resolve()).as_posix()
    subdir = "" if subdir == "." else subdir
    commit = version_commit(repo, version, subdir)
    if commit is None:
        return (
            f"version {version} is not committed: no commit of {root / 'datapackage.json'} has it; if "
            "`cqpolicy release` made it, review and commit the release (`git add -A && git commit`), "
            "then pack"
        )
    committed = show_file(
        repo, commit, str(PurePosixPath(subdir) / "datapackage.json") if subdir else "datapackage.json"
    )
    if committed != (root / "datapackage.json").read_bytes():
        return (
            f"datapackage.json differs from the one released as {version} (commit {commit[:12]}), "
            "so the data are not those of that release"
        )
    resources = descriptor.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            continue
        expected = str(resource.get("hash", "")).removeprefix("sha256:")
        path = root / resource["path"]
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() != expected:
            return f"{resource['path']} differs from the file released as {version} (sha256 mismatch)"
    prefix = f"{subdir}/" if subdir else ""
    for relative in others:
        if show_file(repo, commit, prefix + relative) != (root / relative).read_bytes():
            return f"{relative} differs from the one released as {version} (commit {commit[:12]}), or is new"
    return None
