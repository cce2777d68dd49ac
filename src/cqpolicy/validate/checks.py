"""Layer 3: package checks that no single-table tool expresses.

Each check is a function of :class:`PackageData` that returns findings with a
stable kebab-case id. They cover what the other layers cannot see:

- the files themselves: sha256 and size of every file, Parquet included
  (``hash-mismatch``, ``bytes-mismatch``, ``file-missing``); the CSV layout the
  package promises, UTF-8 without BOM, LF, no blank rows, complete last row, the
  header in schema order (``csv-encoding``, ``csv-bom``, ``csv-line-endings``,
  ``csv-blank-row``, ``csv-truncated``, ``csv-header``);
- the descriptor against the toolkit's column contract (``resource-missing``,
  ``schema-contract``) and the document metadata against the document table
  (``document-metadata``);
- CSV and Parquet: the declared Parquet types and field descriptions
  (``parquet-schema``), identical rows and values (``csv-parquet-drift``), a file
  that cannot be read (``parquet-unreadable``);
- clean text (``traditional-characters``, ``pinyin-annotation``,
  ``stray-question-mark``, ``replacement-character``, ``zero-width-character``,
  ``control-character``, ``ascii-punctuation``, ``unicode-normalisation``);
- numbering and links across tables (``numbering``, ``label-mismatch``,
  ``lead-count``, ``lead-position``, ``task-without-agency``, ``agency-unused``,
  ``units-mismatch``, ``row-order``);
- the Excel copy against the CSV tables (``workbook-drift``, ``workbook-unreadable``);
- release bookkeeping (``version-format``, ``changelog-version``).

A check that fails unexpectedly reports ``internal-error`` instead of raising, so
one broken file never hides the findings of the others.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cqpolicy.errors import InputError
from cqpolicy.findings import Finding
from cqpolicy.package import load_table, resource_list, schema_fields, table_resources, table_schema
from cqpolicy.validate.translation import check_translation

if TYPE_CHECKING:
    import pandas as pd

LAYER = "package"

#: Characters of Chinese text: CJK ideographs and full-width forms and punctuation.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CHINESE = _HAN + "\u3000-\u303f\uff00-\uffef\u201c\u201d\u2018\u2019"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN = re.compile(rf"[{_HAN}][(（][a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*[)）]")
_HAS_HAN = re.compile(rf"[{_HAN}]")
_ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200f\u2028\u2029\u2060-\u2064\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
#: ASCII , : ; ( ) between Chinese characters (, : ; also at the end of a Chinese line), or a
#: parenthesised group that Chinese text wraps.
_ASCII_PUNCT = re.compile(
    rf"(?<=[{_CHINESE}])[,:;](?=[{_CHINESE}]|\n|$)|(?<=[{_CHINESE}])[()](?=[{_CHINESE}])"
    rf"|(?<=[{_CHINESE}])\([^()\n]*\)|\([^()\n]*\)(?=[{_CHINESE}])"
)
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_RELEASE_HEADING = re.compile(r"^## \[([^\]]+)\]", re.MULTILINE)
_NUMERALS = "零一二三四五六七八九"

#: Show at most this many offending rows per check and table; one more finding counts the rest.
MAX_ROWS = 20


@dataclass
class PackageData:
    """What the package checks read: the descriptor, file paths and the loaded tables.

    Attributes:
        root: The package directory.
        descriptor: The parsed descriptor.
        files: Local file of each resource, by resource name (paths already checked).
        csv: Typed CSV tables that could be read, by table name.
        parquet: Typed Parquet tables that could be read, by table name.
        unreadable: Findings for tables that could not be read at all.
    """

    root: Path
    descriptor: dict[str, Any]
    files: dict[str, Path]
    csv: dict[str, pd.DataFrame] = field(default_factory=dict)
    parquet: dict[str, pd.DataFrame] = field(default_factory=dict)
    unreadable: list[Finding] = field(default_factory=list)

    @property
    def csv_resources(self) -> dict[str, dict[str, Any]]:
        return table_resources(self.descriptor, "csv")

    @property
    def parquet_resources(self) -> dict[str, dict[str, Any]]:
        return table_resources(self.descriptor, "parquet")

    def primary_key(self, table: str) -> list[str]:
        """Primary-key columns of a CSV table (empty when undeclared)."""
        key = table_schema(self.csv_resources.get(table, {})).get("primaryKey") or []
        return [key] if isinstance(key, str) else [str(k) for k in key]

    def key_of(self, table: str, frame: pd.DataFrame, index: Any) -> dict[str, Any] | int:
        """A row's primary key as ``{column: value}``, or its 1-based row number without one."""
        key = [k for k in self.primary_key(table) if k in frame.columns]
        if not key:
            return int(index) + 1
        return {k: _plain(frame.at[index, k]) for k in key}


