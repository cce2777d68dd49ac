"""What every package check reads and how it reports: the loaded package and finding helpers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cqpolicy.errors import InputError
from cqpolicy.findings import Finding
from cqpolicy.package import load_table, table_resources, table_schema

if TYPE_CHECKING:
    import pandas as pd

LAYER = "package"

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
        return {k: plain(frame.at[index, k]) for k in key}


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
                    new_finding(
                        check, f"{resource.get('path')} cannot be read: {error.detail}", resource.get("name")
                    )
                )
    return data


def new_finding(
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


def plain(value: Any) -> Any:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def clip(value: Any, limit: int = 40) -> str:
    """A value for a message: integral floats as integers, long text cut short."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…" + text[-1]


def pair(left: Any, right: Any, width: int = 30) -> tuple[str, str]:
    """Two differing values for a message; two long texts are shown around their first difference."""
    if not (isinstance(left, str) and isinstance(right, str)) or max(len(left), len(right)) <= width:
        return clip(left), clip(right)
    at = next(
        (i for i, (a, b) in enumerate(zip(left, right, strict=False)) if a != b), min(len(left), len(right))
    )
    start = max(0, at - 10)

    def cut(text: str) -> str:
        part = text[start : start + width]
        return repr(("…" if start else "") + part + ("…" if start + width < len(text) else ""))

    return cut(left), cut(right)


def key_text(key: dict[str, Any] | int) -> str:
    if isinstance(key, dict):
        return ", ".join(f"{k} {v}" for k, v in key.items())
    return f"row {key}"


def capped(findings: list[Finding], resource: str, what: str) -> list[Finding]:
    """At most MAX_ROWS findings per check id, plus one per check that counts the rest."""
    out: list[Finding] = []
    seen: dict[str, int] = {}
    for finding in findings:
        seen[finding.check] = seen.get(finding.check, 0) + 1
        if seen[finding.check] <= MAX_ROWS:
            out.append(finding)
    for check, count in seen.items():
        if count > MAX_ROWS:
            out.append(new_finding(check, f"{resource}: {count - MAX_ROWS} more rows {what}", resource))
    return out


@dataclass(frozen=True)
class Copy:
    """Another copy of a table (a workbook sheet, a database table) to hold against its CSV."""

    #: The check id its drift is reported under (``workbook-drift``, ``database-drift``).
    check: str
    #: How a finding names the table in that copy (``sheet tasks``, ``….sqlite: table tasks``).
    where: str
    #: What the copy is called in a message (``workbook``, ``database``).
    noun: str
    #: The resource the findings belong to.
    resource: str


def copy_drift(
    data: PackageData,
    table: str,
    frame: pd.DataFrame,
    fields: list[dict[str, Any]],
    rows: Sequence[Sequence[Any]],
    copy: Copy,
    same: Callable[[Any, Any, str], bool],
) -> list[Finding]:
    """Every value of the CSV table ``frame`` against the same cell of ``rows`` (same order and columns).

    ``same(cell, csv_value, field_type)`` says whether the copy's cell holds the CSV's value in
    that copy's own representation. One finding per differing value, capped per table.
    """
    found = []
    for position, spec in enumerate(fields):
        kind = spec.get("type", "string")
        for index, value in enumerate(frame[spec["name"]].tolist()):
            want = plain(value)
            row = rows[index]
            cell = row[position] if position < len(row) else None
            if not same(cell, want, kind):
                key = data.key_of(table, frame, frame.index[index])
                left, right = pair(cell, want)
                found.append(
                    new_finding(
                        copy.check,
                        f"{copy.where} ({key_text(key)}), {spec['name']}: the {copy.noun} has {left}, "
                        f"the CSV {right}",
                        copy.resource,
                        row=key,
                        field=spec["name"],
                    )
                )
    return capped(found, copy.resource, "differ from the CSV")
