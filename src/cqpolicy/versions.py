"""Every released version stays reachable: listed from git history, read back, or downloaded.

- :func:`list_versions` lists the versions released in a repository: for each, the oldest
  commit in which ``datapackage.json`` has it (:mod:`cqpolicy.diff.revisions`, which reads git
  bounded and without touching the work tree), its release date (the descriptor's
  ``created``), its document number, and the sha256 of its published zip;
- :func:`export_version` writes a released version's package into a directory, for
  ``cqpolicy.load("1.0.0")``;
- :func:`fetch_zip` downloads a published zip into a local cache with pooch and checks its
  sha256, for ``cqpolicy.load(url, sha256=...)``.

Where the zip's sha256 comes from: ``cqpolicy pack`` records the zip it writes in
``releases.csv`` at the repository root (version, file name, sha256, bytes), and the maintainer
commits it with the release. Packing is deterministic, so packing the release commit again
gives the same bytes while the toolkit's pack is unchanged; the recorded hash is the one
checked, because the toolkit that packed an old version may differ from today's. A version
packed before ``releases.csv`` existed has no hash listed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError

#: Where ``cqpolicy pack`` records the zips it wrote (committed with the release).
RELEASES_FILE = "releases.csv"
RELEASES_COLUMNS = ["version", "zip", "sha256", "bytes"]
_VERSION = re.compile(r"^v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.\-+]+)?)$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class VersionNotFoundError(InputError):
    """No commit of the repository released the version asked for (exit code 2)."""


class HashMismatchError(InputError):
    """A downloaded file is not the one its sha256 names (exit code 2)."""


class DownloadError(InputError):
    """A URL cannot be reached or does not give a file (exit code 2)."""


@dataclass(frozen=True)
class ReleasedVersion:
    """One released version, as the repository's history records it.

    ``date`` is the release date the descriptor records (``created``), or for a version whose
    descriptor has none, the date of its commit.
    """

    version: str
    date: str
    document_number: str
    commit: str
    zip_sha256: str | None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


def is_version(text: str) -> bool:
    """``1.0.0`` or ``v1.0.0``: a released version rather than a path or a URL."""
    return _VERSION.match(text) is not None


def _repository(root: Path) -> Path:
    from cqpolicy.diff.revisions import git_toplevel

    repo = git_toplevel(root)
    if repo is None:
        raise InputError(
            "is not inside a git repository, so its released versions cannot be read; run from a clone "
            "of the package's repository",
            path=root,
        )
    return repo


def recorded_zips(root: Path) -> dict[str, str]:
    """``{version: sha256}`` of the zips ``releases.csv`` records (none when there is no such file).

    Raises:
        InputError: the file's header is wrong or a hash is not 64 hexadecimal digits.
    """
    path = root / RELEASES_FILE
    if not path.is_file():
        return {}
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    if (reader.fieldnames or [])[: len(RELEASES_COLUMNS)] != RELEASES_COLUMNS:
        raise InputError(f"the header must be {','.join(RELEASES_COLUMNS)}", path=path, line=1)
    out = {}
    for row in reader:
        if not _SHA256.match(row["sha256"] or ""):
            raise InputError(
                f"sha256 {row['sha256']!r} is not 64 lowercase hexadecimal digits; copy it from `sha256sum`",
                path=path,
                line=reader.line_num,
            )
        out[row["version"]] = row["sha256"]
    return out


def record_zip(root: Path, version: str, zip_path: Path, sha256: str) -> Path:
    """Add (or replace) ``version``'s zip in ``releases.csv``, sorted by version; returns its path."""
    from cqpolicy.atomic import Transaction
    from cqpolicy.diff.revisions import version_order

    path = root / RELEASES_FILE
    rows = {}
    if path.is_file():
        recorded_zips(root)  # refuses a malformed file before it is rewritten
        rows = {row["version"]: row for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))}
    rows[version] = {
        "version": version,
        "zip": zip_path.name,
        "sha256": sha256,
        "bytes": str(zip_path.stat().st_size),
    }
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=RELEASES_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for key in sorted(rows, key=version_order):
        writer.writerow(rows[key])
    with Transaction(root) as txn:
        txn.path(RELEASES_FILE).write_text(buffer.getvalue(), encoding="utf-8")
        txn.commit()
    return path


def record_packed(root: Path, zip_path: Path) -> Path:
    """Record the zip ``cqpolicy pack`` wrote for the version in ``root``'s descriptor."""
    import hashlib

    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    return record_zip(root, str(descriptor["version"]), zip_path, digest)