def load_data(
    root: Path, descriptor: dict[str, Any], files: dict[str, Path], *, parquet: bool
) -> PackageData:
    """Load the CSV tables (and the Parquet ones if asked), collecting unreadable ones as findings."""
    data = PackageData(root=root, descriptor=descriptor, files=files)
    formats = [("csv", data.csv_resources, data.csv)]
    if parquet:
        formats.append(("parquet", data.parquet_resources, data.parquet))
    for fmt, resources, target in formats:
        for table, resource in resources.items():
            path = files.get(str(resource.get("name")))
            if path is None or not path.is_file():
                continue  # file-missing reports it
            try:
                target[table] = load_table(root, resource, errors="coerce")
            except InputError as error:
                check = "parquet-unreadable" if fmt == "parquet" else "table-unreadable"
                data.unreadable.append(
                    _finding(
                        check, f"{resource.get('path')} cannot be read: {error.detail}", resource.get("name")
                    )
                )
    return data


def _finding(
    check: str, message: str, resource: Any = None, row: Any = None, field: str | None = None
) -> Finding:
    return Finding(
        check=check,
        message=message,
        resource=str(resource) if resource is not None else None,
        row=row,
        field=field,
        layer=LAYER,
    )


def _plain(value: Any) -> Any:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _clip(value: Any, limit: int = 40) -> str:
    """A value for a message: integral floats as integers, long text cut short."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…" + text[-1]


def _pair(left: Any, right: Any, width: int = 30) -> tuple[str, str]:
    """Two differing values for a message; two long texts are shown around their first difference."""
    if not (isinstance(left, str) and isinstance(right, str)) or max(len(left), len(right)) <= width:
        return _clip(left), _clip(right)
    at = next(
        (i for i, (a, b) in enumerate(zip(left, right, strict=False)) if a != b), min(len(left), len(right))
    )
    start = max(0, at - 10)

    def cut(text: str) -> str:
        part = text[start : start + width]
        return repr(("…" if start else "") + part + ("…" if start + width < len(text) else ""))

    return cut(left), cut(right)


def _key_text(key: dict[str, Any] | int) -> str:
    if isinstance(key, dict):
        return ", ".join(f"{k} {v}" for k, v in key.items())
    return f"row {key}"


def _capped(findings: list[Finding], resource: str, what: str) -> list[Finding]:
    """At most MAX_ROWS findings per check id, plus one per check that counts the rest."""
    out: list[Finding] = []
    seen: dict[str, int] = {}
    for finding in findings:
        seen[finding.check] = seen.get(finding.check, 0) + 1
        if seen[finding.check] <= MAX_ROWS:
            out.append(finding)
    for check, count in seen.items():
        if count > MAX_ROWS:
            out.append(_finding(check, f"{resource}: {count - MAX_ROWS} more rows {what}", resource))
    return out


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
            out.append(_finding("file-missing", f"{resource.get('path')} is missing", name))
            continue
        content = path.read_bytes()
        declared = resource.get("hash")
        if isinstance(declared, str):
            algorithm, _, expected = declared.rpartition(":")
            algorithm = algorithm or "md5"
            if algorithm not in ("sha256", "md5"):
                out.append(
                    _finding("hash-mismatch", f"{name}: unsupported hash algorithm {algorithm!r}", name)
                )
            else:
                actual = hashlib.new(algorithm, content).hexdigest()
                if actual != expected.lower():
                    out.append(
                        _finding(
                            "hash-mismatch",
                            f"{resource.get('path')} has {algorithm} {actual[:12]}…, the descriptor says "
                            f"{expected[:12]}…; the file changed after the package was built",
                            name,
                        )
                    )
        else:
            out.append(_finding("hash-mismatch", f"{name} declares no sha256 hash", name))
        size = resource.get("bytes")
        if size is not None and size != len(content):
            out.append(
                _finding(
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
                _finding("csv-encoding", f"{shown} is {kind}, not UTF-8 text; re-save it as UTF-8", name)
            )
            continue
        if raw.startswith(b"\xef\xbb\xbf"):
            out.append(
                _finding(
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
                _finding(
                    "csv-encoding",
                    f"{shown}, line {line}: not UTF-8{guess}; re-save it as UTF-8",
                    name,
                    row=line - 1,
                )
            )
            continue
        if "\r" in text:
            out.append(
                _finding(
                    "csv-line-endings", f"{shown} has CR or CRLF line ends; the package uses LF only", name
                )
            )
        if text and not text.endswith("\n"):
            out.append(
                _finding(
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
            out.append(_header_finding(header, fields, shown, name))
        blank = []
        for row in reader:
            if not row:
                blank.append(reader.line_num)
        if blank:
            lines = ", ".join(str(n) for n in blank[:10])
            out.append(
                _finding(
                    "csv-blank-row",
                    f"{shown} has {len(blank)} blank line(s) (line {lines}); remove them",
                    name,
                )
            )
    except csv.Error as error:
        out.append(
            _finding(
                "csv-truncated",
                f"{shown}, line {reader.line_num}: {error}; the file is cut off or has an unclosed quote",
                name,
            )
        )
    return out


def _header_finding(header: list[str], fields: list[str], shown: str, name: str) -> Finding:
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
    return _finding(
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
                    _finding(
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
    return [_finding("schema-contract", f"resource {name}: {problem}", name) for problem in problems]


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
        return [_finding("document-metadata", "the descriptor lacks the 'document' object", "document")]
    if len(frame) != 1:
        return []  # the document suite reports the row count
    out = []
    for column in frame.columns:
        if column not in meta:
            continue
        value = _plain(frame.at[0, column])
        if value != meta[column]:
            out.append(
                _finding(
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
            _finding("version-format", f"the package version {version!r} is not Semantic Versioning (1.2.3)")
        ]
    changelog = data.root / "CHANGELOG.md"
    if not changelog.is_file():
        return []
    headings = [h for h in _RELEASE_HEADING.findall(changelog.read_text(encoding="utf-8", errors="replace"))]
    releases = [h for h in headings if h.strip().lower() != "unreleased"]
    if not releases:
        return [
            _finding("changelog-version", f"CHANGELOG.md has no release heading; add '## [{version}] - date'")
        ]
    if releases[0] != version:
        return [
            _finding(
                "changelog-version",
                f"the package version is {version}, but the latest release in CHANGELOG.md is {releases[0]}; "
                "add a heading for this version or fix the version",
            )
        ]
    return []


# --- CSV and Parquet -------------------------------------------------------------------------------


def check_parquet(data: PackageData) -> list[Finding]:
    """Parquet files have the declared column types and descriptions and the rows of their CSV twins."""
    import pyarrow.parquet as pq

    out = []
    for table, resource in data.parquet_resources.items():
        name = str(resource.get("name"))
        path = data.files.get(name)
        if path is None or not path.is_file():
            continue
        try:
            schema = pq.read_schema(path)
        except Exception as error:  # pyarrow raises ArrowInvalid, OSError, ...: all mean unreadable
            if not any(f.resource == name for f in data.unreadable):
                out.append(
                    _finding("parquet-unreadable", f"{resource.get('path')} cannot be read: {error}", name)
                )
            continue
        out.extend(_parquet_schema_problems(schema, resource, name))
        if table in data.parquet and table in data.csv:
            out.extend(_drift(data, table, data.csv[table], data.parquet[table], name))
    return out


def _parquet_schema_problems(schema: Any, resource: dict[str, Any], name: str) -> list[Finding]:
    import pyarrow as pa

    fields = schema_fields(resource)
    expected = [f["name"] for f in fields]
    if schema.names != expected:
        return [
            _finding(
                "parquet-schema", f"{name}: its columns are {schema.names}, the schema says {expected}", name
            )
        ]
    out = []
    for spec in fields:
        arrow_field = schema.field(spec["name"])
        kind = spec.get("type")
        arrow_type = arrow_field.type
        enum = (spec.get("constraints") or {}).get("enum")
        ok = {
            "integer": pa.types.is_int64(arrow_type),
            "number": pa.types.is_float64(arrow_type),
            "boolean": pa.types.is_boolean(arrow_type),
            "date": pa.types.is_date32(arrow_type),
        }.get(
            str(kind),
            (pa.types.is_dictionary(arrow_type) and pa.types.is_string(arrow_type.value_type))
            if enum
            else pa.types.is_string(arrow_type),
        )
        if not ok:
            want = {
                "integer": "int64",
                "number": "double",
                "boolean": "bool",
                "date": "date32",
            }.get(str(kind), "dictionary<string>" if enum else "string")
            out.append(
                _finding(
                    "parquet-schema",
                    f"{name}.{spec['name']} is {arrow_type} in Parquet; the schema's {kind} needs {want}",
                    name,
                    field=spec["name"],
                )
            )
        description = (arrow_field.metadata or {}).get(b"description", b"").decode("utf-8", "replace")
        if description != spec.get("description"):
            out.append(
                _finding(
                    "parquet-schema",
                    f"{name}.{spec['name']}: the Parquet field description differs from the descriptor's",
                    name,
                    field=spec["name"],
                )
            )
    return out


def _drift(
    data: PackageData, table: str, left: pd.DataFrame, right: pd.DataFrame, name: str
) -> list[Finding]:
    """Rows present in one file only, and cells that differ, matched by primary key."""
    if left.equals(right):
        return []
    key = [k for k in data.primary_key(table) if k in left.columns]
    csv_name = data.csv_resources[table].get("path")
    if len(left) != len(right):
        counts = f"{csv_name} has {len(left)} rows, the Parquet file {len(right)}"
    else:
        counts = ""
    out = []
    if key:
        left_keys = list(left[key].astype(object).itertuples(index=False, name=None))
        right_keys = list(right[key].astype(object).itertuples(index=False, name=None))
        if left_keys != right_keys:
            only_csv = sorted(set(left_keys) - set(right_keys), key=str)
            only_parquet = sorted(set(right_keys) - set(left_keys), key=str)
            detail = []
            if only_csv:
                detail.append(f"keys only in the CSV: {_keys(only_csv)}")
            if only_parquet:
                detail.append(f"keys only in the Parquet file: {_keys(only_parquet)}")
            if not detail:
                detail.append("the same keys in a different order")
            return [
                _finding(
                    "csv-parquet-drift",
                    f"{name}: {'; '.join([*([counts] if counts else []), *detail])}",
                    name,
                )
            ]
    elif counts:
        return [_finding("csv-parquet-drift", f"{name}: {counts}", name)]
    for column in left.columns:
        a = left[column].astype(object)
        b = right[column].astype(object)
        differ = ~((a == b).fillna(False).astype(bool) | (a.isna() & b.isna()))
        rows = []
        for index in differ[differ].index:
            row = data.key_of(table, left, index)
            rows.append(
                _finding(
                    "csv-parquet-drift",
                    f"{name} ({_key_text(row)}), {column}: the CSV has "
                    f"{_pair(_plain(a[index]), _plain(b[index]))[0]}, "
                    f"the Parquet file {_pair(_plain(a[index]), _plain(b[index]))[1]}",
                    name,
                    row=row,
                    field=column,
                )
            )
        out.extend(_capped(rows, name, f"differ in {column}"))
    return out


def _keys(keys: list[tuple[Any, ...]]) -> str:
    shown = ", ".join(str(k[0]) if len(k) == 1 else str(k) for k in keys[:10])
    return shown + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")


# --- text ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextRule:
    """One text-hygiene rule: a finding id, a test on one value, and what to tell people."""

    check: str
    find: Callable[[str], list[str]]
    advice: str


def _matches(pattern: re.Pattern[str]) -> Callable[[str], list[str]]:
    return lambda value: [m.group(0) for m in pattern.finditer(value)]


def _question_marks(value: str) -> list[str]:
    return ["?"] if "?" in value and _HAS_HAN.search(value) else []


def _not_nfc(value: str) -> list[str]:
    return [] if unicodedata.is_normalized("NFC", value) else ["not NFC"]


def _traditional(value: str) -> list[str]:
    converted = _to_simplified(value)
    if converted == value:
        return []
    return sorted(set(value) - set(converted)) or ["a Traditional phrase"]


_CONVERTER: list[Any] = []


def _to_simplified(text: str) -> str:
    if not _CONVERTER:
        import opencc

        _CONVERTER.append(opencc.OpenCC("t2s"))
    return str(_CONVERTER[0].convert(text))


TEXT_RULES = [
    TextRule("traditional-characters", _traditional, "write them in Simplified Chinese (OpenCC t2s)"),
    TextRule("pinyin-annotation", _matches(_PINYIN), "remove the pinyin annotation"),
    TextRule("stray-question-mark", _question_marks, "remove the '?' artefact"),
    TextRule(
        "replacement-character", _matches(re.compile("\ufffd")), "the text was decoded wrongly; rebuild it"
    ),
    TextRule("zero-width-character", _matches(_ZERO_WIDTH), "remove the invisible character"),
    TextRule("control-character", _matches(_CONTROL), "remove the control character"),
    TextRule("ascii-punctuation", _matches(_ASCII_PUNCT), "use the full-width ，：；（） in Chinese text"),
    TextRule("unicode-normalisation", _not_nfc, "normalise the text to NFC"),
]


def check_text(data: PackageData) -> list[Finding]:
    """Every text cell of every CSV table is clean Simplified Chinese (or clean English)."""
    out = []
    for table, frame in data.csv.items():
        resource = data.csv_resources[table]
        name = str(resource.get("name"))
        for spec in schema_fields(resource):
            if spec.get("type", "string") != "string" or spec["name"] not in frame.columns:
                continue
            column = frame[spec["name"]].dropna().astype(str)
            if column.empty:
                continue
            joined = "\n".join(column.tolist())
            for rule in TEXT_RULES:
                if not rule.find(joined):
                    continue
                rows = []
                for index, value in column.items():
                    hits = rule.find(value)
                    if hits:
                        row = data.key_of(table, frame, index)
                        shown = ", ".join(repr(h) for h in dict.fromkeys(hits))
                        rows.append(
                            _finding(
                                rule.check,
                                f"{name} ({_key_text(row)}), {spec['name']}: {shown}; {rule.advice}",
                                name,
                                row=row,
                                field=spec["name"],
                            )
                        )
                out.extend(_capped(rows, name, f"break {rule.check}"))
    return out


# --- numbering and links ---------------------------------------------------------------------------


def chinese_numeral(number: int) -> str:
    """A positive number in Chinese numerals, as documents number their parts.

    1 → 一, 10 → 十, 15 → 十五, 28 → 二十八, 105 → 一百零五, 110 → 一百一十, 10001 → 一万零一.
    """
    if number <= 0:
        return _NUMERALS[0]
    if number >= 10_000:
        high, low = divmod(number, 10_000)
        text = chinese_numeral(high) + "万"
        if low:
            text += ("零" if low < 1000 else "") + _below_ten_thousand(low, leading=False)
        return text
    return _below_ten_thousand(number, leading=True)


def _below_ten_thousand(number: int, *, leading: bool) -> str:
    text, zero = "", False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // power % 10
        if digit:
            text += ("零" if zero else "") + _NUMERALS[digit] + unit
            zero = False
        elif text:
            zero = True
    return text[1:] if leading and text.startswith("一十") else text


def _sequence_problem(values: list[int]) -> str | None:
    """Why ``values`` are not exactly 1..n, or None."""
    if not values:
        return None
    unique = sorted(set(values))
    if unique == list(range(1, len(values) + 1)):
        return None
    expected = set(range(1, len(values) + 1))
    missing = sorted(expected - set(unique))
    beyond = sorted(set(unique) - expected)
    parts = []
    if missing:
        parts.append(f"{_list(missing)} missing")
    if beyond:
        parts.append(f"{_list(beyond)} beyond {len(values)}")
    if len(unique) != len(values):
        parts.append("numbers repeated")
    return "; ".join(parts)


def _list(values: list[Any]) -> str:
    return ", ".join(str(v) for v in values[:10]) + (
        f" and {len(values) - 10} more" if len(values) > 10 else ""
    )


def _ints(frame: pd.DataFrame, column: str) -> list[int]:
    return [int(v) for v in frame[column].dropna().tolist()]


def check_numbering(data: PackageData) -> list[Finding]:
    """Sections, clauses and tasks run 1..n; labels match numbers; positions run 1..k in each task."""
    out = []
    for table, column in (("sections", "section_no"), ("clauses", "clause_no"), ("tasks", "task_no")):
        frame = data.csv.get(table)
        if frame is None or column not in frame.columns:
            continue
        problem = _sequence_problem(_ints(frame, column))
        if problem:
            out.append(
                _finding(
                    "numbering",
                    f"{table}.{column} must run 1..{len(frame)} without gaps: {problem}",
                    table,
                    field=column,
                )
            )
    for table, column, label in (("sections", "section_no", "{}、"), ("clauses", "clause_no", "（{}）")):
        frame = data.csv.get(table)
        if frame is None or not {column, "label"} <= set(frame.columns):
            continue
        for index, number, actual in zip(
            frame.index, frame[column].tolist(), frame["label"].tolist(), strict=True
        ):
            if _plain(number) is None or int(number) <= 0:
                continue
            expected = label.format(chinese_numeral(int(number)))
            if actual != expected:
                row = data.key_of(table, frame, index)
                out.append(
                    _finding(
                        "label-mismatch",
                        f"{table} ({_key_text(row)}): label {actual!r} should be {expected!r}",
                        table,
                        row=row,
                        field="label",
                    )
                )
    out.extend(_position_problems(data))
    return out


def _position_problems(data: PackageData) -> list[Finding]:
    links = data.csv.get("task_agencies")
    if links is None or not {"task_no", "position", "group_no", "role"} <= set(links.columns):
        return []
    sources = (
        links["role_source"].astype(object).tolist()
        if "role_source" in links.columns
        else [None] * len(links)
    )
    by_task: dict[int, list[tuple[int, int | None, str]]] = {}
    stated: set[int] = set()
    for task_no, position, group_no, role, source in zip(
        links["task_no"].tolist(),
        links["position"].tolist(),
        links["group_no"].tolist(),
        links["role"].astype(object).tolist(),
        sources,
        strict=True,
    ):
        if _plain(task_no) is None or _plain(position) is None:
            continue
        group = None if _plain(group_no) is None else int(group_no)
        by_task.setdefault(int(task_no), []).append((int(position), group, str(_plain(role) or "")))
        if _plain(source) == "stated":
            stated.add(int(task_no))
    out = []
    for task_no, units in sorted(by_task.items()):
        units.sort()
        row = {"task_no": task_no}
        where = f"task_agencies (task_no {task_no})"
        positions = [position for position, _, _ in units]
        problem = _sequence_problem(positions)
        if problem:
            out.append(
                _finding(
                    "numbering",
                    f"{where}: positions must run 1..{len(positions)}: {problem}",
                    "task_agencies",
                    row=row,
                    field="position",
                )
            )
        groups = [group for _, group, _ in units if group is not None]
        if groups and (groups[0] != 1 or any(b - a not in (0, 1) for a, b in itertools.pairwise(groups))):
            out.append(
                _finding(
                    "numbering",
                    f"{where}: group numbers {groups} must start at 1 and grow by at most 1 from one "
                    "position to the next",
                    "task_agencies",
                    row=row,
                    field="group_no",
                )
            )
        out.extend(_lead_problems([role for _, _, role in units], task_no in stated, where, row))
    return _capped(out, "task_agencies", "break the same rule")


def _lead_problems(roles: list[str], stated: bool, where: str, row: dict[str, Any]) -> list[Finding]:
    """Leads per task: where the annex states roles, one or more, listed first; else exactly one, first."""
    leads = roles.count("lead")
    if stated:
        if leads == 0:
            message = f"{where}: no lead unit; the annex's lead column names at least one"
            return [_finding("lead-count", message, "task_agencies", row=row, field="role")]
        if roles[:leads] != ["lead"] * leads:
            message = f"{where}: the stated leads are not listed before the supporting units"
            return [_finding("lead-position", message, "task_agencies", row=row, field="role")]
        return []
    if leads != 1:
        message = (
            f"{where}: {leads} lead units; where the annex does not state roles, the first-listed "
            "unit is the one lead"
        )
        return [_finding("lead-count", message, "task_agencies", row=row, field="role")]
    if roles[0] != "lead":
        message = f"{where}: the lead is not the first-listed unit (position 1)"
        return [_finding("lead-position", message, "task_agencies", row=row, field="role")]
    return []


def check_links(data: PackageData) -> list[Finding]:
    """Every task has a unit, every agency is used, and the units match the annex cell."""
    tasks, links, agencies = (data.csv.get(t) for t in ("tasks", "task_agencies", "agencies"))
    if tasks is None or links is None or "task_no" not in links.columns:
        return []
    out = []
    linked_tasks = set(_ints(links, "task_no"))
    for task_no in _ints(tasks, "task_no"):
        if task_no not in linked_tasks:
            out.append(
                _finding(
                    "task-without-agency",
                    f"task {task_no} has no responsible unit in task_agencies",
                    "tasks",
                    row={"task_no": task_no},
                )
            )
    if agencies is None or "agency_id" not in agencies.columns:
        return out
    used = set(links["agency_id"].dropna().astype(str))
    for agency_id in agencies["agency_id"].dropna().astype(str):
        if agency_id not in used:
            out.append(
                _finding(
                    "agency-unused",
                    f"agency {agency_id} is named by no task; the package lists only units the annex names",
                    "agencies",
                    row={"agency_id": agency_id},
                )
            )
    out.extend(_units_problems(tasks, links, agencies))
    return out


def _units_problems(tasks: pd.DataFrame, links: pd.DataFrame, agencies: pd.DataFrame) -> list[Finding]:
    """task_agencies, in position order, spells out each task's responsible_units_raw cell."""
    needed_tasks = {"task_no", "responsible_units_raw"}
    needed_links = {"task_no", "agency_id", "position", "group_no"}
    if not needed_tasks <= set(tasks.columns) or not needed_links <= set(links.columns):
        return []
    names = dict(zip(agencies["agency_id"].astype(object), agencies["name_zh"].astype(object), strict=True))
    listed: dict[int, list[tuple[Any, int]]] = {}
    ordered = links.dropna(subset=["task_no", "position"]).sort_values(["task_no", "position"])
    for task_no, agency_id, group_no in zip(
        ordered["task_no"].tolist(), ordered["agency_id"].tolist(), ordered["group_no"].tolist(), strict=True
    ):
        group = int(group_no) if _plain(group_no) is not None else 0
        listed.setdefault(int(task_no), []).append((names.get(agency_id, agency_id), group))
    rows = []
    for task_no, cell in zip(tasks["task_no"].tolist(), tasks["responsible_units_raw"].tolist(), strict=True):
        if _plain(task_no) is None or _plain(cell) is None or int(task_no) not in listed:
            continue
        expected = units_in_cell(str(cell))
        actual = listed[int(task_no)]
        if actual != expected:
            rows.append(
                _finding(
                    "units-mismatch",
                    f"task {int(task_no)}: task_agencies lists {[u for u, _ in actual]} in groups "
                    f"{[g for _, g in actual]}, but responsible_units_raw reads {cell!r}",
                    "task_agencies",
                    row={"task_no": int(task_no)},
                )
            )
    return _capped(rows, "task_agencies", "do not match their cell")


