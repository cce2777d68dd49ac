"""A release never writes through a link, and a failed build never loses a maintainer's pending rows."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cqpolicy.build import build_package, curated
from cqpolicy.cli import main
from cqpolicy.errors import RegisterError

HERE = Path(__file__).resolve().parent
RELEASED = HERE / "fixtures" / "released" / "1.2.0"
AMENDED = HERE / "fixtures" / "amended" / "amended-2023.txt"


@pytest.fixture
def root(tmp_path: Path, built_package: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(built_package, target)
    shutil.copytree(HERE.parent / "sources", target / "sources")
    (target / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n", encoding="utf-8")
    return target


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("linked", ["CHANGELOG.md", "README.md", "sources/package.json", "data"])
def test_release_refuses_a_file_it_would_replace_that_is_a_link(
    root: Path, tmp_path: Path, linked: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    path = root / linked
    if path.exists():
        shutil.move(path, elsewhere)
    else:
        elsewhere.write_text("# README kept elsewhere\n", encoding="utf-8")
    path.symlink_to(elsewhere)
    before, outside = (
        _tree(root),
        _tree(tmp_path / "elsewhere") if elsewhere.is_dir() else elsewhere.read_bytes(),
    )
    result = CliRunner().invoke(main, ["release", "--source", str(AMENDED), "--root", str(root)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: is a symbolic link; a release never reads or replaces a file through a link: "
        "put the real file there (or remove the link) and release again\n"
    )
    assert _tree(root) == before
    assert (_tree(elsewhere) if elsewhere.is_dir() else elsewhere.read_bytes()) == outside
    assert path.is_symlink()


# --- the pending file ------------------------------------------------------------------------------


@pytest.fixture
def frozen_sources(tmp_path: Path) -> Path:
    """The frozen 1.2.0 sources, with 市水利局 and 市公安局 taken out of the register."""
    target = tmp_path / "sources"
    shutil.copytree(RELEASED / "sources", target)
    register = target / "agencies.csv"
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    register.write_text(
        "".join(line for line in lines if ",市水利局," not in line and ",市公安局," not in line),
        encoding="utf-8",
    )
    return target


COMPLETED = [
    "cq-water-resources-bureau",
    "市水利局",
    "",
    "重庆市水利局",
    "Chongqing Municipal Water Resources Bureau",
    "false",
    "municipal-department",
    "municipal",
    "Completed by a maintainer",
]


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_a_failed_build_keeps_the_rows_a_maintainer_completed(frozen_sources: Path, tmp_path: Path) -> None:
    pending = frozen_sources / curated.PENDING_FILE
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([curated.AGENCY_COLUMNS, COMPLETED])
    pending.write_text(buffer.getvalue(), encoding="utf-8")
    with pytest.raises(RegisterError) as info:
        build_package(out=tmp_path / "out", sources_dir=frozen_sources)
    assert f"{pending} lists them" in str(info.value)
    rows = _rows(pending)
    assert rows[0] == curated.AGENCY_COLUMNS
    assert rows[1] == COMPLETED  # kept exactly, not replaced by an empty row to review
    assert [row[1] for row in rows[2:]] == ["市公安局"]
    assert rows[2][-1].startswith("TO REVIEW: named in task")
    # a second failed build adds nothing twice
    with pytest.raises(RegisterError):
        build_package(out=tmp_path / "out", sources_dir=frozen_sources)
    assert _rows(pending) == rows


def test_a_pending_file_that_cannot_be_merged_is_left_alone(frozen_sources: Path, tmp_path: Path) -> None:
    pending = frozen_sources / curated.PENDING_FILE
    pending.write_bytes(b"notes of my own, \xff not CSV of the register\n")
    with pytest.raises(RegisterError) as info:
        build_package(out=tmp_path / "out", sources_dir=frozen_sources)
    beside = frozen_sources / "agencies.pending.new.csv"
    assert f"{beside} lists them" in str(info.value)
    assert pending.read_bytes() == b"notes of my own, \xff not CSV of the register\n"
    assert [row[1] for row in _rows(beside)[1:]] == ["市公安局", "市水利局"]
