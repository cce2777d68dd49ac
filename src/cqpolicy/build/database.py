"""The SQLite copy of the package: every table, two views and a Chinese-capable search index.

For people who explore the data with SQL or Datasette. The database is written from the same
rows as the CSV files, table by table from the table schemas (``resources/schema.json``), so a
column added to a schema appears here without a change to this module:

- each table with SQLite types (``integer`` → INTEGER, ``number`` → REAL, ``boolean`` →
  INTEGER 0/1, ``date`` and ``string`` → TEXT), its primary key, foreign keys, ``NOT NULL``
  where the schema requires a value, ``UNIQUE``, and ``CHECK`` constraints for code lists
  (``enum``), minimum and maximum, booleans and ISO dates;
- the views ``assignments`` (who does what: one row per task and unit, with names) and
  ``agency_summary`` (per unit: tasks, leads, supports and clauses);
- full-text search over the clauses and tasks (``clauses_fts``, ``tasks_fts``), readable by any
  SQLite client.

Search, from any SQLite client: the index tables use SQLite's own ``trigram`` tokenizer (SQLite
3.34 or later, no extension), so ``tasks_fts MATCH '碳达峰'`` finds exactly the rows whose text
contains 碳达峰, for any word of three or more characters (letters compared without case). A
shorter word has no trigram: it is found with ``LIKE '%绿色%'`` or ``instr(text, '绿色')`` on the
table itself (:func:`search_where` does both). The index tables are *external content* tables
(``content='tasks'``): the text stays in ``clauses`` and ``tasks``, which the index reads to
show ``snippet()`` and ``highlight()``; their rowid is the table's key.

The file is deterministic: written into a fresh file with a fixed page size and no journal,
rows in key order, the index merged and the file vacuumed. The bytes depend on the SQLite
library only through the version number SQLite writes into the header, as the Parquet files
record the pyarrow version.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError

Row = dict[str, Any]

#: Page size of the file (SQLite's default, fixed so it does not depend on the build machine).
PAGE_SIZE = 4096
#: Tables with a search index, and the text columns it holds (plus each one's ``*_en`` twin).
SEARCHABLE = {"clauses": ("title", "text"), "tasks": ("text",)}
_SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "TEXT"}

ASSIGNMENTS_SQL = """
SELECT
  ta.task_no AS task_no,
  c.clause_no AS clause_no,
  c.label AS clause_label,
  c.title AS clause_title,
  c.title_en AS clause_title_en,
  t.text AS task_text,
  t.text_en AS task_text_en,
  a.agency_id AS agency_id,
  a.name_zh AS unit_zh,
  a.name_en AS unit_en,
  a.agency_type AS agency_type,
  a.level AS level,
  ta.position AS position,
  ta.group_no AS group_no,
  ta.role AS role,
  ta.role_source AS role_source
FROM task_agencies AS ta
JOIN tasks AS t ON t.task_no = ta.task_no
JOIN clauses AS c ON c.clause_no = t.clause_no
JOIN agencies AS a ON a.agency_id = ta.agency_id
ORDER BY ta.task_no, ta.position
"""

AGENCY_SUMMARY_SQL = """
SELECT
  a.agency_id AS agency_id,
  a.name_zh AS unit_zh,
  a.name_en AS unit_en,
  a.agency_type AS agency_type,
  a.level AS level,
  (SELECT count(*) FROM task_agencies AS ta WHERE ta.agency_id = a.agency_id) AS tasks,
  (SELECT count(*) FROM task_agencies AS ta
     WHERE ta.agency_id = a.agency_id AND ta.role = 'lead') AS leads,
  (SELECT count(*) FROM task_agencies AS ta
     WHERE ta.agency_id = a.agency_id AND ta.role = 'support') AS supports,
  (SELECT count(DISTINCT t.clause_no) FROM task_agencies AS ta JOIN tasks AS t ON t.task_no = ta.task_no
     WHERE ta.agency_id = a.agency_id) AS clauses,
  (SELECT group_concat(label, ' ') FROM (
     SELECT DISTINCT c.clause_no, c.label FROM task_agencies AS ta
     JOIN tasks AS t ON t.task_no = ta.task_no JOIN clauses AS c ON c.clause_no = t.clause_no
     WHERE ta.agency_id = a.agency_id ORDER BY c.clause_no)) AS clause_labels,
  a.agency_type = 'collective' AS collective
