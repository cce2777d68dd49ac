"""Provenance: the data re-derived from the package's own ``sources/`` equal the data shipped.

A package that carries ``sources/`` (the archived source and every curated file) can prove
that its tables come from them: :func:`rebuild_findings` copies ``sources/`` into a temporary
directory (regular files only, inside the package, bounded in number and size), builds the
package in memory with :func:`cqpolicy.build.render_package`, and compares. Every value that
differs is reported by table, primary key and field (``rebuild-drift``), so a consistent
corruption that regenerated every copy and hash is caught and located. A Parquet file, the
workbook or the descriptor is compared as a whole only where the CSV tables agree, so one
changed value is reported once. An archived source whose sha256 is not the one recorded at
release (``source_sha256`` in ``sources/package.json``) reports ``source-changed``: the data
re-derived from an edited source agree with it, so only the record shows the edit. A build that
stops reports ``rebuild-failed``; a ``sources/``
that cannot be trusted (a link out, too many or too large files, a source name with a path)
reports ``rebuild-unsafe``.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from cqpolicy.findings import Finding
from cqpolicy.validate.data import LAYER, MAX_ROWS, pair

#: ``sources/`` may hold at most this many files ...
MAX_SOURCE_FILES = 500
#: ... of at most this many bytes in all.
MAX_SOURCE_BYTES = 64 << 20


class _Unsafe(Exception):
    """``sources/`` cannot be copied safely; the message says why."""


def rebuild_findings(
    root: Path, descriptor: dict[str, Any], files: dict[str, Path]
) -> tuple[list[Finding], dict[str, Any]]:
    """Build from ``root/sources`` and report every file, row and value that differs.

    Args:
        root: The opened package directory (already checked by the safe reader).
        descriptor: The package's descriptor.
        files: The package's file of each resource, by resource name.

    Returns:
        The findings and ``{"files": n, "values": m}`` (files built, table values compared).
    """
    from cqpolicy.build import Inputs, render_package
    from cqpolicy.errors import CqpolicyError

    with tempfile.TemporaryDirectory(prefix="cqpolicy-rebuild-") as tmp:
        copy = Path(tmp) / "sources"
        try:
            source = _copy_sources(root, copy)
        except _Unsafe as error:
            return [_finding("rebuild-unsafe", f"sources/ cannot be rebuilt from: {error}")], {"files": 0}
        anchored = source_anchor_findings(copy / "package.json", source)
        try:
            built, _, _, _ = render_package(Inputs(source=source, sources_dir=copy))
        except CqpolicyError as error:
            message = str(error).replace(str(copy), "sources")
            failed = _finding("rebuild-failed", f"building from sources/ failed: {message}")
            return [*anchored, failed], {"files": 0}
    fresh = json.loads(built["datapackage.json"])
    findings, values = _compare(fresh, built, files)
    findings.extend(_descriptor_drift(descriptor, fresh))
    return [*anchored, *findings], {"files": len(built), "values": values}


#: The key of ``sources/package.json`` that records the sha256 of the archived source the version
#: was released from (``cqpolicy release`` writes it).
SOURCE_SHA256 = "source_sha256"


def source_anchor_findings(package_json: Path, source: Path) -> list[Finding]:
    """``source-changed`` when the archived source is not the one its version was released from.

    A build from an edited source gives data that agree with it, and the descriptor's hash of the
    source follows the edit: only the sha256 recorded at release (``source_sha256`` in
    ``sources/package.json``) still names the text that was released. A package without the
    record (released before it existed) gets no finding.
    """
    import hashlib

    try:
        meta = json.loads(package_json.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return []  # _copy_sources has read it already; the build reports a broken one
    recorded = meta.get(SOURCE_SHA256) if isinstance(meta, dict) else None
    if recorded is None:
        return []
    actual = hashlib.sha256(source.read_bytes()).hexdigest()
    if recorded == actual:
        return []
    return [
        _finding(
            "source-changed",
            f"sources/{source.name} is not the source version {meta.get('version')!s} was released from: "
            f"its sha256 is {actual}, but sources/package.json records {recorded!s} ({SOURCE_SHA256}); "
            "archived sources are never edited: restore it from git, or release the new text with "
            "cqpolicy release --source FILE",
        )
    ]


def _copy_sources(root: Path, copy: Path) -> Path:
    """Copy ``root/sources`` into ``copy``, refusing anything that is not a plain file inside it.

    Returns:
        The copy of the archived source that ``sources/package.json`` names.
    """
    from cqpolicy.package import PackageInputError, package_folder

    if not (root / "sources").is_dir():
        raise _Unsafe("sources is not a directory of the package")
    try:
        files = package_folder(root, "sources", max_files=MAX_SOURCE_FILES, max_bytes=MAX_SOURCE_BYTES)
    except PackageInputError as error:
        raise _Unsafe(error.detail) from None
    for relative, path in files.items():
        target = copy / Path(relative).relative_to("sources")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    try:
        meta = json.loads((copy / "package.json").read_text(encoding="utf-8"))
    except RecursionError:
        raise _Unsafe("sources/package.json nests too deeply to be read") from None
    except (OSError, ValueError) as error:
        raise _Unsafe(f"sources/package.json cannot be read ({error})") from None
    named = meta.get("source") if isinstance(meta, dict) else None
    if not isinstance(named, str) or not named or "/" in named or "\\" in named or named in (".", ".."):
        raise _Unsafe("sources/package.json must name the archived source as a file name in sources/")
    if not (copy / named).is_file():
        raise _Unsafe(f"sources/package.json names {named!r}, which sources/ does not hold")
    return copy / named


def _finding(
    check: str, message: str, resource: str | None = None, row: Any = None, field: str | None = None
) -> Finding:
    return Finding(check=check, message=message, resource=resource, row=row, field=field, layer=LAYER)


def _compare(
    descriptor: dict[str, Any], built: dict[str, bytes], files: dict[str, Path]
) -> tuple[list[Finding], int]:
    """Findings for every resource, row and value of the package that the build does not give."""
    out: list[Finding] = []
    values = 0
    csv_differs: set[str] = set()
    built_names = set()
    resources = [r for r in descriptor.get("resources", []) if isinstance(r, dict)]
    for resource in resources:
        name, path = str(resource["name"]), str(resource["path"])
        built_names.add(name)
        mine = files.get(name)
        if mine is None or not mine.is_file():
            out.append(_drift(f"{path} is missing from the package, but a build of sources/ gives it", name))
            continue
        if resource.get("format") == "csv":
            found, compared = _table_drift(resource, mine.read_bytes(), built[path])
            values += compared
            if found:
                csv_differs.add(name)
                out.extend(found)
    for resource in resources:
        name, path = str(resource["name"]), str(resource["path"])
        mine = files.get(name)
        if resource.get("format") == "csv" or mine is None or not mine.is_file():
            continue
        twin = name.removesuffix("-parquet")
        if (
            mine.read_bytes() != built[path]
            and twin not in csv_differs
            and not (name == "workbook" and csv_differs)
        ):
            out.append(
                _drift(f"{path} differs from a build of sources/ although its values in the CSV agree", name)
            )
    out.extend(
        _drift(f"resource {name} is not one a build of sources/ gives", name)
        for name in sorted(set(files) - built_names)
    )
    return out, values


def _table_drift(resource: dict[str, Any], mine: bytes, theirs: bytes) -> tuple[list[Finding], int]:
    """Rows and values of one CSV table that differ from the build, matched by primary key."""
    name = str(resource["name"])
    if mine == theirs:
        header, rows = _rows(theirs)
        return [], len(header) * len(rows)
    key = resource["schema"]["primaryKey"]
    key = [key] if isinstance(key, str) else list(key)
    try:
        header, rows = _rows(mine)
    except (csv.Error, UnicodeDecodeError) as error:
        return [_drift(f"{resource['path']} cannot be compared with a build of sources/: {error}", name)], 0
    built_header, built_rows = _rows(theirs)
    if header != built_header:
        return [
            _drift(
                f"{resource['path']}: the columns are {header}, a build of sources/ gives {built_header}",
                name,
            )
        ], 0
    mine_by, theirs_by = _by_key(header, rows, key), _by_key(header, built_rows, key)
    found = []
    for k in sorted(set(mine_by) - set(theirs_by)):
        found.append(
            _drift(
                f"{name} ({_key_text(key, k)}): this row is not in a build of sources/", name, _row(key, k)
            )
        )
    for k in sorted(set(theirs_by) - set(mine_by)):
        found.append(
            _drift(
                f"{name} ({_key_text(key, k)}): a build of sources/ has this row; the package lacks it",
                name,
                _row(key, k),
            )
        )
    compared = 0
    for k in sorted(set(mine_by) & set(theirs_by)):
        for column, a, b in zip(header, mine_by[k], theirs_by[k], strict=True):
            compared += 1
            if a != b:
                shown, expected = pair(a, b, width=60)
                found.append(
                    _drift(
                        f"{name} ({_key_text(key, k)}), {column}: the package has {shown}, "
                        f"a build of sources/ gives {expected}",
                        name,
                        _row(key, k),
                        column,
                    )
                )
    if len(rows) != len(set(mine_by)) and not found:
        found.append(
            _drift(f"{resource['path']} repeats a primary key that a build of sources/ gives once", name)
        )
    if not found:  # same rows and values, other bytes (quoting, order, line ends)
        found.append(
            _drift(f"{resource['path']} has the values of a build of sources/ but other bytes", name)
        )
    return _capped(found, name), compared


def _rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=True)
    header = next(reader, [])
    return header, [row for row in reader if row]


def _by_key(header: list[str], rows: list[list[str]], key: list[str]) -> dict[tuple[str, ...], list[str]]:
    index = [header.index(k) for k in key if k in header]
    out: dict[tuple[str, ...], list[str]] = {}
    for row in rows:
        if len(row) == len(header):
            out.setdefault(tuple(row[i] for i in index), row)
    return out


def _plain_key(value: str) -> Any:
    return int(value) if value.isdigit() else value


def _row(key: list[str], values: tuple[str, ...]) -> dict[str, Any]:
    return {k: _plain_key(v) for k, v in zip(key, values, strict=False)}


def _key_text(key: list[str], values: tuple[str, ...]) -> str:
    return ", ".join(f"{k} {v}" for k, v in zip(key, values, strict=False))


def _descriptor_drift(mine: dict[str, Any], built: dict[str, Any]) -> list[Finding]:
    """Values of the descriptor that differ (each file's hash and size left out: files are compared)."""
    found: list[Finding] = []
    for where, a, b in _leaves(_comparable(mine), _comparable(built), ""):
        shown, expected = pair(a, b, width=60)
        found.append(
            _drift(f"datapackage.json: {where} is {shown}, a build of sources/ gives {expected}", field=where)
        )
    return _capped(found, "datapackage.json")


def _comparable(descriptor: dict[str, Any]) -> dict[str, Any]:
    out = dict(descriptor)
    resources = descriptor.get("resources")
    if isinstance(resources, list):
        out["resources"] = {
            str(r.get("name")): {k: v for k, v in r.items() if k not in ("hash", "bytes")}
            for r in resources
            if isinstance(r, dict)
        }
    return out


def _leaves(a: Any, b: Any, where: str) -> list[tuple[str, Any, Any]]:
    """``(path, mine, built)`` for every differing leaf of two JSON values."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            out.extend(_leaves(a.get(key), b.get(key), f"{where}.{key}" if where else str(key)))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            leaf for i, (x, y) in enumerate(zip(a, b, strict=True)) for leaf in _leaves(x, y, f"{where}[{i}]")
        ]
    return [] if a == b else [(where, a, b)]


def _capped(found: list[Finding], name: str) -> list[Finding]:
    if len(found) <= MAX_ROWS:
        return found
    rest = len(found) - MAX_ROWS
    return [*found[:MAX_ROWS], _drift(f"{name}: {rest} more values differ from a build of sources/", name)]


def _drift(message: str, resource: str | None = None, row: Any = None, field: str | None = None) -> Finding:
    return _finding("rebuild-drift", message, resource, row, field)
