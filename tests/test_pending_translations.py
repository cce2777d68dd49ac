"""The translation step as a file the maintainer fills: ``sources/translations/pending.csv``.

A copy of the frozen 1.2.0 sources is built with the fictional amendment
``tests/fixtures/amended/amended-2023.txt``, whose English is in
``tests/fixtures/amended/translations/`` (what a translator would write).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cqpolicy.build.pending import COLUMNS, KINDS, PendingRow, absorbed_files, english_refusal
from cqpolicy.cli import main

HERE = Path(__file__).resolve().parent
FROZEN = HERE / "fixtures" / "released" / "1.2.0" / "sources"
AMENDED = HERE / "fixtures" / "amended"


def english_of_the_fixture() -> dict[str, str]:
    """Chinese → English of the amendment's new texts, as the fixture's translator wrote them."""
    out = {}
    for path in sorted((AMENDED / "translations").glob("*.csv")):
        for row in csv.DictReader(path.open(encoding="utf-8")):
            out[row.get("text_zh") or row["title_zh"]] = row.get("text_en") or row["title_en"]
    return out


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8", newline="")))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def build(root: Path) -> tuple[int, str]:
    done = CliRunner().invoke(
        main,
        [
            "build",
            "--source",
            str(root / "amended-2023.txt"),
            "--sources-dir",
            str(root / "sources"),
            "--out",
            str(root),
        ],
    )
    return done.exit_code, done.stderr


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A repository with the frozen sources and the amendment beside them, after the first build."""
    shutil.copytree(FROZEN, tmp_path / "sources")
    for name in ("amended-2023.txt", "amended-2023.meta.json"):
        shutil.copy2(AMENDED / name, tmp_path / name)
    code, _ = build(tmp_path)
    assert code == 1
    return tmp_path


def pending_path(root: Path) -> Path:
    return root / "sources" / "translations" / "pending.csv"


def test_a_build_lists_every_text_without_english(root: Path) -> None:
    rows = read_rows(pending_path(root))
    english = english_of_the_fixture()
    # Every text the fixture's translator had to translate is listed, and nothing else.
    assert sorted(row["text_zh"] for row in rows) == sorted(english)
    assert all(row["text_en"] == "" and row["kind"] in KINDS for row in rows)
    # A changed clause carries its previous wording and English as a draft.
    clause = next(row for row in rows if row["kind"] == "clause_text" and row["previous_text_zh"])
    assert clause["previous_text_en"] and clause["previous_text_zh"] != clause["text_zh"]


def test_the_refusal_names_pending_csv_and_exits_1(tmp_path: Path) -> None:
    shutil.copytree(FROZEN, tmp_path / "sources")
    shutil.copy2(AMENDED / "amended-2023.txt", tmp_path / "amended-2023.txt")
    shutil.copy2(AMENDED / "amended-2023.meta.json", tmp_path / "amended-2023.meta.json")
    code, stderr = build(tmp_path)
    count = len(read_rows(pending_path(tmp_path)))
    assert code == 1
    assert stderr.endswith(
        f" (its Chinese is new or changed) ({count - 1} more text(s) like it); {pending_path(tmp_path)} "
        "lists each text without English: fill in its text_en (previous_text_en is the old English, a draft "
        "to start from) and run the command again\n"
    )
    assert stderr.count("\n") == 1


def test_filled_rows_are_taken_into_the_translation_files(root: Path) -> None:
    english = english_of_the_fixture()
    rows = read_rows(pending_path(root))
    write_rows(pending_path(root), [{**row, "text_en": english[row["text_zh"]]} for row in rows])
    code, stderr = build(root)
    assert code == 0, stderr
    assert read_rows(pending_path(root)) == []
    # The warning names no row the build just replaced (the same lines hold the new rows now).
    first_stale = [line for line in stderr.splitlines() if "matching no current text" in line]
    assert "clause_texts.csv" not in "".join(first_stale)
    translations = root / "sources" / "translations"
    for row in rows:
        file, _columns, zh, en = KINDS[row["kind"]]
        taken = [r for r in read_rows(translations / file) if r[zh] == row["text_zh"]]
        assert [r[en] for r in taken] == [english[row["text_zh"]]]
    # The next build has nothing to take in and changes no translation file.
    before = {p.name: p.read_bytes() for p in translations.glob("*.csv")}
    code, stderr = build(root)
    assert code == 0, stderr
    assert {p.name: p.read_bytes() for p in translations.glob("*.csv")} == before
    # The rows of the previous wordings were replaced; only a removed task's row is left to remove.
    stale = [line for line in stderr.splitlines() if "matching no current text" in line]
    assert "clause_texts.csv" not in "".join(stale) and "".join(stale).count("task_texts.csv") <= 1


