"""What the tables mean to the diff: row identity, provenance columns, and the version-bump rule.

The rule (also in the README, "Versions"):

- **major**: a schema-breaking change: a resource or field removed (a rename is a removal
  and an addition), a field's type or format changed, a primary or foreign key changed,
  the column order changed.
- **minor**: a new policy text (an amendment): rows of ``document``, ``sections``,
  ``clauses`` or ``tasks`` added, removed or renumbered, or their policy-text fields changed
  (texts, titles, labels, responsible units, the document number, dates and status);
  assignments that follow such a change; agencies or codes added or removed; and new
  resources or fields, or changed constraints.
- **patch**: corrections that leave the policy text unchanged: translations (the ``*_en``
  columns and the ``glossary`` table, rows added and removed included), the agency
  register, code-list labels, task-to-clause mapping fixes, line numbers, descriptions and
  other package metadata.
- **none**: nothing differs.
"""

from __future__ import annotations

from typing import Any

from cqpolicy.diff.model import Bump, Change

#: Tables whose rows are the policy text itself.
POLICY_TABLES = frozenset({"document", "sections", "clauses", "tasks"})

#: Tables that are the package's own reading aids, not the policy: every change is a patch.
TRANSLATION_TABLES = frozenset({"glossary"})

#: Per table, the columns that are the policy text (changes to them are amendments: minor).
POLICY_FIELDS: dict[str, frozenset[str]] = {
    "document": frozenset(
        {
            "document_number",
            "title",
            "issuer",
            "date_written",
            "date_published",
            "status",
            "addressees",
            "preamble",
            "annex_title",
            "notice_number",
            "notice_title",
            "notice_date",
        }
    ),
    "sections": frozenset({"label", "title"}),
    "clauses": frozenset({"label", "section_no", "section_title", "title", "text"}),
    "tasks": frozenset({"text", "responsible_units_raw", "category"}),
    "task_agencies": frozenset({"position", "group_no", "role", "role_source"}),
}

#: The same for the descriptor's ``document`` object (package metadata about the policy).
POLICY_METADATA_FIELDS = POLICY_FIELDS["document"]

#: Columns that record where a row came from or how it was derived, not what the policy says.
#: Alignment ignores them; text and Markdown output fold rows that changed only in them.
PROVENANCE_FIELDS = frozenset({"source_line", "source_line_end", "clause_match_score"})

#: Per table, the columns that make a row "the same row" across versions (its identity text).
#: Tables not listed use all their columns except the key, foreign keys and provenance.
IDENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "document": ("title",),
    "sections": ("title",),
    "clauses": ("title", "text"),
    "tasks": ("text",),
    "agencies": ("name_zh",),
}

#: Schema properties (of a resource or a field) whose change breaks readers: major.
BREAKING_SCHEMA_PROPERTIES = frozenset({"type", "format", "primaryKey", "foreignKeys", "field_order", "name"})
#: Schema properties whose change can make valid data invalid or vice versa: minor.
CONSTRAINT_PROPERTIES = frozenset({"constraints", "missingValues"})

#: Resource properties that are derived from the data files and so never compared.
DERIVED_RESOURCE_PROPERTIES = frozenset({"bytes", "hash", "rows"})


#: A resource's Data Package v1 ``profile`` and the v2 ``type`` that replaced it, which say the same.
_V1_TO_V2_RESOURCE = {"tabular-data-resource": "table", "data-resource": None}


def _restates_v1_as_v2(change: Change) -> bool:
    """Whether a resource's ``type``/``profile`` change only moves it from v1 spelling to v2."""
    profile, kind = change.fields.get("profile"), change.fields.get("type")
    if isinstance(change.old_key, (tuple, list)) or profile is None or profile.new is not None:
        return False
    expected = _V1_TO_V2_RESOURCE.get(str(profile.old), "?")
    old_kind = kind.old if kind is not None else None  # frictionless 5 wrote v1 files as type "file"
    new_kind = kind.new if kind is not None else None
    return new_kind == expected and old_kind in (None, "file")


def schema_impact(change: Change) -> Bump:
    """Impact of a change in the ``schema`` table.

    A resource that moves from the Data Package v1 ``profile: tabular-data-resource`` to the
    v2 ``type: table`` (or drops ``profile: data-resource``) says the same thing: a patch.
    """
    if change.kind == "removed":
        return "major"
    if change.kind == "added":
        return "minor"
    names = set(change.fields)
    if _restates_v1_as_v2(change):
        names -= {"type", "profile"}
    if names & BREAKING_SCHEMA_PROPERTIES:
        return "major"
    if names & CONSTRAINT_PROPERTIES:
        return "minor"
    return "patch"


def metadata_impact(change: Change) -> Bump:
    """Impact of a change in the ``metadata`` table (the descriptor's own properties)."""
    if change.old_key == "document" and set(change.fields) & POLICY_METADATA_FIELDS:
        return "minor"
    if change.old_key == "document" and change.kind in ("added", "removed"):
        return "minor"
    return "patch"


def row_impact(
    change: Change, amended_tasks: tuple[frozenset[Any], frozenset[Any]] = (frozenset(), frozenset())
) -> Bump:
    """Impact of a row change in a data table.

    Args:
        change: The change.
        amended_tasks: Keys of tasks in the old version and in the new version that were removed
            or added, or whose responsible units changed: assignments of those tasks follow a
            policy-text change. Any other assignment change is a correction (patch).
    """
    table = change.table
    if table in TRANSLATION_TABLES:
        return "patch"
    if table == "task_agencies":
        old_tasks, new_tasks = amended_tasks
        old_hit = isinstance(change.old_key, tuple) and change.old_key[0] in old_tasks
        new_hit = isinstance(change.new_key, tuple) and change.new_key[0] in new_tasks
        return "minor" if old_hit or new_hit else "patch"
    if change.kind in ("added", "removed"):
        return "minor"
    if table in POLICY_TABLES and change.kind == "renumbered":
        return "minor"
    if set(change.fields) & POLICY_FIELDS.get(table, frozenset()):
        return "minor"
    return "patch"
