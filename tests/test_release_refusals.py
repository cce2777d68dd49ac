"""What ``cqpolicy release`` refuses: a source that loses the official record's facts, a mirror's artefacts.

The repository here is built from the frozen 1.2.0 sources; the amendment is the fictional
``tests/fixtures/amended/amended-2023.txt`` (with the translations of its new texts).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cqpolicy.build import build_package
from cqpolicy.cli import main
from cqpolicy.errors import InputError, RegisterError
from cqpolicy.publish.release import RECORD_FACTS, release_package

HERE = Path(__file__).resolve().parent
FROZEN = HERE / "fixtures" / "released" / "1.2.0" / "sources"
AMENDED = HERE / "fixtures" / "amended"
CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2026-11-30\n\nBuilt from the frozen sources.\n"


def _valid(_package: Path) -> tuple[bool, str]:
    return True, "valid (validation stubbed in this test)"


@pytest.fixture(scope="module")
def frozen_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("frozen-package")
    build_package(source=None, out=out, sources_dir=FROZEN)
    return out


@pytest.fixture
def repo(tmp_path: Path, frozen_package: Path) -> Path:
    """A repository at 1.2.0, with the amendment's new texts translated."""
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(frozen_package / "data", root / "data")
    shutil.copy2(frozen_package / "datapackage.json", root / "datapackage.json")
    shutil.copytree(FROZEN, root / "sources")
    (root / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    for fixture in sorted((AMENDED / "translations").glob("*.csv")):
        rows = fixture.read_text(encoding="utf-8").split("\n", 1)[1]
        with (root / "sources" / "translations" / fixture.name).open("a", encoding="utf-8") as handle:
            handle.write(rows)
    return root


@pytest.fixture
def bare_amendment(tmp_path: Path) -> Path:
    """The amended text alone: no sidecar with the official record's facts beside it."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy2(AMENDED / "amended-2023.txt", folder / "amended-2023.txt")
    return folder / "amended-2023.txt"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_release_without_the_record_is_refused_naming_each_fact(repo: Path, bare_amendment: Path) -> None:
    before = snapshot(repo)
    done = CliRunner().invoke(main, ["release", "--root", str(repo), "--source", str(bare_amendment)])
    assert done.exit_code == 2, done.output
    facts = ", ".join(RECORD_FACTS)
    assert done.stderr == (
        f"error: version 1.2.0 has the official record's {facts}, which {bare_amendment} does not give "
        f"(no page metadata, no sidecar); write them into {bare_amendment.with_suffix('.meta.json')} "
        "(keys as in the current sources/*.meta.json, checked against the official record), "
        "or pass --without-record to release without them\n"
    )
    assert snapshot(repo) == before


def test_a_partial_record_names_only_the_missing_facts(repo: Path, bare_amendment: Path) -> None:
    sidecar = bare_amendment.with_suffix(".meta.json")
    sidecar.write_text(
        (AMENDED / "amended-2023.meta.json").read_text(encoding="utf-8").replace('"subject"', '"_subject"'),
        encoding="utf-8",
    )
    refused = r"^version 1\.2\.0 has the official record's subject, which .* write it "
    with pytest.raises(InputError, match=refused):
        release_package(bare_amendment, repo, release_date="2026-12-01", validate=_valid)


def test_without_record_releases_and_the_changelog_says_what_was_dropped(
    repo: Path, bare_amendment: Path
) -> None:
    result = release_package(
        bare_amendment, repo, release_date="2026-12-01", validate=_valid, without_record=True
    )
    assert result.status == "released"
    note = (
        f"- The official record's facts {', '.join(RECORD_FACTS)} are not in this version: its source "
        "gives none of them (released with `--without-record`); see the previous version for their values."
    )
    assert note in result.changelog
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split(f"## [{result.new_version}]", 1)[1].split("## [1.2.0]", 1)[0]
    assert "### Removed" in section and note in section
    assert f"warning: released without the official record's {', '.join(RECORD_FACTS)}" in result.messages


def test_with_the_sidecar_nothing_is_refused(repo: Path) -> None:
    result = release_package(
        AMENDED / "amended-2023.txt", repo, release_date="2026-12-01", validate=_valid, dry_run=True
    )
    assert result.status == "dry-run"
    assert "--without-record" not in result.changelog


def test_the_archived_mirror_given_as_an_amendment_is_refused(repo: Path, tmp_path: Path) -> None:
    """Its reviewed corrections are tied to the old file name, so the garbled word reaches the check."""
    copy = tmp_path / "amendment.txt"
    shutil.copy2(FROZEN / "000_75cbbf2a9912bf4b.txt", copy)
    shutil.copy2(FROZEN / "000_75cbbf2a9912bf4b.meta.json", tmp_path / "amendment.meta.json")
    before = snapshot(repo)
    done = CliRunner().invoke(main, ["release", "--root", str(repo), "--source", str(copy)])
    assert done.exit_code == 2, done.output
    assert done.stderr == (
        f"error: {copy}, line 49: holds pinyin in parentheses in “平三级医院和漆t（yī）院、国际医疗服务”, "
        "which is not the official text; fix it with a reviewed row in "
        f"{repo / 'sources' / 'amendment.corrections.csv'} (columns line, find, replace, reason) or give a "
        "clean copy of the official text\n"
    )
    assert snapshot(repo) == before


REWORDED = "加快建设铁路枢纽东环线和货运环线，打通明月山东向交通瓶颈，全面提升多式联运水平。"
BEFORE = "加快建设铁路枢纽东环线，打通明月山东向交通瓶颈，提升多式联运水平。"


def keep_old_english(repo: Path, note: str) -> int:
    """Give the reworded task the English of its previous wording; return the row's line."""
    import csv
    import io

    path = repo / "sources" / "translations" / "task_texts.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    old_english = next(r["text_en"] for r in rows if r["text_zh"] == BEFORE)
    index = next(i for i, r in enumerate(rows) if r["text_zh"] == REWORDED)
    rows[index].update(text_en=old_english, note=note)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    lines = buffer.getvalue().split("\n")
    return 1 + next(number for number, text in enumerate(lines) if REWORDED in text)


def test_the_old_english_beside_changed_chinese_is_refused(repo: Path) -> None:
    line = keep_old_english(repo, "kept")
    before = snapshot(repo)
    with pytest.raises(RegisterError) as caught:
        release_package(AMENDED / "amended-2023.txt", repo, release_date="2026-12-01", validate=_valid)
    assert str(caught.value) == (
        f"{repo / 'sources' / 'translations' / 'task_texts.csv'}, line {line}: the English of task 11 is the "
        "previous version's English, word for word, but its Chinese changed; translate the new Chinese, "
        "or, if the English still says exactly what it says, start the row's note with 'Reviewed: '"
    )
    assert caught.value.exit_code == 1
    assert snapshot(repo) == before


def test_the_old_english_passes_when_the_note_says_it_was_reviewed(repo: Path) -> None:
    keep_old_english(repo, "Reviewed: the freight ring line is implied by the hub's ring lines.")
    result = release_package(
        AMENDED / "amended-2023.txt", repo, release_date="2026-12-01", validate=_valid, dry_run=True
    )
    assert result.status == "dry-run"
