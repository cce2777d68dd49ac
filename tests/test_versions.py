"""Every version stays reachable: `cqpolicy versions`, `load("1.0.0")`, `diff` of history, `load(url)`.

The history is a temporary git repository made in the test: the package built from the frozen
1.2.0 sources is committed as released, then a fictional 1.3.0 (one task reworded). The
published zip is served by a local HTTP server on 127.0.0.1 started by the test.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import cqpolicy
from cqpolicy.build import build_package
from cqpolicy.cli import main
from cqpolicy.publish.pack import pack_package
from cqpolicy.versions import (
    DownloadError,
    HashMismatchError,
    VersionNotFoundError,
    list_versions,
    record_zip,
)

FROZEN = Path(__file__).resolve().parent / "fixtures" / "released" / "1.2.0"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        capture_output=True,
        check=True,
        text=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package")
    build_package(source=None, out=out, sources_dir=FROZEN / "sources")
    return out


def reword_first_task(repo: Path, version: str, created: str) -> None:
    """A later release, as far as history shows it: a new version, a date and one task's text."""
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"], descriptor["created"] = version, created
    (repo / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    tasks = pd.read_csv(repo / "data" / "tasks.csv", dtype=str, keep_default_na=False)
    tasks.loc[0, "text"] = tasks.loc[0, "text"] + "（修订）"
    tasks.to_csv(repo / "data" / "tasks.csv", index=False, lineterminator="\n")
    parquet = pd.read_parquet(repo / "data" / "tasks.parquet")
    parquet.loc[0, "text"] = tasks.loc[0, "text"]
    parquet.to_parquet(repo / "data" / "tasks.parquet", index=False)


@pytest.fixture(scope="module")
def history(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    repo = tmp_path_factory.mktemp("history")
    shutil.copytree(package / "data", repo / "data")
    shutil.copy2(package / "datapackage.json", repo / "datapackage.json")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first release")
    git(repo, "commit", "-q", "--allow-empty", "-m", "a fix of the toolkit")
    reword_first_task(repo, "9.1.0", "2031-05-06T00:00:00Z")
    record_zip(repo, "9.1.0", repo / "datapackage.json", "ab" * 32)  # any file: only its size is recorded
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "release 9.1.0")
    yield repo


def test_versions_lists_each_release_once_with_its_first_commit(history: Path, package: Path) -> None:
    released = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    commits = git(history, "log", "--reverse", "--format=%H").split()
    found = list_versions(history)
    assert [(v.version, v.commit) for v in found] == [
        (released["version"], commits[0]),
        ("9.1.0", commits[2]),
    ]
    assert found[0].date == released["created"][:10]
    assert found[1].date == "2031-05-06"
    assert {v.document_number for v in found} == {released["document"]["document_number"]}
    assert (found[0].zip_sha256, found[1].zip_sha256) == (None, "ab" * 32)


def test_versions_json_is_the_library_result(history: Path) -> None:
    done = CliRunner().invoke(main, ["versions", str(history), "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == [v.to_dict() for v in list_versions(history)]


def test_versions_outside_a_repository_exits_2(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["versions", str(tmp_path)])
    assert done.exit_code == 2
    assert done.stderr == (
        f"error: {tmp_path}: is not inside a git repository, so its released versions cannot be read; "
        "run from a clone of the package's repository\n"
    )


def test_load_a_released_version_from_history(
    history: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(history)
    version = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["version"]
    old, new, built = cqpolicy.load(version), cqpolicy.load("9.1.0"), cqpolicy.load(package)
    for name in built:
        pd.testing.assert_frame_equal(old[name], built[name])
    assert old["tasks"].loc[0, "text"] + "（修订）" == new["tasks"].loc[0, "text"]


def test_an_unknown_version_is_one_sentence(
    history: Path, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(history)
    version = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["version"]
    with pytest.raises(VersionNotFoundError) as caught:
        cqpolicy.load("8.0.0")
    assert str(caught.value) == (
        f"version 8.0.0 was never released in {history} (released: {version}, 9.1.0); check the number, "
        "or give the published zip's URL and sha256"
    )
    assert caught.value.exit_code == 2


def test_diff_of_two_released_versions(history: Path, package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(history)
    version = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["version"]
    done = CliRunner().invoke(main, ["diff", version, "9.1.0", "--format", "json"])
    assert done.exit_code == 1, done.output
    changes = json.loads(done.stdout)
    assert "tasks" in json.dumps(changes, ensure_ascii=False) and "（修订）" in done.stdout


# --- a published zip over HTTP -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """A zip served at http://127.0.0.1:<port>/; yields (base URL, its sha256, the zip)."""
    served = tmp_path_factory.mktemp("served")
    zipped = pack_package(package, served, allow_unreleased=True).path
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]  # keep pytest's output clean
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield (
            f"http://127.0.0.1:{server.server_address[1]}",
            hashlib.sha256(zipped.read_bytes()).hexdigest(),
            zipped,
        )
    finally:
        server.shutdown()
        server.server_close()


def test_load_a_published_zip_into_the_cache(
    published: tuple[str, str, Path], package: Path, tmp_path: Path
) -> None:
    base, digest, zipped = published
    tables = cqpolicy.load(f"{base}/{zipped.name}", sha256=digest, cache=tmp_path)
    built = cqpolicy.load(package)
    assert list(tables) == list(built)
    for name in built:
        pd.testing.assert_frame_equal(tables[name], built[name])
    cached = list(tmp_path.iterdir())
    assert len(cached) == 1 and cached[0].read_bytes() == zipped.read_bytes()


def test_a_wrong_hash_is_refused_and_nothing_kept(published: tuple[str, str, Path], tmp_path: Path) -> None:
    base, _digest, zipped = published
    url = f"{base}/{zipped.name}"
    with pytest.raises(HashMismatchError) as caught:
        cqpolicy.load(url, sha256="0" * 64, cache=tmp_path)
    assert str(caught.value) == (
        f"the file at {url} does not have the sha256 {'0' * 64}; it was not kept. Check the hash "
        "published with the zip, or whether the URL names another version"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_url_is_one_sentence(published: tuple[str, str, Path], tmp_path: Path) -> None:
    base, digest, _zipped = published
    with pytest.raises(
        DownloadError, match=r"^cannot download .*/missing\.zip \(HTTPError: 404 .*\); check the URL"
    ):
        cqpolicy.load(f"{base}/missing.zip", sha256=digest, cache=tmp_path)


def test_a_url_without_a_hash_is_refused(tmp_path: Path) -> None:
    with pytest.raises(cqpolicy.errors.InputError, match=r"^a URL is read only with the sha256"):
        cqpolicy.load("http://127.0.0.1:9/x.zip", cache=tmp_path)