FROM agencies AS a
ORDER BY tasks DESC, leads DESC, a.agency_id
"""

#: The views, in the order they are created, with a description for people and Datasette.
VIEWS = {
    "assignments": (
        ASSIGNMENTS_SQL,
        "Who does what: one row per task and responsible unit, with the task's clause and the unit's "
        "names, type, level, position in the cell and role; the task and clause title in English too. "
        "/ 谁负责什么：每项任务的每个责任单位一行，"
        "含任务所属条款、单位名称、类型、层级、在栏中的位置及角色；任务和条款标题附英文译文。",
    ),
    "agency_summary": (
        AGENCY_SUMMARY_SQL,
        "Per unit: the tasks it is named in, how many it leads and supports, and the clauses they belong "
        "to; collective = 1 marks 市级有关部门, a placeholder for several unnamed departments, never one "
        "body. / 每个单位：涉及任务数、牵头数、配合数及所涉条款；collective = 1 表示“市级有关部门”，"
        "为多个未具名部门的统称，不是一个单位。",
    ),
}


# --- search ---------------------------------------------------------------------------------------

#: Shortest word the trigram index finds with ``MATCH``; shorter words are found with ``LIKE``.
MIN_MATCH = 3


def match_phrase(word: str) -> str:
    """``word`` as one FTS5 phrase (quoted), which the trigram index finds as a substring."""
    return '"' + word.replace('"', '""') + '"'


def like_pattern(word: str) -> str:
    r"""A ``LIKE … ESCAPE '\'`` pattern that finds ``word`` anywhere in a text (``%`` and ``_`` literal)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_where(table: str, key: str, columns: list[str], search: str) -> tuple[str, dict[str, str]]:
    """An SQL condition on ``table`` (and its parameters) for the rows that contain every word of ``search``.

    Words are separated by spaces. A word of :data:`MIN_MATCH` characters or more goes through the
    index (``key IN (SELECT rowid FROM table_fts WHERE table_fts MATCH '"word"')``); a shorter one
    is compared with ``LIKE`` on the indexed ``columns`` (case-insensitive for ASCII letters, as the
    index is for all letters). An empty search matches every row. Plain SQL: no function of the
    toolkit is needed to run it.
    """
    fts = quote(f"{table}_fts")
    parts: list[str] = []
    params: dict[str, str] = {}
    for number, word in enumerate(search.split()):
        name = f"cqpolicy_search_{number}"
        if len(word) >= MIN_MATCH:
            parts.append(f"{quote(key)} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH :{name})")
            params[name] = match_phrase(word)
        else:
            likes = " OR ".join(f"{quote(column)} LIKE :{name} ESCAPE '\\'" for column in columns)
            parts.append(f"({likes})")
            params[name] = like_pattern(word)
    return (" AND ".join(parts) or "1"), params


def search_columns(schema: dict[str, Any]) -> list[str]:
    """The columns of ``schema`` that its search index holds, in column order (English ones too)."""
    wanted = set(SEARCHABLE.get(schema["name"], ()))
    wanted |= {f"{name}_en" for name in wanted}
    return [f["name"] for f in schema["fields"] if f["name"] in wanted and f["type"] == "string"]


# --- writing ---------------------------------------------------------------------------------------


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def column_sql(field: dict[str, Any]) -> str:
    """One column's definition: type, NOT NULL, UNIQUE and CHECK constraints from the Table Schema."""
    name = quote(field["name"])
    kind = field.get("type", "string")
    constraints = field.get("constraints", {})
    parts = [name, _SQL_TYPES.get(kind, "TEXT")]
    if constraints.get("required"):
        parts.append("NOT NULL")
    if constraints.get("unique"):
        parts.append("UNIQUE")
    checks = []
    if kind == "boolean":
        checks.append(f"{name} IN (0, 1)")
    if kind == "date":
        checks.append(f"{name} IS date({name}, '+0 days')")
    if "enum" in constraints:
        checks.append(f"{name} IN ({', '.join(_literal(v) for v in constraints['enum'])})")
    if "minimum" in constraints:
        checks.append(f"{name} >= {_literal(constraints['minimum'])}")
    if "maximum" in constraints:
        checks.append(f"{name} <= {_literal(constraints['maximum'])}")
    parts.extend(f"CHECK ({check})" for check in checks)
    return " ".join(parts)


def table_sql(schema: dict[str, Any]) -> str:
    """``CREATE TABLE`` for one table schema."""
    lines = [column_sql(field) for field in schema["fields"]]
    key = schema["primaryKey"]
    key = [key] if isinstance(key, str) else key
    lines.append(f"PRIMARY KEY ({', '.join(quote(k) for k in key)})")
    for fk in schema.get("foreignKeys", []):
        ref = fk["reference"]
        lines.append(
            f"FOREIGN KEY ({', '.join(quote(f) for f in fk['fields'])}) "
            f"REFERENCES {quote(ref['resource'])} ({', '.join(quote(f) for f in ref['fields'])})"
        )
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {quote(schema['name'])} (\n  {body}\n)"


