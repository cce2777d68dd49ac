"""Serve the package's SQLite database with Datasette, described from the package's descriptor.

``cqpolicy serve`` opens the package through :func:`cqpolicy.package.open_package` (a directory,
its ``datapackage.json`` or a zip), checks the database against the CSV tables as ``cqpolicy
validate`` does (a changed database is refused, not served), writes Datasette's metadata (title,
description, licence, source, each table's and column's bilingual description, facets, canned
queries and the search configuration) and starts ``datasette serve`` on the database, read-only.

Search: the index tables use SQLite's ``trigram`` tokenizer (:mod:`cqpolicy.build.database`),
which finds words of three or more characters; Datasette's own search would find no shorter word.
So the metadata names no ``fts_table`` and the plugin in ``datasette_plugins/`` answers the search
box (``?_search=``) on ``tasks`` and ``clauses`` with :func:`cqpolicy.build.database.search_where`:
the index for long words, ``LIKE`` for short ones. The canned ``search`` query is plain SQL.

Bounds: every query runs under Datasette's time limit (``sql_time_limit_ms``, checked by a
progress handler between virtual-machine steps). A single step can still allocate a huge string
(``randomblob(9e8)``, ``printf('%.*c', 9e8, 'x')``) or hand one to a function written in Python,
so the plugin also sets on every connection (:func:`bound_connection`): the longest string or
blob (:data:`MAX_LENGTH`), the longest SQL text (:data:`MAX_SQL_LENGTH`), SQLite's heap
(:data:`HEAP_LIMIT`), and an authorizer that refuses the functions that return a pointer
(:data:`DENIED_FUNCTIONS`).

Datasette is an optional dependency (``pip install 'cqpolicy[serve]'``): this module imports it
only to find it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cqpolicy.errors import CqpolicyError, InputError
from cqpolicy.package import PackageInputError, check_descriptor_paths, open_package, read_descriptor

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
#: The plugin Datasette loads (``--plugins-dir``): the Chinese-capable search.
PLUGINS_DIR = Path(__file__).with_name("datasette_plugins")
#: Plugin configuration key: the tables the plugin searches, with their key and indexed columns.
PLUGIN = "cqpolicy_search"
#: Datasette settings: no facet suggestions (each page would try every column, which makes a
#: search of a package 1000 times this size take 0.2-0.6 s instead of 10-35 ms; the facets that
#: suit are configured in FACETS), and up to 15 values per facet.
SETTINGS = ["--setting", "suggest_facets", "off", "--setting", "default_facet_size", "15"]
INSTALL_HINT = "install it with `pip install 'cqpolicy[serve]'` (or run `make serve`)"

#: Facets Datasette offers on each table or view when it opens.
FACETS = {
    "assignments": ["role", "agency_type", "clause_label"],
    "agency_summary": ["agency_type", "level"],
    "task_agencies": ["role", "agency_id"],
    "agencies": ["agency_type", "level"],
    "tasks": ["clause_no"],
    "clauses": ["section_no"],
}
#: Longest string or blob a served query may make (``SQLITE_LIMIT_LENGTH``, bytes). The package's
#: longest value is a few kilobytes (an index page about 4 KB, a clause's English text about 3 KB);
#: 100 kB leaves room for ``group_concat`` over a table while a page of 1000 rows stays under 100 MB.
MAX_LENGTH = 100_000
#: Longest SQL text (``SQLITE_LIMIT_SQL_LENGTH``, bytes).
MAX_SQL_LENGTH = 100_000
#: SQLite's hard heap limit for the server process (``PRAGMA hard_heap_limit``, bytes): an
#: allocation past it fails with "out of memory" instead of growing the process.
HEAP_LIMIT = 256 * 1024 * 1024
#: SQL functions the server refuses: ``fts3_tokenizer`` returns the address of a tokenizer (and
#: with two arguments would install one); ``fts5`` hands out a pointer to FTS5's API.
DENIED_FUNCTIONS = frozenset({"fts3_tokenizer", "fts5"})

#: The column Datasette shows for a row that another table links to.
LABEL_COLUMNS = {"agencies": "name_zh", "clauses": "title", "sections": "title", "tasks": "text"}

#: Links a row page adds below the row: (table, text, view, column): the rows of ``view`` whose
#: ``column`` is the row's key. A unit's page links its tasks with names and English text.
ROW_LINKS = [
    {
        "table": "agencies",
        "text": "Every task of this unit, with the task in Chinese and English / 该单位的全部任务（中英文）",
        "view": "assignments",
        "column": "agency_id",
    }
]
#: Boolean columns of the views (the tables' come from the descriptor).
VIEW_BOOLEANS = {"agency_summary": ["collective"]}

#: Where each view's columns come from, for their descriptions.
VIEW_COLUMNS = {
    "task_no": ("tasks", "task_no"),
    "clause_no": ("clauses", "clause_no"),
    "clause_label": ("clauses", "label"),
    "clause_title": ("clauses", "title"),
    "clause_title_en": ("clauses", "title_en"),
    "task_text": ("tasks", "text"),
    "task_text_en": ("tasks", "text_en"),
    "agency_id": ("agencies", "agency_id"),
    "unit_zh": ("agencies", "name_zh"),
    "unit_en": ("agencies", "name_en"),
    "agency_type": ("agencies", "agency_type"),
    "level": ("agencies", "level"),
    "position": ("task_agencies", "position"),
    "group_no": ("task_agencies", "group_no"),
    "role": ("task_agencies", "role"),
    "role_source": ("task_agencies", "role_source"),
}
SUMMARY_COLUMNS = {
    "tasks": "Number of tasks the unit is named in. / 涉及任务数。",
    "leads": "Number of tasks the unit leads (listed first). / 牵头任务数（列于首位）。",
    "supports": "Number of tasks the unit supports. / 配合任务数。",
    "clauses": "Number of clauses its tasks belong to. / 所涉条款数。",
    "clause_labels": "Labels of those clauses, in order. / 所涉条款编号，按顺序。",
    "collective": "1 for 市级有关部门, a placeholder for several unnamed departments that must never be "
    "counted as one body. / 1 表示“市级有关部门”，为多个部门的统称，不应计为一个单位。",
}

#: A term as the trigram index's MATCH takes it (one quoted phrase), in plain SQL.
_PHRASE = "'\"' || replace(:q, '\"', '\"\"') || '\"'"
#: Words under three characters have no trigram: found with instr on the table (ASCII case folded).
_SHORT = "length(:q) < 3 AND ({})"


def _short(columns: tuple[str, ...]) -> str:
    return _SHORT.format(" OR ".join(f"instr(lower({c}), lower(:q))" for c in columns))


#: The canned search: the index for terms of three or more characters, instr for shorter ones.
SEARCH_SQL = (
    "SELECT 'clause' AS kind, clause_no AS number, label, title, text, text_en FROM clauses\n"
    f"WHERE clause_no IN (SELECT rowid FROM clauses_fts WHERE clauses_fts MATCH {_PHRASE})\n"
    f"   OR ({_short(('title', 'text', 'title_en', 'text_en'))})\n"
    "UNION ALL\n"
    "SELECT 'task', task_no, NULL, NULL, text, text_en FROM tasks\n"
    f"WHERE task_no IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH {_PHRASE})\n"
    f"   OR ({_short(('text', 'text_en'))})\n"
    "ORDER BY kind, number"
)

#: Canned queries: (title, description, SQL). Parameters are Datasette's ``:name``.
QUERIES: dict[str, tuple[str, str, str]] = {
    "units_leading_most_tasks": (
        "Units leading the most tasks / 牵头任务最多的单位",
        "Named units by the number of tasks they lead, then tasks named in (the collective "
        "placeholder 市级有关部门 is left out).",
        "SELECT unit_zh, unit_en, agency_type, leads, supports, tasks, clause_labels\n"
        "FROM agency_summary WHERE collective = 0\n"
        "ORDER BY leads DESC, tasks DESC, agency_id",
    ),
    "tasks_of_unit": (
        "Every task of a unit / 某单位的全部任务",
        "Give a unit's Chinese or English name or its agency_id, e.g. 市发展改革委.",
        "SELECT task_no, clause_label, clause_title, task_text, task_text_en, role, position\n"
        "FROM assignments WHERE :unit IN (unit_zh, unit_en, agency_id)\n"
        "ORDER BY task_no",
    ),
    "clauses_without_tasks": (
        "Clauses without tasks / 没有分工任务的条款",
        "Clauses that no task of the annex is mapped to.",
        "SELECT clause_no, label, section_title, title, title_en\n"
        "FROM clauses WHERE clause_no NOT IN (SELECT clause_no FROM tasks)\n"
        "ORDER BY clause_no",
    ),
    "tasks_shared_by_two_units": (
        "Tasks shared by two units / 两个单位共同承担的任务",
        "Give two units by Chinese or English name or agency_id, e.g. 南岸区 and 重庆经开区.",
        "SELECT a.task_no, a.clause_label, a.task_text, a.task_text_en, a.role AS role_a, b.role AS role_b\n"
        "FROM assignments AS a JOIN assignments AS b ON b.task_no = a.task_no\n"
        "WHERE :unit_a IN (a.unit_zh, a.unit_en, a.agency_id)\n"
        "  AND :unit_b IN (b.unit_zh, b.unit_en, b.agency_id)\n"
        "ORDER BY a.task_no",
    ),
    "search": (
        "Search clauses and tasks / 搜索条款和任务",
        "One term, Chinese or English, of any length, found as typed (letters in any case). Plain SQL: "
        "copy it into any SQLite client. The search box on the tasks and clauses pages takes several words.",
        SEARCH_SQL,
    ),
}


class ServeError(InputError):
    """The package cannot be served (exit code 2): no database, Datasette missing, port taken."""


class DatabaseDrift(CqpolicyError):
    """The database differs from the package's CSV tables (exit code 1)."""

    exit_code = 1


