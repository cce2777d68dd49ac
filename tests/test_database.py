"""The SQLite copy: same rows as the CSVs, keys and constraints, views, Chinese search, same bytes."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import FROZEN_SOURCES
from cqpolicy.build.database import database_bytes, search_where
from cqpolicy.build.write import read_csv_value

DATABASE = "data/cqpolicy-guangyang-bay.sqlite"
#: Each searchable table and its key.
SEARCHED = {"tasks": "task_no", "clauses": "clause_no"}


@pytest.fixture(scope="module")
def db(built_package: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(built_package / DATABASE)
    yield connection
    connection.close()


def csv_rows(package: Path, table: str) -> list[dict[str, str]]:
    with (package / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_rebuild_writes_the_same_bytes(built_package: Path, tmp_path: Path) -> None:
    from cqpolicy.build import build_package

    build_package(source=None, out=tmp_path, sources_dir=FROZEN_SOURCES)
    assert (tmp_path / DATABASE).read_bytes() == (built_package / DATABASE).read_bytes()


def test_the_descriptor_lists_the_database_with_its_hash_and_size(built_package: Path) -> None:
    import hashlib
    import json

    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == "database")
    data = (built_package / DATABASE).read_bytes()
    assert resource["path"] == DATABASE and resource["format"] == "sqlite"
    assert resource["bytes"] == len(data)
    assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert "type" not in resource


def test_every_table_holds_the_rows_and_values_of_its_csv(
    built_package: Path, db: sqlite3.Connection
) -> None:
    import json

    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    tables = [r for r in descriptor["resources"] if r.get("format") == "csv"]
    assert len(tables) == 10  # with the glossary
    for resource in tables:
        fields = resource["schema"]["fields"]
        names = [f["name"] for f in fields]
        want = []
        for row in csv_rows(built_package, resource["name"]):
            values = []
            for spec in fields:
                value = read_csv_value(row[spec["name"]], spec["type"])
                values.append(value.isoformat() if spec["type"] == "date" and value else value)
            want.append(tuple(int(v) if isinstance(v, bool) else v for v in values))
        have = db.execute(f'SELECT {", ".join(names)} FROM "{resource["name"]}" ORDER BY rowid').fetchall()
        assert have == want, resource["name"]


def test_keys_hold_and_the_file_is_sound(db: sqlite3.Connection) -> None:
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    keys = {row[0]: row[1] for row in db.execute("SELECT name, pk FROM pragma_table_info('task_agencies')")}
    assert keys["task_no"] == 1 and keys["agency_id"] == 2
    parents = {row[2] for row in db.execute("PRAGMA foreign_key_list('task_agencies')")}
    assert parents == {"tasks", "agencies", "roles"}


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        pytest.param("UPDATE task_agencies SET role = 'boss' WHERE rowid = 1", "CHECK", id="role-not-a-code"),
        pytest.param(
            "UPDATE agencies SET level = 'galactic' WHERE rowid = 1", "CHECK", id="level-not-a-code"
        ),
        pytest.param("UPDATE tasks SET text = NULL WHERE rowid = 1", "NOT NULL", id="required-text-missing"),
        pytest.param(
            "UPDATE tasks SET clause_match_score = 2 WHERE rowid = 1", "CHECK", id="score-above-one"
        ),
        pytest.param("UPDATE document SET publicly_released = 7", "CHECK", id="boolean-not-0-or-1"),
        pytest.param("UPDATE document SET date_written = '2022-02-30'", "CHECK", id="date-not-a-date"),
        pytest.param("UPDATE document SET date_written = '11 Feb 2022'", "CHECK", id="date-not-iso"),
        pytest.param(
            "UPDATE task_agencies SET agency_id = 'nobody' WHERE rowid = 1", "FOREIGN KEY", id="orphan"
        ),
        pytest.param("INSERT INTO tasks SELECT * FROM tasks LIMIT 1", "UNIQUE", id="duplicate-key"),
    ],
)
def test_constraints_refuse_what_the_schema_forbids(
    built_package: Path, statement: str, refused: str
) -> None:
    connection = sqlite3.connect(built_package / DATABASE)
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(sqlite3.IntegrityError, match=refused):
            connection.execute(statement)
    finally:
        connection.rollback()
        connection.close()


def matched(db: sqlite3.Connection, table: str, term: str) -> list[int]:
    """The rows the toolkit's search (index for long words, LIKE for short ones) finds."""
    key = SEARCHED[table]
    columns = [row[1] for row in db.execute(f"PRAGMA table_info('{table}_fts')")]
    where, params = search_where(table, key, columns, term)
    return [row[0] for row in db.execute(f"SELECT {key} FROM {table} WHERE {where} ORDER BY {key}", params)]


