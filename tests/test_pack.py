"""cqpolicy pack writes the download: complete, self-contained, deterministic, released, and safe."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import FROZEN_VERSION, frozen_repository
from cqpolicy.cli import main
from cqpolicy.publish.pack import pack_package

TOP = f"cqpolicy-guangyang-bay-{FROZEN_VERSION}"


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


@pytest.fixture
def released(built_package: Path, tmp_path: Path) -> Path:
    """A repository like ours, with the built package committed: its version is released."""
    root = frozen_repository(tmp_path / "repo", built_package)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "release")
    return root


def _members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {name.removeprefix(f"{TOP}/"): zf.read(name) for name in zf.namelist()}


def test_pack_holds_data_docs_citation_and_sources(released: Path, tmp_path: Path) -> None:
    result = pack_package(released, tmp_path / "dist")
    assert result.path.name == f"{TOP}.zip"
    assert result.released
    members = _members(result.path)
    descriptor = json.loads(members["datapackage.json"])
    for resource in descriptor["resources"]:
        assert resource["path"] in members
    for name in (
        "README.md",
        "LICENSE.md",
        "CHANGELOG.md",
        "CITATION.cff",
        ".zenodo.json",
        "docs/dataset.jsonld",
    ):
        assert name in members, name
    assert {"docs/report/README.md", "docs/report/tasks-per-unit.svg"} <= set(members)
    assert {"sources/package.json", "sources/agencies.csv", "sources/000_75cbbf2a9912bf4b.txt"} <= set(
        members
    )
    with zipfile.ZipFile(result.path) as zf:
        assert all(name.startswith(f"{TOP}/") for name in zf.namelist())
    assert pack_package(released, tmp_path / "dist").path.read_bytes() == result.path.read_bytes()


_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")


def test_every_relative_link_in_the_zip_resolves_inside_it(released: Path, tmp_path: Path) -> None:
    members = _members(pack_package(released, tmp_path / "dist").path)
    checked = 0
    for name, data in members.items():
        if not name.endswith(".md"):
            continue
        for match in _LINK.finditer(data.decode("utf-8")):
            target = (match.group(1) or match.group(2)).split("#")[0]
            if not target or re.match(r"^[a-z]+:", target):
                continue
            resolved = os.path.normpath(str(PurePosixPath(name).parent / target))
            assert resolved in members, f"{name} links to {target}, which the zip does not hold"
            checked += 1
    assert checked >= 15  # the README's files, report, charts, sources and citation records


def test_the_zip_readme_is_for_the_reader_not_the_developer(released: Path, tmp_path: Path) -> None:
    readme = _members(pack_package(released, tmp_path / "dist").path)["README.md"].decode("utf-8")
    first_screen = "\n".join(readme.splitlines()[:40])
    assert "What is in this download" in first_screen
    assert "make publish" not in readme and "make test" not in readme
    for what in (
        "Excel",
        "LibreOffice",
        "pandas",
        "readr",
        "DuckDB",
        "市级有关部门",
        "first unit listed",
        "Cite it",
    ):
        assert what in readme, what


def test_pack_refuses_data_that_are_not_the_release_of_their_version(released: Path, tmp_path: Path) -> None:
    tasks = released / "data" / "tasks.csv"
    tasks.write_bytes(tasks.read_bytes().replace("广阳岛".encode(), "广阳湾".encode(), 1))
    result = CliRunner().invoke(main, ["pack", str(released), "--dist", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert "data/tasks.csv differs from the file released as 1.2.0" in result.stderr
    assert "--allow-unreleased" in result.stderr
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())

    allowed = CliRunner().invoke(
        main, ["pack", str(released), "--dist", str(tmp_path / "dist"), "--allow-unreleased"]
    )
    assert allowed.exit_code == 0, allowed.output
    assert allowed.stdout.strip().endswith("cqpolicy-guangyang-bay-1.2.0+unreleased.zip")


def test_pack_refuses_a_version_never_committed(released: Path, tmp_path: Path) -> None:
    path = released / "datapackage.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"version": "1.2.0"', '"version": "1.2.1"'), "utf-8"
    )
    result = CliRunner().invoke(main, ["pack", str(released), "--dist", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert "version 1.2.1 is not committed: no commit of" in result.stderr
    assert "if `cqpolicy release` made it, review and commit the release (`git add -A && git commit`)" in (
        result.stderr
    )
    assert "release it with `cqpolicy release`" not in result.stderr  # it was released: it is not committed


def test_pack_refuses_outside_git_unless_allowed(built_package: Path, tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    shutil.copytree(built_package, root)
    result = CliRunner().invoke(main, ["pack", str(root)])
    assert result.exit_code == 1
    assert "is not in a git repository" in result.stderr


def test_pack_without_a_package_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["pack", str(tmp_path)])
    assert result.exit_code == 2
    assert "there is no datapackage.json here" in result.stderr


def _hostile(root: Path, change: Any) -> None:
    path = root / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    path.write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["resources"][0].update({"path": "/etc/passwd"}), "is absolute"),
        (lambda d: d["resources"][0].update({"path": "../../etc/hostname"}), "contains '..'"),
        (lambda d: d["resources"][0].update({"path": "data/outside.csv"}), "leads outside the package"),
        (lambda d: d.update({"name": "../../../x"}), "cannot name a file"),
        (lambda d: d.update({"name": 5}), "name must be a string"),
        (lambda d: d.update({"version": "1.0/../../x"}), "is not a SemVer version"),
    ],
    ids=["absolute", "dot-dot", "symlink-out", "name-dot-dot", "name-not-string", "version-path"],
)
def test_pack_refuses_paths_and_names_that_lead_out(
    built_package: Path, tmp_path: Path, change: Any, message: str
) -> None:
    root = tmp_path / "pkg"
    shutil.copytree(built_package, root)
    outside = tmp_path / "secret.csv"
    outside.write_text("secret\n", encoding="utf-8")
    (root / "data" / "outside.csv").symlink_to(outside)
    _hostile(root, change)
    result = CliRunner().invoke(
        main, ["pack", str(root), "--allow-unreleased", "--dist", str(tmp_path / "dist")]
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("**/*.zip"))


def test_pack_refuses_a_descriptor_that_is_not_json(built_package: Path, tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    shutil.copytree(built_package, root)
    (root / "datapackage.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["pack", str(root), "--allow-unreleased"])
    assert result.exit_code == 2
    assert "is not valid JSON" in result.stderr


def test_pack_refuses_a_fifo_at_a_resource_path(built_package: Path, tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    shutil.copytree(built_package, root)
    (root / "data" / "roles.csv").unlink()
    os.mkfifo(root / "data" / "roles.csv")
    result = CliRunner().invoke(main, ["pack", str(root), "--allow-unreleased"])
    assert result.exit_code == 2
    assert "resource path 'data/roles.csv' is a FIFO (named pipe)" in result.stderr


def test_validate_diff_and_load_accept_the_download(released: Path, tmp_path: Path) -> None:
    """The zip is the file people get: every reader takes it as it is, top folder and all."""
    import pandas as pd

    import cqpolicy
    from cqpolicy.diff import diff_inputs

    archive = pack_package(released, tmp_path / "dist").path

    validated = CliRunner().invoke(main, ["validate", str(archive)])
    assert validated.exit_code == 0, validated.output
    assert "cqpolicy-guangyang-bay 1.2.0: valid" in validated.output

    result = diff_inputs(str(archive), str(released))
    assert (result.old.kind, result.has_changes) == ("zip", False)

    tasks = cqpolicy.load(archive)["tasks"]
    pd.testing.assert_frame_equal(tasks, cqpolicy.load(released)["tasks"])


@pytest.mark.parametrize("relative", ["sources/agencies.csv", "docs/report/README.md", "CITATION.cff"])
def test_pack_refuses_sources_pages_or_citation_that_differ_from_the_release(
    released: Path, tmp_path: Path, relative: str
) -> None:
    """What validate rebuilds from, and what readers read, must be what was released too."""
    path = released / relative
    path.write_bytes(path.read_bytes() + b"\n")
    result = CliRunner().invoke(main, ["pack", str(released), "--dist", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert f"{relative} differs from the one released as 1.2.0" in result.stderr


def test_pack_refuses_a_file_added_to_sources_after_the_release(released: Path, tmp_path: Path) -> None:
    (released / "sources" / "notes.csv").write_text("a,b\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["pack", str(released), "--dist", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert "sources/notes.csv differs from the one released as 1.2.0 (commit" in result.stderr
    assert "or is new" in result.stderr


def test_a_changelog_corrected_after_the_release_still_packs_as_the_release(
    released: Path, tmp_path: Path
) -> None:
    changelog = released / "CHANGELOG.md"
    changelog.write_text(changelog.read_text(encoding="utf-8") + "\n<!-- a typo fixed -->\n", "utf-8")
    assert pack_package(released, tmp_path / "dist").path.name == f"{TOP}.zip"


def test_an_unreleased_zip_says_so_and_offers_no_citation(built_package: Path, tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    shutil.copytree(built_package, root)
    archive = pack_package(root, tmp_path / "dist", allow_unreleased=True).path
    with zipfile.ZipFile(archive) as zf:
        top = archive.name.removesuffix(".zip")
        readme = zf.read(f"{top}/README.md").decode("utf-8")
        names = {name.removeprefix(f"{top}/") for name in zf.namelist()}
    assert "1.2.0+unreleased**: **not a released version**" in readme
    assert "(Version 1.2.0)" not in readme and "This is not a released version" in readme
    assert "CHANGELOG.md" not in names and "CHANGELOG.md" not in readme  # links only what it holds
    assert "rebuilds the data from the archived source" not in readme  # no sources/ in this one
