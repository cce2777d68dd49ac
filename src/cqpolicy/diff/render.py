"""Render a :class:`~cqpolicy.diff.model.DiffResult` as text, Markdown, JSON or a CHANGELOG section.

All four come from the same result object. Text is for a terminal: colour only
when asked for (the CLI asks only on a TTY and never with ``NO_COLOR``), and
without colour the inline text differences are marked ``[-deleted-]{+inserted+}``
as wdiff does. Markdown is for a pull request or the CHANGELOG: deletions in
``<del>``, insertions in ``<ins>`` (emphasis markers do not work next to Chinese
punctuation). JSON is the contract in ``schemas/diff.schema.json``.

To stay readable, text and Markdown fold two kinds of noise that the JSON keeps
in full: a run of rows renumbered by the same offset with nothing else changed
becomes one line (``tasks 3–35 → 4–36``), and changes only to provenance columns
(source line numbers, match scores) are counted, not listed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TextIO

from cqpolicy import escape
from cqpolicy.diff.align import sort_token
from cqpolicy.diff.inline import Segment, elide, inline_diff
from cqpolicy.diff.model import KINDS, Change, DiffResult, FieldChange
from cqpolicy.diff.rules import PROVENANCE_FIELDS

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")

#: What a row is called, by table.
NOUNS: dict[str, tuple[str, str]] = {
    "document": ("document", "documents"),
    "sections": ("section", "sections"),
    "clauses": ("clause", "clauses"),
    "tasks": ("task", "tasks"),
    "agencies": ("agency", "agencies"),
    "task_agencies": ("assignment", "assignments"),
}
#: Values up to this many characters are shown whole (``old → new``); longer texts as inline differences.
SHORT_VALUE = 20

_RED, _GREEN, _BOLD, _DIM, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[2m", "\x1b[0m"


def use_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def render(result: DiffResult, fmt: Format = "text", *, color: bool = False) -> str:
    """The result in one of ``text``, ``markdown`` or ``json``, ending with a newline."""
    if fmt == "json":
        return render_json(result)
    if fmt == "markdown":
        return render_markdown(result)
    return render_text(result, color=color)


def render_json(result: DiffResult) -> str:
    """The JSON contract, indented, Chinese kept as is."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


# --- items: the changes of one table, folded for people ------------------------------------------


@dataclass
class Item:
    """One line of human output: a change, or a run of renumbered rows folded into one."""

    kind: str
    title: str
    details: list[tuple[str, FieldChange]] = field(default_factory=list)
    row: dict[str, Any] | None = None


def _noun(table: str, plural: bool = False) -> str:
    if table in NOUNS:
        return NOUNS[table][1 if plural else 0]
    return f"{table} rows" if plural else f"{table} row"


def _key_text(table: str, key: Any) -> str:
    if table == "task_agencies" and isinstance(key, tuple) and len(key) == 2:
        return f"task {key[0]} / {key[1]}"
    if table == "schema" and isinstance(key, tuple):
        return ".".join(str(part) for part in key)
    if isinstance(key, tuple):
        return "(" + ", ".join(str(part) for part in key) + ")"
    return str(key)


def _subject(change: Change) -> str:
    if change.table == "schema":
        key = change.new_key if change.new_key is not None else change.old_key
        return ("field " if isinstance(key, tuple) else "resource ") + _key_text("schema", key)
    if change.table == "metadata":
        key = change.new_key if change.new_key is not None else change.old_key
        return "package metadata" if key == "package" else "document metadata"
    noun = _noun(change.table)
    if change.kind == "renumbered" or (
        change.kind == "modified" and change.old_key != change.new_key and change.old_key is not None
    ):
        title = (
            f"{noun} {_key_text(change.table, change.old_key)} → {_key_text(change.table, change.new_key)}"
        )
    else:
        key = change.new_key if change.new_key is not None else change.old_key
        title = f"{noun} {_key_text(change.table, key)}"
    if change.label and change.table not in ("task_agencies",):
        title += f" {change.label}" if change.table in ("clauses", "sections") else f": {change.label}"
    elif change.label:
        title += f" ({change.label})"
    return title


