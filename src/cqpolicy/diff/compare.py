"""Compare two loaded package versions: metadata, schema, and every table row by row.

Tables are compared parents first (in foreign-key order), so that a child table
sees its parents' alignment: a foreign-key value that points at a renumbered row
is translated to the row's new number before comparing. That is how assignments
follow their task (a renumbered task's unchanged units are not changes) and how a
task whose clause was renumbered keeps its clause. A table whose primary key is
made of foreign keys (``task_agencies``) is aligned by its translated key; every
other table by content (:mod:`cqpolicy.diff.align`).

A table present in only one version is reported once, as a schema change
(resource added or removed), not row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from operator import itemgetter
from typing import Any

from cqpolicy.diff.align import DEFAULT_THRESHOLD, align, sort_token
from cqpolicy.diff.model import KINDS, Bump, Change, DiffResult, FieldChange, Kind, Side, strongest
from cqpolicy.diff.rules import (
    DERIVED_RESOURCE_PROPERTIES,
    IDENTITY_FIELDS,
    PROVENANCE_FIELDS,
    metadata_impact,
    row_impact,
    schema_impact,
)

#: Suffix of the Parquet copy of a CSV resource (``tasks-parquet``).
PARQUET_SUFFIX = "-parquet"


class _Removed:
    """Stands for a foreign-key value whose referenced row was removed: equal to nothing new."""

    def __repr__(self) -> str:
        return "<removed>"


REMOVED = _Removed()


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key of a table: its fields, and the table and fields it references."""

    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]


@dataclass
class Table:
    """One table's rows as plain Python values (``None`` for missing), in schema column order."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    foreign_keys: tuple[ForeignKey, ...] = ()

    def key_of(self, row: tuple[Any, ...]) -> Hashable:
        """The row's primary key: a value, or a tuple for a composite key."""
        positions = [self.columns.index(name) for name in self.key]
        if len(positions) == 1:
            return row[positions[0]]  # type: ignore[no-any-return]  # cell values are Any
        return tuple(row[p] for p in positions)

    def keys(self) -> list[Hashable]:
        """Primary key of every row (the row index when the table has no primary key)."""
        positions = [self.columns.index(name) for name in self.key if name in self.columns]
        if not positions:
            return list(range(len(self.rows)))
        if len(positions) == 1:
            p = positions[0]
            return [row[p] for row in self.rows]
        return [tuple(row[p] for p in positions) for row in self.rows]


@dataclass
class PackageData:
    """A package version ready to compare: its descriptor and its CSV tables by resource name."""

    side: Side
    descriptor: dict[str, Any]
    tables: dict[str, Table] = field(default_factory=dict)


@dataclass
class _Mapping:
    """How one table's old keys map to new keys after alignment."""

    old_to_new: dict[Hashable, Hashable]
    removed: set[Hashable]

    def translate(self, value: Hashable) -> Any:
        if value in self.old_to_new:
            return self.old_to_new[value]
        if value in self.removed:
            return REMOVED
        return value


def diff_packages(old: PackageData, new: PackageData, *, threshold: float = DEFAULT_THRESHOLD) -> DiffResult:
    """Compare two package versions.

    Args:
        old: The old version.
        new: The new version.
        threshold: Jaccard similarity above which two rows with different texts are one row, edited.

    Returns:
        The result, changes ordered by table and key, with the suggested version bump.
    """
    changes: list[Change] = [*_metadata_changes(old.descriptor, new.descriptor)]
    changes.extend(_schema_changes(old.descriptor, new.descriptor))
    common = [name for name in new.tables if name in old.tables]
    by_table: dict[str, list[Change]] = {}
    mappings: dict[str, _Mapping] = {}
    labels = _Labeller(old, new)
    for name in _parents_first(common, old, new):
        by_table[name], mappings[name] = _diff_table(
            old.tables[name], new.tables[name], mappings, labels, threshold
        )
    amended = _amended_tasks(by_table.get("tasks", []))
    for name in common:
        changes.extend(_with_impact(change, amended) for change in by_table[name])
    suggested: Bump = strongest([change.impact for change in changes])
    return DiffResult(
        old=old.side,
        new=new.side,
        tables=("metadata", "schema", *common),
        changes=tuple(changes),
        suggested_bump=suggested,
    )


def _with_impact(change: Change, amended: tuple[frozenset[Any], frozenset[Any]]) -> Change:
    return Change(
        table=change.table,
        kind=change.kind,
        old_key=change.old_key,
        new_key=change.new_key,
        fields=change.fields,
        row=change.row,
        label=change.label,
        impact=row_impact(change, amended),
    )


