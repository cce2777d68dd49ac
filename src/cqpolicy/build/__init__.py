"""Build the data package from a publication of the policy and the curated inputs.

``build_package`` reads and checks everything first (the publication, read by
:mod:`cqpolicy.intake`, the register,
code lists, translations, overrides), builds every file in memory, writes them
into a staging directory and only then moves ``data/`` and
``datapackage.json`` into the output directory. Any error leaves the output
directory exactly as it was.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from cqpolicy.atomic import Transaction, directory_lock
from cqpolicy.build import curated
from cqpolicy.build.citation import CITATION_FILES, citation_files
from cqpolicy.build.conservation import check_conservation, check_sentence_ends, furniture_warnings
from cqpolicy.build.database import database_bytes
from cqpolicy.build.hygiene import artefact_refusal, control_character, refusal, text_artefact
from cqpolicy.build.mapping import check_table_reaches_end, map_tasks
from cqpolicy.build.metadata import document_facts, stated_number
from cqpolicy.build.normalise import normalise_blocks, to_simplified
from cqpolicy.build.parse import Document, parse_document
from cqpolicy.build.pending import PENDING_FILE, absorbed_files, merged_pending, pending_bytes
from cqpolicy.build.tables import (
    Row,
    UnknownUnits,
    agency_tables,
    clause_table,
    document_table,
    section_table,
    task_table,
)
from cqpolicy.build.translations import UntranslatedError, attach_translations, load_translations
from cqpolicy.build.workbook import about_table_header_row, workbook_bytes
from cqpolicy.build.write import csv_bytes, json_bytes, parquet_bytes, sha256
from cqpolicy.errors import InputError, RegisterError, SourceError
from cqpolicy.intake import Block, Publication, read_publication

PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
#: The Data Package profile the descriptor conforms to (vendored in ``resources/profiles/2.0``).
DATA_PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
#: What a build writes into its output directory, replaced all at once.
PACKAGE_ENTRIES = ("data", "datapackage.json", *CITATION_FILES)
#: How the descriptor names each form of publication.
FORM_NAMES = {"text": "text", "html": "web page", "docx": "Word document", "pdf": "PDF document"}
XLSX_MEDIATYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SQLITE_MEDIATYPE = "application/vnd.sqlite3"


def load_table_schemas() -> list[dict[str, Any]]:
    """The table schemas shipped with the toolkit (``resources/schema.json``)."""
    text = resources.files("cqpolicy").joinpath("resources/schema.json").read_text(encoding="utf-8")
    schemas: list[dict[str, Any]] = json.loads(text)["resources"]
    return schemas


@dataclass
class BuildResult:
    """What a build produced."""

    out: Path
    document: Document
    counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        counts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return f"built {self.document.document_number} into {self.out}: {counts}"


@dataclass(frozen=True)
class Inputs:
    """Paths of everything a build reads."""

    source: Path
    sources_dir: Path
    #: The repository's ``sources/`` to name in messages and to write review files into
    #: (a release builds from a staged copy, which the user never sees).
    shown_sources: Path | None = None

    @property
    def shown(self) -> Path:
        return self.shown_sources or self.sources_dir

    @property
    def metadata(self) -> Path:
        return self.source.with_name(self.source.stem + ".meta.json")

    @property
    def corrections(self) -> Path:
        return self.source.with_name(self.source.stem + ".corrections.csv")


def resolve_inputs(
    source: Path | None, sources_dir: Path | None, shown_sources: Path | None = None
) -> Inputs:
    """Default the source to the one named in ``sources/package.json``.

    Raises:
        InputError: if the sources directory does not exist.
    """
    sources_dir = sources_dir or Path("sources")
    if not sources_dir.is_dir():
        raise InputError(
            "the curated inputs directory does not exist; run from the repository root or pass --sources-dir",
            path=sources_dir,
        )
    if source is None:
        package_meta = curated.read_json(sources_dir / "package.json")
        name = package_meta.get("source")
        if not isinstance(name, str) or not name:
            raise RegisterError(
                "needs a 'source' key naming the archived source", path=sources_dir / "package.json"
            )
        source = sources_dir / name
    return Inputs(source=source, sources_dir=sources_dir, shown_sources=shown_sources)


def build_package(
    source: Path | None = None,
    out: Path = Path("."),
    sources_dir: Path | None = None,
    *,
    shown_sources: Path | None = None,
    allow_untranslated: bool = False,
    write_pending: bool = False,
) -> BuildResult:
    """Build the package from ``source`` into ``out``; see the module docstring.

    ``source`` is the policy in any form :mod:`cqpolicy.intake` reads (text, web page, Word,
    PDF). When the annex names units the register lacks, nothing is built: every missing
    name is written, with the tasks naming it, to ``agencies.pending.csv`` in the sources
    directory (``shown_sources`` when given) for review, and the error says so.

    The English comes from ``sources/translations/`` (:mod:`cqpolicy.build.translations`);
    a clause, task or paragraph without a current translation fails the build unless
    ``allow_untranslated`` (for drafting a new or amended text): then it gets no English and
    the result carries a warning.

    With ``write_pending`` (the ``build`` and ``release`` commands) the texts without English
    are listed in ``translations/pending.csv`` for the maintainer to fill, and its filled rows
    are taken into the translation files, in the same transaction as the package when the
    sources directory is inside ``out`` (:mod:`cqpolicy.build.pending`). Without it the filled
    rows are used but nothing in the sources directory is written.

    Raises:
        InputError: the source or a curated file cannot be used (exit code 2).
        SourceError: the source text breaks the document's structure (exit code 1).
        RegisterError: a curated file lacks an entry or is malformed (exit code 1).
    """
    inputs = resolve_inputs(source, sources_dir, shown_sources)
    created = not out.exists()
    try:
        with directory_lock(out, "build"):
            return _build_locked(
                inputs, out, allow_untranslated=allow_untranslated, write_pending=write_pending
            )
    except BaseException:
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # a refused build leaves no trace, not even the directory it was to fill
        raise


def _build_locked(inputs: Inputs, out: Path, *, allow_untranslated: bool, write_pending: bool) -> BuildResult:
    curated_files: dict[str, bytes] = {}
    try:
        files, doc, counts, warnings = render_package(
            inputs, allow_untranslated=allow_untranslated, curated_out=curated_files
        )
    except UntranslatedError as error:
        if not write_pending:
            raise
        pending = inputs.shown / "translations" / PENDING_FILE
        rows = merged_pending(error.pending, error.needed, absorbed=False)
        curated.replace_file(pending, pending_bytes(rows))
        more = f" ({len(error.needed) - 1} more text(s) like it)" if len(error.needed) > 1 else ""
        raise RegisterError(
            f"{error.first}{more}; {pending} lists each text without English: fill in its text_en "
            "(previous_text_en is the old English, a draft to start from) and run the command again",
        ) from None
    except UnknownUnits as error:
        pending = inputs.shown / curated.PENDING_FILE
        one = len(error.missing) == 1
        pending = curated.write_pending(pending, error.missing)
        raise RegisterError(
            f"{error.describe()} {'is' if one else 'are'} not in the agency register "
            f"{inputs.shown / 'agencies.csv'}; {pending} lists "
            f"{'it with the tasks naming it' if one else 'them with the tasks naming each'}: complete "
            "each row (id, full name, English name, type, level, note) and move it into agencies.csv",
            path=inputs.source,
        ) from None
    _check_output(out, files)
    translations = inputs.sources_dir / "translations"
    inside = write_pending and translations.resolve().is_relative_to(out.resolve())
    with Transaction(out) as txn:
        for relative, data in files.items():
            txn.file(relative).write_bytes(data)
        txn.include(*PACKAGE_ENTRIES)
        if inside:
            prefix = translations.resolve().relative_to(out.resolve()).as_posix()
            for name, data in curated_files.items():
                txn.path(f"{prefix}/{name}").write_bytes(data)
        txn.commit()
    if write_pending and not inside and curated_files:
        with directory_lock(translations, "build"), Transaction(translations) as txn:
            for name, data in curated_files.items():
                txn.path(name).write_bytes(data)
            txn.commit()
    if curated_files.get(PENDING_FILE, b"\n").count(b"\n") > 1:
        warnings.append(
            f"{inputs.shown / 'translations' / PENDING_FILE} lists texts without English: fill in "
            "each text_en and build again"
        )
    return BuildResult(out=out, document=doc, counts=counts, warnings=warnings)


def _check_output(out: Path, files: dict[str, bytes]) -> None:
    """Refuse to replace what is not ours: another package, or files in ``data/`` no package names.

    A build replaces ``data/`` whole. Files there that neither this build writes nor the package
    being replaced names (its resources) would be lost, so the build stops and names them.

    Raises:
        InputError: naming the other package or up to three of the unknown files (exit code 2).
    """
    new_name = json.loads(files["datapackage.json"])["name"]
    named: set[str] = set()
    old_path = out / "datapackage.json"
    if old_path.is_file():
        try:
            old = json.loads(old_path.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            old = None
        if not isinstance(old, dict) or old.get("name") != new_name:
            shown = repr(old.get("name")) if isinstance(old, dict) else "an unreadable descriptor"
            raise InputError(
                f"holds another package ({shown}), not {new_name!r}; build into an empty directory "
                "or move that package away",
                path=out,
            )
        resources = old.get("resources")
        for resource in resources if isinstance(resources, list) else []:
            if isinstance(resource, dict) and isinstance(resource.get("path"), str):
                named.add(resource["path"])
    data = out / "data"
    if not data.is_dir() or data.is_symlink():
        return
    unknown = sorted(
        path.relative_to(out).as_posix()
        for path in data.rglob("*")
        if not path.is_dir() and path.relative_to(out).as_posix() not in named | set(files)
    )
    if unknown:
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        one = len(unknown) == 1
        raise InputError(
            f"{', '.join(unknown[:3])}{more} {'belongs' if one else 'belong'} to no package here, and a "
            f"build replaces data/ whole; move {'it' if one else 'them'} out of data/ first",
            path=out,
        )


def _without_rulings(detail: str, publication: Publication) -> str:
    """The parser's finding, with the cause when it stopped at the annex of a PDF that shows no
    table with ruling lines at all (a table printed without borders reads as paragraphs)."""
    if publication.form != "pdf" or "annex" not in detail or any(b.cells for b in publication.blocks):
        return detail
    return detail.removesuffix("; is the table missing?") + (
        "; the PDF shows no table with ruling lines, and a table printed without borders cannot be "
        "read from a PDF: give the page, the Word file, or a print with borders"
    )


def render_package(
    inputs: Inputs, *, allow_untranslated: bool = False, curated_out: dict[str, bytes] | None = None
) -> tuple[dict[str, bytes], Document, dict[str, int], list[str]]:
    """Everything a build writes, as ``{relative path: bytes}``, without touching the disk.

    ``curated_out`` receives the translation files that change (filled rows of ``pending.csv``
    taken in) and the next ``pending.csv``, by file name.
    """
    sd = inputs.sources_dir
    publication = read_publication(inputs.source)
    corrections = curated.load_corrections(inputs.corrections)
    for block in publication.blocks:
        code = next(filter(None, map(control_character, (block.text, *(block.cells or ())))), None)
        if code:
            unit = "line" if publication.form == "text" else "paragraph"
            raise InputError(refusal(code), path=inputs.source, line=block.at, unit=unit)
    check_conservation(publication, inputs.source)
    blocks = normalise_blocks(publication.blocks, corrections, inputs.corrections)
    unit = "line" if publication.form == "text" else "paragraph"
    try:
        doc = parse_document(blocks, inputs.source, stated_number=stated_number(publication.metadata))
        check_sentence_ends(doc, inputs.source, unit)
    except SourceError as error:
        if publication.form == "text":
            raise
        # In a page, Word or PDF file the position counts paragraphs and table rows, not lines.
        detail = _without_rulings(error.detail, publication)
        raise SourceError(detail, path=error.path, line=error.line, unit=unit) from None
    # The text the parser read, checked once its structure is known to be whole (a cut text is
    # named as cut, not by the half annotation the cut left).
    _check_artefacts(blocks, publication.form, inputs)

    codelists = curated.load_codelists(sd / "codelists")
    codes = {name: {row["code"] for row in rows} for name, rows in codelists.items()}
    register = curated.load_register(sd / "agencies.csv", codes)
    overrides_path = sd / "task_clause_overrides.csv"
    matches = map_tasks(doc.tasks, doc.clauses, curated.load_overrides(overrides_path), overrides_path)
    check_table_reaches_end(doc.tasks, doc.clauses, matches, inputs.source)
    warnings = [
        f"task {m.task_no} maps to clause {m.clause_no} with low confidence (score {m.score:.2f}, "
        f"runner-up clause {m.runner_up} at {m.runner_up_score:.2f}); "
        f"review it and pin it in {overrides_path}"
        for m in matches
        if m.low_confidence
    ]
    warnings.extend(doc.warnings)
    sidecar = curated.read_json(inputs.metadata) if inputs.metadata.is_file() else {}
    metadata = document_facts(doc, publication.metadata, sidecar, inputs.source, inputs.metadata)
    package_meta = curated.read_package_meta(sd / "package.json")
    facts = _Facts.of(doc, package_meta)

    agencies, task_agencies = agency_tables(doc, register, inputs.source)
    tables: dict[str, list[Row]] = {
        "document": document_table(doc, metadata),
        "sections": section_table(doc, {}),
        "clauses": clause_table(doc, {}),
        "tasks": task_table(doc, matches),
        "agencies": agencies,
        "task_agencies": task_agencies,
        **codelists,
    }
    translations_dir = sd / "translations"
    translations = load_translations(translations_dir, inputs.shown / "translations")
    warnings.extend(
        attach_translations(
            tables, translations, inputs.shown / "translations", allow_untranslated=allow_untranslated
        )
    )
    if curated_out is not None:
        current = {str(row[column]) for name, column in _TEXTS for row in tables[name] if row[column]}
        current.update(tables["document"][0]["preamble"].split("\n") if tables["document"] else [])
        curated_out.update(absorbed_files(translations_dir, translations.pending, current))
        if translations.needed or (translations_dir / PENDING_FILE).is_file():
            waiting = merged_pending(translations.pending, translations.needed, absorbed=True)
            curated_out[PENDING_FILE] = pending_bytes(waiting)
    schemas = load_table_schemas()
    files: dict[str, bytes] = {}
    resources_out: list[dict[str, Any]] = []
    typed_schemas = []
    for schema in schemas:
        name = schema["name"]
        rows = tables[name]
        fields = _fields_with_codes(schema["fields"], codelists)
        typed_schemas.append({**schema, "fields": fields})
        csv_data = csv_bytes(rows, fields)
        parquet_data = parquet_bytes(rows, fields, schema["description"])
        files[f"data/{name}.csv"] = csv_data
        files[f"data/{name}.parquet"] = parquet_data
        resources_out.extend(_resources(schema, fields, csv_data, parquet_data, len(rows)))
    workbook = workbook_bytes(
        tables,
        schemas,
        {
            "title": facts.fill(package_meta["title"]),
            "version": package_meta["version"],
            "licence": "; ".join(licence["title"] for licence in package_meta["licenses"]),
            "source": f"{doc.title}（{doc.document_number}）",
            "official_url": metadata.get("official_url", ""),
            "created": doc.date_written,
        },
    )
    workbook_path = f"data/{package_meta['name']}.xlsx"
    files[workbook_path] = workbook
    resources_out.append(_workbook_resource(workbook_path, workbook))
    database = database_bytes(tables, typed_schemas)
    database_path = f"data/{package_meta['name']}.sqlite"
    files[database_path] = database
    resources_out.append(_database_resource(database_path, database))
    descriptor = _descriptor(
        package_meta, doc, facts, tables["document"][0], metadata, inputs, publication, resources_out
    )
    files["datapackage.json"] = json_bytes(descriptor)
    files.update(citation_files(descriptor))
    counts = {name: len(tables[name]) for name in ("clauses", "tasks", "agencies", "task_agencies")}
    warnings.extend(publication.notes)
    warnings.extend(furniture_warnings(publication))  # last: what the reader dropped around the document
    return files, doc, counts, warnings


def _check_artefacts(blocks: list[Block], form: str, inputs: Inputs) -> None:
    """Refuse text that still carries a mirror's or a converter's artefacts once normalised.

    Raises:
        InputError: naming the line (or paragraph), the fragment and the corrections file.
    """
    for block in blocks:
        for text in (block.text, *(block.cells or ())):
            found = text_artefact(text, to_simplified(text))
            if found:
                archived = inputs.source.resolve().parent == inputs.sources_dir.resolve()
                shown = inputs.shown / inputs.corrections.name if archived else inputs.corrections
                raise InputError(
                    artefact_refusal(found, str(shown)),
                    path=inputs.source,
                    line=block.at,
                    unit="line" if form == "text" else "paragraph",
                )


#: The Chinese texts a translation row can stand for: (table, column).
_TEXTS = (
    ("clauses", "text"),
    ("clauses", "title"),
    ("tasks", "text"),
    ("sections", "title"),
    ("document", "title"),
    ("document", "annex_title"),
)


#: Which curated code list each code-list column takes its values from.
COLUMN_CODELISTS = {"agency_type": "agency_types", "level": "levels", "role": "roles"}


def _fields_with_codes(fields: list[dict[str, Any]], codelists: dict[str, list[Row]]) -> list[dict[str, Any]]:
    """Describe code-list columns from the curated code lists, twice over.

    Data Package v2 ``categories`` carry each code with its Chinese and English label (for
    readers and tools that show labels); the ``enum`` constraint carries the same codes for
    validators that enforce constraints (frictionless does not enforce ``categories``).
    """
    out = copy.deepcopy(fields)
    for field_ in out:
        codelist = COLUMN_CODELISTS.get(field_["name"])
        if codelist:
            rows = sorted(codelists[codelist], key=lambda row: str(row["code"]))
            field_["categories"] = [
                {"value": row["code"], "label": f"{row['label_zh']} / {row['label_en']}"} for row in rows
            ]
            field_.setdefault("constraints", {})["enum"] = [row["code"] for row in rows]
    return out


def _resources(
    schema: dict[str, Any], fields: list[dict[str, Any]], csv_data: bytes, parquet_data: bytes, rows: int
) -> list[dict[str, Any]]:
    """The CSV resource and its Parquet twin.

    ``rows`` is declared so that frictionless checks it and the expectation suites
    can refer to it (``{"$rows": "tasks"}``) instead of pinning one version's counts.
    """
    name = schema["name"]
    table_schema: dict[str, Any] = {"fields": fields, "primaryKey": schema["primaryKey"]}
    if schema.get("foreignKeys"):
        table_schema["foreignKeys"] = schema["foreignKeys"]
    csv_resource = {
        "name": name,
        "path": f"data/{name}.csv",
        "title": schema["title"],
        "description": schema["description"],
        "type": "table",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": len(csv_data),
        "hash": f"sha256:{sha256(csv_data)}",
        "rows": rows,
        "dialect": {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "header": True},
        "schema": table_schema,
    }
    parquet_schema = copy.deepcopy(table_schema)
    for key in parquet_schema.get("foreignKeys", []):
        key["reference"]["resource"] = f"{key['reference']['resource']}-parquet"
    parquet_resource = {
        "name": f"{name}-parquet",
        "path": f"data/{name}.parquet",
        "title": f"{schema['title']} (Parquet)",
        "description": f"Same rows and values as {name}.csv, typed, in Parquet. {schema['description']}",
        "type": "table",
        "format": "parquet",
        "mediatype": PARQUET_MEDIATYPE,
        # No "bytes": frictionless 5 mis-counts Parquet bytes; cqpolicy validate checks the hash itself.
        "hash": f"sha256:{sha256(parquet_data)}",
        "rows": rows,
        "schema": parquet_schema,
    }
    return [csv_resource, parquet_resource]


def _number_en(number: str, prefixes: dict[str, str]) -> str:
    """``渝府〔2022〕5号`` as English writes it, ``Yufu [2022] No. 5``, with a curated romanised prefix."""
    match = re.match(r"^(?P<org>.+)〔(?P<year>\d{4})〕(?P<n>\d+)号$", number)
    if match is None:
        return number
    return f"{prefixes.get(match['org'], match['org'])} [{match['year']}] No. {match['n']}"


class _Facts(dict[str, object]):
    """Values for the placeholders of ``package.json``'s title and description; others stay as written."""

    @classmethod
    def of(cls, doc: Document, package_meta: dict[str, Any]) -> _Facts:
        """The document's number (in Chinese and English), title and counts."""
        prefixes = package_meta.get("document_prefixes_en", {})
        return cls(
            document_number=doc.document_number,
            document_number_en=_number_en(doc.document_number, prefixes),
            title=doc.title,
            sections=len(doc.sections),
            clauses=len(doc.clauses),
            tasks=len(doc.tasks),
        )

    def fill(self, template: object) -> str:
        """``template`` with its placeholders filled."""
        return str(template).format_map(self)

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _workbook_resource(path: str, data: bytes) -> dict[str, Any]:
    """The Excel copy: a data resource without ``type``, since it is not one table but a sheet per table.

    Data Package v2 defines only ``type: "table"``; other resources leave it out. A reader
    that opens the file as a table anyway (frictionless does, by its extension) reads the
    first sheet, 说明 About: ``dialect.headerRows`` points it at the sheet's table of tables
    and columns, below the title and the facts.
    """
    return {
        "name": "workbook",
        "path": path,
        "title": "Excel workbook / Excel 工作簿",
        "description": "All tables in one Excel workbook, a sheet per table, with a first sheet that "
        "explains the tables and columns in Chinese and English. Same values as the CSV files; "
        "cqpolicy validate checks that.",
        "format": "xlsx",
        "mediatype": XLSX_MEDIATYPE,
        "dialect": {"headerRows": [about_table_header_row()]},
        "bytes": len(data),
        "hash": f"sha256:{sha256(data)}",
    }


