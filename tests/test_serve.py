"""cqpolicy serve: Datasette on a free port, queried through its JSON API, stopped; bad input refused."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cqpolicy.cli import main
from cqpolicy.publish.serve import datasette_available, datasette_metadata

DB = "cqpolicy-guangyang-bay"
#: `make venv` installs the serve extra, so these tests run everywhere `make test` does; a missing
#: Datasette is a broken set-up, reported as a failure rather than skipped.
needs_datasette = pytest.mark.usefixtures("datasette_installed")


@pytest.fixture(scope="session")
def datasette_installed() -> None:
    assert datasette_available(), "Datasette is missing: `make venv` installs the serve extra"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, **params: str) -> Any:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.load(response)


@pytest.fixture(scope="module")
def server(built_package: Path) -> Iterator[Server]:
    """``cqpolicy serve`` on the built package, on a free port; stopped (SIGTERM) at the end."""
    assert datasette_available(), "Datasette is missing: `make venv` installs the serve extra"
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("cqpolicy")), "serve", str(built_package), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = Server(port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                server.get("/-/versions.json")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise AssertionError(f"Datasette did not start:\n{output}") from None
                time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            status = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        if process.stdout:
            process.stdout.close()
    assert status == 0


def rows(server: Server, table: str, **params: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = server.get(f"/{DB}/{table}.json", _shape="array", _size="max", **params)
    return data


@needs_datasette
def test_the_home_page_carries_the_schema_org_record(server: Server, built_package: Path) -> None:
    with urllib.request.urlopen(server.base + "/", timeout=30) as response:
        page = response.read().decode("utf-8")
    record = json.loads((built_package / "docs" / "dataset.jsonld").read_text(encoding="utf-8"))
    assert "s.type='application/ld+json'" in page
    script = page[page.index("s.text=") + len("s.text=") : page.index(";document.head.appendChild")]
    assert json.loads(json.loads(script.replace("<\\/", "</"))) == record


@needs_datasette
def test_the_database_lists_every_table_and_view(server: Server) -> None:
    info = server.get(f"/{DB}.json")
    visible = {t["name"]: t["count"] for t in info["tables"] if not t["hidden"]}
    assert visible["tasks"] == 59 and visible["task_agencies"] == 220 and visible["clauses"] == 28
    assert {"agencies", "sections", "document", "roles", "levels", "agency_types"} <= set(visible)
    assert {v["name"] for v in info["views"]} == {"assignments", "agency_summary"}
    assert not any(name.endswith("_fts") for name in visible)


@needs_datasette
@pytest.mark.parametrize(("table", "key"), [("tasks", "task_no"), ("clauses", "clause_no")])
@pytest.mark.parametrize("term", ["零碳", "金融科技", "智创生态城", "碳", "广阳岛"])
def test_the_search_box_finds_exactly_the_rows_containing_the_term(
    server: Server, built_package: Path, table: str, key: str, term: str
) -> None:
    found = [row[key] for row in rows(server, table, _search=term, _sort=key)]
    connection = sqlite3.connect(built_package / "data" / f"{DB}.sqlite")
    indexed = [row[1] for row in connection.execute(f"PRAGMA table_info('{table}_fts')")]
    columns = " || char(10) || ".join(f"coalesce({c}, '')" for c in indexed)
    want = [
        n
        for n, text in connection.execute(f"SELECT {key}, {columns} FROM {table} ORDER BY {key}")
        if term in text
    ]
    connection.close()
    assert found == want
    assert found  # each of the three terms is in both tables


@needs_datasette
def test_a_canned_query_lists_every_task_of_a_unit(server: Server, built_package: Path) -> None:
    found = server.get(f"/{DB}/tasks_of_unit.json", unit="市发展改革委", _shape="array")
    agency = "cq-development-reform-commission"
    with (built_package / "data" / "task_agencies.csv").open(encoding="utf-8") as handle:
        want = sorted(int(line.split(",")[0]) for line in handle if f",{agency}," in line)
    assert [row["task_no"] for row in found] == want
    assert {row["role"] for row in found} == {"lead", "support"}


@needs_datasette
def test_the_canned_search_query_finds_the_term_in_clauses_and_tasks(server: Server) -> None:
    found = server.get(f"/{DB}/search.json", q="金融科技", _shape="array")
    assert {(row["kind"], row["number"]) for row in found} == {("clause", 12), ("task", 19)}


@needs_datasette
def test_the_role_facet_counts_leads_and_supports(server: Server) -> None:
    data = server.get(f"/{DB}/assignments.json", _facet="role", _size="0")
    counts = {item["value"]: item["count"] for item in data["facet_results"]["role"]["results"]}
    assert counts["lead"] == 59 and counts["lead"] + counts["support"] == 220


@needs_datasette
def test_metadata_describes_tables_and_columns_in_both_languages(server: Server) -> None:
    metadata = server.get("/-/metadata.json")
    tasks = metadata["databases"][DB]["tables"]["tasks"]
    # no fts_table: Datasette's own search would miss words under three characters; the plugin searches
    assert "fts_table" not in tasks
    search = metadata["databases"][DB]["plugins"]["cqpolicy_search"]["search"]
    assert search["tasks"] == {"key": "task_no", "columns": ["text", "text_en"]}
    assert "/" in tasks["description"] and "任务" in tasks["columns"]["text"]
    assert metadata["license"] and metadata["source_url"].startswith("https://")


def test_metadata_is_generated_from_the_descriptor(built_package: Path) -> None:
    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    metadata = datasette_metadata(descriptor, DB)
    database = metadata["databases"][DB]
    assert metadata["title"] == descriptor["title"]
    assert set(database["queries"]) == {
        "units_leading_most_tasks",
        "tasks_of_unit",
        "clauses_without_tasks",
        "tasks_shared_by_two_units",
        "search",
    }
    assert database["tables"]["assignments"]["facets"] == ["role", "agency_type", "clause_label"]
    for table, spec in database["tables"].items():
        assert spec["description"], table
        assert all(spec["columns"].values()), table


# --- bad input ---------------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["serve", *args])
    return result.exit_code, result.output


def copy_of(package: Path, tmp_path: Path) -> Path:
    from cqpolicy.package import copy_package

    return copy_package(package, tmp_path / "pkg")


@needs_datasette
def test_a_missing_package_is_refused(tmp_path: Path) -> None:
    code, output = run(str(tmp_path / "nowhere"))
    assert code == 2
    assert output.startswith("error: ") and "no such file or directory" in output
    assert output.count("\n") == 1


@needs_datasette
def test_a_descriptor_that_is_not_json_is_refused(built_package: Path, tmp_path: Path) -> None:
    root = copy_of(built_package, tmp_path)
    (root / "datapackage.json").write_text("{not json", encoding="utf-8")
    code, output = run(str(root))
    assert code == 2 and "is not valid JSON" in output and output.count("\n") == 1


@needs_datasette
def test_a_package_without_database_is_refused(built_package: Path, tmp_path: Path) -> None:
    root = copy_of(built_package, tmp_path)
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "database"]
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, output = run(str(root))
    assert code == 2 and "lists no SQLite database" in output


@needs_datasette
@pytest.mark.parametrize("rehash", [False, True], ids=["hash-stale", "hash-updated"])
def test_a_database_that_differs_from_the_csvs_is_refused(
    built_package: Path, tmp_path: Path, rehash: bool
) -> None:
    import hashlib

    root = copy_of(built_package, tmp_path)
    path = root / "data" / f"{DB}.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("UPDATE agencies SET name_zh = '南岸新区' WHERE name_zh = '南岸区'")
    connection.commit()
    connection.close()
    if rehash:
        descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        resource = next(r for r in descriptor["resources"] if r["name"] == "database")
        resource["hash"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        resource["bytes"] = path.stat().st_size
        (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, output = run(str(root), "--port", str(free_port()))
    assert code == 1
    assert "the database differs from the package's CSV tables" in output
    assert ("南岸新区" in output) if rehash else ("sha256" in output)
    assert output.count("\n") == 1


@needs_datasette
def test_a_port_in_use_is_refused(built_package: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = run(str(built_package), "--port", str(port))
    assert code == 2
    assert output == f"error: port {port} on 127.0.0.1 is in use; choose another with --port\n"


def test_without_datasette_serve_says_how_to_install_it(
    built_package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cqpolicy.publish import serve

    monkeypatch.setattr(serve, "datasette_available", lambda: False)
    code, output = run(str(built_package))
    assert code == 2
    assert output == (
        "error: Datasette is not installed; install it with `pip install 'cqpolicy[serve]'` "
        "(or run `make serve`)\n"
    )


def test_the_plugin_ships_with_the_package() -> None:
    from cqpolicy.publish.serve import PLUGINS_DIR

    assert [p.name for p in PLUGINS_DIR.glob("*.py")] == ["cqpolicy_search.py"]
