"""The release workflow: build, validate, diff, bump, CHANGELOG, and all or nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import frozen_repository
from cqpolicy.cli import main
from cqpolicy.errors import CqpolicyError, InputError
from cqpolicy.publish.release import ReleaseError, insert_changelog_section, release_package

HERE = Path(__file__).resolve().parent
AMENDED = HERE / "fixtures" / "amended"


def _valid(_package: Path) -> tuple[bool, str]:
    return True, "valid (validation stubbed in this test)"


def _invalid(_package: Path) -> tuple[bool, str]:
    return False, "INVALID, 1 finding"


@pytest.fixture
def repo(tmp_path: Path, built_package: Path) -> Path:
    """A copy of the repository's package, curated sources, CHANGELOG and README."""
    target = frozen_repository(tmp_path / "repo", built_package)
    add_amended_translations(target / "sources" / "translations")
    return target


def add_amended_translations(directory: Path) -> None:
    """What a translator does before releasing amended-2023.txt: translate its new texts.

    The fixture rows are appended; the rows of the old wording stay (the build warns about them).
    """
    for fixture in sorted((AMENDED / "translations").glob("*.csv")):
        rows = fixture.read_text(encoding="utf-8").split("\n", 1)[1]
        with (directory / fixture.name).open("a", encoding="utf-8", newline="") as handle:
            handle.write(rows)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_amendment_is_released_as_a_minor_version(repo: Path, tmp_path: Path) -> None:
    """Real validation: the suites hold no counts of 1.2.0, so an amended policy (60 tasks) validates."""
    result = release_package(AMENDED / "amended-2023.txt", repo, release_date="2026-12-01")
    warnings = [m for m in result.messages if m.startswith("warning: ")]
    # The old wording's rows are left over, named in the repository's sources/, not the staged copy.
    assert [w.split(": ", 2)[1] for w in warnings] == [
        "translation rows matching no current text, remove them"
    ]
    assert str(repo / "sources" / "translations" / "clause_texts.csv") in warnings[0]
    others = [m for m in result.messages if not m.startswith("warning: ")]
    assert others[0].startswith("cqpolicy-guangyang-bay 1.3.0: valid"), result.messages
    report = (repo / "docs" / "report" / "README.md").read_text(encoding="utf-8")
    assert "cqpolicy-guangyang-bay 1.3.0" in report and "1.2.0" not in report
    assert (result.status, result.old_version, result.new_version, result.bump) == (
        "released",
        "1.2.0",
        "1.3.0",
        "minor",
    )
    package_json = (repo / "sources" / "package.json").read_text(encoding="utf-8")
    assert '"version": "1.3.0"' in package_json and '"source": "amended-2023.txt"' in package_json
    assert '"version": "1.3.0"' in (repo / "datapackage.json").read_text(encoding="utf-8")
    assert (repo / "sources" / "amended-2023.txt").read_bytes() == (AMENDED / "amended-2023.txt").read_bytes()
    assert (repo / "sources" / "amended-2023.meta.json").is_file()
    assert (repo / "sources" / "000_75cbbf2a9912bf4b.txt").is_file()  # archived sources are kept
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## [Unreleased]") < changelog.index("## [1.3.0] - 2026-12-01")
    assert changelog.index("## [1.3.0] - 2026-12-01") < changelog.index("## [1.2.0]")
    section = result.changelog
    assert section.startswith(
        "## [1.3.0] - 2026-12-01\n\nBuilt from 渝府〔2023〕12号 (previously 渝府〔2022〕5号).\n"
    )
    assert "### Added\n\n- task 2: 系统推进广阳岛消落带生态修复" in section
    assert "- Renumbered tasks 2–9 → 3–10" in section
    assert "### Removed\n\n- task 35: 推进望江厂片区城市更新规划实施" in section
    assert not list(repo.glob(".cqpolicy-*"))  # no temporary directory left behind


