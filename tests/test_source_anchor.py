"""The archived source is anchored: the sha256 recorded at release is what ``validate`` checks.

An edited source rebuilds into data that agree with it, and the descriptor's hash follows the
edit; only ``source_sha256`` in ``sources/package.json`` (written by ``cqpolicy release``) still
names the released text, so ``validate`` reports ``source-changed``. The sha256 the README and
``sources/README.md`` document is checked against the same record.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FROZEN_SOURCES
from cqpolicy.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RELEASED = HERE / "fixtures" / "released" / "1.2.0"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def anchored(tmp_path: Path) -> Path:
    """A package built from the frozen 1.2.0 sources, with the anchor a release records."""
    package = tmp_path / "pkg"
    shutil.copytree(RELEASED / "sources", package / "sources")
    meta_path = package / "sources" / "package.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["source_sha256"] = _sha256(package / "sources" / meta["source"])
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return package


def _build_and_validate(package: Path) -> tuple[int, dict[str, object]]:
    runner = CliRunner()
    built = runner.invoke(main, ["build", "--out", str(package), "--sources-dir", str(package / "sources")])
    assert built.exit_code == 0, built.output
    result = runner.invoke(main, ["validate", str(package), "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_a_source_edited_after_release_is_reported(anchored: Path) -> None:
    """The issue's reproduction: 市公安局 → 市科技局 on the source's line 62, build, validate."""
    source = anchored / "sources" / "000_75cbbf2a9912bf4b.txt"
    recorded = _sha256(source)
    lines = source.read_bytes().split(b"\n")
    assert "市公安局".encode() in lines[61]
    lines[61] = lines[61].replace("市公安局".encode(), "市科技局".encode(), 1)
    source.write_bytes(b"\n".join(lines))
    code, report = _build_and_validate(anchored)
    assert code == 1
    changed = [f for f in report["findings"] if f["check"] == "source-changed"]  # type: ignore[index,union-attr]
    assert changed == [
        {
            "check": "source-changed",
            "message": f"sources/000_75cbbf2a9912bf4b.txt is not the source version 1.2.0 was released from: "
            f"its sha256 is {_sha256(source)}, but sources/package.json records {recorded} (source_sha256); "
            "archived sources are never edited: restore it from git, or release the new text with "
            "cqpolicy release --source FILE",
            "resource": None,
            "row": None,
            "field": None,
            "layer": "package",
        }
    ]


def test_the_released_source_is_not_reported(anchored: Path) -> None:
    code, report = _build_and_validate(anchored)
    assert [f for f in report["findings"] if f["check"] == "source-changed"] == []  # type: ignore[index,union-attr]
    assert code == 0, report


_DOCUMENTED = re.compile(r"`(?:sources/)?([^`/\s]+\.txt)`[^`]{0,80}?sha256 `([0-9a-f]{64})`", re.DOTALL)


def documented_hash_problems(text: str, sources: Path) -> list[str]:
    """Each (file, sha256) a page documents for a file in ``sources`` that is not its real, recorded one."""
    meta = json.loads((sources / "package.json").read_text(encoding="utf-8"))
    problems = []
    for name, digest in _DOCUMENTED.findall(text):
        path = sources / name
        if not path.is_file():
            problems.append(f"{name} is documented but not in sources/")
        elif digest != _sha256(path):
            problems.append(f"{name}: documented {digest}, file {_sha256(path)}")
        elif name == meta["source"] and digest != meta.get("source_sha256"):
            problems.append(f"{name}: documented {digest}, recorded {meta.get('source_sha256')}")
    return problems


@pytest.mark.data
@pytest.mark.parametrize("page", ["README.md", "sources/README.md"])
def test_the_documented_sha256_is_the_recorded_one(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    sources = ROOT / "sources"
    meta = json.loads((sources / "package.json").read_text(encoding="utf-8"))
    assert meta["source_sha256"] == _sha256(sources / meta["source"])
    assert _DOCUMENTED.findall(text), f"{page} documents no sha256 of an archived source"
    assert documented_hash_problems(text, sources) == []


def test_a_documented_sha256_that_differs_is_caught(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a.txt").write_bytes(b"text\n")
    (sources / "package.json").write_text(
        json.dumps({"source": "a.txt", "source_sha256": "0" * 64}), encoding="utf-8"
    )
    good = _sha256(sources / "a.txt")
    assert documented_hash_problems(f"`a.txt` (sha256 `{'1' * 64}`)", sources) == [
        f"a.txt: documented {'1' * 64}, file {good}"
    ]
    assert documented_hash_problems(f"`sources/a.txt`, a copy, sha256 `{good}`", sources) == [
        f"a.txt: documented {good}, recorded {'0' * 64}"
    ]


def test_release_records_the_sha256_of_the_source_it_archives(tmp_path: Path, built_package: Path) -> None:
    from cqpolicy.publish.release import release_package
    from test_diff_release import add_amended_translations

    repo = tmp_path / "repo"
    shutil.copytree(built_package, repo)
    shutil.copytree(FROZEN_SOURCES, repo / "sources")
    add_amended_translations(repo / "sources" / "translations")
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n", encoding="utf-8")
    amended = HERE / "fixtures" / "amended" / "amended-2023.txt"
    result = release_package(amended, repo, release_date="2026-12-01", validate=lambda _: (True, "stubbed"))
    assert result.status == "released"
    meta = json.loads((repo / "sources" / "package.json").read_text(encoding="utf-8"))
    assert meta["source"] == amended.name
    assert meta["source_sha256"] == _sha256(amended) == _sha256(repo / "sources" / amended.name)