@dataclass(frozen=True)
class ServePlan:
    """What ``cqpolicy serve`` runs: the command, and the database and metadata it names."""

    database: Path
    metadata: Path
    command: list[str]
    url: str


def datasette_available() -> bool:
    """Whether Datasette can be imported (without importing it)."""
    return importlib.util.find_spec("datasette") is not None


def datasette_metadata(descriptor: dict[str, Any], database: str) -> dict[str, Any]:
    """Datasette's metadata for the package: descriptions, facets, queries, search, from the descriptor."""
    licences = [item for item in descriptor.get("licenses", []) if isinstance(item, dict)]
    sources = [item for item in descriptor.get("sources", []) if isinstance(item, dict)]
    official = next((s for s in sources if str(s.get("path", "")).startswith("http")), {})
    licence_url = next((lic["path"] for lic in licences if str(lic.get("path", "")).startswith("http")), None)
    tables: dict[str, Any] = {}
    columns_of: dict[str, dict[str, str]] = {}
    for resource in descriptor.get("resources", []):
        if not isinstance(resource, dict) or resource.get("format") != "csv":
            continue
        name = str(resource["name"])
        fields = resource.get("schema", {}).get("fields", [])
        columns_of[name] = {f["name"]: f"{f.get('title', '')}: {f.get('description', '')}" for f in fields}
        table: dict[str, Any] = {
            "title": resource.get("title", name),
            "description": resource.get("description", ""),
            "columns": columns_of[name],
        }
        tables[name] = table
    from cqpolicy.build.citation import dataset_jsonld
    from cqpolicy.build.database import SEARCHABLE, VIEWS, search_columns

    searched: dict[str, dict[str, Any]] = {}
    for resource in descriptor.get("resources", []):
        if not isinstance(resource, dict) or resource.get("name") not in SEARCHABLE:
            continue
        name = str(resource["name"])
        if name in tables:
            schema = {"name": name, **resource["schema"]}
            key = schema["primaryKey"]
            searched[name] = {
                "key": key[0] if isinstance(key, list) else key,
                "columns": search_columns(schema),
            }
    for name, (_, description) in VIEWS.items():
        columns = {
            column: columns_of.get(table, {}).get(field, "")
            for column, (table, field) in VIEW_COLUMNS.items()
        }
        if name == "agency_summary":
            columns = {
                k: v
                for k, v in columns.items()
                if k in ("agency_id", "unit_zh", "unit_en", "agency_type", "level")
            }
            columns.update(SUMMARY_COLUMNS)
        tables[name] = {"title": name, "description": description, "columns": columns}
    for name, facets in FACETS.items():
        if name in tables:
            tables[name]["facets"] = facets
    for name, column in LABEL_COLUMNS.items():
        if name in tables:
            tables[name]["label_column"] = column
    source_title = str(official.get("title") or descriptor.get("title", ""))
    return {
        "title": descriptor.get("title", database),
        "description": descriptor.get("description", ""),
        "license": "; ".join(str(lic.get("title", lic.get("name", ""))) for lic in licences),
        **({"license_url": licence_url} if licence_url else {}),
        "source": source_title,
        **({"source_url": official["path"]} if official.get("path") else {}),
        "plugins": {"cqpolicy_jsonld": {"record": dataset_jsonld(descriptor)}},
        "databases": {
            database: {
                "title": descriptor.get("title", database),
                "description": descriptor.get("description", ""),
                "tables": tables,
                "queries": {
                    name: {"title": title, "description": description, "sql": sql}
                    for name, (title, description, sql) in QUERIES.items()
                },
                "plugins": {
                    PLUGIN: {
                        "search": searched,
                        "booleans": _boolean_columns(descriptor),
                        "links": ROW_LINKS,
                    }
                },
            }
        },
    }


