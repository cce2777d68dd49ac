"""The README inside the downloadable zip, written for the person who downloaded it.

The repository's README starts with the developer set-up (``make publish``); the one in
the zip starts with what is in the file and how to open it, in Excel or LibreOffice,
pandas, R and DuckDB, then the caveats and how to cite. Every link in it is relative and
points at a file the zip holds (``tests/test_pack.py`` follows each one).
"""

from __future__ import annotations

from typing import Any

from cqpolicy.build.citation import CITATION_FILES, citation_text


def _rows(descriptor: dict[str, Any]) -> dict[str, int]:
    return {
        str(resource["name"]): int(resource["rows"])
        for resource in descriptor.get("resources", [])
        if isinstance(resource, dict)
        and resource.get("format") == "csv"
        and isinstance(resource.get("rows"), int)
    }


def _file_table(descriptor: dict[str, Any], present: set[str]) -> list[str]:
    lines = ["| file | rows | what it holds |", "| --- | --- | --- |"]
    rows = _rows(descriptor)
    for resource in descriptor.get("resources", []):
        if not isinstance(resource, dict) or resource.get("format") not in ("csv", "xlsx", "sqlite"):
            continue
        path = str(resource.get("path", ""))
        if path not in present:
            continue
        title = str(resource.get("title", "")).replace("|", "\\|")
        name = str(resource.get("name"))
        count = str(rows[name]) if name in rows else ""
        lines.append(f"| [`{path}`]({path}) | {count} | {title} |")
    return lines


def _records_line(present: set[str]) -> str:
    """The machine-readable citation records the zip holds, linked."""
    records = [f"[`{name}`]({name})" for name in CITATION_FILES if name in present]
    if not records:
        return ""
    listed = records[0] if len(records) == 1 else ", ".join(records[:-1]) + " and " + records[-1]
    return f"{listed} carry the same in machine-readable form. "


def _search_lines(database: str | None) -> list[str]:
    """How to search the SQLite file with plain SQL, in any client (``tests/test_search_any_client.py``
    runs each example as written)."""
    if database is None:
        return []
    return [
        "## Search the database",
        "",
        f"[`{database}`]({database}) opens in any SQLite client (the `sqlite3` shell, DB Browser for "
        "SQLite, Python's `sqlite3`, R's RSQLite). It holds every table, the views `assignments` (who "
        "does what, Chinese and English) and `agency_summary`, and full-text indexes `tasks_fts` and "
        "`clauses_fts` made with SQLite's own `trigram` tokenizer (SQLite 3.34 or later, no extension). "
        "`MATCH` finds exactly the rows whose text contains a word of **three or more characters**, "
        "Chinese or English (letters in any case):",
        "",
        "```sql",
        "SELECT task_no, text, text_en FROM tasks",
        "WHERE task_no IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH '碳达峰');",
        "```",
        "",
        "`clauses_fts` works the same way with `clauses` and `clause_no`. Put a phrase with spaces or "
        "punctuation in double quotes: `MATCH '\"green development\"'`. A word of **one or two "
        "characters** has no trigram, so `MATCH` finds nothing (and gives no error): search the table "
        "itself with `LIKE` (or `instr(text, '绿色') > 0`):",
        "",
        "```sql",
        "SELECT task_no, text, text_en FROM tasks WHERE text LIKE '%绿色%';",
        "```",
        "",
    ]


