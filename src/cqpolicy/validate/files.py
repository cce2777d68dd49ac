"""The files and the descriptor: hashes and sizes, the CSV layout, the column contract, the
document metadata and the version (``hash-mismatch``, ``bytes-mismatch``, ``file-missing``,
``csv-encoding``, ``csv-bom``, ``csv-line-endings``, ``csv-blank-row``, ``csv-truncated``,
``csv-header``, ``resource-missing``, ``schema-contract``, ``document-metadata``,
``version-format``, ``changelog-version``)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from importlib import resources as importlib_resources
from typing import TYPE_CHECKING, Any

from cqpolicy.findings import Finding
from cqpolicy.package import resource_list, schema_fields, table_schema
from cqpolicy.validate.data import (
    PackageData,
    new_finding,
    plain,
)

if TYPE_CHECKING:
    pass

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_RELEASE_HEADING = re.compile(r"^## \[([^\]]+)\]", re.MULTILINE)

# --- files -----------------------------------------------------------------------------------------


def check_files(data: PackageData) -> list[Finding]:
    """Every file the descriptor names exists and has its declared sha256 and size."""
    out = []
    for resource in resource_list(data.descriptor):
        name = str(resource.get("name"))
        path = data.files.get(name)
        if path is None:
            continue
        if not path.is_file():
            out.append(new_finding("file-missing", f"{resource.get('path')} is missing", name))
            continue
        content = path.read_bytes()
        declared = resource.get("hash")
        if isinstance(declared, str):
            algorithm, _, expected = declared.rpartition(":")
            algorithm = algorithm or "md5"
            if algorithm not in ("sha256", "md5"):
                out.append(
                    new_finding("hash-mismatch", f"{name}: unsupported hash algorithm {algorithm!r}", name)
                )
            else:
                actual = hashlib.new(algorithm, content).hexdigest()
                if actual != expected.lower():
                    out.append(
                        new_finding(
                            "hash-mismatch",
                            f"{resource.get('path')} has {algorithm} {actual[:12]}…, the descriptor says "
                            f"{expected[:12]}…; the file changed after the package was built",
                            name,
                        )
                    )
        else:
            out.append(new_finding("hash-mismatch", f"{name} declares no sha256 hash", name))
        size = resource.get("bytes")
        if size is not None and size != len(content):
            out.append(
                new_finding(
                    "bytes-mismatch",
                    f"{resource.get('path')} has {len(content)} bytes, the descriptor says {size}",
                    name,
                )
            )
    return out


def check_csv_layout(data: PackageData) -> list[Finding]:
    """UTF-8 without BOM, LF line ends, no blank rows, a complete last row, the header in schema order."""
    out = []
    for resource in data.csv_resources.values():
        name = str(resource.get("name"))
        path = data.files.get(name)
        if path is None or not path.is_file():
            continue
        raw = path.read_bytes()
        shown = str(resource.get("path"))
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
            kind = "UTF-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "binary (it holds NUL bytes)"
            out.append(
                new_finding("csv-encoding", f"{shown} is {kind}, not UTF-8 text; re-save it as UTF-8", name)
            )
            continue
        if raw.startswith(b"\xef\xbb\xbf"):
            out.append(
                new_finding(
                    "csv-bom", f"{shown} starts with a byte-order mark; save it as UTF-8 without BOM", name
                )
            )
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            guess = " (it looks like GB18030)" if _decodes(raw, "gb18030") else ""
            out.append(
                new_finding(
                    "csv-encoding",
                    f"{shown}, line {line}: not UTF-8{guess}; re-save it as UTF-8",
                    name,
                    row=line - 1,
                )
            )
            continue
        if "\r" in text:
            out.append(
                new_finding(
                    "csv-line-endings", f"{shown} has CR or CRLF line ends; the package uses LF only", name
                )
            )
        if text and not text.endswith("\n"):
            out.append(
                new_finding(
                    "csv-truncated",
                    f"{shown} does not end with a line end: its last row may be cut off",
                    name,
                )
            )
        out.extend(_csv_rows(text, shown, name, [f["name"] for f in schema_fields(resource)]))
    return out


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _csv_rows(text: str, shown: str, name: str, fields: list[str]) -> list[Finding]:
    out = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, [])
        if header != fields:
            out.append(_headernew_finding(header, fields, shown, name))
        blank = []
        for row in reader:
            if not row:
                blank.append(reader.line_num)
        if blank:
            lines = ", ".join(str(n) for n in blank[:10])
            out.append(
                new_finding(
                    "csv-blank-row",
                    f"{shown} has {len(blank)} blank line(s) (line {lines}); remove them",
                    name,
                )
            )
    except csv.Error as error:
        out.append(
            new_finding(
                "csv-truncated",
                f"{shown}, line {reader.line_num}: {error}; the file is cut off or has an unclosed quote",
                name,
            )
        )
    return out


def _headernew_finding(header: list[str], fields: list[str], shown: str, name: str) -> Finding:
    extra = [c for c in header if c not in fields]
    missing = [c for c in fields if c not in header]
    if extra or missing:
        parts = []
        if missing:
            parts.append(f"lacks {', '.join(missing)}")
        if extra:
            parts.append(f"has extra column(s) {', '.join(extra)}")
        detail = " and ".join(parts)
    else:
        detail = "has the schema's columns in another order"
    return new_finding(
        "csv-header", f"{shown}: the header {detail}; expected {', '.join(fields)}", name, field=None
    )


# --- descriptor ------------------------------------------------------------------------------------


def contract_schemas() -> list[dict[str, Any]]:
    """The column contract the toolkit builds (``cqpolicy/resources/schema.json``)."""
    text = importlib_resources.files("cqpolicy").joinpath("resources/schema.json").read_text(encoding="utf-8")
    schemas: list[dict[str, Any]] = json.loads(text)["resources"]
    return schemas


def check_contract(data: PackageData) -> list[Finding]:
    """Each contract table has a CSV and a Parquet resource whose schema keeps the contract.

    Field names, order and types, primary key, foreign keys and constraints must match;
    ``enum`` may be added (the build adds the code lists), not removed.
    """
    out = []
    present = {
        "csv": data.csv_resources,
        "parquet": data.parquet_resources,
    }
    for contract in contract_schemas():
        table = contract["name"]
        for fmt, suffix in (("csv", ""), ("parquet", "-parquet")):
            resource = present[fmt].get(table)
            if resource is None:
                out.append(
                    new_finding(
                        "resource-missing",
                        f"the descriptor has no {fmt.upper()} resource {table}{suffix}",
                        f"{table}{suffix}",
                    )
                )
                continue
            out.extend(_contract_problems(contract, resource, fmt))
    return out


def _contract_problems(contract: dict[str, Any], resource: dict[str, Any], fmt: str) -> list[Finding]:
    name = str(resource.get("name"))
    schema = table_schema(resource)
    fields = schema_fields(resource)
    problems = []
    if fmt == "csv" and str(resource.get("encoding", "")).lower() != "utf-8":
        problems.append(
            f"it declares the encoding {resource.get('encoding')!r}; the package's CSV files are utf-8"
        )
    expected_names = [f["name"] for f in contract["fields"]]
    names = [f["name"] for f in fields]
    if names != expected_names:
        problems.append(f"its fields are {names}, the contract says {expected_names}")
    by_name = {f["name"]: f for f in fields}
    for spec in contract["fields"]:
        actual = by_name.get(spec["name"])
        if actual is None:
            continue
        if actual.get("type") != spec.get("type"):
            problems.append(
                f"field {spec['name']} is {actual.get('type')!r}, the contract says {spec['type']!r}"
            )
        want = {k: v for k, v in (spec.get("constraints") or {}).items() if k != "enum"}
        have = dict(actual.get("constraints") or {})
        have_enum = have.pop("enum", None)
        if have != want:
            problems.append(f"field {spec['name']} has constraints {have}, the contract says {want}")
        if "enum" in (spec.get("constraints") or {}) and have_enum != spec["constraints"]["enum"]:
            want_enum = spec["constraints"]["enum"]
            problems.append(f"field {spec['name']} enumerates {have_enum}, the contract says {want_enum}")
    if schema.get("primaryKey") != contract.get("primaryKey"):
        problems.append(
            f"its primary key is {schema.get('primaryKey')}, the contract says {contract.get('primaryKey')}"
        )
    want_fks = copy_fks(contract.get("foreignKeys") or [], "-parquet" if fmt == "parquet" else "")
    if (schema.get("foreignKeys") or []) != want_fks:
        problems.append(
            f"its foreign keys are {schema.get('foreignKeys') or []}, the contract says {want_fks}"
        )
    return [new_finding("schema-contract", f"resource {name}: {problem}", name) for problem in problems]


def copy_fks(fks: list[dict[str, Any]], suffix: str) -> list[dict[str, Any]]:
    """Foreign keys with ``suffix`` added to each referenced resource (the Parquet twins')."""
    out: list[dict[str, Any]] = json.loads(json.dumps(fks))
    for fk in out:
        fk["reference"]["resource"] = f"{fk['reference']['resource']}{suffix}"
    return out


def check_document_metadata(data: PackageData) -> list[Finding]:
    """The descriptor's ``document`` object agrees with the ``document`` table."""
    meta = data.descriptor.get("document")
    frame = data.csv.get("document")
    if frame is None:
        return []
    if not isinstance(meta, dict):
        return [new_finding("document-metadata", "the descriptor lacks the 'document' object", "document")]
    if len(frame) != 1:
        return []  # the document suite reports the row count
    out = []
    for column in frame.columns:
        if column not in meta:
            continue
        value = plain(frame.at[0, column])
        if value != meta[column]:
            out.append(
                new_finding(
                    "document-metadata",
                    f"document.{column} is {value!r} in the table but {meta[column]!r} in the descriptor",
                    "document",
                    field=column,
                )
            )
    return out


def check_version(data: PackageData) -> list[Finding]:
    """``version`` is SemVer and, when the package has a CHANGELOG.md, its latest release heading."""
    version = data.descriptor.get("version")
    if not isinstance(version, str) or not _SEMVER.match(version):
        return [
            new_finding(
                "version-format", f"the package version {version!r} is not Semantic Versioning (1.2.3)"
            )
        ]
    changelog = data.root / "CHANGELOG.md"
    if not changelog.is_file():
        return []
    headings = [h for h in _RELEASE_HEADING.findall(changelog.read_text(encoding="utf-8", errors="replace"))]
    releases = [h for h in headings if h.strip().lower() != "unreleased"]
    if not releases:
        return [
            new_finding(
                "changelog-version", f"CHANGELOG.md has no release heading; add '## [{version}] - date'"
            )
        ]
    if releases[0] != version:
        return [
            new_finding(
                "changelog-version",
                f"the package version is {version}, but the latest release in CHANGELOG.md is {releases[0]}; "
                "add a heading for this version or fix the version",
            )
        ]
    return []