def sql_value(value: Any) -> Any:
    """A value as SQLite stores it: dates as ISO text, booleans as 0/1."""
    if isinstance(value, bool):
        return int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def database_bytes(tables: dict[str, list[Row]], schemas: list[dict[str, Any]]) -> bytes:
    """Render the database.

    Args:
        tables: rows of each table, by name, sorted by primary key.
        schemas: the table schemas, with the code lists' ``enum`` constraints filled in.
    """
    with tempfile.TemporaryDirectory(prefix="cqpolicy-sqlite-") as tmp:
        path = Path(tmp) / "package.sqlite"
        try:
            write_database(path, tables, schemas)
        except sqlite3.OperationalError as error:
            # A full TMPDIR, or a file size limit (ulimit -f) with SIGXFSZ ignored: not the data's fault.
            raise InputError(
                f"the SQLite copy of the package could not be written there ({error}): the file system "
                "holding the temporary directory is full or the file size is limited (ulimit -f); free "
                "space, raise the limit or point TMPDIR elsewhere, and build again",
                path=tmp,
            ) from None
        return _fixed_header(path.read_bytes())


#: What the header names as the SQLite version that last wrote the file (3.40.1).
WRITER_VERSION = 3_040_001


def _fixed_header(data: bytes) -> bytes:
    """The file with the writer's SQLite version fixed, so the bytes do not depend on the library.

    Offset 96 of the header holds the ``SQLITE_VERSION_NUMBER`` of the library that last wrote
    the file; it is informational (SQLite ignores it when reading). Fixing it to the version the
    committed file was written with keeps a rebuild on another machine byte-identical.
    """
    return data[:96] + WRITER_VERSION.to_bytes(4, "big") + data[100:]


def write_database(path: Path, tables: dict[str, list[Row]], schemas: list[dict[str, Any]]) -> None:
    """Write the database into the new file ``path`` (see :func:`database_bytes`)."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("BEGIN")
        for schema in schemas:
            connection.execute(table_sql(schema))
        for schema in _in_reference_order(schemas):
            names = [f["name"] for f in schema["fields"]]
            insert = (
                f"INSERT INTO {quote(schema['name'])} ({', '.join(quote(n) for n in names)}) "
                f"VALUES ({', '.join('?' for _ in names)})"
            )
            connection.executemany(
                insert, ([sql_value(row[n]) for n in names] for row in tables[schema["name"]])
            )
        for name, (sql, _) in VIEWS.items():
            connection.execute(f"CREATE VIEW {quote(name)} AS {sql.strip()}")
        for schema in schemas:
            write_index(connection, schema, tables[schema["name"]])
        connection.execute("COMMIT")
        connection.execute("VACUUM")
    finally:
        connection.close()


def _in_reference_order(schemas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The schemas ordered so that every table comes after the tables its foreign keys name."""
    by_name = {schema["name"]: schema for schema in schemas}
    ordered: list[dict[str, Any]] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path or by_name[name] in ordered:
            return
        for fk in by_name[name].get("foreignKeys", []):
            visit(fk["reference"]["resource"], (*path, name))
        ordered.append(by_name[name])

    for schema in schemas:
        visit(schema["name"], ())
    return ordered


def index_sql(schema: dict[str, Any]) -> str | None:
    """``CREATE VIRTUAL TABLE`` of the search index of ``schema``'s table, or None if it has none.

    The content table is named in single quotes, which Datasette does not take for its own search
    (it would wrap the words in ``escape_fts()``, which finds no word under three characters):
    ``cqpolicy serve``'s plugin searches with :func:`search_where` instead.
    """
    columns = search_columns(schema)
    if not columns:
        return None
    table = quote(f"{schema['name']}_fts")
    return (
        f"CREATE VIRTUAL TABLE {table} USING fts5({', '.join(quote(c) for c in columns)}, "
        f"content='{schema['name']}', content_rowid='{_key(schema)}', tokenize='trigram')"
    )


def _key(schema: dict[str, Any]) -> str:
    key = schema["primaryKey"]
    return str(key[0] if isinstance(key, list) else key)


def write_index(connection: sqlite3.Connection, schema: dict[str, Any], rows: list[Row]) -> None:
    """Create and fill the search index of ``schema``'s table, if it has one."""
    sql = index_sql(schema)
    if sql is None:
        return
    columns = search_columns(schema)
    table = quote(f"{schema['name']}_fts")
    key = _key(schema)
    connection.execute(sql)
    connection.executemany(
        f"INSERT INTO {table} (rowid, {', '.join(quote(c) for c in columns)}) "
        f"VALUES (?, {', '.join('?' for _ in columns)})",
        ([row[key], *(row[c] for c in columns)] for row in rows),
    )
    connection.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
