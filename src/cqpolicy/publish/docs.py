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
    """The README with its generated sections (data dictionary, citation) rewritten from the descriptor."""
    text = replace_section(text, render_data_dictionary(descriptor, root))
    return replace_section(text, render_citation(descriptor), CITATION_START, CITATION_END)
