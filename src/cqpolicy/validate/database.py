"""Check the SQLite copy against the CSV tables, as :func:`check_workbook` checks the Excel copy.

The database is untrusted input: it is opened read-only and immutable, with untrusted schema
objects unable to call functions, and only its tables and ``sqlite_master`` are read. Findings:

- ``database-unreadable``: not a SQLite file, or ``PRAGMA integrity_check`` fails;
- ``database-schema``: a table or view is missing, or its definition differs from what the
  descriptor's Table Schema gives (types, ``NOT NULL``, keys, ``CHECK`` constraints);
- ``database-drift``: a table's rows or values differ from its CSV;
- ``database-foreign-key``: ``PRAGMA foreign_key_check`` reports rows without their parent;
- ``database-search-index``: a search index is not defined as the build defines it, or does not
  hold the texts of its table.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cqpolicy.build.database import (
    VIEWS,
    index_sql,
    quote,
    search_columns,
    sql_value,
    table_sql,
    write_index,
)
from cqpolicy.findings import Finding
from cqpolicy.package import resource_list, schema_fields, table_schema
from cqpolicy.validate.data import Copy, copy_drift, new_finding, plain

if TYPE_CHECKING:
    import pandas as pd

    from cqpolicy.validate.data import PackageData

FORMAT = "sqlite"


def database_resources(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """The descriptor's SQLite resources."""
    return [r for r in resource_list(descriptor) if r.get("format") == FORMAT]


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open ``path`` read-only and immutable, with its schema objects untrusted."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    connection.execute("PRAGMA trusted_schema = OFF")
    return connection


def check_database(data: PackageData) -> list[Finding]:
    """Each SQLite resource holds every CSV table's schema, rows and values, and valid keys."""
    out: list[Finding] = []
    for resource in database_resources(data.descriptor):
        name = str(resource.get("name"))
        path = data.files.get(name)
        if path is None or not path.is_file():
            continue  # file-missing reports it
        shown = str(resource.get("path"))
        try:
            connection = connect_read_only(path)
            try:
                out.extend(_problems(data, connection, shown, name))
            finally:
                connection.close()
        except sqlite3.DatabaseError as error:
            out.append(
                new_finding(
                    "database-unreadable", f"{shown} cannot be read as SQLite ({error}); rebuild it", name
                )
            )
    return out


def _problems(data: PackageData, connection: sqlite3.Connection, shown: str, name: str) -> list[Finding]:
    integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        return [new_finding("database-unreadable", f"{shown} is damaged: {integrity[0]}; rebuild it", name)]
    defined = {
        (kind, object_name): sql
        for kind, object_name, sql in connection.execute("SELECT type, name, sql FROM sqlite_master")
    }
    out: list[Finding] = []
    for table, frame in data.csv.items():
        resource = data.csv_resources[table]
        schema = {"name": table, **table_schema(resource)}
        fields = schema_fields(resource)
        sql = defined.get(("table", table))
        if sql is None:
            out.append(new_finding("database-schema", f"{shown} has no table {table!r}", name))
            continue
        if sql != table_sql({**schema, "fields": fields}):
            out.append(
                new_finding(
                    "database-schema",
                    f"{shown}: table {table} is not defined as its Table Schema says (types, keys or "
                    "constraints differ); rebuild it",
                    name,
                )
            )
        out.extend(_table_problems(data, connection, table, frame, fields, shown, name))
        columns = search_columns({"name": table, "fields": fields})
        schema_key = data.primary_key(table)
        if columns and not _index_matches(connection, defined, table, frame, fields, schema_key):
            out.append(
                new_finding(
                    "database-search-index",
                    f"{shown}: the search index {table}_fts does not hold the texts of {table}; rebuild it",
                    name,
                )
            )
    for view, (sql, _) in VIEWS.items():
        if defined.get(("view", view)) != f"CREATE VIEW {quote(view)} AS {sql.strip()}":
            out.append(
                new_finding("database-schema", f"{shown}: the view {view} is missing or differs", name)
            )
    orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
    if orphans:
        table, rowid, parent, _ = orphans[0]
        out.append(
            new_finding(
                "database-foreign-key",
                f"{shown}: {len(orphans)} rows fail PRAGMA foreign_key_check, the first in {table} "
                f"(rowid {rowid}) naming a missing {parent} row",
                name,
            )
        )
    return out


def _table_problems(
    data: PackageData,
    connection: sqlite3.Connection,
    table: str,
    frame: pd.DataFrame,
    fields: list[dict[str, Any]],
    shown: str,
    name: str,
) -> list[Finding]:
    names = [f["name"] for f in fields]
    key = data.primary_key(table) or names
    try:
        rows = connection.execute(
            f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(table)} "
            f"ORDER BY {', '.join(quote(k) for k in key)}"
        ).fetchall()
    except sqlite3.OperationalError as error:
        return [new_finding("database-drift", f"{shown}: table {table} cannot be read ({error})", name)]
    if len(rows) != len(frame):
        return [
            new_finding(
                "database-drift", f"{shown}: table {table} has {len(rows)} rows, the CSV {len(frame)}", name
            )
        ]
    copy = Copy("database-drift", f"{shown}: table {table}", "database", name)
    return copy_drift(data, table, frame, fields, rows, copy, _same_in_database)


def _same_in_database(cell: Any, want: Any, kind: str) -> bool:
    """Whether a database cell holds the CSV value as the build stores it (see ``sql_value``)."""
    expected = sql_value(want)
    if kind == "number" and isinstance(cell, float) and expected is not None:
        return abs(cell - float(expected)) <= 1e-12
    return bool(cell == expected and type(cell) is type(expected))


def _index_matches(
    connection: sqlite3.Connection,
    defined: dict[tuple[str, str], str],
    table: str,
    frame: pd.DataFrame,
    fields: list[dict[str, Any]],
    key: list[str],
) -> bool:
    """Whether the index is defined as the build defines it (trigram tokenizer, external content) and
    its stored segments equal those of an index written afresh from the CSV."""
    schema = {"name": table, "fields": fields, "primaryKey": key}
    if ("table", f"{table}_fts_data") not in defined or defined.get(("table", f"{table}_fts")) != index_sql(
        schema
    ):
        return False
    rows = [
        {n: plain(v) for n, v in zip(frame.columns, values, strict=True)}
        for values in frame.itertuples(index=False)
    ]
    fresh = sqlite3.connect(":memory:", isolation_level=None)
    try:
        fresh.execute("BEGIN")  # one transaction, as the build writes it: the index's layout depends on it
        write_index(fresh, schema, rows)
        fresh.execute("COMMIT")
        want = fresh.execute(f"SELECT id, block FROM {quote(table + '_fts_data')} ORDER BY id").fetchall()
    finally:
        fresh.close()
    try:
        have = connection.execute(
            f"SELECT id, block FROM {quote(table + '_fts_data')} ORDER BY id"
        ).fetchall()
    except sqlite3.DatabaseError:
        return False
    return have == want