def test_released_package_is_what_a_rebuild_from_sources_gives(repo: Path, tmp_path: Path) -> None:
    from cqpolicy.build import build_package

    release_package(AMENDED / "amended-2023.txt", repo, release_date="2026-12-01", validate=_valid)
    rebuilt = tmp_path / "rebuilt"
    build_package(source=None, out=rebuilt, sources_dir=repo / "sources")
    released = {
        k: v
        for k, v in snapshot(repo).items()
        if k.startswith(("data/", "datapackage.json", "CITATION.cff", ".zenodo.json", "docs/dataset.jsonld"))
    }
    assert snapshot(rebuilt) == released


def test_dry_run_changes_nothing(repo: Path) -> None:
    before = snapshot(repo)
    result = release_package(
        AMENDED / "amended-2023.txt", repo, release_date="2026-12-01", dry_run=True, validate=_valid
    )
    assert (result.status, result.new_version) == ("dry-run", "1.3.0")
    assert result.changelog.startswith("## [1.3.0] - 2026-12-01")
    assert snapshot(repo) == before


def test_invalid_new_package_changes_nothing(repo: Path) -> None:
    before = snapshot(repo)
    with pytest.raises(
        ReleaseError, match=r"is invalid \(INVALID, 1 finding\); nothing was changed"
    ) as raised:
        release_package(AMENDED / "amended-2023.txt", repo, release_date="2026-12-01", validate=_invalid)
    assert raised.value.exit_code == 1
    assert snapshot(repo) == before


def test_same_source_has_nothing_to_release(repo: Path) -> None:
    before = snapshot(repo)
    result = release_package(repo / "sources" / "000_75cbbf2a9912bf4b.txt", repo, validate=_valid)
    assert (result.status, result.new_version) == ("unchanged", "1.2.0")
    assert snapshot(repo) == before


def test_failed_move_before_the_commit_point_changes_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(repo)
    real = os.replace

    def failing(src: Any, dst: Any, **dir_fds: Any) -> None:
        if Path(dst).name == "CHANGELOG.md":  # staging CHANGELOG.md, before the journal is written
            raise OSError("disk full")
        real(src, dst, **dir_fds)

    monkeypatch.setattr("cqpolicy.atomic.os.replace", failing)
    with pytest.raises(OSError, match="disk full"):
        release_package(AMENDED / "amended-2023.txt", repo, release_date="2026-12-01", validate=_valid)
    assert snapshot(repo) == before


