"""Join the reviewed English translation in ``sources/translations/`` to the tables.

The translation is curated, not generated. Every row carries the Chinese it translates,
and the build joins by that Chinese, so a change to the Chinese cannot silently keep an
old English text, and renumbering (a task inserted early) changes nothing:

- ``clause_texts.csv`` (clause_no, text_zh, text_en, note) gives ``clauses.text_en``,
  joined by ``text_zh`` = ``clauses.text``; ``clause_no`` is where the clause stood when
  translated, for the reviewer;
- ``task_texts.csv`` (task_no, text_zh, text_en, note) gives ``tasks.text_en`` the same way;
- ``document.csv`` (field, text_zh, text_en, note), with the fields ``title``,
  ``annex_title`` and ``preamble:1``, ``preamble:2``, ... (one row per paragraph), gives
  ``document.title_en``, ``document.annex_title_en`` and ``document.preamble_en``, joined by
  ``field``; a row whose ``text_zh`` is not the current Chinese is stale. The optional fields
  ``addressees`` (the addressee line) and ``publication_note`` (（此件公开发布）, present when
  the text says it) give ``document.addressees_en`` and ``document.publication_note_en``;
  without a row they stay empty, so that translations made before these columns existed
  (1.2.0 and earlier) still build;
- ``sections.csv`` and ``clauses.csv`` (title_zh, title_en, note), keyed by the Chinese
  title, give the ``title_en`` of sections and clauses;
- ``glossary.csv`` (term_zh, term_en, basis) is the one rendering of each recurring name
  and term, checked against every row by :mod:`cqpolicy.translation` and published as the
  ``glossary`` table.

A text without a current translation is listed in ``pending.csv`` for the maintainer to fill
(:mod:`cqpolicy.build.pending`, which also takes the filled rows in). It fails the build,
naming it and the rows that no longer match any text (the stale ones, usually the old
wording), unless the build is asked to allow an untranslated text (a new or amended
publication being drafted): then those texts get no English and the build warns. Rows
matching nothing in an otherwise complete translation are a warning. A translation that
breaks a rule of :mod:`cqpolicy.translation` fails the build either way.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cqpolicy.build.curated import read_csv
from cqpolicy.build.parse import PUBLIC_RELEASE
from cqpolicy.build.pending import PENDING_FILE, PendingRow, check_filled, read_pending
from cqpolicy.errors import RegisterError
from cqpolicy.similarity import bigrams, jaccard
from cqpolicy.translation import Pair, Term, problems

Row = dict[str, Any]
TEXT_COLUMNS = ["text_zh", "text_en", "note"]
TITLE_COLUMNS = ["title_zh", "title_en", "note"]
GLOSSARY_COLUMNS = ["term_zh", "term_en", "basis"]
#: How many character bigrams (Jaccard) a changed text shares with the row taken for its
#: previous wording, at least.
MIN_PREVIOUS_SIMILARITY = 0.5


@dataclass(frozen=True)
class Entry:
    """One curated row: the Chinese it translates, the English, and where it is."""

    text_zh: str
    text_en: str
    path: Path
    line: int
    #: The row's first column where it is not the join key (clause or task number, document field).
    key: str = ""


@dataclass
class Translations:
    """Everything in ``sources/translations/``, by the key each file uses."""

    clauses: dict[str, Entry] = field(default_factory=dict)
    tasks: dict[str, Entry] = field(default_factory=dict)
    document: dict[str, Entry] = field(default_factory=dict)
    section_titles: dict[str, Entry] = field(default_factory=dict)
    clause_titles: dict[str, Entry] = field(default_factory=dict)
    glossary: list[Term] = field(default_factory=list)
    #: The rows of ``pending.csv``, filled or not.
    pending: list[PendingRow] = field(default_factory=list)
    #: Texts with no current translation, for ``pending.csv`` (set by :func:`attach_translations`).
    needed: list[PendingRow] = field(default_factory=list)


class UntranslatedError(RegisterError):
    """Texts have no current English: the build fails, and ``pending.csv`` can list them."""

    def __init__(self, message: str, needed: list[PendingRow], pending: list[PendingRow], first: str = ""):
        super().__init__(message)
        self.needed = needed
        self.pending = pending
        #: The first text without English, where it should be, without the advice.
        self.first = first


def _entries(path: Path, key: str, *, titles: bool = False, by_text: bool = False) -> dict[str, Entry]:
    """Rows by their join key: the Chinese title, the Chinese text (``by_text``) or ``key``."""
    columns = TITLE_COLUMNS if titles else [key, *TEXT_COLUMNS]
    out: dict[str, Entry] = {}
    for row in read_csv(path, columns):
        line = int(row["_line"])
        value = row["text_zh"] if by_text else row[columns[0]]
        if not value:
            raise RegisterError(f"{'text_zh' if by_text else columns[0]} is empty", path=path, line=line)
        if value in out:
            shown = value if len(value) <= 20 else value[:20] + "…"
            raise RegisterError(f"{shown!r} is translated twice; keep one row", path=path, line=line)
        zh, en = (row["title_zh"], row["title_en"]) if titles else (row["text_zh"], row["text_en"])
        out[value] = Entry(text_zh=zh, text_en=en, path=path, line=line, key=row[columns[0]])
    return out


def load_translations(directory: Path, shown: Path | None = None) -> Translations:
    """Read the translation files; a missing directory means no translation at all.

    ``shown`` is the directory to name in messages (a release reads a staged copy).

    Raises:
        RegisterError: a file has a wrong header, an empty or repeated key.
    """
    if not directory.is_dir():
        return Translations()
    glossary_path = directory / "glossary.csv"
    glossary = []
    if glossary_path.is_file():
        seen: set[str] = set()
        for row in read_csv(glossary_path, GLOSSARY_COLUMNS):
            if row["term_zh"] in seen:
                raise RegisterError(
                    f"the term {row['term_zh']} is listed twice; give it one rendering",
                    path=glossary_path,
                    line=int(row["_line"]),
                )
            seen.add(row["term_zh"])
            glossary.append(Term(row["term_zh"], row["term_en"], row["basis"]))

    def optional(name: str, key: str, *, titles: bool = False, by_text: bool = False) -> dict[str, Entry]:
        path = directory / name
        if not path.is_file():
            return {}
        entries = _entries(path, key, titles=titles, by_text=by_text)
        named = (shown or directory) / name
        return {k: Entry(e.text_zh, e.text_en, named, e.line, e.key) for k, e in entries.items()}

    pending_shown = (shown or directory) / PENDING_FILE
    pending = read_pending(directory / PENDING_FILE, pending_shown)
    check_filled(pending, pending_shown)
    out = Translations(
        clauses=optional("clause_texts.csv", "clause_no", by_text=True),
        tasks=optional("task_texts.csv", "task_no", by_text=True),
        document=optional("document.csv", "field"),
        section_titles=optional("sections.csv", "title_zh", titles=True),
        clause_titles=optional("clauses.csv", "title_zh", titles=True),
        glossary=sorted(glossary, key=lambda t: t.term_zh),
        pending=pending,
    )
    for filled in pending:
        if filled.filled:
            _take(out, filled, pending_shown)
    return out


def _take(tr: Translations, row: PendingRow, path: Path) -> None:
    """Use a filled pending row in place of the translation of the previous wording."""
    entries = {
        "clause_text": tr.clauses,
        "task_text": tr.tasks,
        "document": tr.document,
        "section_title": tr.section_titles,
        "clause_title": tr.clause_titles,
    }[row.kind]
    # The row of the previous wording stays: after a renumbering it may still be another text's.
    entries[row.key if row.kind == "document" else row.text_zh] = Entry(
        row.text_zh, row.text_en.strip(), path, row.line, row.key
    )


@dataclass
class _Join:
    """Looks the English up and collects what is missing, stale or left over."""

    directory: Path
    gaps: list[str] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    used: set[tuple[str, str]] = field(default_factory=set)
    needed: list[PendingRow] = field(default_factory=list)

    def text(
        self, entries: dict[str, Entry], file: str, key: str, zh: str, what: str, kind: str, at: str
    ) -> str | None:
        """The English for ``zh`` (found by ``key``), or ``None``, recording why, when there is none.

        ``kind`` and ``at`` (the number or field) describe the text for ``pending.csv``.
        """
        entry = entries.get(key)
        self.used.add((file, key))
        if entry is None or entry.text_zh != zh or not entry.text_en:
            previous = entry if entry is not None and entry.text_zh != zh else None
            self.needed.append(
                PendingRow(
                    kind,
                    at,
                    zh,
                    previous.text_zh if previous else "",
                    previous.text_en if previous else "",
                )
            )
        if entry is None:
            self.gaps.append(
                f"{self.directory / file} has no translation of {what} (its Chinese is new or changed); "
                "add a row translating it"
            )
            return None
        if entry.text_zh != zh:
            self.gaps.append(
                f"{entry.path}, line {entry.line}: the translation of {what} is stale (its text_zh is not "
                "the current Chinese); update text_zh and text_en together"
            )
            return None
        if not entry.text_en:
            self.gaps.append(f"{entry.path}, line {entry.line}: {what} has no English; fill in its text_en")
            return None
        return entry.text_en

    def unused(self, entries: dict[str, Entry], file: str, replaced: Set[str] = frozenset()) -> list[str]:
        """Rows that match no text of this publication: changed or removed Chinese.

        ``replaced`` are the previous wordings a filled ``pending.csv`` row takes the place of:
        the build removes those rows, so they are not left over.
        """
        return [
            f"{entry.path}, line {entry.line}"
            for key, entry in entries.items()
            if (file, key) not in self.used and entry.text_zh not in replaced
        ]


def attach_translations(
    tables: dict[str, list[Row]], translations: Translations, directory: Path, *, allow_untranslated: bool
) -> list[str]:
    """Fill the English columns of ``tables`` in place; return warnings (untranslated rows).

    Raises:
        RegisterError: a row is missing or stale (unless ``allow_untranslated``), or the
            translation breaks a rule of :mod:`cqpolicy.translation` (always).
    """
    join = _Join(directory)
    tr = translations
    for row in tables["sections"]:
        title = join.text(
            tr.section_titles,
            "sections.csv",
            row["title"],
            row["title"],
            f"section {row['label']}",
            "section_title",
            str(row["section_no"]),
        )
        row["title_en"] = title
        join.pairs.append(Pair("sections", str(row["section_no"]), "title_en", row["title"], title or ""))
    for row in tables["clauses"]:
        what = f"clause {row['clause_no']}"
        key = str(row["clause_no"])
        row["title_en"] = join.text(
            tr.clause_titles,
            "clauses.csv",
            row["title"],
            row["title"],
            f"{what}'s title",
            "clause_title",
            key,
        )
        row["text_en"] = join.text(
            tr.clauses, "clause_texts.csv", row["text"], row["text"], what, "clause_text", key
        )
        join.pairs.append(Pair("clauses", key, "title_en", row["title"], row["title_en"] or ""))
        join.pairs.append(Pair("clauses", key, "text_en", row["text"], row["text_en"] or ""))
    for row in tables["tasks"]:
        row["text_en"] = join.text(
            tr.tasks,
            "task_texts.csv",
            row["text"],
            row["text"],
            f"task {row['task_no']}",
            "task_text",
            str(row["task_no"]),
        )
        join.pairs.append(Pair("tasks", str(row["task_no"]), "text_en", row["text"], row["text_en"] or ""))
    for row in tables["document"]:
        _document_row(row, tr, join)
    replaced = {row.previous_text_zh for row in tr.pending if row.filled and row.previous_text_zh}
    leftover = [
        *join.unused(tr.clauses, "clause_texts.csv", replaced),
        *join.unused(tr.tasks, "task_texts.csv", replaced),
        *join.unused(tr.document, "document.csv", replaced),
    ]
    stale = f"; rows matching no current text (stale): {_first(leftover)}" if leftover else ""
    translations.needed = [_with_previous(row, tr, join.used) for row in join.needed]
    if join.gaps and not allow_untranslated:
        more = f" ({len(join.gaps) - 1} more row(s) like it)" if len(join.gaps) > 1 else ""
        raise UntranslatedError(
            f"{join.gaps[0]}{more}{stale}", translations.needed, tr.pending, join.gaps[0].rsplit("; ", 1)[0]
        )
    broken = [p for p in problems(join.pairs, tr.glossary) if p.check != "translation-missing"]
    if broken:
        first = broken[0]
        more = (
            f" ({len(broken) - 1} more problem{'s' if len(broken) > 2 else ''} after it)"
            if len(broken) > 1
            else ""
        )
        raise RegisterError(f"{first.message}{more}", path=directory)
    tables["glossary"] = [{"term_zh": t.term_zh, "term_en": t.term_en, "basis": t.basis} for t in tr.glossary]
    warnings = [f"no English: {gap}" for gap in join.gaps]
    if leftover:
        warnings.append(f"translation rows matching no current text, remove them: {', '.join(leftover)}")
    return warnings


def _with_previous(row: PendingRow, tr: Translations, used: set[tuple[str, str]]) -> PendingRow:
    """A changed text with the translation of its previous wording, found among the unused rows.

    The previous wording is the row no current text uses that shares the most character
    bigrams with the new text (at least half of them): a reworded text keeps most of its words,
    while a number says nothing once tasks are renumbered.
    """
    files = {
        "clause_text": ("clause_texts.csv", tr.clauses),
        "task_text": ("task_texts.csv", tr.tasks),
        "section_title": ("sections.csv", tr.section_titles),
        "clause_title": ("clauses.csv", tr.clause_titles),
    }
    if row.previous_text_zh or row.kind not in files:
        return row
    file, entries = files[row.kind]
    new = bigrams(row.text_zh)
    scored = [
        (jaccard(new, bigrams(entry.text_zh)), entry.text_zh, entry)
        for key, entry in entries.items()
        if (file, key) not in used and entry.path.name != PENDING_FILE
    ]
    if not scored:
        return row
    score, _, best = max(scored, key=lambda item: (item[0], item[1]))
    if score < MIN_PREVIOUS_SIMILARITY:
        return row
    return replace(row, previous_text_zh=best.text_zh, previous_text_en=best.text_en)


def _first(places: list[str], shown: int = 3) -> str:
    """The first few places, and how many more."""
    more = f" and {len(places) - shown} more" if len(places) > shown else ""
    return ", ".join(places[:shown]) + more


def _document_row(row: Row, tr: Translations, join: _Join) -> None:
    """``title_en``, ``annex_title_en`` and ``preamble_en`` (paragraph by paragraph)."""
    number = row["document_number"]
    row["title_en"] = join.text(
        tr.document, "document.csv", "title", row["title"], "the title", "document", "title"
    )
    join.pairs.append(Pair("document", number, "title_en", row["title"], row["title_en"] or ""))
    row["annex_title_en"] = join.text(
        tr.document,
        "document.csv",
        "annex_title",
        row["annex_title"],
        "the annex title",
        "document",
        "annex_title",
    )
    join.pairs.append(
        Pair("document", number, "annex_title_en", row["annex_title"], row["annex_title_en"] or "")
    )
    paragraphs = row["preamble"].split("\n") if row["preamble"] else []
    english: list[str] = []
    for index, paragraph in enumerate(paragraphs, start=1):
        text = join.text(
            tr.document,
            "document.csv",
            f"preamble:{index}",
            paragraph,
            f"preamble paragraph {index}",
            "document",
            f"preamble:{index}",
        )
        if text is not None:
            english.append(text)
        join.pairs.append(Pair("document", number, f"preamble_en (paragraph {index})", paragraph, text or ""))
    row["preamble_en"] = "\n".join(english) if english and len(english) == len(paragraphs) else None
    _optional_document_text(row, tr, join, "addressees", row["addressees"], "the addressee line")
    note = PUBLIC_RELEASE if row["publicly_released"] else ""
    _optional_document_text(row, tr, join, "publication_note", note, "the publication note")


def _optional_document_text(row: Row, tr: Translations, join: _Join, name: str, zh: str, what: str) -> None:
    """``<name>_en``: from the ``name`` row of document.csv when there is one, else empty.

    The rows are optional (older translations have none); a row that is there must be current.
    """
    field_en = f"{name}_en"
    row[field_en] = None
    if not zh or name not in tr.document:
        return  # no row: no English; a row for a note the text lacks is reported as left over
    row[field_en] = join.text(tr.document, "document.csv", name, zh, what, "document", name)
    join.pairs.append(Pair("document", row["document_number"], field_en, zh, row[field_en] or ""))