def _amended_tasks(changes: list[Change]) -> tuple[frozenset[Any], frozenset[Any]]:
    old: set[Any] = set()
    new: set[Any] = set()
    for change in changes:
        units_changed = "responsible_units_raw" in change.fields
        if change.kind == "removed" or units_changed:
            old.add(change.old_key)
        if change.kind == "added" or units_changed:
            new.add(change.new_key)
    return frozenset(old), frozenset(new)


def _parents_first(names: list[str], old: PackageData, new: PackageData) -> list[str]:
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name in names:
        for fk in (*old.tables[name].foreign_keys, *new.tables[name].foreign_keys):
            if fk.resource in graph and fk.resource != name:
                graph[name].add(fk.resource)
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError:  # a reference cycle: compare in descriptor order, without translation across it
        return names


# --- metadata --------------------------------------------------------------------------------------


def _records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _flattened(name: str, old: Any, new: Any) -> dict[str, FieldChange]:
    """A change of a list of records (``sources``, ``licenses``, ...) field by field.

    Records are matched by position; a field is named ``sources[2].path`` (1-based).
    Anything else is one field change.
    """
    if (
        not (_records(old) or _records(new))
        or not isinstance(old or [], list)
        or not isinstance(new or [], list)
    ):
        return {name: FieldChange(old, new)}
    out: dict[str, FieldChange] = {}
    olds, news = old or [], new or []
    for index in range(max(len(olds), len(news))):
        before = olds[index] if index < len(olds) else {}
        after = news[index] if index < len(news) else {}
        if not isinstance(before, dict) or not isinstance(after, dict):
            out[f"{name}[{index + 1}]"] = FieldChange(before or None, after or None)
            continue
        for key in [*after, *(k for k in before if k not in after)]:
            if before.get(key) != after.get(key):
                out[f"{name}[{index + 1}].{key}"] = FieldChange(before.get(key), after.get(key))
    return out


def _metadata_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    skip = {"resources", "document"}
    names = [k for k in new if k not in skip] + [k for k in old if k not in skip and k not in new]
    fields: dict[str, FieldChange] = {}
    for n in names:
        if old.get(n) != new.get(n):
            fields.update(_flattened(n, old.get(n), new.get(n)))
    if fields:
        change = Change("metadata", "modified", "package", "package", fields, label=_text(new.get("name")))
        changes.append(_impact(change, metadata_impact(change)))
    old_doc, new_doc = old.get("document"), new.get("document")
    label = (
        _text((new_doc or old_doc or {}).get("document_number"))
        if isinstance(new_doc or old_doc, dict)
        else None
    )
    if isinstance(old_doc, dict) and isinstance(new_doc, dict):
        names = list(new_doc) + [k for k in old_doc if k not in new_doc]
        doc_fields = {
            n: FieldChange(old_doc.get(n), new_doc.get(n)) for n in names if old_doc.get(n) != new_doc.get(n)
        }
        if doc_fields:
            change = Change("metadata", "modified", "document", "document", doc_fields, label=label)
            changes.append(_impact(change, metadata_impact(change)))
    elif isinstance(old_doc, dict) or isinstance(new_doc, dict):
        kind: Kind = "added" if isinstance(new_doc, dict) else "removed"
        change = Change(
            "metadata",
            kind,
            "document" if kind == "removed" else None,
            "document" if kind == "added" else None,
            row=new_doc if kind == "added" else old_doc,
            label=label,
        )
        changes.append(_impact(change, metadata_impact(change)))
    return changes


