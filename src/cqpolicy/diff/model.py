"""The result of comparing two package versions: plain data, rendered elsewhere.

A :class:`DiffResult` holds what both sides are (:class:`Side`), the list of
:class:`Change` objects, a per-table summary and the suggested version bump.
``to_dict()`` gives the JSON contract published as ``schemas/diff.schema.json``;
:mod:`cqpolicy.diff.render` turns the same object into text or Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["added", "removed", "modified", "renumbered"]
Bump = Literal["major", "minor", "patch", "none"]

#: Order in which kinds are listed in summaries.
KINDS: tuple[Kind, ...] = ("added", "removed", "modified", "renumbered")
#: Bumps from the strongest to none; a result's suggestion is the strongest of its changes.
BUMPS: tuple[Bump, ...] = ("major", "minor", "patch", "none")


@dataclass(frozen=True)
class FieldChange:
    """One value that differs between the two versions of a row (or of a metadata object)."""

    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        """``{"old": ..., "new": ...}``."""
        return {"old": self.old, "new": self.new}

    def inverse(self) -> FieldChange:
        """The same change seen from the other side."""
        return FieldChange(self.new, self.old)


@dataclass(frozen=True)
class Change:
    """One difference, in policy terms.

    Attributes:
        table: ``metadata``, ``schema``, or a table (resource) name such as ``tasks``.
        kind: ``added``, ``removed``, ``modified`` or ``renumbered``.
        old_key: The row's primary key in the old version (a value, or a list for a composite key);
            ``None`` for an added row.
        new_key: The same in the new version; ``None`` for a removed row.
        fields: Values that differ, by field name (empty for a row added, removed or only renumbered).
        row: For an added or removed row, all its values, so that readers see what it was.
        label: A short human name for the row (a clause's label and title, an agency's name, ...).
        impact: What this change alone asks of the version number: ``major``, ``minor`` or ``patch``.
    """

    table: str
    kind: Kind
    old_key: Any
    new_key: Any
    fields: dict[str, FieldChange] = field(default_factory=dict)
    row: dict[str, Any] | None = None
    label: str | None = None
    impact: Bump = "patch"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: keys as lists for composite keys, ``fields`` always present."""
        out: dict[str, Any] = {
            "table": self.table,
            "kind": self.kind,
            "old_key": _json_key(self.old_key),
            "new_key": _json_key(self.new_key),
            "fields": {name: value.to_dict() for name, value in self.fields.items()},
            "impact": self.impact,
            "label": self.label,
        }
        if self.row is not None:
            out["row"] = self.row
        return out


def _json_key(key: Any) -> Any:
    return list(key) if isinstance(key, tuple) else key


@dataclass(frozen=True)
class Side:
    """What one side of the comparison is.

    Attributes:
        source: The input as the user gave it (a path, ``HEAD~1``, ``1.0.0``).
        kind: ``directory``, ``descriptor``, ``zip``, ``git``, or ``publication`` (a policy
            text, web page, Word or PDF file, built with the repository's ``sources/`` first).
        revision: The full commit id for a git input, else ``None``.
        version: The package's ``version``.
        name: The package's ``name``.
        document_number: The policy's document number (发文字号), from the descriptor.
        source_sha256: The sha256 of the source text the package was built from, if recorded.
    """

    source: str
    kind: str
    revision: str | None = None
    version: str | None = None
    name: str | None = None
    document_number: str | None = None
    source_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "source": self.source,
            "kind": self.kind,
            "revision": self.revision,
            "version": self.version,
            "name": self.name,
            "document_number": self.document_number,
            "source_sha256": self.source_sha256,
        }

    def describe(self) -> str:
        """``1.0.0 (HEAD~1, 3f2c1a9)``: the version and where it came from, for headings."""
        where = self.source if self.revision is None else f"{self.source}, {self.revision[:7]}"
        return f"{self.version or 'unversioned'} ({where})"


@dataclass(frozen=True)
class DiffResult:
    """Everything ``cqpolicy diff`` found.

    Attributes:
        old: The old side.
        new: The new side.
        tables: Every table compared, in report order (``metadata``, ``schema``, then the data tables).
        changes: The changes, ordered by table (as in ``tables``) and then by key.
        suggested_bump: The strongest ``impact`` among the changes, or ``none``.
    """

    old: Side
    new: Side
    tables: tuple[str, ...]
    changes: tuple[Change, ...]
    suggested_bump: Bump

    @property
    def has_changes(self) -> bool:
        """True when the two versions differ in anything the diff compares."""
        return bool(self.changes)

    def summary(self) -> dict[str, dict[str, int]]:
        """``{table: {kind: count}}`` for every compared table, zero counts included."""
        counts: dict[str, dict[str, int]] = {table: dict.fromkeys(KINDS, 0) for table in self.tables}
        for change in self.changes:
            counts.setdefault(change.table, dict.fromkeys(KINDS, 0))[change.kind] += 1
        return counts

    def for_table(self, table: str) -> list[Change]:
        """The changes of one table, in order."""
        return [change for change in self.changes if change.table == table]

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (``schemas/diff.schema.json``)."""
        return {
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            "summary": self.summary(),
            "changes": [change.to_dict() for change in self.changes],
            "suggested_bump": self.suggested_bump,
        }


def strongest(bumps: list[Bump]) -> Bump:
    """The strongest of ``bumps`` (``major`` > ``minor`` > ``patch``), ``none`` for an empty list."""
    for bump in BUMPS:
        if bump in bumps:
            return bump
    return "none"