def list_versions(root: Path = Path(".")) -> list[ReleasedVersion]:
    """The versions released in the repository holding ``root``, oldest first.

    Raises:
        InputError: ``root`` is not inside a git repository.
    """
    from cqpolicy.diff.revisions import run_git, show_file, versions

    repo = _repository(root)
    zips = recorded_zips(repo)
    first: dict[str, str] = {}
    for commit, version in versions(repo).items():
        first.setdefault(version, commit)
    out = []
    for version, commit in first.items():
        try:
            descriptor = json.loads((show_file(repo, commit, "datapackage.json") or b"{}").decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            descriptor = {}
        if not isinstance(descriptor, dict):
            descriptor = {}
        document = descriptor.get("document")
        number = document.get("document_number", "") if isinstance(document, dict) else ""
        created = descriptor.get("created")
        out.append(
            ReleasedVersion(
                version=version,
                date=str(created)[:10] if created else _commit_date(repo, commit, run_git),
                document_number=str(number),
                commit=commit,
                zip_sha256=zips.get(version),
            )
        )
    return out


def _commit_date(repo: Path, commit: str, git: Any) -> str:
    """The commit's date, for a version whose descriptor has no ``created`` (before 1.2.0)."""
    done = git(repo, "show", "-s", "--format=%cs", commit)
    return str(done.stdout.decode("ascii", "replace").strip()) if done.returncode == 0 else ""


def export_version(version: str, target: Path, root: Path = Path(".")) -> Path:
    """Write the package of released ``version`` into ``target``; return its directory.

    Raises:
        VersionNotFoundError: no commit released that version (the message lists those that were).
        InputError: the commit's package cannot be read safely.
    """
    from cqpolicy.diff.revisions import export_package, version_commit

    match = _VERSION.match(version)
    if match is None:
        raise VersionNotFoundError(f"{version!r} is not a version such as 1.0.0")
    repo = _repository(root)
    commit = version_commit(repo, match.group(1))
    if commit is None:
        known = ", ".join(v.version for v in list_versions(repo)) or "none"
        raise VersionNotFoundError(
            f"version {match.group(1)} was never released in {repo} (released: {known}); "
            "check the number, or give the published zip's URL and sha256"
        )
    return export_package(repo, commit, "", target)


def default_cache() -> Path:
    """Where downloaded zips are kept: the user's cache directory for cqpolicy."""
    import pooch

    return Path(pooch.os_cache("cqpolicy"))


def fetch_zip(url: str, sha256: str | None, cache: Path | None = None) -> Path:
    """Download the zip at ``url`` into ``cache`` (once) and check its sha256; return its path.

    Raises:
        InputError: no sha256 given, or not 64 hexadecimal digits.
        HashMismatchError: the file downloaded has another sha256 (it is not kept).
        DownloadError: the URL cannot be reached or answers with an error.
    """
    import pooch

    if sha256 is None:
        raise InputError(
            f"a URL is read only with the sha256 of the file it should give; call "
            f"cqpolicy.load({url!r}, sha256=...) with the hash published beside the zip"
        )
    digest = sha256.lower().removeprefix("sha256:")
    if not _SHA256.match(digest):
        raise InputError(f"sha256 {sha256!r} is not 64 hexadecimal digits")
    folder = cache or default_cache()
    name = f"{digest[:16]}-{Path(url.split('?', 1)[0]).name or 'package.zip'}"
    try:
        path = pooch.retrieve(url, known_hash=f"sha256:{digest}", fname=name, path=folder, progressbar=False)
    except ValueError as error:
        if "hash" not in str(error).lower():
            raise
        raise HashMismatchError(
            f"the file at {url} does not have the sha256 {digest}; it was not kept. Check the hash "
            "published with the zip, or whether the URL names another version"
        ) from None
    except Exception as error:  # requests raises many kinds; all mean the URL gave no file
        raise DownloadError(
            f"cannot download {url} ({type(error).__name__}: {error}); check the URL and the network"
        ) from None
    return Path(path)


def render_versions(found: list[ReleasedVersion], fmt: str) -> str:
    """Text (a table) or JSON (a list of objects) of :func:`list_versions`."""
    if fmt == "json":
        return json.dumps([v.to_dict() for v in found], ensure_ascii=False, indent=2) + "\n"
    rows = [("version", "date", "document", "commit", "zip sha256")] + [
        (v.version, v.date, v.document_number, v.commit[:12], v.zip_sha256 or "(not recorded)") for v in found
    ]
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row[:4])) + "  " + row[4]
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: two for a wide (CJK) character."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