def _impact(change: Change, impact: Bump) -> Change:
    return Change(
        change.table,
        change.kind,
        change.old_key,
        change.new_key,
        change.fields,
        change.row,
        change.label,
        impact,
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# --- schema ----------------------------------------------------------------------------------------


def _resources(descriptor: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for index, resource in enumerate(descriptor.get("resources") or []):
        if isinstance(resource, dict):
            out[str(resource.get("name", f"#{index + 1}"))] = resource
    return out


def _schema_fields(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    schema = resource.get("schema")
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list):
        return {}
    return {f["name"]: f for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)}


def _resource_properties(resource: dict[str, Any]) -> dict[str, Any]:
    props = {
        k: v
        for k, v in resource.items()
        if k not in DERIVED_RESOURCE_PROPERTIES and k not in ("schema", "name")
    }
    schema = resource.get("schema")
    if isinstance(schema, dict):
        props.update({k: v for k, v in schema.items() if k != "fields"})
    return props


def _schema_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    old_res, new_res = _resources(old), _resources(new)
    names = list(new_res) + [name for name in old_res if name not in new_res]
    per_resource: dict[str, list[Change]] = {}
    for name in names:
        o, n = old_res.get(name), new_res.get(name)
        found: list[Change] = []
        if o is not None and n is not None:
            found.extend(_resource_changes(name, o, n))
        else:
            kind: Kind = "added" if o is None else "removed"
            resource = n or o or {}
            row = {"path": resource.get("path"), "fields": list(_schema_fields(resource))}
            found.append(
                Change(
                    "schema",
                    kind,
                    name if kind == "removed" else None,
                    name if kind == "added" else None,
                    row=row,
                    label=_text(resource.get("title")),
                )
            )
        per_resource[name] = found
    changes: list[Change] = []
    for name in names:
        base = name[: -len(PARQUET_SUFFIX)] if name.endswith(PARQUET_SUFFIX) else None
        for change in per_resource[name]:
            if base is not None and base in per_resource and _twin_reported(change, base, per_resource[base]):
                continue
            changes.append(_impact(change, schema_impact(change)))
    return changes


def _resource_changes(name: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    o_props, n_props = _resource_properties(old), _resource_properties(new)
    keys = list(n_props) + [k for k in o_props if k not in n_props]
    fields = {
        k: FieldChange(o_props.get(k), n_props.get(k)) for k in keys if o_props.get(k) != n_props.get(k)
    }
    o_fields, n_fields = _schema_fields(old), _schema_fields(new)
    o_order = [f for f in o_fields if f in n_fields]
    n_order = [f for f in n_fields if f in o_fields]
    if o_order != n_order:
        fields["field_order"] = FieldChange(list(o_fields), list(n_fields))
    if fields:
        changes.append(Change("schema", "modified", name, name, fields, label=_text(new.get("title"))))
    for fname in list(n_fields) + [f for f in o_fields if f not in n_fields]:
        of, nf = o_fields.get(fname), n_fields.get(fname)
        key = (name, fname)
        if of is None:
            changes.append(Change("schema", "added", None, key, row=nf, label=_text(nf and nf.get("title"))))
        elif nf is None:
            changes.append(Change("schema", "removed", key, None, row=of, label=_text(of.get("title"))))
        else:
            props = [k for k in nf if k != "name"] + [k for k in of if k not in nf and k != "name"]
            diffs = {k: FieldChange(of.get(k), nf.get(k)) for k in props if of.get(k) != nf.get(k)}
            if diffs:
                changes.append(Change("schema", "modified", key, key, diffs, label=_text(nf.get("title"))))
    return changes


def _twin_reported(change: Change, base: str, base_changes: list[Change]) -> bool:
    """True when the Parquet copy's change repeats one already reported for its CSV resource."""

    def strip(key: Any) -> Any:
        if isinstance(key, tuple):
            return (base, *key[1:])
        return base if key is not None else None

    for other in base_changes:
        if (
            other.kind == change.kind
            and other.old_key == strip(change.old_key)
            and other.new_key == strip(change.new_key)
            and set(other.fields) == set(change.fields)
        ):
            return True
    return False


# --- tables ----------------------------------------------------------------------------------------


class _Labeller:
    """Short human names for rows: a clause's label and title, an assignment's agency name."""

    def __init__(self, old: PackageData, new: PackageData):
        self.agency_names: dict[Any, str] = {}
        for package in (old, new):
            agencies = package.tables.get("agencies")
            if agencies and "agency_id" in agencies.columns and "name_zh" in agencies.columns:
                i, j = agencies.columns.index("agency_id"), agencies.columns.index("name_zh")
                self.agency_names.update({row[i]: row[j] for row in agencies.rows if row[j] is not None})

    def __call__(self, table: str, row: dict[str, Any]) -> str | None:
        def get(name: str) -> str:
            value = row.get(name)
            return "" if value is None else str(value)

        if table in ("sections", "clauses"):
            return f"{get('label')}{get('title')}" or None
        if table == "tasks":
            text = get("text")
            return text if len(text) <= 30 else text[:29] + "…"
        if table == "agencies":
            return get("name_zh") or None
        if table == "task_agencies":
            return self.agency_names.get(row.get("agency_id")) or get("agency_id") or None
        if table == "document":
            return get("title") or None
        if "label_zh" in row:
            return get("label_zh") or None
        return None


def _translators(
    table: Table, mappings: dict[str, _Mapping]
) -> list[tuple[list[int], Callable[[Hashable], Any]]]:
    out: list[tuple[list[int], Callable[[Hashable], Any]]] = []
    for fk in table.foreign_keys:
        mapping = mappings.get(fk.resource)
        if mapping is None or not all(f in table.columns for f in fk.fields):
            continue
        out.append(([table.columns.index(f) for f in fk.fields], mapping.translate))
    return out


def _translate(
    rows: list[tuple[Any, ...]], translators: list[tuple[list[int], Callable[[Hashable], Any]]]
) -> list[tuple[Any, ...]]:
    if not translators:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for positions, translate in translators:
            if len(positions) == 1:
                p = positions[0]
                values[p] = translate(row[p])
            else:
                mapped = translate(tuple(row[p] for p in positions))
                for offset, p in enumerate(positions):
                    values[p] = mapped if mapped is REMOVED else mapped[offset]
        out.append(tuple(values))
    return out


def _identity_columns(table: Table, other: Table) -> list[str]:
    preferred = IDENTITY_FIELDS.get(table.name)
    if preferred and all(c in table.columns and c in other.columns for c in preferred):
        return list(preferred)
    fk_fields = {f for fk in table.foreign_keys for f in fk.fields}
    return [
        c
        for c in table.columns
        if c in other.columns and c not in table.key and c not in fk_fields and c not in PROVENANCE_FIELDS
    ]


def _identity_texts(table: Table, columns: list[str]) -> list[str]:
    positions = [table.columns.index(c) for c in columns]
    return ["\x1f".join("" if row[p] is None else str(row[p]) for p in positions) for row in table.rows]


def _diff_table(
    old: Table, new: Table, mappings: dict[str, _Mapping], labels: _Labeller, threshold: float
) -> tuple[list[Change], _Mapping]:
    old_keys, new_keys = old.keys(), new.keys()
    translated = _translate(old.rows, _translators(old, mappings))
    fk_fields = {f for fk in old.foreign_keys if fk.resource in mappings for f in fk.fields}
    by_key = bool(new.key) and old.key == new.key and set(new.key) <= fk_fields
    if by_key:
        # A table keyed by its parents (task_agencies): rows follow their parents' alignment.
        positions = [old.columns.index(c) for c in old.key]
        t_keys: list[Hashable] = [
            row[positions[0]] if len(positions) == 1 else tuple(row[p] for p in positions)
            for row in translated
        ]
        new_index = {key: n for n, key in enumerate(new_keys)}
        pairs = []
        removed = []
        for o, key in enumerate(t_keys):
            n = new_index.pop(key, None) if not _has_removed(key) else None
            if n is None:
                removed.append(o)
            else:
                pairs.append((o, n))
        added = sorted(new_index.values())
    else:
        columns = _identity_columns(old, new)
        if len(old.rows) == 1 and len(new.rows) == 1:  # a one-row table (document) is one row
            pairs, removed, added = [(0, 0)], [], []
        else:
            alignment = align(
                old_keys,
                new_keys,
                _identity_texts(old, columns),
                _identity_texts(new, columns),
                threshold=threshold,
            )
            pairs = [(o, n) for o, n, _method in alignment.pairs]
            removed, added = list(alignment.removed), list(alignment.added)
        t_keys = old_keys

    compared = [c for c in new.columns if c in old.columns and c not in new.key]
    o_pos = [old.columns.index(c) for c in compared]
    n_pos = [new.columns.index(c) for c in compared]
    changes: list[Change] = []
    # Most rows are unchanged: compare all compared values at once (in C) before looking closer.
    old_values = _getter(o_pos)
    new_values = _getter(n_pos)
    for o, n in pairs:
        o_row, t_row, n_row = old.rows[o], translated[o], new.rows[n]
        renumbered = not by_key and t_keys[o] != new_keys[n]
        if not renumbered and old_values(t_row) == new_values(n_row):
            continue
        fields = {
            name: FieldChange(o_row[op], n_row[np_])
            for name, op, np_ in zip(compared, o_pos, n_pos, strict=True)
            if t_row[op] != n_row[np_] and not (_missing(t_row[op]) and _missing(n_row[np_]))
        }
        if not renumbered and not fields:
            continue
        row_kind: Kind = "renumbered" if renumbered else "modified"
        label = labels(new.name, dict(zip(new.columns, n_row, strict=True)))
        changes.append(Change(new.name, row_kind, old_keys[o], new_keys[n], fields, label=label))
    for o in removed:
        row = dict(zip(old.columns, old.rows[o], strict=True))
        changes.append(Change(old.name, "removed", old_keys[o], None, row=row, label=labels(old.name, row)))
    for n in added:
        row = dict(zip(new.columns, new.rows[n], strict=True))
        changes.append(Change(new.name, "added", None, new_keys[n], row=row, label=labels(new.name, row)))
    kind_order = {kind: i for i, kind in enumerate(KINDS)}
    changes.sort(
        key=lambda c: (sort_token(c.new_key if c.new_key is not None else c.old_key), kind_order[c.kind])
    )
    mapping = _Mapping(
        old_to_new={old_keys[o]: new_keys[n] for o, n in pairs},
        removed={old_keys[o] for o in removed},
    )
    return changes, mapping


def _has_removed(key: Hashable) -> bool:
    # _Removed has no __eq__, so `in` tests identity.
    return key is REMOVED or (type(key) is tuple and REMOVED in key)


def _getter(positions: list[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A fast function returning the values at ``positions`` of a row, always as a tuple."""
    if not positions:
        return lambda _row: ()
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    getter: Callable[[tuple[Any, ...]], tuple[Any, ...]] = itemgetter(*positions)
    return getter


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)
