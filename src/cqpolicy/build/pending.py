"""The translation step as a file the maintainer fills: ``sources/translations/pending.csv``.

A build that finds a text without a current English translation (new or changed Chinese)
lists it in ``pending.csv``, one row per text::

    kind,key,text_zh,previous_text_zh,previous_text_en,text_en,reviewed,note

- ``kind`` says which translation file the row belongs to (:data:`KINDS`), ``key`` where the
  text stands (clause or task number, document field, section or clause number);
- ``previous_text_zh`` and ``previous_text_en`` are the translation the text had before its
  Chinese changed, a draft to start from; ``text_en`` is left empty;
- ``reviewed`` is for a maintainer who keeps the previous English on purpose (the Chinese
  changed in a way the English already says): ``yes`` there lets the unchanged English pass.

The maintainer fills ``text_en``. The next ``build`` or ``release`` checks every filled row
(:func:`english_refusal`), takes it into its translation file (replacing the row of the old
wording) and removes it from ``pending.csv``, all in the same transaction as the package. A
build that fails keeps every row the maintainer filled: nothing typed there is ever lost.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path

from cqpolicy.build.curated import read_csv
from cqpolicy.errors import RegisterError
from cqpolicy.translation import CHINESE, PLACEHOLDER, implausible_length

PENDING_FILE = "pending.csv"
COLUMNS = ["kind", "key", "text_zh", "previous_text_zh", "previous_text_en", "text_en", "reviewed", "note"]
#: kind → (translation file, its columns, the column holding the Chinese, the one holding the English).
KINDS: dict[str, tuple[str, list[str], str, str]] = {
    "clause_text": ("clause_texts.csv", ["clause_no", "text_zh", "text_en", "note"], "text_zh", "text_en"),
    "task_text": ("task_texts.csv", ["task_no", "text_zh", "text_en", "note"], "text_zh", "text_en"),
    "document": ("document.csv", ["field", "text_zh", "text_en", "note"], "text_zh", "text_en"),
    "section_title": ("sections.csv", ["title_zh", "title_en", "note"], "title_zh", "title_en"),
    "clause_title": ("clauses.csv", ["title_zh", "title_en", "note"], "title_zh", "title_en"),
}
#: How a translation row's note says the English was kept on purpose for a changed Chinese text
#: (``release`` refuses the previous English kept beside changed Chinese otherwise).
REVIEWED_MARK = "Reviewed: "
#: What ``reviewed`` may say to mean yes.
YES = {"yes", "y", "true", "1", "reviewed", "是"}


@dataclass(frozen=True)
class PendingRow:
    """One text waiting for its English (``text_en`` empty) or filled by the maintainer."""

    kind: str
    key: str
    text_zh: str
    previous_text_zh: str = ""
    previous_text_en: str = ""
    text_en: str = ""
    reviewed: str = ""
    note: str = ""
    line: int = 0

    @property
    def filled(self) -> bool:
        return bool(self.text_en.strip())

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed.strip().casefold() in YES

    def describe(self) -> str:
        """``task 7``, ``the document's title``, ``section 2's title``."""
        what = {
            "clause_text": f"clause {self.key}",
            "task_text": f"task {self.key}",
            "document": f"the document's {self.key}",
            "section_title": f"the title of section {self.key}",
            "clause_title": f"the title of clause {self.key}",
        }
        return what.get(self.kind, f"{self.kind} {self.key}")


def read_pending(path: Path, shown: Path | None = None) -> list[PendingRow]:
    """The rows of ``pending.csv``, or none when there is no such file.

    Raises:
        RegisterError: a wrong header, an unknown ``kind`` or a text listed twice.
    """
    if not path.is_file():
        return []
    named = shown or path
    out: list[PendingRow] = []
    seen: set[tuple[str, str]] = set()
    for row in read_csv(path, COLUMNS):
        line = int(row["_line"])
        if row["kind"] not in KINDS:
            raise RegisterError(
                f"kind {row['kind']!r} is not one of {', '.join(KINDS)}; keep the kind the build wrote",
                path=named,
                line=line,
            )
        if not row["text_zh"]:
            raise RegisterError("text_zh is empty; keep the Chinese the build wrote", path=named, line=line)
        if (row["kind"], row["text_zh"]) in seen:
            raise RegisterError("this text is listed twice; keep one row", path=named, line=line)
        seen.add((row["kind"], row["text_zh"]))
        out.append(PendingRow(**{name: row[name] for name in COLUMNS}, line=line))
    return out


def english_refusal(row: PendingRow) -> str | None:
    """Why the filled ``text_en`` of ``row`` is not an English translation, or ``None``."""
    en = row.text_en.strip()
    what = f"{row.describe()}'s text_en"
    if not en:
        return f"{what} is empty; write the English of its text_zh"
    placeholder = PLACEHOLDER.search(en)
    if placeholder:
        return (
            f"{what} holds the placeholder {placeholder.group()!r}, not English; write the translation of "
            "its text_zh (previous_text_en is a draft to start from)"
        )
    chinese = sorted(set(CHINESE.findall(en)))
    if chinese:
        shown = "".join(chinese[:10])
        return f"{what} contains Chinese characters or punctuation ({shown}); write them in English"
    changed = bool(row.previous_text_zh) and row.previous_text_zh != row.text_zh
    if changed and en == row.previous_text_en.strip() and not row.is_reviewed:
        return (
            f"{what} is the previous English unchanged, but the Chinese changed; translate the new text_zh, "
            "or write yes in reviewed if the previous English still says exactly what it says"
        )
    length = implausible_length(row.text_zh, en)
    if length:
        return f"{what} {length}"
    return None


def check_filled(rows: list[PendingRow], shown: Path) -> None:
    """Refuse the first filled row whose English is not a translation.

    Raises:
        RegisterError: naming ``pending.csv``'s line and what to do.
    """
    for row in rows:
        if row.filled:
            refusal = english_refusal(row)
            if refusal:
                raise RegisterError(refusal, path=shown, line=row.line)


def merged_pending(
    existing: list[PendingRow], needed: list[PendingRow], *, absorbed: bool
) -> list[PendingRow]:
    """What ``pending.csv`` holds next: the texts still needing English, and the maintainer's rows.

    ``absorbed`` is true when the filled rows went into the translation files (a successful
    build); otherwise they stay, exactly as written. A needed text keeps the ``reviewed`` and
    ``note`` the maintainer gave it.
    """
    by_text = {(row.kind, row.text_zh): row for row in existing}
    out = [] if absorbed else [row for row in existing if row.filled]
    kept = {(row.kind, row.text_zh) for row in out}
    for row in needed:
        if (row.kind, row.text_zh) in kept:
            continue
        before = by_text.get((row.kind, row.text_zh))
        out.append(row if before is None else replace(row, reviewed=before.reviewed, note=before.note))
    return out


def pending_bytes(rows: list[PendingRow]) -> bytes:
    """``pending.csv`` as written: UTF-8, LF, the rows in the order of the document."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([getattr(row, name) for name in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def absorbed_files(directory: Path, rows: list[PendingRow], current: set[str]) -> dict[str, bytes]:
    """The translation files with every filled row of ``rows`` taken in: ``{file name: bytes}``.

    A filled row replaces the row of the previous wording (its ``previous_text_zh``, or for the
    document the same field) where it stood, unless that wording is still one of the ``current``
    texts (tasks renumbered: the previous text at that number is now another task's); otherwise
    it is added at the end.
    """
    out: dict[str, bytes] = {}
    for kind, (name, columns, zh_column, en_column) in KINDS.items():
        filled = [row for row in rows if row.kind == kind and row.filled]
        if not filled:
            continue
        path = directory / name
        written = read_csv(path, columns) if path.is_file() else []
        header = columns + [c for c in (written[0] if written else {}) if c not in columns and c != "_line"]
        table = [{c: old.get(c, "") for c in header} for old in written]
        for row in filled:
            new = {c: "" for c in header}
            new.update({zh_column: row.text_zh, en_column: row.text_en.strip(), "note": _note(row)})
            if columns[0] not in (zh_column,):
                new[columns[0]] = row.key
            place = next(
                (
                    index
                    for index, old in enumerate(table)
                    if (kind == "document" and old["field"] == row.key)
                    or (
                        row.previous_text_zh
                        and row.previous_text_zh not in current
                        and old[zh_column] == row.previous_text_zh
                    )
                    or old[zh_column] == row.text_zh
                ),
                None,
            )
            if place is None:
                table.append(new)
            else:
                table[place] = new
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for entry in table:
            writer.writerow([entry[c] for c in header])
        out[name] = buffer.getvalue().encode("utf-8")
    return out


def _note(row: PendingRow) -> str:
    note = row.note.strip()
    if row.is_reviewed and row.text_en.strip() == row.previous_text_en.strip():
        return REVIEWED_MARK + (note or "the previous English still holds for the changed Chinese.")
    return note or "Translated from pending.csv."