def _database_resource(path: str, data: bytes) -> dict[str, Any]:
    """The SQLite copy: a plain data resource, like the workbook (one file, many tables)."""
    return {
        "name": "database",
        "path": path,
        "title": "SQLite database / SQLite 数据库",
        "description": "All tables in one SQLite database, with primary and foreign keys, the views "
        "assignments (who does what) and agency_summary (per unit), and a full-text index of the "
        "clauses and tasks that finds Chinese terms (character bigrams; see the README). Same values "
        "as the CSV files; cqpolicy validate checks that, and cqpolicy serve opens it in Datasette.",
        "format": "sqlite",
        "mediatype": SQLITE_MEDIATYPE,
        "bytes": len(data),
        "hash": f"sha256:{sha256(data)}",
    }


def _descriptor(
    package_meta: dict[str, Any],
    doc: Document,
    facts: _Facts,
    document_row: Row,
    metadata: dict[str, Any],
    inputs: Inputs,
    publication: Publication,
    resources_out: list[dict[str, Any]],
) -> dict[str, Any]:
    raw = publication.raw
    archived = inputs.source.resolve().parent == inputs.sources_dir.resolve()
    source_path = f"sources/{inputs.source.name}" if archived else inputs.source.name
    document = {
        key: (value.isoformat() if hasattr(value, "isoformat") else value)
        for key, value in document_row.items()
        if key not in ("preamble", "preamble_en", "addressees", "addressees_en", "publication_note_en")
    }
    document["status_note"] = metadata.get("status_note")
    document["official_url"] = metadata.get("official_url")
    document["mirror_url"] = metadata.get("mirror_url")
    document["publisher"] = metadata.get("publisher")
    sources = [
        {
            "title": f"Official record: {doc.title}（{doc.document_number}）, Chongqing Municipal People's "
            "Government portal",
            "path": metadata.get("official_url"),
        },
        {
            "title": "Archived mirror copy the package is built from (byte for byte)"
            if metadata.get("mirror_url")
            else f"Archived {FORM_NAMES[publication.form]} the package is built from (byte for byte)",
            "path": source_path,
            "mirror_url": metadata.get("mirror_url"),
            "form": publication.form,
            "source_line": f"source_line columns count the {publication.unit} of this file, from 1",
            "sha256": sha256(raw),
            "bytes": len(raw),
        },
    ]
    return {
        "$schema": DATA_PACKAGE_PROFILE,
        "name": package_meta["name"],
        "id": package_meta["id"],
        "title": facts.fill(package_meta["title"]),
        "description": facts.fill(package_meta["description"]),
        "version": package_meta["version"],
        "created": created_from_release(package_meta["released"]),
        "homepage": package_meta["homepage"],
        "keywords": [facts.fill(keyword) for keyword in package_meta.get("keywords", [])],
        "licenses": package_meta["licenses"],
        "contributors": package_meta.get("contributors", []),
        "sources": [source for source in sources if source.get("path")],
        "document": {key: value for key, value in document.items() if value is not None},
        "resources": resources_out,
    }


def created_from_release(released: str) -> str:
    """The descriptor's ``created``: the release date at midnight UTC, never the build clock."""
    return f"{released}T00:00:00Z"