def containing(db: sqlite3.Connection, table: str, term: str) -> list[int]:
    key = SEARCHED[table]
    # the columns the index holds, English ones included (text_en, when a schema adds it)
    columns = [row[1] for row in db.execute(f"PRAGMA table_info('{table}_fts')")]
    assert "text" in columns
    rows = db.execute(f"SELECT {key}, {', '.join(columns)} FROM {table} ORDER BY {key}").fetchall()
    return [row[0] for row in rows if any(term.lower() in (text or "").lower() for text in row[1:])]


@pytest.mark.parametrize("table", sorted(SEARCHED))
@pytest.mark.parametrize(
    "term", ["零碳", "金融科技", "智创生态城", "碳", "城", "Guiding", "green development"]
)
def test_search_finds_exactly_the_rows_containing_the_term(
    db: sqlite3.Connection, table: str, term: str
) -> None:
    want = (
        containing(db, table, term)
        if " " not in term
        else sorted(set(containing(db, table, term.split()[0])) & set(containing(db, table, term.split()[1])))
    )
    assert matched(db, table, term) == want


def test_the_three_terms_of_the_issue_find_rows_in_both_tables(db: sqlite3.Connection) -> None:
    for term in ("零碳", "金融科技", "智创生态城"):
        assert matched(db, "clauses", term), term
    assert matched(db, "tasks", "智创生态城")


def test_assignments_names_every_unit_of_every_task(built_package: Path, db: sqlite3.Connection) -> None:
    links = csv_rows(built_package, "task_agencies")
    agencies = {row["agency_id"]: row for row in csv_rows(built_package, "agencies")}
    rows = db.execute("SELECT task_no, unit_zh, unit_en, role, position FROM assignments").fetchall()
    assert rows == [
        (
            int(r["task_no"]),
            agencies[r["agency_id"]]["name_zh"],
            agencies[r["agency_id"]]["name_en"],
            r["role"],
            int(r["position"]),
        )
        for r in sorted(links, key=lambda r: (int(r["task_no"]), int(r["position"])))
    ]


def test_agency_summary_counts_tasks_leads_and_flags_the_collective(
    built_package: Path, db: sqlite3.Connection
) -> None:
    links = csv_rows(built_package, "task_agencies")
    summary = {
        row[0]: row[1:]
        for row in db.execute("SELECT agency_id, tasks, leads, supports, collective FROM agency_summary")
    }
    agencies = csv_rows(built_package, "agencies")
    assert len(summary) == len(agencies)
    for agency in agencies:
        mine = [r for r in links if r["agency_id"] == agency["agency_id"]]
        assert summary[agency["agency_id"]] == (
            len(mine),
            sum(r["role"] == "lead" for r in mine),
            sum(r["role"] == "support" for r in mine),
            int(agency["agency_type"] == "collective"),
        )
    assert sum(row[-1] for row in summary.values()) == 1


def test_a_column_added_to_a_schema_appears_and_english_text_is_searched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schemas: list[dict[str, Any]] = [
        {
            "name": "tasks",
            "primaryKey": ["task_no"],
            "fields": [
                {"name": "task_no", "type": "integer", "constraints": {"required": True}},
                {"name": "text", "type": "string", "constraints": {"required": True}},
                {"name": "text_en", "type": "string", "constraints": {}},
            ],
        }
    ]
    tables = {
        "tasks": [
            {"task_no": 1, "text": "发展金融科技", "text_en": "Develop fintech"},
            {"task_no": 2, "text": "零碳园区", "text_en": None},
        ]
    }
    from cqpolicy.build import database

    monkeypatch.setattr(database, "VIEWS", {})  # the views need the whole package
    data = database_bytes(tables, schemas)
    connection = sqlite3.connect(":memory:")
    connection.deserialize(data)
    assert [row[1] for row in connection.execute("PRAGMA table_info('tasks')")] == [
        "task_no",
        "text",
        "text_en",
    ]
    assert [row[1] for row in connection.execute("PRAGMA table_info('tasks_fts')")] == ["text", "text_en"]
    assert matched(connection, "tasks", "fintech") == [1]
    assert matched(connection, "tasks", "零碳") == [2]


@pytest.mark.parametrize("view", ["assignments", "agency_summary"])
def test_the_views_hold_the_rows_the_workbook_sheets_are_derived_from(
    built_package: Path, db: sqlite3.Connection, view: str
) -> None:
    import json

    from cqpolicy.build.derived import agency_summary_rows, assignment_rows

    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    tables = {}
    for name in ("tasks", "clauses", "agencies", "task_agencies"):
        kinds = {
            f["name"]: f["type"]
            for f in next(r for r in descriptor["resources"] if r["name"] == name)["schema"]["fields"]
        }
        tables[name] = [
            {k: read_csv_value(v, kinds[k]) for k, v in row.items()} for row in csv_rows(built_package, name)
        ]
    derive = assignment_rows if view == "assignments" else agency_summary_rows
    want = [tuple(int(v) if isinstance(v, bool) else v for v in row.values()) for row in derive(tables)]
    cursor = db.execute(f"SELECT * FROM {view}")
    assert [d[0] for d in cursor.description] == list(derive(tables)[0])
    assert cursor.fetchall() == want