def _boolean_columns(descriptor: dict[str, Any]) -> dict[str, list[str]]:
    """Each table's and view's boolean columns, which the pages show as true/false (not 1/0)."""
    out = {name: list(columns) for name, columns in VIEW_BOOLEANS.items()}
    for resource in descriptor.get("resources", []):
        if isinstance(resource, dict) and resource.get("format") == "csv":
            fields = resource.get("schema", {}).get("fields", [])
            names = [f["name"] for f in fields if f.get("type") == "boolean"]
            if names:
                out[str(resource["name"])] = names
    return out


@contextlib.contextmanager
def serve_plan(
    package: Path | str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> Iterator[ServePlan]:
    """Open and check the package, write the metadata, and yield the command that serves it.

    Raises:
        PackageInputError: the package is missing or unusable (exit code 2).
        ServeError: Datasette is not installed, the package has no database, or the port is taken.
        DatabaseDrift: the database differs from the CSV tables (exit code 1).
    """
    if not datasette_available():
        raise ServeError(f"Datasette is not installed; {INSTALL_HINT}")
    with open_package(package) as root:
        descriptor = read_descriptor(root)
        files = check_descriptor_paths(root, descriptor)
        database = _database_file(root, descriptor, files)
        check_served_database(root, descriptor, files)
        check_port(host, port)
        with tempfile.TemporaryDirectory(prefix="cqpolicy-serve-") as tmp:
            metadata = Path(tmp) / "metadata.json"
            content = datasette_metadata(descriptor, database.stem)
            metadata.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
            command = [
                sys.executable,
                "-m",
                "datasette",
                "serve",
                "--immutable",
                str(database),
                "--metadata",
                str(metadata),
                "--plugins-dir",
                str(PLUGINS_DIR),
                "--host",
                host,
                "--port",
                str(port),
                *SETTINGS,
            ]
            shown_host = f"[{host}]" if ":" in host else host
            yield ServePlan(
                database=database, metadata=metadata, command=command, url=f"http://{shown_host}:{port}/"
            )


def _database_file(root: Path, descriptor: dict[str, Any], files: dict[str, Path]) -> Path:
    from cqpolicy.validate.database import database_resources

    resources = database_resources(descriptor)
    if not resources:
        raise ServeError(
            "the package lists no SQLite database (a resource with format sqlite); rebuild it with "
            "`cqpolicy build`",
            path=root / "datapackage.json",
        )
    path = files.get(str(resources[0].get("name")))
    if path is None or not path.is_file():
        raise PackageInputError(
            "file-missing",
            f"{resources[0].get('path')} is missing; rebuild the package with `cqpolicy build`",
            path=root,
        )
    return path


def check_served_database(root: Path, descriptor: dict[str, Any], files: dict[str, Path]) -> None:
    """Refuse a database that ``cqpolicy validate`` would report (its hash, or its content).

    Raises:
        DatabaseDrift: with the first finding and how many there are.
    """
    from cqpolicy.validate.data import load_data
    from cqpolicy.validate.database import check_database, database_resources
    from cqpolicy.validate.files import check_files

    names = {str(r.get("name")) for r in database_resources(descriptor)}
    data = load_data(root, descriptor, files, parquet=False)
    findings = [f for f in check_files(data) if f.resource in names] + check_database(data)
    if findings:
        more = f" ({len(findings) - 1} more problems)" if len(findings) > 1 else ""
        raise DatabaseDrift(
            f"the database differs from the package's CSV tables: {findings[0].message}{more}; "
            "rebuild it with `cqpolicy build` (and see `cqpolicy validate`)",
            path=root,
        )


#: One conversion of ``printf``'s format: flags, width, precision (digits or ``*``), type.
_CONVERSION = re.compile(r"%[-+ 0#,!]*(\*|\d+)?(?:\.(\*|\d*))?(?:ll|l)?(.)", re.S)


def bound_connection(connection: sqlite3.Connection) -> None:
    """Bound what one query on ``connection`` can allocate, and refuse the pointer-returning functions.

    ``printf`` (and its alias ``format``) is replaced by a guard that refuses a width or precision
    over :data:`MAX_LENGTH` and otherwise calls SQLite's own ``printf`` on a private connection
    with the same limits: SQLite 3.40 writes ``%.*c`` one character at a time, so
    ``printf('%.*c', 9e8, 'x')`` runs 17 s inside one step, out of reach of the time limit, even
    though the length limit leaves its result empty.
    """
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LENGTH)
    connection.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_LENGTH)
    connection.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT}")
    printer = sqlite3.connect(":memory:", check_same_thread=False)
    printer.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LENGTH)

    def guarded_printf(*args: Any) -> Any:
        if args and isinstance(args[0], str):
            _check_printf(args[0], args[1:])
        marks = ", ".join("?" for _ in args)
        return printer.execute(f"SELECT printf({marks})", args).fetchone()[0]

    for name in ("printf", "format"):
        connection.create_function(name, -1, guarded_printf, deterministic=True)
    connection.set_authorizer(_authorize)


