"""The build: complete, deterministic, atomic, and indifferent to the source's form and encoding."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FROZEN_SOURCES
from cqpolicy.build import build_package
from cqpolicy.cli import main
from cqpolicy.errors import CqpolicyError

SOURCES = FROZEN_SOURCES

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under root, by relative path."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def data_tables(root: Path) -> dict[str, str]:
    return {k: v for k, v in tree_digest(root).items() if k.startswith("data/")}


def test_rebuilding_changes_no_byte(built_package: Path, tmp_path: Path, sources_copy: Path) -> None:
    out = tmp_path / "out"
    build_package(out=out, sources_dir=sources_copy)
    assert tree_digest(out) == tree_digest(built_package)
    build_package(out=out, sources_dir=sources_copy)
    assert tree_digest(out) == tree_digest(built_package)


@pytest.mark.data
def test_shipped_package_is_what_the_sources_build(repo_package: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    built = tree_digest(repo_package)
    shipped = {k: v for k, v in tree_digest(root).items() if k.startswith("data/") or k in built}
    assert shipped == built, "run `make publish` and commit the result"


def test_build_leaves_only_the_package_behind(built_package: Path) -> None:
    names = sorted(p.relative_to(built_package).as_posix() for p in built_package.rglob("*") if p.is_file())
    assert [n for n in names if not n.startswith("data/")] == [
        ".zenodo.json",
        "CITATION.cff",
        "datapackage.json",
        "docs/dataset.jsonld",
    ]


def test_csv_files_are_utf8_lf_without_bom(built_package: Path) -> None:
    for path in (built_package / "data").glob("*.csv"):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), path.name
        assert b"\r" not in data, path.name
        data.decode("utf-8")
        assert data.endswith(b"\n")


def official_form(archived_lines: list[str]) -> str:
    """The archived source rewritten in the official form (what normalisation produces)."""
    return "\n".join(archived_lines).rstrip("\n") + "\n"


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda s: s.encode("utf-8"), id="utf-8"),
        pytest.param(
            lambda s: b"\xef\xbb\xbf" + s.replace("\n", "\r\n").encode("utf-8"), id="utf-8-bom-crlf"
        ),
        pytest.param(lambda s: s.encode("gb18030"), id="gb18030"),
    ],
)
def test_official_form_in_any_encoding_gives_identical_tables(
    encode,
    archived_lines: list[str],
    built_package: Path,
    sources_copy: Path,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    source = tmp_path / "official.txt"
    source.write_bytes(encode(official_form(archived_lines)))
    shutil.copy(sources_copy / "000_75cbbf2a9912bf4b.meta.json", tmp_path / "official.meta.json")
    out = tmp_path / "out"
    build_package(source=source, out=out, sources_dir=sources_copy)
    assert data_tables(out) == data_tables(built_package)


def test_mirror_form_in_gb18030_gives_identical_tables(
    built_package: Path, sources_copy: Path, tmp_path: Path
) -> None:
    raw = (sources_copy / "000_75cbbf2a9912bf4b.txt").read_text(encoding="utf-8")
    source = tmp_path / "000_75cbbf2a9912bf4b.txt"
    source.write_bytes(raw.replace("\n", "\r\n").encode("gb18030"))
    for suffix in (".meta.json", ".corrections.csv"):
        shutil.copy(
            sources_copy / f"000_75cbbf2a9912bf4b{suffix}", tmp_path / f"000_75cbbf2a9912bf4b{suffix}"
        )
    out = tmp_path / "out"
    build_package(source=source, out=out, sources_dir=sources_copy)
    assert data_tables(out) == data_tables(built_package)


BROKEN = [
    (
        "unknown-agency.txt",
        1,
        "1 unit named in the annex, '市不存在局' (task 2), is not in the agency register",
    ),
    ("duplicate-task-number.txt", 1, "line 20: task number 1 duplicates an earlier task number"),
    ("missing-task-number.txt", 1, "line 21: task number 4 skips task 3"),
    ("missing-clause.txt", 1, "line 11: clause （三） is missing: found （四） instead"),
    ("missing-annex.txt", 1, "the annex (附件) with the task table is missing"),
    ("empty.txt", 2, "the file is empty"),
    ("undecodable.bin.txt", 2, "the file is neither UTF-8 nor GB18030 text"),
    ("does-not-exist.txt", 2, "the source does not exist"),
]


@pytest.mark.parametrize(("fixture", "exit_code", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_source_fails_with_one_sentence_and_leaves_package_untouched(
    fixture: str, exit_code: int, message: str, built_package: Path, sources_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(built_package, out)
    before = tree_digest(out)
    result = CliRunner().invoke(
        main,
        ["build", "--source", str(FIXTURES / fixture), "--out", str(out), "--sources-dir", str(sources_copy)],
    )
    assert result.exit_code == exit_code
    assert message in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr  # one sentence, no traceback
    assert "Traceback" not in result.output
    assert tree_digest(out) == before
    assert sorted(p.name for p in out.iterdir()) == [
        ".zenodo.json",
        "CITATION.cff",
        "data",
        "datapackage.json",
        "docs",
    ]


def test_register_entry_removed_fails_naming_task_name_and_file(sources_copy: Path, tmp_path: Path) -> None:
    register = sources_copy / "agencies.csv"
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    register.write_text("".join(line for line in lines if ",市水利局," not in line), encoding="utf-8")
    with pytest.raises(CqpolicyError) as info:
        build_package(out=tmp_path / "out", sources_dir=sources_copy)
    assert "1 unit named in the annex, '市水利局' (task 23), is not in the agency register" in str(info.value)
    assert str(register) in str(info.value)
    pending = sources_copy / "agencies.pending.csv"
    assert str(pending) in str(info.value)
    assert pending.read_text(encoding="utf-8").splitlines() == [
        "agency_id,name_zh,aliases,full_name_zh,name_en,name_en_official,agency_type,level,note",
        ",市水利局,,,,false,,,TO REVIEW: named in task 23",
    ]
    assert not (tmp_path / "out" / "data").exists()


def test_minimal_official_source_builds_a_small_package(sources_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build_package(
        source=FIXTURES / "minimal-official.txt", out=out, sources_dir=sources_copy, allow_untranslated=True
    )
    assert result.counts == {"clauses": 3, "tasks": 3, "agencies": 6, "task_agencies": 7}
    tasks = (out / "data" / "tasks.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[1] for line in tasks[1:]] == ["2", "2", "3"]


def test_amended_source_inserting_a_task_renumbers_and_maps_it(
    archived_lines: list[str], sources_copy: Path, tmp_path: Path
) -> None:
    lines = official_form(archived_lines).splitlines()
    first_row = next(i for i, line in enumerate(lines) if line.startswith("1 | "))
    new_row = "1 | 加快建设铁路枢纽东环线，打通明月山东向交通瓶颈。 | 市交通局、市发展改革委 |"
    renumbered = [new_row] + [
        f"{int(line.split(' | ', 1)[0]) + 1} | {line.split(' | ', 1)[1]}" for line in lines[first_row:]
    ]
    source = tmp_path / "amended.txt"
    source.write_text("\n".join(lines[:first_row] + renumbered) + "\n", encoding="utf-8")
    result = build_package(
        source=source, out=tmp_path / "out", sources_dir=sources_copy, allow_untranslated=True
    )
    assert result.counts["tasks"] == 60
    rows = (tmp_path / "out" / "data" / "tasks.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("1,8,加快建设铁路枢纽东环线")  # mapped to clause （八）
    assert rows[2].startswith("2,5,以广阳岛为生态岛")


def test_cli_build_runs_as_a_program(sources_copy: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cqpolicy.cli",
            "build",
            "--out",
            str(tmp_path / "o"),
            "--sources-dir",
            str(sources_copy),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "built 渝府〔2022〕5号" in proc.stderr
    assert (tmp_path / "o" / "datapackage.json").is_file()


def test_build_refuses_to_replace_files_no_package_names(tmp_path: Path) -> None:
    """A build replaces data/ whole: a file of someone else's there would be lost, so it stops."""
    out = tmp_path / "out"
    (out / "data").mkdir(parents=True)
    (out / "data" / "mine.csv").write_text("k\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--sources-dir", str(SOURCES)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {out}: data/mine.csv belongs to no package here, and a build replaces data/ whole; "
        "move it out of data/ first\n"
    )
    assert sorted(p.name for p in out.rglob("*")) == ["data", "mine.csv"]


def test_build_refuses_to_overwrite_another_package(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "datapackage.json").write_text('{"name": "mine", "resources": []}', encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--sources-dir", str(SOURCES)])
    assert result.exit_code == 2
    assert "holds another package ('mine'), not 'cqpolicy-guangyang-bay'" in result.stderr
    assert (out / "datapackage.json").read_text(encoding="utf-8") == '{"name": "mine", "resources": []}'


def test_rebuilding_over_the_same_package_is_allowed(built_package: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(built_package, out)
    result = CliRunner().invoke(main, ["build", "--out", str(out), "--sources-dir", str(SOURCES)])
    assert result.exit_code == 0, result.output


def test_keywords_take_the_document_number_placeholder(sources_copy: Path, tmp_path: Path) -> None:
    """Like the title, a keyword can follow an amended text's number instead of naming 5号 for ever."""
    import json

    meta_path = sources_copy / "package.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["keywords"] = ["{document_number}", "policy"]
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    build_package(source=None, out=tmp_path / "out", sources_dir=sources_copy)
    descriptor = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["keywords"] == ["渝府〔2022〕5号", "policy"]
