"""cqpolicy serve stays bounded (hostile SQL gets an error, not minutes or gigabytes); a used port is reused.

The reproductions are those of issue 20 (item 3). Each must come back as an error (or a bounded
result) naming the limit; no timing is asserted (the times are measured for the record, not here).
"""

from __future__ import annotations

import errno
import json
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cqpolicy.publish.serve import MAX_LENGTH, bound_connection

DB = "cqpolicy-guangyang-bay"

#: (SQL, the error it must give). Each was slow or large before the bounds.
HOSTILE = [
    pytest.param("select length(randomblob(900000000))", "string or blob too big", id="randomblob-9e8"),
    pytest.param("select length(zeroblob(900000000))", "string or blob too big", id="zeroblob-9e8"),
    pytest.param(
        "select length(printf('%.*c', 900000000, 'x'))", "user-defined function raised", id="printf-9e8"
    ),
    pytest.param(
        "select length(format('%.*c', 30000000, '金'))", "user-defined function raised", id="format-3e7"
    ),
    pytest.param("select printf('%900000000d', 1)", "user-defined function raised", id="printf-width"),
    pytest.param("select fts3_tokenizer('simple')", "not authorized", id="fts3-tokenizer-address"),
    pytest.param("select fts5(null)", "not authorized", id="fts5-api-pointer"),
]


@pytest.fixture
def bounded() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    bound_connection(connection)
    yield connection
    connection.close()


@pytest.mark.parametrize(("sql", "error"), HOSTILE)
def test_a_bounded_connection_refuses_hostile_sql(bounded: sqlite3.Connection, sql: str, error: str) -> None:
    with pytest.raises(sqlite3.DatabaseError, match=error):
        bounded.execute(sql).fetchall()


def test_the_same_sql_runs_unbounded_on_a_plain_connection() -> None:
    # the fault the bounds remove: a plain connection hands out the tokenizer's address
    connection = sqlite3.connect(":memory:")
    (address,) = connection.execute("select fts3_tokenizer('simple')").fetchone()
    assert isinstance(address, bytes) and len(address) == 8
    assert connection.execute("select length(printf('%.*c', ?, 'x'))", (MAX_LENGTH + 1,)).fetchone() == (
        MAX_LENGTH + 1,
    )
    connection.close()


@pytest.mark.parametrize(
    ("sql", "value"),
    [
        ("select printf('%d-%5.2f-%s-%%-%.*c', 7, 3.14159, 'ab', 3, 'z')", "7- 3.14-ab-%-zzz"),
        ("select format('%05d|%-4s|%q', 42, 'x', 'it''s')", "00042|x   |it''s"),
        ("select printf('%.*c', 1000, '金') = replace(printf('%.*c', 1000, 'x'), 'x', '金')", 1),
        ("select printf('%s', null)", ""),
        ("select printf(null)", None),
        ("select length(printf('%.*c', ?, 'x'))", MAX_LENGTH // 2),
    ],
)
def test_printf_still_formats_as_sqlite_does(bounded: sqlite3.Connection, sql: str, value: Any) -> None:
    params = (MAX_LENGTH // 2,) if "?" in sql else ()
    assert bounded.execute(sql, params).fetchone() == (value,)


def test_the_heap_limit_is_set(bounded: sqlite3.Connection) -> None:
    from cqpolicy.publish.serve import HEAP_LIMIT

    assert bounded.execute("PRAGMA hard_heap_limit").fetchone() == (HEAP_LIMIT,)


# --- through the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(port: int, path: str, **params: str) -> Any:
    url = f"http://127.0.0.1:{port}{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)


def start(package: Path, port: int) -> subprocess.Popen[bytes]:
    # output to a file: Datasette prints a long traceback for each failed query, which would fill
    # a pipe nobody reads and block the server
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("cqpolicy")), "serve", str(package), "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            get(port, "/-/versions.json")
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError("Datasette did not start") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(built_package: Path) -> Iterator[int]:
    port = free_port()
    process = start(built_package, port)
    try:
        yield port
    finally:
        stop(process)


@pytest.mark.parametrize(("sql", "error"), HOSTILE)
def test_the_server_answers_hostile_sql_with_an_error(served: int, sql: str, error: str) -> None:
    answer = get(served, f"/{DB}.json", sql=sql)
    assert answer["ok"] is False and error in answer["error"]


def test_an_endless_query_stops_at_the_time_limit(served: int) -> None:
    sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    answer = get(served, f"/{DB}.json", sql=sql)
    assert answer["ok"] is False and "SQL query took too long" in answer["error"]


def test_the_toolkit_registers_no_search_function(served: int) -> None:
    answer = get(served, f"/{DB}.json", sql="select cqpolicy_fts_query('金融科技')")
    assert answer["ok"] is False and "no such function" in answer["error"]


def test_serve_starts_again_at_once_on_the_port_it_just_used(built_package: Path) -> None:
    port = free_port()
    first = start(built_package, port)
    for _ in range(3):  # connections the server closes: they wait in TIME_WAIT on its port
        get(port, f"/{DB}.json", sql="select 1")
    assert stop(first) in (0, -signal.SIGTERM)
    with socket.socket() as bare:  # the situation of the issue: a bind without SO_REUSEADDR fails
        with pytest.raises(OSError) as refused:
            bare.bind(("127.0.0.1", port))
        assert refused.value.errno == errno.EADDRINUSE
    second = start(built_package, port)
    try:
        assert get(port, f"/{DB}.json", sql="select 1", _shape="array") == [{"1": 1}]
    finally:
        assert stop(second) in (0, -signal.SIGTERM)


# --- what the pages show --------------------------------------------------------------------------------


def page(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
        text: str = response.read().decode("utf-8")
        return text


def test_booleans_show_as_true_or_false(served: int, built_package: Path) -> None:
    from cqpolicy.publish.serve import _boolean_columns

    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    booleans = _boolean_columns(descriptor)
    assert "agency_summary" in booleans and len(booleans) > 1  # views and tables
    for table, columns in booleans.items():
        html = page(served, f"/{DB}/{table}?_size=max")
        for column in columns:
            cells = re.findall(rf'<td class="col-{column} [^"]*">([^<]*)</td>', html)
            assert cells and set(cells) <= {"true", "false"}, (table, column, cells[:3])


def test_table_pages_put_the_column_descriptions_below_the_results(served: int) -> None:
    html = page(served, f"/{DB}/assignments")
    assert "dl.column-descriptions" in html and "<details" not in html.split("<script>")[0]
    assert "Column descriptions / 列说明" in html


def test_a_units_page_links_its_tasks_with_names(served: int) -> None:
    html = page(served, f"/{DB}/agencies/cq-development-reform-commission")
    assert '"assignments"' in html and '"agency_id"' in html
    rows = get(
        served, f"/{DB}/assignments.json", agency_id="cq-development-reform-commission", _shape="array"
    )
    assert rows and all(row["unit_zh"] and row["task_text"] and "task_text_en" in row for row in rows)