def units_in_cell(cell: str) -> list[tuple[str, int]]:
    """``(unit, group_no)`` in the order a ``responsible_units_raw`` cell lists them.

    The cell is one units cell (``、`` between units, ``，`` between groups), or, where the
    annex has lead and support columns, ``牵头单位：…；配合单位：…`` with groups numbered on
    from the lead cell into the support cell.
    """
    parts = [cell]
    if cell.startswith("牵头单位："):
        parts = [part.split("：", 1)[1] for part in cell.split("；")]
    out: list[tuple[str, int]] = []
    group_no = 0
    for part in parts:
        for group in part.split("，"):
            group_no += 1
            out.extend((unit, group_no) for unit in group.split("、"))
    return out


def check_row_order(data: PackageData) -> list[Finding]:
    """Rows are sorted by primary key, as the package promises."""
    out = []
    for table, frame in data.csv.items():
        key = [k for k in data.primary_key(table) if k in frame.columns]
        if not key or len(frame) < 2 or frame[key].isna().any().any():
            continue
        tuples = list(frame[key].astype(object).itertuples(index=False, name=None))
        try:
            ordered = tuples == sorted(tuples)
        except TypeError:
            continue
        if not ordered:
            first = next(i for i in range(1, len(tuples)) if tuples[i] < tuples[i - 1])
            out.append(
                _finding(
                    "row-order",
                    f"{table} is not sorted by {', '.join(key)}: row {first + 1} comes after a larger key",
                    table,
                    row=first + 1,
                )
            )
    return out