def _shown_fields(change: Change) -> list[tuple[str, FieldChange]]:
    return [(name, value) for name, value in change.fields.items() if name not in PROVENANCE_FIELDS]


def table_items(changes: list[Change]) -> tuple[list[Item], int]:
    """Items for one table's changes, and how many rows changed only in provenance columns."""
    items: list[Item] = []
    hidden = 0
    run: list[Change] = []

    def flush() -> None:
        if not run:
            return
        if len(run) == 1:
            items.append(Item("renumbered", _subject(run[0])))
        else:
            first, last = run[0], run[-1]
            items.append(
                Item(
                    "renumbered",
                    f"{_noun(first.table, plural=True)} {first.old_key}–{last.old_key} → "
                    f"{first.new_key}–{last.new_key}",
                )
            )
        run.clear()

    for change in changes:
        shown = _shown_fields(change)
        if change.kind == "renumbered" and not shown and _foldable(change):
            if run and not _continues(run[-1], change):
                flush()
            run.append(change)
            continue
        flush()
        if change.kind == "modified" and not shown and change.fields:
            hidden += 1
            continue
        items.append(Item(change.kind, _subject(change), shown, change.row))
    flush()
    return items, hidden


def presented(result: DiffResult) -> dict[str, list[Change]]:
    """The changes people read, by table: each fact once, in reading order.

    The JSON output keeps every change; the text, Markdown and CHANGELOG renderings show a
    change of the document's metadata once (under *document metadata*), not again as a
    renumbered ``document`` row, and list a task's new assignments in the order of the
    annex's cell (by position).
    """
    by_table = {table: result.for_table(table) for table in result.tables}
    document_meta = next(
        (c for c in by_table.get("metadata", []) if (c.new_key or c.old_key) == "document"), None
    )
    if document_meta is not None and "document" in by_table:
        kept = []
        for change in by_table["document"]:
            fields = {
                name: value
                for name, value in change.fields.items()
                if document_meta.fields.get(name) != value and name not in PROVENANCE_FIELDS
            }
            if change.kind in ("modified", "renumbered") and not fields:
                continue
            kept.append(replace(change, fields=fields))
        by_table["document"] = kept
    if "task_agencies" in by_table:
        by_table["task_agencies"] = sorted(
            by_table["task_agencies"], key=lambda change: _assignment_order(change)
        )
    return by_table


def _assignment_order(change: Change) -> tuple[Any, int]:
    """Keep the diff's order of tasks; within a task, added assignments by position."""
    key = change.new_key if change.new_key is not None else change.old_key
    task = key[0] if isinstance(key, tuple) and key else key
    position = (change.row or {}).get("position") if change.kind == "added" else None
    return (sort_token(task), position if isinstance(position, int) else 0)


def _foldable(change: Change) -> bool:
    return isinstance(change.old_key, int) and isinstance(change.new_key, int)


def _continues(previous: Change, change: Change) -> bool:
    return (
        isinstance(previous.old_key, int)
        and isinstance(change.old_key, int)
        and isinstance(previous.new_key, int)
        and isinstance(change.new_key, int)
        and change.old_key == previous.old_key + 1
        and change.new_key == previous.new_key + 1
    )


def _is_hash(name: str) -> bool:
    return name.endswith(("sha256", "hash"))


