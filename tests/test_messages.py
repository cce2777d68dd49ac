"""Messages name the real cause: what a --source that is not a file is, the user's own file (never a
staged copy), and a unit name whose invisible or lookalike characters would print like another.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cqpolicy.cli import main
from cqpolicy.escape import name_in_message

HERE = Path(__file__).resolve().parent
RELEASED = HERE / "fixtures" / "released" / "1.2.0"
SOURCE = RELEASED / "sources" / "000_75cbbf2a9912bf4b.txt"
OFFICIAL = Path(__file__).resolve().parent / "fixtures" / "amended" / "official-form.txt"


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(RELEASED / "sources", target)
    return target


def _build(source: Path, sources: Path, tmp_path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["build", "--source", str(source), "--out", str(tmp_path / "out"), "--sources-dir", str(sources)],
    )
    return result.exit_code, result.stderr


def test_a_fifo_as_source_is_named_as_one(sources: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert _build(fifo, sources, tmp_path) == (
        2,
        f"error: {fifo}: the source must be a regular file (a text, .html, .docx or .pdf), not a FIFO "
        "(named pipe), which would block the reader\n",
    )


def test_dev_zero_as_source_is_named_as_a_device(sources: Path, tmp_path: Path) -> None:
    assert _build(Path("/dev/zero"), sources, tmp_path) == (
        2,
        "error: /dev/zero: the source must be a regular file (a text, .html, .docx or .pdf), not a "
        "character device (such as /dev/zero), which has no end\n",
    )


def test_a_five_million_character_line_names_the_users_file(tmp_path: Path, built_package: Path) -> None:
    """Through a release (which builds a staged copy) the message names the file given, not the copy."""
    repo = tmp_path / "repo"
    shutil.copytree(built_package, repo)
    shutil.copytree(RELEASED / "sources", repo / "sources")
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n", encoding="utf-8")
    lines = SOURCE.read_bytes().split(b"\n")
    lines[61] += "金".encode() * 5_000_000
    long = tmp_path / "long-line.txt"
    long.write_bytes(b"\n".join(lines))
    result = CliRunner().invoke(main, ["release", "--source", str(long), "--root", str(repo)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {long}, line 62: ")
    assert result.stderr.count("\n") == 1
    assert not [p for p in repo.iterdir() if p.name.startswith(".cqpolicy-")]


def test_a_unit_name_with_a_kangxi_radical_is_shown_escaped(sources: Path, tmp_path: Path) -> None:
    # The official form: a copy of the mirror text under another name is refused for its
    # artefacts before the register is read.
    text = OFFICIAL.read_text(encoding="utf-8")
    last = text.rindex("展改革委")
    kangxi = tmp_path / "kangxi.txt"
    kangxi.write_text(text[:last] + "展改\u2fb0委" + text[last + 4 :], encoding="utf-8")
    shutil.copy(OFFICIAL.with_suffix(".meta.json"), tmp_path / "kangxi.meta.json")
    code, stderr = _build(kangxi, sources, tmp_path)
    assert code == 1
    assert stderr.startswith(
        f"error: {kangxi}: 1 unit named in the annex, '市发展改\\u2fb0委' (contains a Kangxi radical, "
        "U+2FB0, that looks like 革) (task 49), is not in the agency register"
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("市发展改革委", "'市发展改革委'"),
        ("市发展改\u2fb0委", "'市发展改\\u2fb0委' (contains a Kangxi radical, U+2FB0, that looks like 革)"),
        ("市\u200b科技局", "'市\\u200b科技局' (contains an invisible character, U+200B (ZERO WIDTH SPACE))"),
        (
            "市科技局\u202e",
            "'市科技局\\u202e' (contains an invisible character, U+202E (RIGHT-TO-LEFT OVERRIDE))",
        ),
        (
            "\uf9d0科技局",
            "'\\uf9d0科技局' (contains a CJK compatibility ideograph, U+F9D0, that looks like 類)",
        ),
        ("市\u3000科技局", "'市\\u3000科技局' (contains an invisible character, U+3000 (IDEOGRAPHIC SPACE))"),
        ("a'b\\c", "'a\\'b\\\\c'"),
    ],
)
def test_name_in_message(name: str, shown: str) -> None:
    assert name_in_message(name) == shown