def test_failed_move_after_the_commit_point_is_rolled_forward(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the journal is written the release is committed: the next command finishes it."""
    from cqpolicy.atomic import JOURNAL, recover

    twin = tmp_path / "twin"
    shutil.copytree(repo, twin)
    release_package(AMENDED / "amended-2023.txt", twin, release_date="2026-12-01", validate=_valid)

    def failing(src: Path, dst: Path) -> None:  # called just before each rename
        if Path(dst) == repo / "CHANGELOG.md":
            raise OSError("disk full")

    monkeypatch.setattr("cqpolicy.atomic.before_rename", failing)
    with pytest.raises(OSError, match="disk full"):
        release_package(AMENDED / "amended-2023.txt", repo, release_date="2026-12-01", validate=_valid)
    assert (repo / JOURNAL).is_file()
    monkeypatch.setattr("cqpolicy.atomic.before_rename", None)
    assert recover(repo)
    assert snapshot(repo) == snapshot(twin)


def test_correction_with_real_validation_is_a_patch(repo: Path) -> None:
    """The same text in official form: only the recorded source differs, and the package validates."""
    result = release_package(AMENDED / "official-form.txt", repo, release_date="2026-12-02")
    assert (result.status, result.bump, result.new_version) == ("released", "patch", "1.2.1")
    assert "valid" in next(m for m in result.messages if not m.startswith("warning: "))
    assert "## [1.2.1] - 2026-12-02" in (repo / "CHANGELOG.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "missing.txt"], "the new source text does not exist"),
        (["--source", "{amended}", "--date", "1 Dec"], "release date '1 Dec' is not an ISO date"),
    ],
)
def test_cli_release_bad_input_exits_2(repo: Path, args: list[str], message: str) -> None:
    args = [a.replace("{amended}", str(AMENDED / "amended-2023.txt")) for a in args]
    result = CliRunner().invoke(main, ["release", "--root", str(repo), *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr


def test_cli_release_dry_run_prints_the_changelog_section(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cqpolicy.publish.release._validate", _valid)
    before = snapshot(repo)
    result = CliRunner().invoke(
        main,
        [
            "release",
            "--root",
            str(repo),
            "--source",
            str(AMENDED / "amended-2023.txt"),
            "--date",
            "2026-12-01",
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## [1.3.0] - 2026-12-01\n")
    assert "dry run: would release minor bump: 1.2.0 → 1.3.0; nothing was changed" in result.stderr
    assert snapshot(repo) == before


def test_cli_release_invalid_package_exits_1(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cqpolicy.publish.release._validate", _invalid)
    result = CliRunner().invoke(
        main, ["release", "--root", str(repo), "--source", str(AMENDED / "amended-2023.txt")]
    )
    assert result.exit_code == 1
    assert "nothing was changed" in result.stderr


CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2026-11-29\n\n- first\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CHANGELOG, "# Changelog\n\n## [Unreleased]\n\nNEW\n\n## [1.1.0] - 2026-11-29\n\n- first\n"),
        ("# Changelog\n\n## [Unreleased]\n", "# Changelog\n\n## [Unreleased]\n\nNEW\n"),
    ],
)
def test_changelog_section_goes_above_the_newest_release(text: str, expected: str) -> None:
    assert insert_changelog_section(text, "NEW\n", "1.2.0") == expected


def test_changelog_refuses_a_version_twice() -> None:
    with pytest.raises(InputError, match=r"already has a section for 1\.1\.0"):
        insert_changelog_section(CHANGELOG, "NEW\n", "1.1.0")


def test_release_folds_unreleased_entries_into_the_new_version(repo: Path) -> None:
    changelog = repo / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(
        text.replace("## [1.2.0]", "## [Unreleased]\n\n### Fixed\n\n- A register note.\n\n## [1.2.0]", 1)
        if "## [Unreleased]" not in text
        else re.sub(r"(## \[Unreleased\]\n)", r"\1\n### Fixed\n\n- A register note.\n", text, count=1),
        encoding="utf-8",
    )
    release_package(AMENDED / "amended-2023.txt", repo, release_date="2026-12-01", validate=_valid)
    released = changelog.read_text(encoding="utf-8")
    unreleased, rest = released.split("## [Unreleased]", 1)[1].split("## [1.3.0] - 2026-12-01", 1)
    assert not re.search(r"^[-*] ", unreleased, re.MULTILINE)  # [Unreleased] is empty
    new_section = rest.split("## [1.2.0]", 1)[0]
    assert "### Fixed\n\n- A register note." in new_section
    assert released.index("## [1.3.0]") < released.index("## [1.2.0]")


def test_release_from_a_page_names_the_repositorys_pending_file(repo: Path) -> None:
    page = repo.parent / "new.html"
    text = (HERE / "fixtures" / "publications" / "amended-2024.html").read_bytes().decode("gb18030")
    page.write_bytes(text.replace("市交通局", "市交通运输委").encode("gb18030"))
    before = snapshot(repo)
    with pytest.raises(CqpolicyError) as info:
        release_package(page, repo, release_date="2026-12-01", validate=_valid)
    message = str(info.value)
    assert f"{repo / 'sources' / 'agencies.pending.csv'} lists it" in message
    assert ".cqpolicy-release-" not in message  # never a temporary directory
    assert (repo / "sources" / "agencies.pending.csv").is_file()
    after = snapshot(repo)
    assert {k: v for k, v in after.items() if "pending" not in k} == before


def test_released_title_follows_the_new_document(repo: Path) -> None:
    release_package(AMENDED / "amended-2023.txt", repo, release_date="2026-12-01", validate=_valid)
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["title"].startswith("渝府〔2023〕12号《")
    assert descriptor["title"].endswith("(Yufu [2023] No. 12)")