def _check_printf(template: str, args: tuple[Any, ...]) -> None:
    """Refuse a ``printf`` whose width or precision exceeds :data:`MAX_LENGTH` (a ValueError)."""
    position = 0
    for match in _CONVERSION.finditer(template):
        if match[3] == "%":
            continue
        for part in (match[1], match[2]):
            if part == "*":
                value = args[position] if position < len(args) else 0
                position += 1
            else:
                value = part or 0
            try:
                number = abs(int(float(value)))
            except (TypeError, ValueError, OverflowError):
                number = 0
            if number > MAX_LENGTH:
                raise ValueError(f"printf width or precision over {MAX_LENGTH}")
        position += 1


def _authorize(action: int, arg1: str | None, arg2: str | None, *_: str | None) -> int:
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in DENIED_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def check_port(host: str, port: int) -> None:
    """Refuse a port something else listens on (before starting Datasette, for a clear message).

    The probe binds as the server does, with ``SO_REUSEADDR``: a port whose last connections
    wait in TIME_WAIT (a server just stopped) is free for both.

    Raises:
        ServeError: the address is in use or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = "is in use" if error.errno in (98, 48, 10048) else f"cannot be used ({error.strerror})"
            raise ServeError(f"port {port} on {host} {reason}; choose another with --port") from None


def serve_package(package: Path | str, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Serve the package until Datasette stops (Ctrl-C or SIGTERM); 0, or Datasette's failing status."""
    with serve_plan(package, host, port) as plan:
        print(f"serving {plan.database.name} at {plan.url} (Ctrl-C stops)", file=sys.stderr)
        process = subprocess.Popen(plan.command)
        previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())
        try:
            status = process.wait()
        except KeyboardInterrupt:  # Ctrl-C reached Datasette too: give it time to stop by itself
            try:
                status = process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.terminate()
                status = process.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
    # uvicorn stops cleanly on SIGINT and SIGTERM, then re-raises the signal: that is a normal stop.
    return 0 if status in (0, -signal.SIGINT, -signal.SIGTERM) else status
