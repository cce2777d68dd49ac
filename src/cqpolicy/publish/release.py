"""Release a new version of the package from a new (amended) source text, all or nothing.

``release_package`` does, in order, and changes nothing in the repository until
every step has succeeded:

1. check the inputs (source text, current package, ``sources/package.json``, ``CHANGELOG.md``);
2. stage a copy of ``sources/`` in a temporary directory inside the repository, with the
   new source (and its ``<stem>.meta.json`` / ``<stem>.corrections.csv``) archived in it and
   named in ``package.json`` with its sha256 (``source_sha256``: the anchor ``validate``
   checks, ``source-changed``);
3. build the package from it and diff it against the current package
   (:mod:`cqpolicy.diff`); stop if nothing differs, and stop if the version released has
   facts from the official record (:data:`RECORD_FACTS`) the new source does not give,
   unless ``without_record``. The build takes the filled rows of
   ``sources/translations/pending.csv`` into the translation files and lists there the texts
   still without English (:mod:`cqpolicy.build.pending`): a release missing English stops
   and leaves that list;
4. bump the version in the staged ``package.json`` by the diff's ``suggested_bump`` and build
   again, so the package carries its new version exactly as ``make publish`` will rebuild it;
5. validate that build (:func:`cqpolicy.validate.validate_package`);
6. prepend a Keep a Changelog section generated from the diff to ``CHANGELOG.md``, refresh
   the README's generated sections (data dictionary, citation, the prose stating the counts and
   version) and, when the repository has them, the summary page in ``docs/report/``
   (:mod:`cqpolicy.publish.report`) and the reading page ``docs/policy.md``
   (:mod:`cqpolicy.publish.policy`); the citation records and the JSON-LD come with the build;
7. move the new ``data/``, ``datapackage.json`` and the curated files into place in one
   transaction (:mod:`cqpolicy.atomic`): after a crash at any instant the next ``cqpolicy``
   command finds the repository wholly at the old version or wholly at the new one.

The whole release holds the repository's lock: a second release at the same time is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cqpolicy.diff.bump import SEMVER, bump_version
from cqpolicy.diff.compare import PackageData
from cqpolicy.diff.model import Bump, DiffResult, Side
from cqpolicy.errors import CqpolicyError, InputError, RegisterError

Status = Literal["released", "unchanged", "dry-run"]

#: The facts of the ``document`` table that come from the official record (the portal page's
#: metadata or the ``<stem>.meta.json`` sidecar), not from the policy's text.
RECORD_FACTS = ("date_published", "index_number", "subject", "category", "official_url", "status_note")

#: Where the repository keeps the page ``cqpolicy report`` writes (``make publish`` refreshes it too).
REPORT_DIR = "docs/report"
#: Where the repository keeps the bilingual reading page (``make publish`` refreshes it too).
POLICY_PAGE = "docs/policy.md"


class ReleaseError(CqpolicyError):
    """The new package was built but is not fit to release (invalid): exit code 1."""

    exit_code = 1


@dataclass
class ReleaseResult:
    """What a release did.

    Attributes:
        status: ``released``, ``unchanged`` (the new source gives the same package) or ``dry-run``.
        old_version: The version before.
        new_version: The version after (the old one when unchanged).
        bump: The bump applied (the diff's suggestion).
        diff: The differences between the current package and the new one.
        changelog: The CHANGELOG section written (or, in a dry run, that would be written).
        messages: Lines for the person running it (what was done, warnings).
    """

    status: Status
    old_version: str
    new_version: str
    bump: Bump
    diff: DiffResult | None = None
    changelog: str = ""
    messages: list[str] = field(default_factory=list)


def release_package(
    source: Path,
    root: Path = Path("."),
    *,
    release_date: str | None = None,
    dry_run: bool = False,
    validate: Callable[[Path], tuple[bool, str]] | None = None,
    without_record: bool = False,
) -> ReleaseResult:
    """Build, validate, diff, version, document and publish a new package version; see the module docstring.

    Args:
        source: The new source text.
        root: The repository root (``datapackage.json``, ``data/``, ``sources/``, ``CHANGELOG.md``).
        release_date: ISO date for the CHANGELOG heading (default: today).
        dry_run: Do everything in the temporary directory and change nothing.
        validate: ``package dir -> (valid, summary)``; default :func:`cqpolicy.validate.validate_package`.
        without_record: Release even when the new source gives none of the official record's facts
            (:data:`RECORD_FACTS`) that the current version has; the CHANGELOG says which were dropped.

    Raises:
        InputError: an input is missing or unusable, or the official record's facts would be
            lost without ``without_record`` (exit code 2).
        SourceError, RegisterError: the new source or a curated file is wrong (exit code 1).
        ReleaseError: the new package is invalid (exit code 1).
    """
    from cqpolicy.atomic import directory_lock

    paths = _check_inputs(source, root)
    date = _check_date(release_date)
    with directory_lock(root, "release"):
        return _release_locked(source, root, paths, date, dry_run, validate, without_record)


def _release_locked(
    source: Path,
    root: Path,
    paths: dict[str, Path],
    date: str,
    dry_run: bool,
    validate: Callable[[Path], tuple[bool, str]] | None,
    without_record: bool = False,
) -> ReleaseResult:
    from cqpolicy.build import build_package
    from cqpolicy.diff.compare import diff_packages
    from cqpolicy.diff.load import load_package_data
    from cqpolicy.diff.render import changelog_section
    from cqpolicy.validate.provenance import SOURCE_SHA256

    package_meta = _read_json(paths["package_json"])
    old_version = str(package_meta.get("version", ""))
    if not SEMVER.match(old_version):
        raise RegisterError(
            f"'version' {old_version!r} is not a SemVer version such as 1.0.0", path=paths["package_json"]
        )
    messages: list[str] = []

    work = Path(tempfile.mkdtemp(prefix=".cqpolicy-release-", dir=root))
    try:
        staged = work / "sources"
        shutil.copytree(root / "sources", staged)
        archived = _stage_source(source, root / "sources", staged)
        package_meta["source"] = archived
        package_meta[SOURCE_SHA256] = hashlib.sha256((staged / archived).read_bytes()).hexdigest()
        _write_json(staged / "package.json", package_meta)

        shown = root / "sources"  # errors and review files name the repository's own sources/
        try:
            first = build_package(
                source=staged / archived,
                out=work / "first",
                sources_dir=staged,
                shown_sources=shown,
                write_pending=True,
            )
        except CqpolicyError as error:
            if error.path is not None and Path(error.path).is_relative_to(work):
                raise error.at_path(source) from None  # name the file the user gave, not the staged copy
            raise
        messages.extend(f"warning: {warning}" for warning in first.warnings)
        dropped = dropped_record_facts(root / "datapackage.json", work / "first" / "datapackage.json")
        if dropped and not without_record:
            raise InputError(record_refusal(dropped, old_version, source, archived))
        old = load_package_data(root, Side(source=str(root), kind="directory"))
        new = load_package_data(work / "first", Side(source=str(source), kind="directory"))
        result = diff_packages(old, new)
        kept = kept_english(old, new, staged / "translations", shown / "translations")
        if kept:
            raise RegisterError(kept[0] + (f" ({len(kept) - 1} more like it)" if len(kept) > 1 else ""))
        if not result.has_changes:
            messages.append(f"nothing to release: {source} gives the same package as version {old_version}")
            return ReleaseResult("unchanged", old_version, old_version, "none", result, "", messages)

        new_version = bump_version(old_version, result.suggested_bump)
        package_meta["version"] = new_version
        package_meta["released"] = date
        _write_json(staged / "package.json", package_meta)
        build_package(
            source=staged / archived,
            out=work / "package",
            sources_dir=staged,
            shown_sources=shown,
            write_pending=True,
        )

        valid, summary = (validate or _validate)(work / "package")
        if not valid:
            raise ReleaseError(
                f"the package built from {source} is invalid ({summary}); nothing was changed. "
                f"See the findings with: cqpolicy build --source {source} --out DIR && cqpolicy validate DIR"
            )
        messages.append(summary)

        section = changelog_section(result, new_version, date)
        if dropped:
            section = _fold(section, record_note(dropped))
            messages.append(f"warning: released without the official record's {', '.join(dropped)}")
        changelog = insert_changelog_section(_read_text(paths["changelog"]), section, new_version)
        (work / "CHANGELOG.md").write_text(changelog, encoding="utf-8")
        readme = _refreshed_readme(root, work / "package")
        if readme is not None:
            (work / "README.md").write_text(readme, encoding="utf-8")
        bump_note = f"{result.suggested_bump} bump: {old_version} → {new_version}"
        if dry_run:
            messages.append(f"dry run: would release {bump_note}; nothing was changed")
            return ReleaseResult(
                "dry-run", old_version, new_version, result.suggested_bump, result, section, messages
            )

        curated = {
            "sources/package.json": staged / "package.json",
            "CHANGELOG.md": work / "CHANGELOG.md",
            **{f"sources/{name}": staged / name for name in _companions(archived, staged)},
            **_changed_translations(root / "sources" / "translations", staged / "translations"),
        }
        if readme is not None:
            curated["README.md"] = work / "README.md"
        curated.update(_refreshed_report(root, work))
        curated.update(_refreshed_policy_page(root, work))
        _commit(work, root, curated)
        messages.append(f"released {bump_note}; review with `git diff` and commit")
        return ReleaseResult(
            "released", old_version, new_version, result.suggested_bump, result, section, messages
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- inputs ---------------------------------------------------------------------------------------


def _check_inputs(source: Path, root: Path) -> dict[str, Path]:
    if not source.is_file():
        raise InputError("the new source text does not exist or is not a file; check --source", path=source)
    if not (root / "datapackage.json").is_file():
        raise InputError(
            "has no datapackage.json: a release compares against the current package; run `make publish` "
            "first or pass --root",
            path=root,
        )
    paths = {"package_json": root / "sources" / "package.json", "changelog": root / "CHANGELOG.md"}
    refuse_links(root, ["CHANGELOG.md", "README.md", "sources/package.json", "datapackage.json", "data"])
    for path in paths.values():
        if not path.is_file():
            raise InputError("is missing; a release needs the repository's curated files", path=path)
    _read_text(paths["changelog"])  # refuse an undecodable one before any work, not after the build
    return paths


def refuse_links(root: Path, relatives: list[str]) -> None:
    """Refuse to replace a file under ``root`` that is, or lies below, a symbolic link.

    A release reads and rewrites these files: through a link it would read another file's text
    and replace the link with a regular file holding it (or write outside the repository).

    Raises:
        InputError: naming the first link found (exit code 2).
    """
    for relative in relatives:
        path = root
        for part in relative.split("/"):
            path = path / part
            if path.is_symlink():
                raise InputError(
                    "is a symbolic link; a release never reads or replaces a file through a link: "
                    "put the real file there (or remove the link) and release again",
                    path=path,
                )


def _document(descriptor: Path) -> dict[str, Any]:
    try:
        document = json.loads(descriptor.read_text(encoding="utf-8")).get("document")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        return {}
    return document if isinstance(document, dict) else {}


def dropped_record_facts(old: Path, new: Path) -> list[str]:
    """The official record's facts the package at descriptor ``old`` has and the one at ``new`` lacks."""
    before, after = _document(old), _document(new)
    return [
        fact for fact in RECORD_FACTS if before.get(fact) not in (None, "") and after.get(fact) in (None, "")
    ]


def kept_english(old: PackageData, new: PackageData, translations: Path, shown: Path) -> list[str]:
    """Clauses and tasks whose Chinese changed but whose English is the old text's, word for word.

    A row whose note starts with :data:`~cqpolicy.build.pending.REVIEWED_MARK` (written when a
    ``pending.csv`` row says ``reviewed``) was kept on purpose and passes.
    """
    from cqpolicy.build.curated import read_csv
    from cqpolicy.build.pending import REVIEWED_MARK

    out = []
    for table, key, file in (
        ("clauses", "clause_no", "clause_texts.csv"),
        ("tasks", "task_no", "task_texts.csv"),
    ):
        before, after = old.tables.get(table), new.tables.get(table)
        if (
            before is None
            or after is None
            or not {"text", "text_en"} <= set(before.columns) & set(after.columns)
        ):
            continue
        texts_of: dict[str, set[str]] = {}
        for values in before.rows:
            row = dict(zip(before.columns, values, strict=True))
            if row["text_en"]:
                texts_of.setdefault(str(row["text_en"]), set()).add(str(row["text"]))
        path = translations / file
        notes = (
            {r["text_zh"]: (r["note"], r["_line"]) for r in read_csv(path, [key, "text_zh"])}
            if path.is_file()
            else {}
        )
        for values in after.rows:
            row = dict(zip(after.columns, values, strict=True))
            english, chinese = str(row["text_en"] or ""), str(row["text"])
            if not english or chinese in texts_of.get(english, {chinese}):
                continue
            note, line = notes.get(chinese, ("", "?"))
            if note.startswith(REVIEWED_MARK):
                continue
            out.append(
                f"{shown / file}, line {line}: the English of {table[:-1]} {row[key]} is the previous "
                "version's English, word for word, but its Chinese changed; translate the new Chinese, or, "
                f"if the English still says exactly what it says, start the row's note with {REVIEWED_MARK!r}"
            )
    return out


def record_refusal(dropped: list[str], version: str, source: Path, archived: str) -> str:
    """The sentence refusing a release that would lose the official record's ``dropped`` facts."""
    sidecar = source.with_name(Path(archived).stem + ".meta.json")
    return (
        f"version {version} has the official record's {', '.join(dropped)}, which {source} does not give "
        f"(no page metadata, no sidecar); write {'it' if len(dropped) == 1 else 'them'} into {sidecar} "
        "(keys as in the current sources/*.meta.json, checked against the official record), "
        "or pass --without-record to release without them"
    )


def record_note(dropped: list[str]) -> str:
    """The CHANGELOG entry of a release made with ``--without-record``."""
    return (
        "### Removed\n\n"
        f"- The official record's facts {', '.join(dropped)} are not in this version: its source gives "
        "none of them (released with `--without-record`); see the previous version for their values.\n"
    )


def _check_date(value: str | None) -> str:
    if value is None:
        return dt.date.today().isoformat()
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(f"release date {value!r} is not an ISO date such as 2026-01-31") from None


def _read_json(path: Path) -> dict[str, Any]:
    from cqpolicy.build import curated

    return curated.read_json(path)


def _read_text(path: Path) -> str:
    """A file the release rewrites (CHANGELOG.md, README.md): UTF-8, bounded in size.

    Raises:
        InputError: it is too large or not UTF-8, naming the file and the line (exit code 2).
    """
    from cqpolicy.build import curated

    return curated.read_text(path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _companions(name: str, directory: Path) -> list[str]:
    """The source file and the files the build reads beside it, that exist."""
    stem = Path(name).stem
    return [n for n in (name, f"{stem}.meta.json", f"{stem}.corrections.csv") if (directory / n).is_file()]


def _stage_source(source: Path, sources: Path, staged: Path) -> str:
    """Archive ``source`` (and its companions) in the staged ``sources/``; return its file name.

    Raises:
        InputError: a different file of the same name is already archived.
    """
    if source.resolve().parent == sources.resolve():
        return source.name
    for name in _companions(source.name, source.parent):
        target = staged / name
        new_bytes = (source.parent / name).read_bytes()
        if target.exists() and target.read_bytes() != new_bytes:
            raise InputError(
                f"sources/{name} already exists with different content; archived sources are never "
                "overwritten: give the new source another file name",
                path=source.parent / name,
            )
        target.write_bytes(new_bytes)
    return source.name


def _changed_translations(current: Path, staged: Path) -> dict[str, Path]:
    """The translation files the build changed (filled rows of pending.csv taken in, pending.csv itself)."""
    out = {}
    for path in sorted(staged.glob("*.csv")) if staged.is_dir() else []:
        before = current / path.name
        if not before.is_file() or before.read_bytes() != path.read_bytes():
            out[f"sources/translations/{path.name}"] = path
    return out


def _validate(package: Path) -> tuple[bool, str]:
    from cqpolicy.validate import validate_package

    report = validate_package(package)
    return bool(report.valid), report.summary()


def _refreshed_readme(root: Path, package: Path) -> str | None:
    """The README with its data dictionary and citation regenerated from the new package, if it changes."""
    readme = root / "README.md"
    if not readme.is_file():
        return None
    from cqpolicy.publish.docs import refresh_readme

    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    text = _read_text(readme)
    updated = refresh_readme(text, descriptor, package)
    return updated if updated != text else None


# --- CHANGELOG ------------------------------------------------------------------------------------

_RELEASE_HEADING = re.compile(r"^## \[(?!Unreleased\])[^\]]+\]", re.MULTILINE)


def insert_changelog_section(text: str, section: str, version: str) -> str:
    """Put the new version's ``section`` directly under ``[Unreleased]``, folding its entries in.

    What was listed under ``[Unreleased]`` is released with this version: its paragraphs and
    ``### Added/Changed/...`` entries join the new section (entries under the same heading
    together), and ``[Unreleased]`` is left empty, as Keep a Changelog asks.

    Raises:
        InputError: the changelog already has a section for ``version``.
    """
    if re.search(rf"^## \[{re.escape(version)}\]", text, re.MULTILINE):
        raise InputError(
            f"CHANGELOG.md already has a section for {version}; was this version released already?"
        )
    match = _RELEASE_HEADING.search(text)
    head, rest = (text, "") if match is None else (text[: match.start()], text[match.start() :])
    unreleased = re.search(r"^## \[Unreleased\][^\n]*\n", head, re.MULTILINE)
    if unreleased is None:
        return head.rstrip("\n") + "\n\n" + section + ("\n" + rest if rest else "")
    pending = head[unreleased.end() :]
    comments = "".join(line + "\n" for line in pending.splitlines() if line.startswith("<!--"))
    pending = "\n".join(line for line in pending.splitlines() if not line.startswith("<!--"))
    merged = _fold(section, pending)
    kept = head[: unreleased.end()] + ("\n" + comments if comments else "")
    return kept + "\n" + merged + ("\n" + rest if rest else "")


def _fold(section: str, pending: str) -> str:
    """The new section with the ``[Unreleased]`` notes added: prose after the lead, entries by heading."""

    def parts(text: str) -> tuple[str, dict[str, list[str]]]:
        chunks = re.split(r"^### (.+)$", text, flags=re.MULTILINE)
        groups: dict[str, list[str]] = {}
        for name, body in zip(chunks[1::2], chunks[2::2], strict=True):
            groups.setdefault(name.strip(), []).append(body.strip("\n"))
        return chunks[0].strip("\n"), groups

    lead, groups = parts(section)
    prose, notes = parts(pending)
    for name, bodies in notes.items():
        groups.setdefault(name, []).extend(bodies)
    out = [lead]
    if prose:
        out.append(prose)
    for name in ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security", *groups):
        if name in groups:
            out.append(f"### {name}\n\n" + "\n".join(body for body in groups.pop(name) if body))
    return "\n\n".join(part for part in out if part) + "\n"


# --- commit ---------------------------------------------------------------------------------------


def _refreshed_report(root: Path, work: Path) -> dict[str, Path]:
    """The summary page and charts of the new package, if the repository publishes them in docs/report."""
    if not (root / REPORT_DIR).is_dir():
        return {}
    from cqpolicy.publish.report import build_report

    report = build_report(work / "package", work / "report")
    return {f"{REPORT_DIR}/{name}": work / "report" / name for name in report.files}


def _refreshed_policy_page(root: Path, work: Path) -> dict[str, Path]:
    """The reading page of the new package, if the repository publishes one in docs/."""
    if not (root / POLICY_PAGE).is_file():
        return {}
    from cqpolicy.publish.policy import write_policy_page

    page = write_policy_page(work / "package", work / "policy.md")
    return {POLICY_PAGE: page.path}


def _commit(work: Path, root: Path, curated: dict[str, Path]) -> None:
    """Move the new package and the curated files into ``root`` in one transaction.

    The package, ``sources/``, CHANGELOG.md, README.md, docs/report and docs/policy.md are all old or all new
    after a crash at any instant (:mod:`cqpolicy.atomic`).
    """
    from cqpolicy.atomic import Transaction
    from cqpolicy.build import PACKAGE_ENTRIES

    refuse_links(root, [*PACKAGE_ENTRIES, *curated])
    with Transaction(root) as txn:
        for name in PACKAGE_ENTRIES:
            txn.adopt(name, work / "package" / name)
        for relative, new in curated.items():
            txn.adopt(relative, new)
        txn.commit()