def download_readme(descriptor: dict[str, Any], present: set[str], *, released: bool = True) -> str:
    """The zip's ``README.md``; ``present`` lists the zip's files (relative paths), so links resolve.

    An unreleased package (``cqpolicy pack --allow-unreleased``) says so where it names its version.
    """
    name, version = descriptor["name"], descriptor["version"]
    shown_version = (
        f"**{version}**"
        if released
        else f"**{version}+unreleased**: **not a released version** (its data differ from release {version}; "
        "do not cite it as that version)"
    )
    document = descriptor.get("document", {})
    workbook = next(
        (
            r["path"]
            for r in descriptor.get("resources", [])
            if isinstance(r, dict) and r.get("format") == "xlsx"
        ),
        None,
    )
    database = next(
        (
            str(r["path"])
            for r in descriptor.get("resources", [])
            if isinstance(r, dict) and r.get("format") == "sqlite" and r.get("path") in present
        ),
        None,
    )
    out = [
        f"# {descriptor['title']}",
        "",
        f"Data package `{name}`, version {shown_version}. {descriptor['description']}",
        "",
        "## What is in this download",
        "",
        *_file_table(descriptor, present),
        "",
        "Every table is also in `data/` as Parquet (same rows, typed). "
        "[`datapackage.json`](datapackage.json) describes every table and column in Chinese and English "
        "(a [Data Package v2](https://datapackage.org/) descriptor, with each file's size and sha256).",
        "",
    ]
    if "docs/report/README.md" in present:
        out += [
            "- [`docs/report/README.md`](docs/report/README.md): a summary page with four charts "
            "(who does what, tasks per clause, who works with whom) and the numbers behind them.",
        ]
    if "docs/policy.md" in present:
        out += ["- [`docs/policy.md`](docs/policy.md): the policy clause by clause, in Chinese and English."]
    if "sources/README.md" in present:
        out += [
            "- [`sources/`](sources/README.md): the archived source text and every reviewed file the data "
            "are built from (agency register, code lists, translations, corrections), so that each value "
            "can be traced and checked (`cqpolicy validate` rebuilds the data from them).",
        ]
    if "CHANGELOG.md" in present:
        out += ["- [`CHANGELOG.md`](CHANGELOG.md): what each version changed."]
    if "LICENSE.md" in present:
        out += ["- [`LICENSE.md`](LICENSE.md): the licences."]
    out += ["", "## Open it", ""]
    if workbook:
        out += [
            f"- **Excel, LibreOffice, Numbers:** open [`{workbook}`]({workbook}). It has a sheet per table "
            "(header row frozen, numbers as numbers) and a first sheet, 说明 About, explaining every table "
            "and column in Chinese and English. It holds exactly the values of the CSV files.",
        ]
    out += [
        "- **CSV in a spreadsheet:** the files are UTF-8. In Excel use *Data → From Text/CSV* with file "
        "origin *65001: Unicode (UTF-8)*; LibreOffice asks for the character set: choose UTF-8.",
        "",
        "pandas:",
        "",
        "```python",
        "import pandas as pd",
        "",
        'tasks = pd.read_parquet("data/tasks.parquet")',
        'links = pd.read_parquet("data/task_agencies.parquet")',
        'agencies = pd.read_parquet("data/agencies.parquet")',
        'leads = links[links.role == "lead"].merge(agencies, on="agency_id")',
        'print(leads.groupby("name_en").size().sort_values(ascending=False).head())',
        "```",
        "",
        "R (readr):",
        "",
        "```r",
        "library(readr)",
        'tasks <- read_csv("data/tasks.csv", locale = locale(encoding = "UTF-8"))',
        'links <- read_csv("data/task_agencies.csv")',
        'agencies <- read_csv("data/agencies.csv")',
        'leads <- merge(links[links$role == "lead", ], agencies, by = "agency_id")',
        "sort(table(leads$name_en), decreasing = TRUE)[1:5]",
        "```",
        "",
        "DuckDB:",
        "",
        "```sql",
        "SELECT a.name_zh, a.name_en, count(*) AS tasks,",
        "       count(*) FILTER (WHERE ta.role = 'lead') AS leads",
        "FROM 'data/task_agencies.parquet' ta JOIN 'data/agencies.parquet' a USING (agency_id)",
        "WHERE a.agency_type <> 'collective'",
        "GROUP BY ALL ORDER BY tasks DESC LIMIT 5;",
        "```",
        "",
        "To see who does what, join `task_agencies` to `tasks` (on `task_no`) "
        "and `agencies` (on `agency_id`).",
        "",
        *_search_lines(database),
        "## Read with care",
        "",
        "- **Lead units.** Where the annex lists a task's units in one cell without saying who leads, "
        "`task_agencies.role` is `lead` for the first unit listed, by the usual convention of such "
        "annexes, and `role_source` is `first-listed`: the text itself does not state it. Where the "
        "annex has separate 牵头单位 and 配合单位 columns, `role_source` is `stated`.",
        "- **`市级有关部门`** (relevant municipal departments) is a collective reference, not one body: "
        "its `agency_type` is `collective`. Never count it as one agency.",
        "- **English** in this package is an unofficial translation; there is no official English version. "
        "Cite the Chinese text.",
        "- **Status.** "
        + (
            f"The official record is <{document['official_url']}>; check it for the current status."
            if document.get("official_url")
            else "Check the official record for the document's current status."
        ),
        "",
        "## Cite it",
        "",
        citation_text(descriptor)
        if released
        else f"This is not a released version: cite a released version of `{name}` instead.",
        "",
        _records_line(present),
        f"Cite the policy itself as {document.get('issuer', '')}《{document.get('title', '')}》"
        f"（{document.get('document_number', '')}）.",
        "",
        "## Check it",
        "",
        "With the `cqpolicy` toolkit installed, `cqpolicy validate THIS.zip` checks every file against "
        "the descriptor and the reviewed expectations"
        + (
            ", and rebuilds the data from the archived source in `sources/`"
            if "sources/README.md" in present
            else ""
        )
        + "; `cqpolicy diff OLD.zip NEW.zip` shows what changed between two versions. "
        "The toolkit, its set-up and the developer documentation are in the package's repository: "
        f"<{descriptor.get('homepage', '')}>.",
        "",
    ]
    return "\n".join(out)