def _value_text(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _is_long(change: FieldChange) -> bool:
    """Show an inline difference (rather than ``old → new``) for long values present on both sides."""
    if change.old is None or change.new is None:
        return False
    return max(len(_value_text(change.old)), len(_value_text(change.new))) > SHORT_VALUE


def _segments(change: FieldChange) -> list[Segment]:
    return elide(inline_diff(_value_text(change.old), _value_text(change.new)))


def _row_summary(table: str, row: dict[str, Any] | None) -> str:
    if not row:
        return ""
    if table == "task_agencies":
        parts = [
            f"{name} {row[name]}" for name in ("role", "position", "group_no") if row.get(name) is not None
        ]
        return ", ".join(parts)
    if table == "tasks":
        extra = [f"clause {row['clause_no']}"] if row.get("clause_no") is not None else []
        if row.get("responsible_units_raw"):
            extra.append(f"units: {row['responsible_units_raw']}")
        return "; ".join(extra)
    return ""


# --- text -----------------------------------------------------------------------------------------


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def _text_segments(segments: list[Segment], color: bool) -> str:
    out = []
    for op, text in segments:
        if op == "=":
            out.append(text)
        elif op == "-":
            out.append(_paint(text, _RED, True) if color else f"[-{text}-]")
        else:
            out.append(_paint(text, _GREEN, True) if color else f"{{+{text}+}}")
    return "".join(out).replace("\n", "⏎")


def _count(changes: list[Change]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(KINDS, 0)
    for change in changes:
        counts[change.kind] += 1
    return counts


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[kind]} {kind}" for kind in KINDS if counts.get(kind))


def render_text(result: DiffResult, *, color: bool = False) -> str:
    """Human text for a terminal."""
    old, new = result.old, result.new
    lines = [
        _paint(f"--- old: {old.describe()}  {old.document_number or ''}".rstrip(), _RED, color),
        _paint(f"+++ new: {new.describe()}  {new.document_number or ''}".rstrip(), _GREEN, color),
    ]
    if not result.has_changes:
        lines.append("No differences.")
        return "\n".join(lines) + "\n"
    marks = {"added": "+", "removed": "-", "modified": "~", "renumbered": "↷"}
    colours = {"added": _GREEN, "removed": _RED, "modified": "", "renumbered": _DIM}
    for table, changes in presented(result).items():
        if not changes:
            continue
        lines.append("")
        lines.append(_paint(f"{table}: {_counts(_count(changes))}", _BOLD, color))
        items, hidden = table_items(changes)
        for item in items:
            line = f"  {marks[item.kind]} {item.title}"
            extra = _row_summary(table, item.row)
            if extra:
                line += f" [{extra}]"
            lines.append(_paint(line, colours[item.kind], color) if colours[item.kind] else line)
            for name, value in item.details:
                if _is_hash(name):
                    lines.append(f"      {name}: changed (the file's content differs)")
                elif _is_long(value):
                    lines.append(f"      {name}: {_text_segments(_segments(value), color)}")
                else:
                    lines.append(f"      {name}: {_value_text(value.old)} → {_value_text(value.new)}")
        if hidden:
            lines.append(
                f"  ({hidden} more changed only in {', '.join(sorted(PROVENANCE_FIELDS))}; see --format json)"
            )
    lines.append("")
    lines.append(f"Suggested version bump: {result.suggested_bump}")
    return "\n".join(lines) + "\n"


# --- markdown -------------------------------------------------------------------------------------


def md_escape(text: str) -> str:
    """Escape text for Markdown (inline), keeping Chinese as is; line breaks become ``<br>``."""
    return escape.markdown(text)


def _md_segments(segments: list[Segment]) -> str:
    out = []
    for op, text in segments:
        escaped = md_escape(text)
        out.append(
            escaped if op == "=" else f"<del>{escaped}</del>" if op == "-" else f"<ins>{escaped}</ins>"
        )
    return "".join(out)


def _md_item(table: str, item: Item, verb: bool = True) -> list[str]:
    verbs = {"added": "Added", "removed": "Removed", "modified": "Changed", "renumbered": "Renumbered"}
    head = f"{verbs[item.kind]} {md_escape(item.title)}" if verb else md_escape(item.title)
    extra = _row_summary(table, item.row)
    if extra:
        head += f" ({md_escape(extra)})"
    lines = [f"- {head}"]
    for name, value in item.details:
        if _is_hash(name):
            lines.append(f"  - `{name}`: changed (the file's content differs)")
        elif _is_long(value):
            lines.append(f"  - `{name}`: {_md_segments(_segments(value))}")
        else:
            lines.append(
                f"  - `{name}`: {md_escape(_value_text(value.old))} → {md_escape(_value_text(value.new))}"
            )
    return lines


def render_markdown(result: DiffResult) -> str:
    """Markdown for a pull request: header table, summary table, then each table's changes."""
    old, new = result.old, result.new
    lines = [
        f"# Changes from {md_escape(old.version or 'unversioned')} "
        f"to {md_escape(new.version or 'unversioned')}",
        "",
        "| | old | new |",
        "| --- | --- | --- |",
        f"| input | `{old.source}` | `{new.source}` |",
        f"| version | {md_escape(old.version or '')} | {md_escape(new.version or '')} |",
        f"| document | {md_escape(old.document_number or '')} | {md_escape(new.document_number or '')} |",
        "",
    ]
    if not result.has_changes:
        lines.append("No differences.")
        return "\n".join(lines) + "\n"
    lines.append(f"Suggested version bump: **{result.suggested_bump}**")
    lines.append("")
    lines.append("| table | " + " | ".join(KINDS) + " |")
    lines.append("| --- |" + " ---: |" * len(KINDS))
    summary = result.summary()
    for table in result.tables:
        if any(summary[table].values()):
            lines.append(f"| {table} | " + " | ".join(str(summary[table][k]) for k in KINDS) + " |")
    for table, changes in presented(result).items():
        if not changes:
            continue
        lines.append("")
        lines.append(f"## {md_escape(table)}")
        lines.append("")
        items, hidden = table_items(changes)
        for item in items:
            lines.extend(_md_item(table, item))
        if hidden:
            provenance = ", ".join(sorted(PROVENANCE_FIELDS))
            lines.append(f"- {hidden} more changed only in {provenance} (see `--format json`)")
    return "\n".join(lines) + "\n"


# --- CHANGELOG ------------------------------------------------------------------------------------


def _is_url(value: Any) -> bool:
    return str(value or "").startswith(("http://", "https://"))


def _package_metadata_in_words(changes: list[Change]) -> tuple[list[Change], list[str]]:
    """The metadata changes without the descriptor's bookkeeping, and what it meant in words.

    The descriptor's title and description name the document, and its ``sources`` entries give
    the archived file's path, size and hash: when a new text is released they all change with
    it. A CHANGELOG reader needs the policy's changes (listed under *document metadata* and by
    table) and which file the package is now built from, not ``sources[2].bytes``.
    """
    kept: list[Change] = []
    notes: list[str] = []
    for change in changes:
        if (change.new_key or change.old_key) != "package":
            kept.append(change)
            continue
        fields = {}
        for name, value in change.fields.items():
            entry = re.fullmatch(r"sources\[\d+\]\.(\w+)", name)
            if entry is None and name not in ("title", "description"):
                fields[name] = value
            elif entry is not None and entry.group(1) == "path" and value.new and not _is_url(value.new):
                was = f"; the previous text, `{value.old}`, stays archived" if value.old else ""
                notes.append(f"- The package is built from the new text, archived as `{value.new}`{was}.")
            elif name == "title":
                notes.append("- The package's title and description name the new document.")
        if fields:
            kept.append(replace(change, fields=fields))
    return kept, notes


def changelog_section(result: DiffResult, version: str, date: str) -> str:
    """A Keep a Changelog section (``## [version] - date``) generated from the diff.

    Added rows go under *Added*, removed rows under *Removed*, modified and renumbered rows
    (and metadata and schema changes) under *Changed*.
    """
    lines = [f"## [{version}] - {date}", ""]
    old_doc, new_doc = result.old.document_number, result.new.document_number
    if new_doc and old_doc and new_doc != old_doc:
        lines += [f"Built from {md_escape(new_doc)} (previously {md_escape(old_doc)}).", ""]
    elif new_doc:
        lines += [f"Built from {md_escape(new_doc)}.", ""]
    groups: dict[str, list[str]] = {"Added": [], "Changed": [], "Removed": []}
    heading = {"added": "Added", "removed": "Removed", "modified": "Changed", "renumbered": "Changed"}
    by_table = presented(result)
    if "metadata" in by_table:
        by_table["metadata"], notes = _package_metadata_in_words(by_table["metadata"])
        groups["Changed"].extend(notes)
    for table, changes in by_table.items():
        if not changes:
            continue
        items, hidden = table_items(changes)
        for item in items:
            groups[heading[item.kind]].extend(_md_item(table, item, verb=item.kind == "renumbered"))
        if hidden:
            groups["Changed"].append(
                f"- {table}: {hidden} rows changed only in {', '.join(sorted(PROVENANCE_FIELDS))}."
            )
    for name, entries in groups.items():
        if entries:
            lines += [f"### {name}", "", *entries, ""]
    return "\n".join(lines).rstrip("\n") + "\n"
