"""Generate the bilingual reading page ``docs/policy.md`` from a package.

The page is the document as a reader meets it: title, addressees, preamble, then section by
section each clause in Chinese with its English under it, followed by the annex tasks
mapped to it with their responsible units (Chinese and English names, the lead marked).
It is Markdown that renders on a code host and inside the downloadable zip, so it uses
relative links only (``../data/...``, ``../README.md``) and no HTML but anchors.

Every value from the data goes through :func:`escape` (one helper for Markdown) before it
meets the page. The page is generated, never edited: ``scripts/publish.py`` and
``cqpolicy report --policy-page`` write it, and a test keeps the committed copy current.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError

Row = dict[str, Any]
#: The tables and columns the page needs.
REQUIRED: dict[str, tuple[str, ...]] = {
    "document": (
        "document_number",
        "title",
        "title_en",
        "issuer",
        "date_written",
        "addressees",
        "preamble",
        "preamble_en",
        "annex_title",
        "annex_title_en",
    ),
    "sections": ("section_no", "label", "title", "title_en"),
    "clauses": ("clause_no", "label", "section_no", "title", "text", "title_en", "text_en"),
    "tasks": ("task_no", "clause_no", "text", "text_en"),
    "task_agencies": ("task_no", "agency_id", "position", "role"),
    "agencies": ("agency_id", "name_zh", "name_en"),
}

_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]|#~"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})
_LINE_START = re.compile(r"^(\d*)([+\-=.)])")


def escape(text: str) -> str:
    """Text from the data as Markdown that shows exactly that text (one paragraph, no markup).

    Escapes the characters Markdown or GitHub's renderer would read as markup, ``<``, ``>``
    and ``&`` as entities (so no HTML gets through), and a leading list or heading marker.
    Line feeds are left to the caller, which splits paragraphs.
    """
    return _LINE_START.sub(r"\1\\\2", text.translate(_SPECIAL))


#: The publication note as the text writes it (the document table records it as publicly_released).
PUBLIC_RELEASE = "（此件公开发布）"
#: What the page shows where a text has no English yet (a package built with --allow-untranslated).
NO_ENGLISH = "*(English not yet available · 尚无英文译文)*"


def _english(text: str | None) -> str:
    """An English text escaped, or the visible marker when there is none."""
    return escape(text) if text and text.strip() else NO_ENGLISH


def _paragraphs(text: str | None, prefix: str = "") -> list[str]:
    """Each line of ``text`` as its own escaped paragraph, with ``prefix`` (``> `` for English)."""
    out: list[str] = []
    for paragraph in (text or "").split("\n"):
        if paragraph.strip():
            if out:
                out.append(prefix.rstrip())
            out.append(prefix + escape(paragraph.strip()))
    return out


@dataclass(frozen=True)
class PolicyPageResult:
    """What was written."""

    path: Path
    clauses: int
    tasks: int
    #: Texts (titles, clause texts, tasks, preamble) shown without English: not yet translated.
    untranslated: int = 0

    def summary(self) -> str:
        if self.untranslated:
            return (
                f"wrote {self.path}: {self.clauses} clauses and {self.tasks} tasks; {self.untranslated} "
                "texts have no English yet and show a marker instead"
            )
        return f"wrote {self.path}: {self.clauses} clauses and {self.tasks} tasks in Chinese and English"


def untranslated_count(tables: dict[str, list[Row]]) -> int:
    """How many texts the page shows without English."""
    pairs = [
        *((row["title"], row["title_en"]) for row in tables["document"]),
        *((row["preamble"], row["preamble_en"]) for row in tables["document"]),
        *((row["annex_title"], row["annex_title_en"]) for row in tables["document"]),
        *((row["title"], row["title_en"]) for row in tables["sections"]),
        *((row["title"], row["title_en"]) for row in tables["clauses"]),
        *((row["text"], row["text_en"]) for row in tables["clauses"]),
        *((row["text"], row["text_en"]) for row in tables["tasks"]),
    ]
    return sum(1 for zh, en in pairs if zh and not (en and str(en).strip()))


def _publication_note(document: Row) -> list[str]:
    """（此件公开发布） and its English, where the text carries the note; older packages lack the English."""
    if not document.get("publicly_released"):
        return []
    english = document.get("publication_note_en")
    return [f"{PUBLIC_RELEASE}" + (f" · {escape(english)}" if english else ""), ""]


def render_policy_page(tables: dict[str, list[Row]]) -> str:
    """The page as Markdown text (deterministic: same tables, same bytes)."""
    document = tables["document"][0]
    agencies = {row["agency_id"]: row for row in tables["agencies"]}
    units: dict[int, list[Row]] = defaultdict(list)
    for link in sorted(tables["task_agencies"], key=lambda r: (r["task_no"], r["position"])):
        units[link["task_no"]].append(link)
    tasks_of: dict[int, list[Row]] = defaultdict(list)
    for task in sorted(tables["tasks"], key=lambda r: r["task_no"]):
        tasks_of[task["clause_no"]].append(task)

    lines = [
        f"# {escape(document['title'])}",
        "",
        f"**{_english(document['title_en'])}**",
        "",
        f"{escape(document['document_number'])} · {escape(document['issuer'])} · {document['date_written']}",
        "",
        *_publication_note(document),
        "> The English is this package's own translation, reviewed against the Chinese; it is "
        "**unofficial**: there is no official English version. Names and recurring terms follow "
        "the [glossary](../data/glossary.csv); the units' English names and their sources are in "
        "[agencies](../data/agencies.csv). This page is generated from the package's tables "
        "([clauses](../data/clauses.csv), [tasks](../data/tasks.csv)); see the [README](../README.md).",
        ">",
        "> 英文为本数据包自行翻译，已对照中文审校，**非官方译文**（本文件无官方英文版）。"
        "本页由数据包表格自动生成。",
        *(
            [
                ">",
                f"> **{missing} texts have no English yet**: this package was built from a text not yet "
                f"translated; they show {NO_ENGLISH}. 部分文本尚无英文译文。",
            ]
            if (missing := untranslated_count(tables))
            else []
        ),
        "",
        "## 目录 · Contents",
        "",
    ]
    for section in tables["sections"]:
        lines.append(
            f"- [{escape(section['label'])}{escape(section['title'])} · {_english(section['title_en'])}]"
            f"(#section-{section['section_no']})"
        )
    lines.append("- [附件任务 · Annex tasks by clause](#annex)")
    lines += ["", escape(document["addressees"] or ""), ""]
    if document.get("addressees_en"):
        lines += [f"> {escape(document['addressees_en'])}", ""]
    lines += _paragraphs(document["preamble"])
    lines.append("")
    lines += _paragraphs(document["preamble_en"], "> ") or [f"> {NO_ENGLISH}"]
    lines.append("")
    annex = f"附件：{escape(document['annex_title'])} · Annex: {_english(document['annex_title_en'])}"
    lines += [
        f'<a id="annex"></a>Each clause is followed by the tasks of the annex ({annex}) mapped to it, '
        "with their responsible units; **lead** (牵头) marks the unit that leads. "
        "各条之后列出附件中对应的任务及责任单位，**lead**（牵头）为牵头单位。",
        "",
    ]
    clauses_by_section: dict[int, list[Row]] = defaultdict(list)
    for clause in tables["clauses"]:
        clauses_by_section[clause["section_no"]].append(clause)
    for section in tables["sections"]:
        lines += [
            f'<a id="section-{section["section_no"]}"></a>',
            "",
            f"## {escape(section['label'])}{escape(section['title'])} · {_english(section['title_en'])}",
            "",
        ]
        for clause in clauses_by_section[section["section_no"]]:
            lines += _clause(clause, tasks_of[clause["clause_no"]], units, agencies)
    return "\n".join(lines).rstrip("\n") + "\n"


def _clause(
    clause: Row, tasks: list[Row], units: dict[int, list[Row]], agencies: dict[str, Row]
) -> list[str]:
    lines = [
        f'<a id="clause-{clause["clause_no"]}"></a>',
        "",
        f"### {escape(clause['label'])}{escape(clause['title'])} · {_english(clause['title_en'])}",
        "",
        *_paragraphs(_without_title(clause["text"], clause["title"])),
        "",
        *(_paragraphs(_without_title(clause["text_en"], clause["title_en"]), "> ") or [f"> {NO_ENGLISH}"]),
        "",
    ]
    if not tasks:
        lines += ["*No annex task is mapped to this clause. 附件中无对应任务。*", ""]
        return lines
    for task in tasks:
        lines.append(
            f"- **任务 {task['task_no']} · Task {task['task_no']}** {escape(task['text'])}<br>"
            f"{_english(task['text_en'])}<br>"
            f"责任单位 · Responsible units: {_units(units[task['task_no']], agencies)}"
        )
    lines.append("")
    return lines


def _without_title(text: str | None, title: str | None) -> str:
    """The text without a first line that only repeats the title (the heading shows it)."""
    first, _, rest = (text or "").partition("\n")
    return rest if rest and first.strip() == (title or "").strip() else text or ""


def _units(links: list[Row], agencies: dict[str, Row]) -> str:
    shown = []
    for link in links:
        agency = agencies[link["agency_id"]]
        name = f"{escape(agency['name_zh'])} ({escape(agency['name_en'])})"
        shown.append(f"**{name}, lead 牵头**" if link["role"] == "lead" else name)
    return "; ".join(shown)


def policy_page_text(package_path: Path | str) -> tuple[str, dict[str, list[Row]]]:
    """The reading page of the package at ``package_path`` (directory, descriptor or zip), and its tables.

    Raises:
        InputError: the package cannot be read or lacks a table or column the page needs.
    """
    from cqpolicy.package import load_tables, open_package, read_descriptor

    with open_package(package_path) as root:
        descriptor = read_descriptor(root)
        frames = load_tables(root, descriptor, "csv")
    tables: dict[str, list[Row]] = {}
    for name, columns in REQUIRED.items():
        frame = frames.get(name)
        missing = list(columns) if frame is None else [c for c in columns if c not in frame.columns]
        if frame is None or missing:
            raise InputError(
                f"the {name!r} table lacks {', '.join(missing)}, which the reading page needs; "
                "rebuild the package with `cqpolicy build`",
                path=package_path,
            )
        tables[name] = [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
    if len(tables["document"]) != 1:
        raise InputError("the 'document' table must hold exactly one row", path=package_path)
    return render_policy_page(tables), tables


def write_policy_page(package_path: Path | str, out: Path | str) -> PolicyPageResult:
    """Write the page for the package at ``package_path`` (directory, descriptor or zip) to ``out``.

    Raises:
        InputError: the package cannot be read or lacks a table or column the page needs.
    """
    text, tables = policy_page_text(package_path)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(text.encode("utf-8"))
    os.replace(partial, target)  # a failed write never leaves half a page
    return PolicyPageResult(
        path=target,
        clauses=len(tables["clauses"]),
        tasks=len(tables["tasks"]),
        untranslated=untranslated_count(tables),
    )


def _plain(value: Any) -> Any:
    """Missing values as ``None``, numpy integers as ``int``, dates as ISO text."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        return value.item()
    return value