def test_a_failed_build_keeps_every_row_the_maintainer_filled(root: Path) -> None:
    english = english_of_the_fixture()
    rows = read_rows(pending_path(root))
    filled = [{**row, "text_en": english[row["text_zh"]]} for row in rows[:1]] + rows[1:]
    write_rows(pending_path(root), filled)
    before = {p.name: p.read_bytes() for p in (root / "sources" / "translations").glob("*.csv")}
    code, _ = build(root)
    assert code == 1
    kept = read_rows(pending_path(root))
    assert filled[0] in kept and len(kept) == len(rows)
    after = {p.name: p.read_bytes() for p in (root / "sources" / "translations").glob("*.csv")}
    assert {k: v for k, v in after.items() if k != "pending.csv"} == {
        k: v for k, v in before.items() if k != "pending.csv"
    }


REFUSED = [
    ("placeholder", "TODO translate", "", "task 7's text_en holds the placeholder 'TODO', not English; "
     "write the translation of its text_zh (previous_text_en is a draft to start from)"),
    ("translate", "translate", "", "task 7's text_en holds the placeholder 'translate', not English; "
     "write the translation of its text_zh (previous_text_en is a draft to start from)"),
    ("daiyi", "Build green parks 待译", "", "task 7's text_en holds the placeholder '待译', not English; "
     "write the translation of its text_zh (previous_text_en is a draft to start from)"),
    ("chinese", "Build green parks in 广阳湾 with care and at scale", "",
     "task 7's text_en contains Chinese characters or punctuation (广湾阳); write them in English"),
    ("unchanged", "Build green parks and wetlands across the whole bay area.", "",
     "task 7's text_en is the previous English unchanged, but the Chinese changed; translate the new "
     "text_zh, or write yes in reviewed if the previous English still says exactly what it says"),
    ("too-short", "Parks.", "", "task 7's text_en has 6 characters for 14 of Chinese (0.4 per character; "
     "translations of this policy have 2 to 12); is part of it missing?"),
    ("too-long", "Build parks. " * 14, "", "task 7's text_en has 181 characters for 14 of Chinese (12.9 per "
     "character; translations of this policy have 2 to 12); does it hold more than this text?"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("english", "reviewed", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_what_is_refused_as_english(english: str, reviewed: str, message: str) -> None:
    row = PendingRow(
        "task_text",
        "7",
        "建设绿色公园和全域湿地系统。",
        previous_text_zh="建设绿色公园和湿地。",
        previous_text_en="Build green parks and wetlands across the whole bay area.",
        text_en=english,
        reviewed=reviewed,
    )
    assert english_refusal(row) == message


def test_the_previous_english_passes_when_the_row_says_it_was_reviewed() -> None:
    row = PendingRow(
        "task_text",
        "7",
        "建设绿色公园和全域湿地系统。",
        previous_text_zh="建设绿色公园和湿地。",
        previous_text_en="Build green parks and wetlands across the whole bay area.",
        text_en="Build green parks and wetlands across the whole bay area.",
        reviewed="yes",
    )
    assert english_refusal(row) is None


def test_a_refused_row_fails_the_build_naming_its_line(root: Path) -> None:
    rows = read_rows(pending_path(root))
    rows[1]["text_en"] = "TODO translate"
    write_rows(pending_path(root), rows)
    code, stderr = build(root)
    assert code == 1
    what = PendingRow(rows[1]["kind"], rows[1]["key"], rows[1]["text_zh"]).describe()
    assert stderr.startswith(
        f"error: {pending_path(root)}, line 3: {what}'s text_en holds the placeholder 'TODO'"
    )
    assert read_rows(pending_path(root))[1]["text_en"] == "TODO translate"


def test_translation_files_are_rewritten_byte_for_byte() -> None:
    """Taking in a row identical to one already there changes no byte of the file."""
    for kind, (file, columns, zh, en) in KINDS.items():
        path = FROZEN / "translations" / file
        first = next(csv.DictReader(path.open(encoding="utf-8", newline="")))
        key = "" if columns[0] == zh else first[columns[0]]
        row = PendingRow(kind, key, first[zh], text_en=first[en], note=first["note"])
        assert absorbed_files(FROZEN / "translations", [row], set())[file] == path.read_bytes(), kind


def test_a_draft_built_elsewhere_leaves_the_sources_alone(tmp_path: Path) -> None:
    shutil.copytree(FROZEN, tmp_path / "sources")
    before = {p.name: p.read_bytes() for p in (tmp_path / "sources" / "translations").iterdir()}
    done = CliRunner().invoke(
        main,
        [
            "build",
            "--source",
            str(AMENDED / "amended-2023.txt"),
            "--sources-dir",
            str(tmp_path / "sources"),
            "--out",
            str(tmp_path / "draft"),
            "--allow-untranslated",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "no English: " in done.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "sources" / "translations").iterdir()} == before
