"""Generate the data dictionary (Markdown) from ``datapackage.json``.

The README's data dictionary is this function's output between two marker
comments; a test keeps them in sync, and ``make publish`` rewrites it.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

START = "<!-- data-dictionary:start (generated from datapackage.json by scripts/publish.py; do not edit) -->"
END = "<!-- data-dictionary:end -->"
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


def replace_section(text: str, section: str) -> str:
    """Put ``section`` between the markers in ``text`` (which must contain both markers)."""
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError("the README has no data-dictionary markers")
    return pattern.sub(lambda _: section, text, count=1)