# --- the Excel copy --------------------------------------------------------------------------------


def check_workbook(data: PackageData) -> list[Finding]:
    """Each table's sheet in the Excel copy holds the CSV table's columns, rows and values."""
    from cqpolicy.validate.workbook import WorkbookError, read_sheets

    out: list[Finding] = []
    for resource in resource_list(data.descriptor):
        name = str(resource.get("name"))
        path = data.files.get(name)
        if resource.get("format") != "xlsx" or path is None or not path.is_file():
            continue
        try:
            sheets = read_sheets(path)
        except WorkbookError as error:
            out.append(_finding("workbook-unreadable", f"{resource.get('path')} {error}", name))
            continue
        for table, frame in data.csv.items():
            fields = schema_fields(data.csv_resources[table])
            rows = sheets.get(table)
            if rows is None:
                out.append(_finding("workbook-drift", f"{resource.get('path')} has no sheet {table!r}", name))
                continue
            out.extend(_sheet_problems(data, table, frame, fields, rows, name))
    return out


def _sheet_problems(
    data: PackageData,
    table: str,
    frame: pd.DataFrame,
    fields: list[dict[str, Any]],
    rows: list[list[Any]],
    name: str,
) -> list[Finding]:
    from cqpolicy.validate.workbook import serial_date

    header = [str(c) if c is not None else "" for c in (rows[0] if rows else [])]
    names = [f["name"] for f in fields]
    if header[: len(names)] != names:
        return [
            _finding("workbook-drift", f"sheet {table}: the header is {header}, the CSV's is {names}", name)
        ]
    body = rows[1:]
    while body and not any(c is not None for c in body[-1]):
        body.pop()
    if len(body) != len(frame):
        return [_finding("workbook-drift", f"sheet {table} has {len(body)} rows, the CSV {len(frame)}", name)]
    found = []
    for position, spec in enumerate(fields):
        kind = spec.get("type", "string")
        expected = [_plain(v) for v in frame[spec["name"]].tolist()]
        for index, want in enumerate(expected):
            row = body[index]
            cell = row[position] if position < len(row) else None
            if want is None:
                same = cell is None or cell == ""
            elif kind in ("integer", "number"):
                same = (
                    isinstance(cell, float) and not isinstance(cell, bool) and abs(cell - float(want)) <= 1e-9
                )
            elif kind == "boolean":
                same = cell is want
            elif kind == "date":
                same = isinstance(cell, float) and serial_date(cell).isoformat() == want
            else:
                same = cell == str(want)
            if not same:
                key = data.key_of(table, frame, frame.index[index])
                found.append(
                    _finding(
                        "workbook-drift",
                        f"sheet {table} ({_key_text(key)}), {spec['name']}: the workbook has "
                        f"{_pair(cell, want)[0]}, the CSV {_pair(cell, want)[1]}",
                        name,
                        row=key,
                        field=spec["name"],
                    )
                )
    return _capped(found, name, "differ from the CSV")


#: The checks, in the order they run (``files`` and ``csv-layout`` need no loaded tables).
CHECKS: list[tuple[str, Callable[[PackageData], list[Finding]]]] = [
    ("files", check_files),
    ("csv-layout", check_csv_layout),
    ("contract", check_contract),
    ("document-metadata", check_document_metadata),
    ("version", check_version),
    ("parquet", check_parquet),
    ("text", check_text),
    ("numbering", check_numbering),
    ("links", check_links),
    ("row-order", check_row_order),
    ("workbook", check_workbook),
    ("translation", check_translation),
]


def run_checks(data: PackageData) -> tuple[list[Finding], dict[str, Any]]:
    """Run every package check; an unexpected exception becomes an ``internal-error`` finding."""
    findings = list(data.unreadable)
    for name, check in CHECKS:
        try:
            findings.extend(check(data))
        except Exception as error:  # a bug or an input no check foresaw must not hide the other findings
            findings.append(
                _finding(
                    "internal-error",
                    f"the {name} check stopped on {type(error).__name__}: {error}; please report this",
                )
            )
    return findings, {"checks": len(CHECKS), "tables": len(data.csv)}
