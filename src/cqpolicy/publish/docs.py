"""Generate the README's sections that restate ``datapackage.json``: the data dictionary and the citation.

Each is a function's output between two marker comments; a test keeps them in sync,
and ``make publish`` (and ``cqpolicy release``) rewrite them with :func:`refresh_readme`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

START = "<!-- data-dictionary:start (generated from datapackage.json by scripts/publish.py; do not edit) -->"
END = "<!-- data-dictionary:end -->"
CITATION_START = (
    "<!-- citation:start (generated from datapackage.json by scripts/publish.py; do not edit) -->"
)
CITATION_END = "<!-- citation:end -->"
_EXAMPLE_WIDTH = 24


def _example(value: str) -> str:
    value = value.replace("\n", " ").replace("|", "\\|")
    return value if len(value) <= _EXAMPLE_WIDTH else value[: _EXAMPLE_WIDTH - 1] + "…"


def _constraints(field: dict[str, Any]) -> str:
    cons = field.get("constraints", {})
    parts = []
    if cons.get("required"):
        parts.append("required")
    if cons.get("unique"):
        parts.append("unique")
    if "minimum" in cons:
        parts.append(f"≥ {cons['minimum']}")
    if "maximum" in cons:
        parts.append(f"≤ {cons['maximum']}")
    if "enum" in cons:
        parts.append("one of " + ", ".join(f"`{v}`" for v in cons["enum"]))
    if "pattern" in cons:
        parts.append(f"pattern `{cons['pattern']}`")
    return "; ".join(parts)


def _first_row(root: Path, resource: dict[str, Any]) -> dict[str, str]:
    path = root / resource["path"]
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.DictReader(handle), {})


def render_data_dictionary(descriptor: dict[str, Any], root: Path) -> str:
    """Markdown data dictionary: every CSV table, every column, with code lists and their labels."""
    lines = [START, ""]
    csv_resources = [r for r in descriptor["resources"] if r.get("format") == "csv"]
    lines.append(
        "Each table is in `data/` as CSV (UTF-8, for spreadsheets) and Parquet (typed, for code); "
        "each CSV resource `NAME` has a Parquet twin `NAME-parquet` with the same rows. "
        "每个表格均以 CSV（UTF-8）和 Parquet 两种格式提供，内容相同。"
    )
    lines.append("")
    for resource in csv_resources:
        schema = resource["schema"]
        lines.append(f"### `{resource['name']}`: {resource['title']}")
        lines.append("")
        lines.append(resource["description"])
        lines.append("")
        key = ", ".join(f"`{k}`" for k in schema["primaryKey"])
        lines.append(f"File 文件: `{resource['path']}` · primary key 主键: {key}")
        for fk in schema.get("foreignKeys", []):
            ref = fk["reference"]
            lines.append(f" · `{', '.join(fk['fields'])}` → `{ref['resource']}.{', '.join(ref['fields'])}`")
        lines.append("")
        lines.append(
            "| column 列 | title 标题 | type 类型 | constraints 约束 | description 说明 | example 示例 |"
        )
        lines.append("| --- | --- | --- | --- | --- | --- |")
        example = _first_row(root, resource)
        for field in schema["fields"]:
            lines.append(
                f"| `{field['name']}` | {field['title']} | {field['type']} | {_constraints(field)} | "
                f"{field['description']} | {_example(example.get(field['name'], ''))} |"
            )
        lines.append("")
        if resource["name"] in ("agency_types", "levels", "roles"):
            lines.append("| code 代码 | 中文 | English | meaning 含义 |")
            lines.append("| --- | --- | --- | --- |")
            with (root / resource["path"]).open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    lines.append(
                        f"| `{row['code']}` | {row['label_zh']} | {row['label_en']} | {row['description']} |"
                    )
            lines.append("")
    lines.append(END)
    return "\n".join(lines)


def render_citation(descriptor: dict[str, Any]) -> str:
    """Markdown for the README's "Cite this package": the citation, as BibTeX too, and the records."""
    from cqpolicy.build.citation import citation_text, expected_facts

    facts = expected_facts(descriptor)
    authors = " and ".join(
        "{" + str(item["title"]) + "}"
        for item in descriptor.get("contributors", [])
        if isinstance(item, dict) and "dataCurator" in item.get("roles", [])
    )
    bibtex = [
        f"@misc{{{descriptor['name']}-{facts.version},",
        f"  author    = {{{authors}}},",
        f"  title     = {{{descriptor['title']}}},",
        f"  year      = {{{facts.released[:4]}}},",
        f"  version   = {{{facts.version}}},",
        f"  note      = {{Data package, released {facts.released}; identifier {descriptor['id']}}},",
        f"  url       = {{{descriptor['homepage']}}},",
        "}",
    ]
    return "\n".join(
        [
            CITATION_START,
            "",
            "> " + citation_text(descriptor),
            "",
            "```bibtex",
            *bibtex,
            "```",
            "",
            "The same in machine-readable form, generated by the build from `sources/package.json`: "
            "[`CITATION.cff`](CITATION.cff) (Citation File Format; code hosts show it as *Cite this "
            "repository*), [`.zenodo.json`](.zenodo.json) (Zenodo deposit metadata) and "
            "[`docs/dataset.jsonld`](docs/dataset.jsonld) (a schema.org `Dataset`, for data catalogues). "
            "Cite the version you used; the policy itself is cited from its official record (below).",
            "",
            CITATION_END,
        ]
    )


