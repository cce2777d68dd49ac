"""The fault catalogue for `cqpolicy validate`: small mutations of a copy of the real package.

Each :class:`Fault` names the mutation, the checks meant to report it (``layer:check``),
the layers to run (one layer where the fault concerns one, all where a broken file could
trip any reader), and whether the fault must also be caught after a careless script
updates the descriptor's ``hash`` and ``bytes`` to match the changed files.

Mutations work on a :class:`Pkg`: a writable copy of the package plus a writable copy of
the expectation suites. Table edits go through :meth:`Pkg.edit`, which rewrites the CSV
and (unless told otherwise) the Parquet twin the way the build writes them, so a fault
meant for one check does not hide behind CSV/Parquet drift.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Row = dict[str, str]

ALL = ("frictionless", "expectations", "package")
FL, GX, PK = ("frictionless",), ("expectations",), ("package",)


@dataclass
class Pkg:
    """A writable copy of the package (``root``) and of the suites (``suites``)."""

    root: Path
    suites: Path
    #: Set by a mutation that replaces the package argument (a zip, a missing path, ...).
    target: Path | None = None

    # --- descriptor -------------------------------------------------------------------------------

    @property
    def descriptor(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / "datapackage.json").read_text(encoding="utf-8"))
        return data

    def write_descriptor(self, descriptor: dict[str, Any]) -> None:
        text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
        (self.root / "datapackage.json").write_text(text, encoding="utf-8")

    def edit_descriptor(self, change: Callable[[dict[str, Any]], None]) -> None:
        descriptor = self.descriptor
        change(descriptor)
        self.write_descriptor(descriptor)

    def resource(self, descriptor: dict[str, Any], name: str) -> dict[str, Any]:
        resource: dict[str, Any] = next(r for r in descriptor["resources"] if r["name"] == name)
        return resource

    def rehash(self) -> None:
        """What a careless script does: make the descriptor's hash and bytes match the files."""
        descriptor = self.descriptor
        for resource in descriptor["resources"]:
            path = self.root / resource["path"]
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
            if "bytes" in resource:
                resource["bytes"] = len(data)
        self.write_descriptor(descriptor)

    # --- tables -------------------------------------------------------------------------------------

    def csv_path(self, table: str) -> Path:
        return self.root / "data" / f"{table}.csv"

    def rows(self, table: str) -> list[Row]:
        with self.csv_path(table).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    def fields(self, table: str) -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = self.resource(self.descriptor, table)["schema"]["fields"]
        return fields

    def write_rows(self, table: str, rows: list[Row], columns: list[str] | None = None) -> None:
        columns = columns or [f["name"] for f in self.fields(table)]
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
        self.csv_path(table).write_bytes(buffer.getvalue().encode("utf-8"))

    def write_parquet(self, table: str, rows: list[Row]) -> None:
        """Write the Parquet twin from CSV-form rows, as the build writes it."""
        from cqpolicy.build.write import parquet_bytes, read_csv_value

        fields = self.fields(table)
        typed = [
            {f["name"]: read_csv_value(row.get(f["name"], ""), f["type"]) for f in fields} for row in rows
        ]
        description = self.resource(self.descriptor, f"{table}-parquet")["description"]
        (self.root / "data" / f"{table}.parquet").write_bytes(parquet_bytes(typed, fields, description))

    def edit(self, table: str, change: Callable[[list[Row]], None], *, parquet: bool = True) -> None:
        """Change a table's rows in place, in the CSV and (by default) the Parquet file."""
        rows = self.rows(table)
        change(rows)
        self.write_rows(table, rows)
        if parquet:
            self.write_parquet(table, rows)

    def set(self, table: str, key: tuple[str, str], column: str, value: str, *, parquet: bool = True) -> None:
        """Set one cell, found by a (column, value) key."""

        def change(rows: list[Row]) -> None:
            row = next(r for r in rows if r[key[0]] == key[1])
            row[column] = value

        self.edit(table, change, parquet=parquet)

    def replace_text(self, table: str, key: tuple[str, str], column: str, old: str, new: str) -> None:
        def change(rows: list[Row]) -> None:
            row = next(r for r in rows if r[key[0]] == key[1])
            assert old in row[column], (table, column, old)
            row[column] = row[column].replace(old, new, 1)

        self.edit(table, change)

    # --- suites -------------------------------------------------------------------------------------

    def edit_suite(self, table: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = self.suites / f"{table}.json"
        suite = json.loads(path.read_text(encoding="utf-8"))
        change(suite)
        path.write_text(json.dumps(suite, ensure_ascii=False, indent=2), encoding="utf-8")


@dataclass(frozen=True)
class Fault:
    """One fault: its id, the mutation, and the checks meant to report it."""

    id: str
    mutate: Callable[[Pkg], None]
    expect: tuple[str, ...]
    layers: tuple[str, ...] = ALL
    exit_code: int = 1
    #: Also caught once the descriptor's hash and bytes are updated to match the files.
    rehash: bool = True
    tags: frozenset[str] = field(default_factory=frozenset)


# --- mutations ---------------------------------------------------------------------------------------


def _append_copy(table: str, key: tuple[str, str], **changes: str) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        def change(rows: list[Row]) -> None:
            row = dict(next(r for r in rows if r[key[0]] == key[1]))
            row.update(changes)
            rows.append(row)

        pkg.edit(table, change)

    return mutate


def _drop(table: str, predicate: Callable[[Row], bool], *, parquet: bool = True) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        pkg.edit(
            table,
            lambda rows: rows.__setitem__(slice(None), [r for r in rows if not predicate(r)]),
            parquet=parquet,
        )

    return mutate


def drop_last_task(pkg: Pkg) -> None:
    _drop("tasks", lambda r: r["task_no"] == "59")(pkg)
    _drop("task_agencies", lambda r: r["task_no"] == "59")(pkg)


def renumber_last_clause(pkg: Pkg) -> None:
    def clauses(rows: list[Row]) -> None:
        rows[-1]["clause_no"] = "29"

    def tasks(rows: list[Row]) -> None:
        for row in rows:
            if row["clause_no"] == "28":
                row["clause_no"] = "29"

    pkg.edit("clauses", clauses)
    pkg.edit("tasks", tasks)


def renumber_last_task(pkg: Pkg) -> None:
    for table in ("tasks", "task_agencies"):

        def change(rows: list[Row]) -> None:
            for row in rows:
                if row["task_no"] == "59":
                    row["task_no"] = "60"

        pkg.edit(table, change)


def task_positions(task_no: str, change: Callable[[list[Row]], None]) -> Callable[[Pkg], None]:
    """Edit the task_agencies rows of one task, sorted by position."""

    def mutate(pkg: Pkg) -> None:
        def edit(rows: list[Row]) -> None:
            mine = sorted((r for r in rows if r["task_no"] == task_no), key=lambda r: int(r["position"]))
            change(mine)

        pkg.edit("task_agencies", edit)

    return mutate


def swap_units(rows: list[Row]) -> None:
    rows[0]["agency_id"], rows[1]["agency_id"] = rows[1]["agency_id"], rows[0]["agency_id"]


def orphan_agency(pkg: Pkg) -> None:
    _append_copy(
        "agencies", ("agency_id", "cq-energy-bureau"), agency_id="cq-tobacco-bureau", name_zh="市烟草局"
    )(pkg)

    def order(rows: list[Row]) -> None:
        rows.sort(key=lambda r: r["agency_id"])

    pkg.edit("agencies", order)


def swap_first_sections(pkg: Pkg) -> None:
    pkg.edit("sections", lambda rows: rows.insert(0, rows.pop(1)))


def csv_bytes(table: str, change: Callable[[bytes], bytes]) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        path = pkg.csv_path(table)
        path.write_bytes(change(path.read_bytes()))

    return mutate


def reencode(encoding: str) -> Callable[[bytes], bytes]:
    return lambda data: data.decode("utf-8").encode(encoding)


def truncate(data: bytes) -> bytes:
    cut = data.rindex(b"\n", 0, len(data) - 1) + 40
    return data[:cut]


def blank_rows(data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join([*lines[:3], b"", *lines[3:6], b"", *lines[6:]])


def columns(table: str, change: Callable[[list[str]], list[str]]) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        names = [f["name"] for f in pkg.fields(table)]
        rows = pkg.rows(table)
        for row in rows:
            row["note"] = "x"
        pkg.write_rows(table, rows, change(names))

    return mutate


def parquet_only(table: str, change: Callable[[list[Row]], None]) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        rows = pkg.rows(table)
        change(rows)
        pkg.write_parquet(table, rows)

    return mutate


def parquet_as_text(table: str, column: str) -> Callable[[Pkg], None]:
    """Rewrite a Parquet file with one integer column stored as large_string."""

    def mutate(pkg: Pkg) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = pkg.root / "data" / f"{table}.parquet"
        data = pq.read_table(path)
        index = data.schema.get_field_index(column)
        old = data.schema.field(index)
        cast = data.column(column).cast(pa.large_string())
        data = data.set_column(index, pa.field(column, pa.large_string(), metadata=old.metadata), cast)
        pq.write_table(data, path)

    return mutate


def corrupt_parquet(pkg: Pkg) -> None:
    path = pkg.root / "data" / "clauses.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def delete(relative: str) -> Callable[[Pkg], None]:
    return lambda pkg: (pkg.root / relative).unlink()


def changelog_behind(pkg: Pkg) -> None:
    pkg.edit_descriptor(lambda d: d.__setitem__("version", "1.0.1"))
    (pkg.root / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2026-11-29\n\n### Added\n\n- Everything.\n",
        encoding="utf-8",
    )


def resource_edit(name: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        def edit(descriptor: dict[str, Any]) -> None:
            change(pkg.resource(descriptor, name))

        pkg.edit_descriptor(edit)

    return mutate


def field_edit(resource: str, field_name: str, key: str, value: Any) -> Callable[[Pkg], None]:
    def change(res: dict[str, Any]) -> None:
        spec = next(f for f in res["schema"]["fields"] if f["name"] == field_name)
        spec[key] = value

    return resource_edit(resource, change)


def drop_resource(name: str) -> Callable[[Pkg], None]:
    def change(descriptor: dict[str, Any]) -> None:
        descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != name]

    return lambda pkg: pkg.edit_descriptor(change)


def set_path(name: str, path: str) -> Callable[[Pkg], None]:
    return resource_edit(name, lambda res: res.__setitem__("path", path))


def symlink_out(pkg: Pkg) -> None:
    target = pkg.root.parent / "outside.csv"
    shutil.copy(pkg.csv_path("roles"), target)
    pkg.csv_path("roles").unlink()
    os.symlink(target, pkg.csv_path("roles"))


def suite_entry(table: str, change: Callable[[list[dict[str, Any]]], None]) -> Callable[[Pkg], None]:
    return lambda pkg: pkg.edit_suite(table, lambda suite: change(suite["expectations"]))


def misspell(entries: list[dict[str, Any]]) -> None:
    entries[1]["type"] = "expect_column_values_to_not_be_nul"


def bad_kwargs(entries: list[dict[str, Any]]) -> None:
    entries[1]["kwargs"] = {"colum": "task_no"}


def bad_ref(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        if isinstance(entry["kwargs"].get("value_set"), dict):
            entry["kwargs"]["value_set"] = {"$ref": "clause.clause_number"}


def empty(entries: list[dict[str, Any]]) -> None:
    entries.clear()


def remove_suite(table: str) -> Callable[[Pkg], None]:
    return lambda pkg: (pkg.suites / f"{table}.json").unlink()


def workbook_cell(old: str, new: str) -> Callable[[Pkg], None]:
    """Change one shared string of the Excel copy (every cell that uses it)."""

    def mutate(pkg: Pkg) -> None:
        path = pkg.root / "data" / "cqpolicy-guangyang-bay.xlsx"
        with zipfile.ZipFile(path) as book:
            parts = [(info, book.read(info)) for info in book.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
            for info, data in parts:
                if info.filename == "xl/sharedStrings.xml":
                    data = data.replace(f"<t>{old}</t>".encode(), f"<t>{new}</t>".encode(), 1)
                book.writestr(info, data)

    return mutate


def replace_in_file(relative: str, old: str, new: str) -> Callable[[Pkg], None]:
    """Edit a file beside the data (a citation record) as a hand edit would."""

    def mutate(pkg: Pkg) -> None:
        path = pkg.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def database_sql(*statements: str) -> Callable[[Pkg], None]:
    """Run SQL on the SQLite copy, with its foreign keys unenforced (as a hand edit would)."""

    def mutate(pkg: Pkg) -> None:
        import sqlite3

        connection = sqlite3.connect(
            pkg.root / "data" / "cqpolicy-guangyang-bay.sqlite", isolation_level=None
        )
        try:
            for statement in statements:
                connection.execute(statement)
        finally:
            connection.close()

    return mutate


def truncate_file(relative: str) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        path = pkg.root / relative
        path.write_bytes(path.read_bytes()[:1000])

    return mutate


def descriptor_resources(change: Callable[[list[Any]], Any]) -> Callable[[Pkg], None]:
    def edit(descriptor: dict[str, Any]) -> None:
        descriptor["resources"] = change(descriptor["resources"])

    return lambda pkg: pkg.edit_descriptor(edit)


def _replace_item(items: list[Any], index: int, value: Any) -> list[Any]:
    return [*items[:index], value, *items[index + 1 :]]


# --- zips and unusable input -------------------------------------------------------------------------


def _zip(pkg: Pkg, extra: Callable[[zipfile.ZipFile], None] | None = None) -> Path:
    target = pkg.root.parent / "package.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(pkg.root.rglob("*")):
            if path.is_file():
                archive.write(path, f"pkg/{path.relative_to(pkg.root).as_posix()}")
        if extra:
            extra(archive)
    return target


def zip_member(name: str, *, mode: int | None = None) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        def add(archive: zipfile.ZipFile) -> None:
            info = zipfile.ZipInfo(name)
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, "x")

        pkg.target = _zip(pkg, add)

    return mutate


def zip_bomb(pkg: Pkg) -> None:
    """A zip whose central directory claims a 4 GB member (nothing that large is written)."""
    target = _zip(pkg)
    data = bytearray(target.read_bytes())
    at = data.index(b"PK\x01\x02")  # first central directory record
    data[at + 24 : at + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    target.write_bytes(bytes(data))
    pkg.target = target


def not_a_zip(pkg: Pkg) -> None:
    target = pkg.root.parent / "package.zip"
    target.write_bytes(b"this is not a zip file\n")
    pkg.target = target


def descriptor_text(text: str) -> Callable[[Pkg], None]:
    return lambda pkg: (pkg.root / "datapackage.json").write_text(text, encoding="utf-8")


def no_descriptor(pkg: Pkg) -> None:
    (pkg.root / "datapackage.json").unlink()


def missing_package(pkg: Pkg) -> None:
    pkg.target = pkg.root.parent / "no-such-package"


# --- the catalogue -----------------------------------------------------------------------------------

TASK = ("task_no", "4")
CLAUSE = ("clause_no", "5")

FAULTS: list[Fault] = [
    # keys and codes
    Fault(
        "foreign-key-broken",
        lambda p: p.set("tasks", TASK, "clause_no", "99"),
        ("frictionless:foreign-key", "expectations:expect-column-values-to-be-in-set"),
        FL + GX,
    ),
    Fault(
        "foreign-key-null",
        lambda p: p.set("tasks", TASK, "clause_no", "", parquet=False),
        ("frictionless:constraint-error", "expectations:expect-column-values-to-not-be-null"),
        FL + GX,
    ),
    Fault(
        "unknown-agency-in-links",
        lambda p: p.set("task_agencies", ("task_no", "1"), "agency_id", "no-such-unit"),
        ("frictionless:foreign-key", "expectations:expect-column-values-to-be-in-set"),
        FL + GX,
    ),
    Fault(
        "unknown-level-code",
        lambda p: p.set("agencies", ("agency_id", "nanan-district"), "level", "provincial"),
        (
            "frictionless:constraint-error",
            "frictionless:foreign-key",
            "expectations:expect-column-values-to-be-in-set",
        ),
        FL + GX,
    ),
    Fault(
        "unknown-code-in-code-list",
        _append_copy("agency_types", ("code", "collective"), code="ngo", label_zh="社会组织", label_en="NGO"),
        ("expectations:expect-column-values-to-be-in-set", "expectations:expect-table-row-count-to-equal"),
        GX,
    ),
    Fault(
        "code-removed-from-code-list",
        _drop("levels", lambda r: r["code"] == "zone"),
        ("frictionless:foreign-key", "expectations:expect-column-distinct-values-to-equal-set"),
        FL + GX,
    ),
    Fault(
        "duplicate-primary-key",
        _append_copy("tasks", ("task_no", "3")),
        ("frictionless:primary-key", "expectations:expect-column-values-to-be-unique"),
        FL + GX,
    ),
    Fault(
        "duplicate-compound-key",
        _append_copy("task_agencies", ("task_no", "2")),
        ("frictionless:primary-key", "expectations:expect-compound-columns-to-be-unique"),
        FL + GX,
    ),
    Fault(
        "empty-required-value",
        lambda p: p.set("clauses", CLAUSE, "title", "", parquet=False),
        ("frictionless:constraint-error",),
        FL,
    ),
    Fault(
        "wrong-type-integer",
        lambda p: p.set("task_agencies", ("task_no", "1"), "position", "一", parquet=False),
        ("frictionless:type-error",),
        FL,
    ),
    Fault(
        "wrong-type-date",
        lambda p: p.set("document", ("status", "in-force"), "date_written", "2022/01/25", parquet=False),
        ("frictionless:type-error",),
        FL,
    ),
    Fault(
        "wrong-type-boolean",
        lambda p: p.set(
            "agencies", ("agency_id", "nanan-district"), "name_en_official", "yes", parquet=False
        ),
        ("frictionless:type-error",),
        FL,
    ),
    Fault(
        "number-out-of-range",
        lambda p: p.set("tasks", TASK, "clause_match_score", "1.5"),
        ("frictionless:constraint-error", "expectations:expect-column-values-to-be-between"),
        FL + GX,
    ),
    Fault(
        "pattern-broken",
        lambda p: p.set("agencies", ("agency_id", "nanan-district"), "agency_id", "Nanan_District"),
        ("frictionless:constraint-error", "expectations:expect-column-values-to-match-regex"),
        FL + GX,
    ),
    Fault("row-missing-at-the-end", drop_last_task, ("expectations:expect-table-row-count-to-equal",), GX),
    # files, hashes
    Fault(
        "hash-mismatch-csv",
        lambda p: p.replace_text("tasks", TASK, "text", "打造", "建设"),
        ("package:hash-mismatch", "frictionless:hash-count"),
        FL + PK,
        rehash=False,
    ),
    Fault(
        "hash-mismatch-parquet",
        parquet_only("tasks", lambda rows: rows[3].__setitem__("text", "建设")),
        ("package:hash-mismatch",),
        PK,
        rehash=False,
    ),
    Fault(
        "missing-csv-file",
        delete("data/roles.csv"),
        ("package:file-missing", "frictionless:scheme-error"),
        ALL,
        rehash=False,
    ),
    Fault("missing-parquet-file", delete("data/tasks.parquet"), ("package:file-missing",), ALL, rehash=False),
    # encodings and layout
    Fault(
        "gb18030-resave",
        csv_bytes("clauses", reencode("gb18030")),
        ("frictionless:encoding-error", "package:csv-encoding"),
        ALL,
    ),
    Fault("utf16-resave", csv_bytes("tasks", reencode("utf-16")), ("package:csv-encoding",), ALL),
    Fault(
        "binary-garbage", csv_bytes("roles", lambda _: bytes(range(256)) * 4), ("package:csv-encoding",), ALL
    ),
    Fault(
        "truncated-csv",
        csv_bytes("tasks", truncate),
        ("package:csv-truncated", "frictionless:missing-cell"),
        ALL,
    ),
    Fault(
        "blank-rows",
        csv_bytes("agencies", blank_rows),
        ("package:csv-blank-row", "frictionless:blank-row"),
        ALL,
    ),
    Fault("byte-order-mark", csv_bytes("sections", lambda d: b"\xef\xbb\xbf" + d), ("package:csv-bom",), ALL),
    Fault(
        "crlf-line-ends",
        csv_bytes("tasks", lambda d: d.replace(b"\n", b"\r\n")),
        ("package:csv-line-endings",),
        ALL,
    ),
    Fault(
        "extra-column",
        columns("levels", lambda names: [*names, "note"]),
        ("package:csv-header", "frictionless:extra-label"),
        ALL,
    ),
    Fault(
        "missing-column",
        columns("sections", lambda names: [n for n in names if n != "title_en"]),
        ("package:csv-header", "frictionless:missing-label"),
        ALL,
    ),
    Fault(
        "reordered-columns",
        columns("roles", lambda names: [names[1], names[0], *names[2:]]),
        ("package:csv-header", "frictionless:incorrect-label"),
        ALL,
    ),
    Fault("corrupt-parquet", corrupt_parquet, ("package:parquet-unreadable",), ALL),
    # CSV / Parquet
    Fault(
        "csv-changed-not-parquet",
        lambda p: p.set("clauses", CLAUSE, "title_en", "Something else", parquet=False),
        ("package:csv-parquet-drift",),
        PK,
    ),
    Fault(
        "parquet-changed-not-csv",
        parquet_only("agencies", lambda rows: rows[0].__setitem__("name_en", "Another name")),
        ("package:csv-parquet-drift",),
        PK,
    ),
    Fault(
        "parquet-row-dropped",
        parquet_only("task_agencies", lambda rows: rows.pop()),
        ("package:csv-parquet-drift",),
        PK,
    ),
    Fault("parquet-wrong-type", parquet_as_text("tasks", "task_no"), ("package:parquet-schema",), PK),
    # text hygiene
    Fault(
        "traditional-characters",
        lambda p: p.replace_text("tasks", ("task_no", "2"), "text", "统筹", "統籌"),
        ("package:traditional-characters",),
        PK,
    ),
    Fault(
        "pinyin-annotation",
        lambda p: p.replace_text("clauses", CLAUSE, "text", "生态", "生态(tài)"),
        ("package:pinyin-annotation",),
        PK,
    ),
    Fault(
        "question-mark",
        lambda p: p.replace_text("clauses", CLAUSE, "text", "生态", "生?态"),
        ("package:stray-question-mark",),
        PK,
    ),
    Fault(
        "replacement-character",
        lambda p: p.replace_text("tasks", TASK, "text", "生态", "生\ufffd态"),
        ("package:replacement-character",),
        PK,
    ),
    Fault(
        "zero-width-space",
        lambda p: p.replace_text(
            "agencies", ("agency_id", "nanan-district"), "name_zh", "南岸", "南\u200b岸"
        ),
        ("package:zero-width-character",),
        PK,
    ),
    Fault(
        "ascii-comma",
        lambda p: p.replace_text("tasks", ("task_no", "2"), "responsible_units_raw", "，", ","),
        ("package:ascii-punctuation",),
        PK,
    ),
    Fault(
        "ascii-colon",
        lambda p: p.replace_text("document", ("status", "in-force"), "addressees", "：", ":"),
        ("package:ascii-punctuation",),
        PK,
    ),
    Fault(
        "ascii-semicolon",
        lambda p: p.replace_text("clauses", ("clause_no", "2"), "text", "。", ";"),
        ("package:ascii-punctuation",),
        PK,
    ),
    Fault(
        "ascii-parentheses",
        lambda p: p.replace_text("clauses", CLAUSE, "text", "生态", "生(态)"),
        ("package:ascii-punctuation",),
        PK,
    ),
    # numbering and links
    Fault("clause-numbering-gap", renumber_last_clause, ("package:numbering", "package:label-mismatch"), PK),
    Fault("task-numbering-gap", renumber_last_task, ("package:numbering",), PK),
    Fault(
        "position-gap",
        task_positions("2", lambda rows: rows[-1].__setitem__("position", "9")),
        ("package:numbering",),
        PK,
    ),
    Fault(
        "two-leads",
        task_positions("2", lambda rows: rows[1].__setitem__("role", "lead")),
        ("package:lead-count",),
        PK,
    ),
    Fault(
        "no-lead",
        task_positions("3", lambda rows: rows[0].__setitem__("role", "support")),
        ("package:lead-count",),
        PK,
    ),
    Fault(
        "task-without-units",
        _drop("task_agencies", lambda r: r["task_no"] == "10"),
        ("package:task-without-agency",),
        PK,
    ),
    Fault("orphan-agency", orphan_agency, ("package:agency-unused",), PK),
    Fault("units-swapped", task_positions("1", swap_units), ("package:units-mismatch",), PK),
    Fault(
        "clause-label-wrong",
        lambda p: p.set("clauses", CLAUSE, "label", "（五十）"),
        ("package:label-mismatch",),
        PK,
    ),
    Fault("rows-out-of-order", swap_first_sections, ("package:row-order",), PK),
    # the English translation (cqpolicy.translation's rules)
    Fault(
        "translation-missing",
        lambda p: p.set("tasks", ("task_no", "3"), "text_en", ""),
        ("package:translation-missing", "expectations:expect-column-values-to-not-be-null"),
        ("expectations", "package"),
    ),
    Fault(
        "translation-chinese-left",
        lambda p: p.replace_text("clauses", CLAUSE, "text_en", "Niutou Mountain", "牛头山"),
        ("package:translation-chinese-characters", "package:translation-term-missing"),
        PK,
    ),
    Fault(
        "translation-number-dropped",
        lambda p: p.replace_text(
            "document",
            ("document_number", "渝府〔2022〕5号"),
            "preamble_en",
            "168",
            "a hundred and sixty-eight",
        ),
        ("package:translation-number-missing",),
        PK,
    ),
    Fault(
        "translation-term-rendered-otherwise",
        lambda p: p.replace_text("tasks", ("task_no", "1"), "text_en", "Guangyang Isle", "Guangyang Island"),
        ("package:translation-term-missing",),
        PK,
    ),
    Fault(
        "translation-paragraphs-merged",
        lambda p: p.replace_text("clauses", ("clause_no", "2"), "text_en", "\n", " "),
        ("package:translation-paragraphs",),
        PK,
    ),
    Fault(
        "glossary-term-two-ways",
        _append_copy("glossary", ("term_zh", "广阳岛"), term_en="Guangyang Island"),
        ("package:glossary-term-ambiguous",),
        PK,
    ),
    # descriptor and release
    Fault("version-not-in-changelog", changelog_behind, ("package:changelog-version",), PK),
    Fault(
        "version-not-semver",
        lambda p: p.edit_descriptor(lambda d: d.__setitem__("version", "v1")),
        ("package:version-format",),
        PK,
    ),
    Fault(
        "document-metadata-drift",
        lambda p: p.edit_descriptor(lambda d: d["document"].__setitem__("issuer", "市政府")),
        ("package:document-metadata",),
        PK,
    ),
    Fault(
        "foreign-keys-removed",
        resource_edit("tasks", lambda r: r["schema"].pop("foreignKeys")),
        ("package:schema-contract",),
        PK,
    ),
    Fault(
        "field-type-changed",
        field_edit("tasks", "task_no", "type", "string"),
        ("package:schema-contract",),
        PK,
    ),
    Fault(
        "field-type-invalid",
        field_edit("roles", "code", "type", "strng"),
        ("frictionless:field-error", "package:schema-contract"),
        FL + PK,
    ),
    Fault(
        "encoding-declared-gb18030",
        lambda p: (
            csv_bytes("clauses", reencode("gb18030"))(p),
            resource_edit("clauses", lambda r: r.__setitem__("encoding", "gb18030"))(p),
        ),
        ("package:csv-encoding", "package:schema-contract"),
        ALL,
    ),
    Fault("parquet-resource-dropped", drop_resource("tasks-parquet"), ("package:resource-missing",), PK),
    Fault("workbook-cell-edited", workbook_cell("南岸区", "南岸新区"), ("package:workbook-drift",), PK),
    # conformance: the v2 profile and the citation records
    Fault(
        "resource-type-v1-file",
        resource_edit("roles", lambda r: r.__setitem__("type", "file")),
        ("package:descriptor-profile",),
        PK,
    ),
    Fault(
        "descriptor-schema-dropped",
        lambda pkg: pkg.edit_descriptor(lambda d: d.pop("$schema")),
        ("package:descriptor-profile",),
        PK,
    ),
    Fault(
        "zenodo-version-stale",
        replace_in_file(".zenodo.json", '"version": "', '"version": "0.'),
        ("package:citation-mismatch",),
        PK,
        rehash=False,
    ),
    Fault(
        "cff-licence-changed",
        replace_in_file("CITATION.cff", "license: CC0-1.0", "license: CC-BY-4.0"),
        ("package:citation-mismatch",),
        PK,
        rehash=False,
    ),
    Fault(
        "jsonld-date-changed",
        replace_in_file("docs/dataset.jsonld", '"datePublished": "2', '"datePublished": "1'),
        ("package:citation-mismatch",),
        PK,
        rehash=False,
    ),
    Fault(
        "workbook-summary-header-renamed",
        workbook_cell("supports", "supporting"),
        ("package:workbook-drift",),
        PK,
    ),
    Fault(
        "workbook-corrupt",
        truncate_file("data/cqpolicy-guangyang-bay.xlsx"),
        ("package:workbook-unreadable",),
        ALL,
    ),
    Fault(
        "database-cell-edited",
        database_sql("UPDATE agencies SET name_zh = '南岸新区' WHERE name_zh = '南岸区'"),
        ("package:database-drift",),
        PK,
    ),
    Fault(
        "database-row-deleted",
        database_sql("DELETE FROM agencies WHERE name_zh = '南岸区'"),
        ("package:database-drift", "package:database-foreign-key"),
        PK,
    ),
    Fault(
        "database-view-dropped",
        database_sql("DROP VIEW assignments"),
        ("package:database-schema",),
        PK,
    ),
    Fault(
        "database-check-dropped",
        database_sql(
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = replace(sql, 'CHECK (\"role_source\" IN', "
            "'CHECK (1 OR \"role_source\" IN') WHERE name = 'task_agencies'",
        ),
        ("package:database-schema",),
        PK,
    ),
    Fault(
        "database-search-index-stale",
        database_sql("INSERT INTO tasks_fts (rowid, text) VALUES (1, '零碳')"),
        ("package:database-search-index",),
        PK,
    ),
    Fault(
        # an index that plain MATCH cannot use for Chinese (the tokenizer before trigram)
        "database-search-index-not-trigram",
        database_sql(
            "PRAGMA writable_schema = ON",
            "UPDATE sqlite_master SET sql = replace(sql, 'trigram', 'unicode61') WHERE name = 'clauses_fts'",
        ),
        ("package:database-search-index",),
        PK,
    ),
    Fault(
        "database-corrupt",
        truncate_file("data/cqpolicy-guangyang-bay.sqlite"),
        ("package:database-unreadable",),
        ALL,
    ),
    Fault(
        "resources-not-a-list",
        descriptor_resources(lambda resources: 5),
        ("descriptor-invalid",),
        ALL,
        2,
        rehash=False,
    ),
    Fault(
        "resource-not-an-object",  # a type error in the descriptor's shape: refused before anything reads it
        descriptor_resources(lambda resources: _replace_item(resources, 6, "tasks")),
        ("descriptor-invalid",),
        ALL,
        2,
        rehash=False,
    ),
    Fault(
        "schema-by-reference",
        resource_edit("tasks", lambda r: r.__setitem__("schema", "data/tasks.schema.json")),
        ("package:resource-missing", "frictionless:schema-error"),
        ALL,
    ),
    # the suites themselves
    Fault(
        "misspelled-expectation",
        suite_entry("tasks", misspell),
        ("expectations:expectation-unknown",),
        GX,
        rehash=False,
    ),
    Fault("empty-suite", suite_entry("roles", empty), ("expectations:suite-empty",), GX, rehash=False),
    Fault(
        "expectation-bad-keyword",
        suite_entry("tasks", bad_kwargs),
        ("expectations:expectation-invalid",),
        GX,
        rehash=False,
    ),
    Fault(
        "reference-to-nothing",
        suite_entry("tasks", bad_ref),
        ("expectations:expectation-invalid",),
        GX,
        rehash=False,
    ),
    Fault("suite-missing", remove_suite("levels"), ("expectations:suite-missing",), GX, rehash=False),
    # unusable input: exit 2 before any report
    Fault("absolute-path", set_path("roles", "/etc/passwd"), ("unsafe-path",), ALL, 2, rehash=False),
    Fault("parent-path", set_path("roles", "../outside.csv"), ("unsafe-path",), ALL, 2, rehash=False),
    Fault(
        "url-path", set_path("roles", "https://example.org/roles.csv"), ("unsafe-path",), ALL, 2, rehash=False
    ),
    Fault("file-url-path", set_path("roles", "file:///etc/passwd"), ("unsafe-path",), ALL, 2, rehash=False),
    Fault("symlink-out-of-package", symlink_out, ("unsafe-path",), ALL, 2, rehash=False),
    Fault(
        "remote-schema",
        resource_edit("roles", lambda r: r.__setitem__("schema", "http://example.org/s.json")),
        ("unsafe-path",),
        ALL,
        2,
        rehash=False,
    ),
    Fault(
        "remote-profile",
        lambda p: p.edit_descriptor(lambda d: d.__setitem__("profile", "https://example.org/p.json")),
        ("unsafe-path",),
        ALL,
        2,
        rehash=False,
    ),
    Fault("zip-slip", zip_member("../../evil.txt"), ("unsafe-zip",), ALL, 2, rehash=False),
    Fault("zip-absolute-member", zip_member("/tmp/evil.txt"), ("unsafe-zip",), ALL, 2, rehash=False),
    Fault(
        "zip-symlink-member",
        zip_member("pkg/data/link", mode=0o120777),
        ("unsafe-zip",),
        ALL,
        2,
        rehash=False,
    ),
    Fault("zip-bomb", zip_bomb, ("unsafe-zip",), ALL, 2, rehash=False),
    Fault("not-a-zip", not_a_zip, ("zip-invalid",), ALL, 2, rehash=False),
    Fault(
        "descriptor-not-json",
        descriptor_text('{"name": "x", "resources": [\n'),
        ("descriptor-invalid",),
        ALL,
        2,
        rehash=False,
    ),
    Fault("descriptor-not-an-object", descriptor_text("[]\n"), ("descriptor-invalid",), ALL, 2, rehash=False),
    Fault("descriptor-missing", no_descriptor, ("descriptor-missing",), ALL, 2, rehash=False),
    Fault("package-missing", missing_package, ("package-missing",), ALL, 2, rehash=False),
]


# --- running the catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What validating one mutated package gave: found ``layer:check`` ids, or the refusing check."""

    found: frozenset[str] = frozenset()
    exit_code: int | None = None
    refused_by: str | None = None
    report: str = ""
    crash: str | None = None


def make_copy(package: Path, suites: Path, workdir: Path) -> Pkg:
    """A writable copy of ``package`` (descriptor, data, citation records) and of the ``suites``."""
    root = workdir / "pkg"
    shutil.copytree(package, root)
    shutil.copytree(suites, workdir / "suites")
    return Pkg(root=root, suites=workdir / "suites")


def layers_for(fault: Fault, rehash: bool) -> tuple[str, ...]:
    """As made, a fault meets every layer it could trip; after the rehash, the layers meant for it."""
    if rehash:
        return tuple(sorted({check.split(":")[0] for check in fault.expect}))
    return fault.layers


def run_case(fault_id: str, rehash: bool, package: Path, suites: Path, workdir: Path) -> Outcome:
    """Mutate a fresh copy of the package, validate it, and say what was found (never raises)."""
    import traceback

    from cqpolicy.errors import InputError
    from cqpolicy.package import PackageInputError
    from cqpolicy.validate import validate_package

    fault = next(f for f in FAULTS if f.id == fault_id)
    try:
        pkg = make_copy(package, suites, workdir)
        fault.mutate(pkg)
        if rehash:
            pkg.rehash()
        target = pkg.target or pkg.root
        try:
            report = validate_package(
                target, layers=layers_for(fault, rehash), suites_dir=pkg.suites, parallel=False
            )
        except InputError as error:
            check = error.check if isinstance(error, PackageInputError) else type(error).__name__
            return Outcome(exit_code=error.exit_code, refused_by=check, report=str(error))
        found = frozenset(f"{f.layer}:{f.check}" for f in report.findings)
        return Outcome(found=found, exit_code=report.exit_code, report=report.render_text())
    except BaseException:  # the test reports it; a crash must not take the other cases down
        return Outcome(crash=traceback.format_exc())


# --- consistent corruptions --------------------------------------------------------------------------
#
# Each changes values the way a person or a script with every tool at hand would: the CSV, the
# Parquet twin, the workbook, the descriptor's document object and every hash regenerated, so
# that no check of copies or hashes can see it. Only checks of meaning, or a rebuild from
# sources/, can.


def regenerate(pkg: Pkg) -> None:
    """Rewrite the workbook and the database from the CSV tables as the build does, then every hash."""
    import datetime as dt

    from cqpolicy.build import load_table_schemas
    from cqpolicy.build.database import database_bytes
    from cqpolicy.build.workbook import workbook_bytes
    from cqpolicy.build.write import read_csv_value

    descriptor = pkg.descriptor
    schemas = load_table_schemas()
    tables = {
        schema["name"]: [
            {f["name"]: read_csv_value(row.get(f["name"], ""), f["type"]) for f in schema["fields"]}
            for row in pkg.rows(schema["name"])
        ]
        for schema in schemas
    }
    document = pkg.rows("document")[0]
    about = {
        "title": descriptor["title"],
        "version": descriptor["version"],
        "licence": "; ".join(licence["title"] for licence in descriptor["licenses"]),
        "source": f"{document['title']}（{document['document_number']}）",
        "official_url": descriptor["document"].get("official_url", ""),
        "created": dt.date.fromisoformat(document["date_written"]),
    }
    workbook = next(r for r in descriptor["resources"] if r["name"] == "workbook")
    (pkg.root / workbook["path"]).write_bytes(workbook_bytes(tables, schemas, about))
    fields = {r["name"]: r["schema"]["fields"] for r in descriptor["resources"] if r.get("format") == "csv"}
    typed = [{**schema, "fields": fields[schema["name"]]} for schema in schemas]
    database = next(r for r in descriptor["resources"] if r["name"] == "database")
    (pkg.root / database["path"]).write_bytes(database_bytes(tables, typed))
    pkg.rehash()


def _cell(
    table: str, key: tuple[str, str], column: str, change: Callable[[str], str]
) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        def edit(rows: list[Row]) -> None:
            row = next(r for r in rows if r[key[0]] == key[1])
            new = change(row[column])
            assert new != row[column], (table, key, column)
            row[column] = new

        pkg.edit(table, edit)
        if table == "document" and column in pkg.descriptor.get("document", {}):
            value = pkg.rows("document")[0][column]
            pkg.edit_descriptor(lambda d: d["document"].__setitem__(column, _typed_document(column, value)))

    return mutate


def _typed_document(column: str, value: str) -> Any:
    return value == "true" if column == "publicly_released" else value


def _swap(table: str, key: str, a: str, b: str, column: str) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        def edit(rows: list[Row]) -> None:
            ra = next(r for r in rows if r[key] == a)
            rb = next(r for r in rows if r[key] == b)
            ra[column], rb[column] = rb[column], ra[column]

        pkg.edit(table, edit)

    return mutate


def _both(*mutations: Callable[[Pkg], None]) -> Callable[[Pkg], None]:
    def mutate(pkg: Pkg) -> None:
        for mutation in mutations:
            mutation(pkg)

    return mutate


def move_unit(pkg: Pkg) -> None:
    """The last unit of task 1 moved to task 5, both units cells and the links rewritten."""

    def links(rows: list[Row]) -> None:
        row = next(r for r in rows if r["task_no"] == "1" and r["position"] == "3")
        row.update(task_no="5", position="2", group_no="1", role="support")
        rows.sort(key=lambda r: (int(r["task_no"]), r["agency_id"]))

    def tasks(rows: list[Row]) -> None:
        rows[0]["responsible_units_raw"] = "南岸区、重庆经开区"
        rows[4]["responsible_units_raw"] += "、广阳岛绿色发展公司"

    pkg.edit("task_agencies", links)
    pkg.edit("tasks", tasks)


def move_clause(pkg: Pkg) -> None:
    """Clause 9 moved from section 2 to section 3, its section_title following."""
    title = next(r for r in pkg.rows("sections") if r["section_no"] == "3")["title"]

    def edit(rows: list[Row]) -> None:
        row = next(r for r in rows if r["clause_no"] == "9")
        row.update(section_no="3", section_title=title)

    pkg.edit("clauses", edit)


def retitle_section(pkg: Pkg) -> None:
    """Section 2 retitled, and every clause's section_title with it."""
    old = next(r for r in pkg.rows("sections") if r["section_no"] == "2")["title"]
    new = old.replace("加强", "强化", 1)
    pkg.set("sections", ("section_no", "2"), "title", new)

    def edit(rows: list[Row]) -> None:
        for row in rows:
            if row["section_title"] == old:
                row["section_title"] = new

    pkg.edit("clauses", edit)


def swap_leads(pkg: Pkg) -> None:
    """Task 4's first two units swapped: the cell, positions and lead role all follow."""
    cell = next(r for r in pkg.rows("tasks") if r["task_no"] == "4")["responsible_units_raw"]
    first, second, *rest = cell.split("、")
    pkg.set("tasks", ("task_no", "4"), "responsible_units_raw", "、".join([second, first, *rest]))

    def edit(rows: list[Row]) -> None:
        mine = {r["position"]: r for r in rows if r["task_no"] == "4"}
        mine["1"].update(position="2", role="support")
        mine["2"].update(position="1", role="lead")

    pkg.edit("task_agencies", edit)


AGENCY = ("agency_id", "nanan-district")
COLLECTIVE = ("agency_id", "cq-relevant-municipal-departments")

#: (id, mutation): 29 consistent corruptions of meaning.
CONSISTENT: list[tuple[str, Callable[[Pkg], None]]] = [
    ("unit-moved-to-another-task", move_unit),
    ("clause-no-wrong-but-existing", _cell("tasks", TASK, "clause_no", lambda v: "7")),
    ("clause-moved-to-another-section", move_clause),
    ("collective-retyped", _cell("agencies", COLLECTIVE, "agency_type", lambda v: "municipal-department")),
    (
        "english-names-swapped",
        _swap("agencies", "agency_id", "nanan-district", "jiangbei-district", "name_en"),
    ),
    ("clause-text-cut-mid-sentence", _cell("clauses", CLAUSE, "text", lambda v: v[: len(v) // 2])),
    ("digit-changed", _cell("clauses", ("clause_no", "4"), "text", lambda v: v.replace("2025", "2026", 1))),
    ("bu-inserted", _cell("tasks", TASK, "text", lambda v: v.replace("推广", "不推广", 1))),
    (
        "date-written-2021",
        _cell("document", ("document_number", "渝府〔2022〕5号"), "date_written", lambda v: "2021" + v[4:]),
    ),
    (
        "status-flipped",
        _cell("document", ("document_number", "渝府〔2022〕5号"), "status", lambda v: "repealed"),
    ),
    ("task-source-line-shifted", _cell("tasks", ("task_no", "10"), "source_line", lambda v: str(int(v) + 1))),
    ("clause-source-line-shifted", _cell("clauses", CLAUSE, "source_line", lambda v: str(int(v) + 1))),
    ("section-retitled", retitle_section),
    ("section-title-of-clause-wrong", _cell("clauses", CLAUSE, "section_title", lambda v: "总体要求")),
    ("task-texts-swapped", _swap("tasks", "task_no", "6", "7", "text")),
    (
        "task-text-duplicated",
        _cell(
            "tasks",
            ("task_no", "7"),
            "text",
            lambda v: (
                "完善绿色能源供应体系，加大清洁能源开发利用力度，探索建立有利于清洁能源推广的价格形成机制和碳排放统计核算体系。"
            ),
        ),
    ),
    ("lead-swapped", swap_leads),
    ("clause-title-changed", _cell("clauses", ("clause_no", "6"), "title", lambda v: v + "和运营")),
    (
        "section-title-en-changed",
        _cell("sections", ("section_no", "2"), "title_en", lambda v: v + " and more"),
    ),
    (
        "clause-title-en-changed",
        _cell(
            "clauses",
            CLAUSE,
            "title_en",
            lambda v: v.replace("green", "grey", 1) if "green" in v else v + " (grey)",
        ),
    ),
    (
        "agency-full-name-changed",
        _cell("agencies", AGENCY, "full_name_zh", lambda v: v.replace("人民政府", "政府", 1)),
    ),
    ("agency-level-changed", _cell("agencies", AGENCY, "level", lambda v: "municipal")),
    (
        "date-published-changed",
        _cell("document", ("document_number", "渝府〔2022〕5号"), "date_published", lambda v: "2022-02-12"),
    ),
    (
        "issuer-changed",
        _cell("document", ("document_number", "渝府〔2022〕5号"), "issuer", lambda v: "重庆市人民政府办公厅"),
    ),
    ("match-score-changed", _cell("tasks", TASK, "clause_match_score", lambda v: "0.9999")),
    (
        "doubled-space-in-clause",
        _cell("clauses", ("clause_no", "7"), "text", lambda v: v.replace("，", "，  ", 1)),
    ),
    (
        "preamble-number-changed",
        _cell(
            "document",
            ("document_number", "渝府〔2022〕5号"),
            "preamble",
            lambda v: v.replace("168", "186", 1),
        ),
    ),
    (
        "annex-title-changed",
        _cell("document", ("document_number", "渝府〔2022〕5号"), "annex_title", lambda v: v + "表"),
    ),
    (
        "units-cell-retyped",
        _cell("tasks", ("task_no", "5"), "responsible_units_raw", lambda v: "市住房城乡建设委"),
    ),
]

#: The consistent corruptions that checks needing no source catch, with the check meant for each.
CAUGHT_WITHOUT_SOURCES: dict[str, str] = {
    "collective-retyped": "package:collective-type",
    "clause-text-cut-mid-sentence": "package:sentence-end",
    "date-written-2021": "package:date-number-year",
    "clause-source-line-shifted": "expectations:expect-column-pair-values-a-to-be-greater-than-b",
    "section-title-of-clause-wrong": "package:section-title-mismatch",
    "task-text-duplicated": "package:duplicate-task-text",
    "doubled-space-in-clause": "package:whitespace",
    "units-cell-retyped": "package:units-mismatch",
    # the English keeps every number of the Chinese: a changed digit no longer matches it
    "digit-changed": "package:translation-number-missing",
    "preamble-number-changed": "package:translation-number-missing",
}

#: The consistent corruptions that checks needing no source still miss (``--no-rebuild``).
MISSED_WITHOUT_SOURCES: frozenset[str] = frozenset(
    {
        "unit-moved-to-another-task",
        "clause-no-wrong-but-existing",
        "clause-moved-to-another-section",
        "english-names-swapped",
        "bu-inserted",
        "status-flipped",
        "task-source-line-shifted",
        "section-retitled",
        "task-texts-swapped",
        "lead-swapped",
        "clause-title-changed",
        "section-title-en-changed",
        "clause-title-en-changed",
        "agency-full-name-changed",
        "agency-level-changed",
        "date-published-changed",
        "issuer-changed",
        "match-score-changed",
        "annex-title-changed",
    }
)


def run_consistent(fault_id: str, rebuild: bool, package: Path, suites: Path, workdir: Path) -> Outcome:
    """Apply one consistent corruption to a fresh copy (with ``sources/`` when ``rebuild``) and validate."""
    import traceback

    from cqpolicy.validate import validate_package

    mutate = dict(CONSISTENT)[fault_id]
    try:
        pkg = make_copy(package, suites, workdir)
        if rebuild:
            shutil.copytree(
                Path(__file__).resolve().parent / "fixtures" / "released" / "1.2.0" / "sources",
                pkg.root / "sources",
            )
        mutate(pkg)
        regenerate(pkg)
        report = validate_package(pkg.root, suites_dir=pkg.suites, rebuild=rebuild, parallel=False)
        found = frozenset(f"{f.layer}:{f.check}" for f in report.findings)
        return Outcome(found=found, exit_code=report.exit_code, report=report.render_text())
    except BaseException:
        return Outcome(crash=traceback.format_exc())