def replace_section(text: str, section: str, start: str = START, end: str = END) -> str:
    """Put ``section`` between the markers ``start`` and ``end`` in ``text`` (which must contain both)."""
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"the README has no {start} … {end} markers")
    return pattern.sub(lambda _: section, text, count=1)


def refresh_readme(text: str, descriptor: dict[str, Any], root: Path) -> str:
    """The README with its generated sections (data dictionary, citation, the prose that states the
    package's numbers and version) rewritten from the package at ``root``."""
    text = replace_section(text, render_data_dictionary(descriptor, root))
    text = replace_section(text, render_citation(descriptor), CITATION_START, CITATION_END)
    return refresh_prose(text, descriptor, root)


# --- the README's prose that states the package's numbers and version -------------------------------

#: The README's generated prose: ``<!-- cqpolicy:NAME -->`` … ``<!-- /cqpolicy:NAME -->`` around
#: each, rewritten from the package by :func:`refresh_readme` (``make publish``, ``cqpolicy release``).
PROSE = ("title", "intro", "counts", "who", "clauses", "record")


def prose_markers(name: str) -> tuple[str, str]:
    """The start and end markers of the README's generated section ``name``."""
    return f"<!-- cqpolicy:{name} (generated from the package; do not edit) -->", f"<!-- /cqpolicy:{name} -->"


def _csv_rows(root: Path, name: str) -> list[dict[str, str]]:
    path = root / "data" / f"{name}.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def render_prose(descriptor: dict[str, Any], root: Path) -> dict[str, str]:
    """The README's generated prose sections (without markers), from the package at ``root``."""
    from cqpolicy.publish.report import compute_figures, load_package_tables

    tables = {name: _csv_rows(root, name) for name in ("document", "sections", "clauses", "tasks")}
    document = tables["document"][0] if tables["document"] else {}
    number = document.get("document_number", "")
    version = str(descriptor.get("version", ""))
    sections, clauses, tasks = tables["sections"], tables["clauses"], tables["tasks"]
    counts = {
        r["name"]: len(_csv_rows(root, r["name"]))
        for r in descriptor["resources"]
        if r.get("format") == "csv"
    }
    out: dict[str, str] = {}
    out["title"] = f"# cqpolicy: {number} as open data"
    out["intro"] = (
        f"《{document.get('title', '')}》({number}), *{document.get('title_en', '')}* (our translation), "
        f"as a versioned [Frictionless data package](https://datapackage.org/) at version {version}: "
        f"its preamble, {len(sections)} sections and {len(clauses)} numbered clauses, and the annex table of "
        f"{len(tasks)} tasks with the units responsible for each, every unit resolved to a reviewed register "
        "with its full Chinese name, an English name and its type."
    )

    def span(rows: list[dict[str, str]]) -> str:
        return f"{rows[0]['label']} to {rows[-1]['label']}" if rows else "none"

    out["counts"] = "\n".join(
        [
            "| file (`data/`, CSV and Parquet) | rows | what it holds |",
            "| --- | --- | --- |",
            f"| `document` | {counts.get('document', 0)} | number, title, issuer, dates, validity status, "
            "addressees, preamble; the title, preamble and annex title in English |",
            f"| `sections` | {counts.get('sections', 0)} | {span(sections)} with English titles |",
            f"| `clauses` | {counts.get('clauses', 0)} | {span(clauses)}: section, title, full text, English "
            "title and text, source lines |",
            f"| `tasks` | {counts.get('tasks', 0)} | the annex tasks in Chinese and English, the clause each "
            "implements, the responsible-units cell as written |",
            f"| `agencies` | {counts.get('agencies', 0)} | every unit named in the annex: full name, English "
            "name, type, level |",
            f"| `task_agencies` | {counts.get('task_agencies', 0)} | who is responsible for which task: "
            "position, group, lead or support |",
            "| `agency_types`, `levels`, `roles` | "
            f"{counts.get('agency_types', 0)}, {counts.get('levels', 0)}, {counts.get('roles', 0)} "
            "| code lists with Chinese and English labels |",
            f"| `glossary` | {counts.get('glossary', 0)} | the one English rendering of each recurring name "
            "and policy term, with its basis |",
            "| `cqpolicy-guangyang-bay.xlsx` | | all of the above in one Excel workbook, with an explanation "
            "sheet and the sheets who does what and per unit |",
            "| `cqpolicy-guangyang-bay.sqlite` | | all of the above in one SQLite database, with keys, the "
            "views `assignments` and `agency_summary`, and a Chinese full-text index "
            "([Browse and search](#browse-and-search)) |",
        ]
    )

    figure_descriptor, figure_tables = load_package_tables(root)
    figures = compute_figures(figure_tables, figure_descriptor)
    out["who"] = ""
    if figures.units:
        busiest = max(figures.units, key=lambda c: c.total)
        most = max(c.lead for c in figures.units)
        leaders = [c.unit.name_zh for c in figures.units if c.lead == most]
        out["who"] = (
            f"**Who does what.** In version {version}, {busiest.unit.name_zh} is named in {busiest.total} of "
            f"the {figures.task_count} tasks and leads {busiest.lead}; {_and(leaders)} "
            + ("leads" if len(leaders) == 1 else "lead")
            + f" the most ({most}{'' if len(leaders) == 1 else ' each'})."
        )
    empty = [c.label for c in figures.clauses_without_tasks]
    with_tasks = len(figures.clauses) - len(empty)
    out["clauses"] = (
        f"**Which clauses have tasks.** In {version}, {with_tasks} of the {len(figures.clauses)} clauses "
        "have at least one task in the annex"
        + (f"; {_and(empty)} " + ("has" if len(empty) == 1 else "have") + " none." if empty else ".")
    )

    facts = descriptor.get("document") or {}
    archived: dict[str, Any] = next((s for s in descriptor.get("sources", []) if s.get("sha256")), {})
    record: list[str] = []
    if facts.get("official_url"):
        dates = [
            f"{label} {facts[key]}"
            for label, key in (
                ("索引号", "index_number"),
                ("成文日期", "date_written"),
                ("发布日期", "date_published"),
            )
            if facts.get(key)
        ]
        record.append(
            f"- **Official record:** the government portal, <{facts['official_url']}>"
            + (f" ({'; '.join(dates)})." if dates else ".")
        )
    else:
        record.append("- **Official record:** none recorded for this version; see `sources/README.md`.")
    if archived:
        kind = (
            "a copy of a third-party mirror page"
            if archived.get("mirror_url")
            else "the publication as archived"
        )
        record.append(f"- **Archived source:** `{archived['path']}`, {kind}, sha256 `{archived['sha256']}`.")
    out["record"] = "\n".join(record)
    return out


def refresh_prose(text: str, descriptor: dict[str, Any], root: Path) -> str:
    """``text`` with each generated prose section it has marked rewritten from the package at ``root``."""
    sections = None
    for name in PROSE:
        start, end = prose_markers(name)
        if start in text and end in text:
            sections = sections if sections is not None else render_prose(descriptor, root)
            text = replace_section(text, f"{start}\n{sections[name]}\n{end}", start, end)
    return text
