"""The English translation: its rules, the build's join, the counts, the reading page and the diff.

The package-level check (`cqpolicy validate`) is shown failing in the fault catalogue
(tests/validate_faults.py, the translation-* and glossary-* faults); here the same rules are
shown on tiny pairs, and the build is shown refusing a missing, stale or broken translation.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cqpolicy.build import build_package
from cqpolicy.cli import main
from cqpolicy.diff.compare import diff_packages
from cqpolicy.diff.load import load_package_data
from cqpolicy.diff.model import Side
from cqpolicy.errors import RegisterError
from cqpolicy.publish.policy import escape, render_policy_page
from cqpolicy.translation import Pair, Term, glossary_problems, pair_problems

ROOT = Path(__file__).resolve().parent.parent
ISLE = Term("广阳岛", "Guangyang Isle", "iChongqing")


def checks(zh: str, en: str, glossary: tuple[Term, ...] = (ISLE,)) -> list[str]:
    return [p.check for p in pair_problems(Pair("tasks", "1", "text_en", zh, en), glossary)]


@pytest.mark.parametrize(
    ("zh", "en", "expected"),
    [
        ("规划范围168平方公里。", "A planning area of 168 square kilometers.", []),
        ("规划范围168平方公里。", "", ["translation-missing"]),
        ("规划范围168平方公里。", "A planning area of 16 square kilometers.", ["translation-number-missing"]),
        ("到2025年。", "By 2025.", []),
        ("到2025年。", "By 20251.", ["translation-number-missing"]),
        ("建设5G网络。", "Build 5G networks.", []),
        ("建设广阳岛。", "Build Guangyang Island.", ["translation-term-missing"]),
        (
            "建设广阳岛。",
            "Guangyang isle is built.",
            [],
        ),  # case does not matter: a rendering may start a sentence
        ("建设广阳岛。", "Build 广阳岛 Guangyang Isle.", ["translation-chinese-characters"]),
        ("建设。", "Build（it）.", ["translation-chinese-characters"]),  # full-width punctuation left over
        ("甲\n乙", "A B", ["translation-paragraphs"]),
        ("甲\n乙", "A\nB", []),
        ("", "", []),  # nothing to translate
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 25 else None,
)
def test_each_rule_holds_and_fails(zh: str, en: str, expected: list[str]) -> None:
    assert checks(zh, en) == expected


def test_messages_name_the_row_and_what_to_do() -> None:
    (problem,) = pair_problems(Pair("clauses", "5", "text_en", "建设广阳岛。", "Build it."), [ISLE])
    assert problem.message == (
        "clauses 5, text_en: the Chinese has 广阳岛 but the English lacks its glossary rendering "
        "'Guangyang Isle'; use it"
    )


@pytest.mark.parametrize(
    ("glossary", "expected"),
    [
        ([ISLE, Term("广阳湾", "Guangyang Bay", "iChongqing")], []),
        ([ISLE, Term("广阳岛", "Guangyang Island", "media")], ["glossary-term-ambiguous"]),
        ([ISLE, Term("广阳洲", "Guangyang Isle", "ours")], ["glossary-rendering-shared"]),
        ([Term("广阳岛", "Guangyang Isle", "")], ["glossary-basis-missing"]),
    ],
)
def test_glossary_gives_each_term_one_rendering(glossary: list[Term], expected: list[str]) -> None:
    assert [p.check for p in glossary_problems(glossary)] == expected


# --- the build -------------------------------------------------------------------------------------


def _rewrite(path: Path, change: object) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    change(rows)  # type: ignore[operator]  # a callable, typed loosely for the inline lambdas below
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _set(column: str, key: str, value: str, find: str = "", replace: str = "") -> object:
    def change(rows: list[dict[str, str]]) -> None:
        row = next(r for r in rows if next(iter(r.values())) == key)  # keyed by the first column
        row[column] = row[column].replace(find, replace) if find else value

    return change


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        (
            "task_texts.csv",
            lambda rows: rows.pop(2),
            "sources/translations/task_texts.csv has no translation of task 3 (its Chinese is new or "
            "changed); add a row translating it",
        ),
        (
            "document.csv",
            _set("text_zh", "preamble:1", "", "168", "169"),
            "sources/translations/document.csv, line 4: the translation of preamble paragraph 1 is stale "
            "(its text_zh is not the current Chinese); update text_zh and text_en together",
        ),
        (
            "task_texts.csv",
            _set("text_en", "3", "", "Relocate", "Relocate 项目"),
            "tasks 3, text_en contains Chinese characters or punctuation (目项); write them in English",
        ),
        (
            "document.csv",
            _set("text_en", "preamble:1", "", "168", "a hundred and sixty-eight"),
            "document 渝府〔2022〕5号, preamble_en (paragraph 1) lacks the number 168 of the Chinese; "
            "keep every number",
        ),
        (
            "glossary.csv",
            _set("term_en", "广阳岛", "Guangyang Island"),
            "the Chinese has 广阳岛 but the English lacks its glossary rendering 'Guangyang Island'",
        ),
    ],
    ids=["missing-row", "stale-row", "chinese-left", "number-dropped", "term-rendered-otherwise"],
)
def test_build_refuses_a_missing_stale_or_broken_translation(
    sources_copy: Path, tmp_path: Path, file: str, change: object, message: str
) -> None:
    _rewrite(sources_copy / "translations" / file, change)
    with pytest.raises(RegisterError) as caught:
        build_package(out=tmp_path / "out", sources_dir=sources_copy)
    assert message in str(caught.value).replace(str(sources_copy), "sources")
    assert not (tmp_path / "out" / "datapackage.json").exists()


def test_stale_row_is_named_when_the_chinese_changes(sources_copy: Path, tmp_path: Path) -> None:
    """Edit a task's Chinese in the source: the build names the task and the old row."""
    source = tmp_path / "amended.txt"
    text = (sources_copy / "000_75cbbf2a9912bf4b.txt").read_text(encoding="utf-8")
    # the annex's task 3, in the mirror's traditional characters: 有序迁建不符合区域功能定位的项目
    old = next(line for line in text.splitlines() if line.startswith("3 | 有序遷建"))
    source.write_text(text.replace(old, old.replace("有序遷建", "有序搬遷")), encoding="utf-8")
    (source.parent / "amended.corrections.csv").write_bytes(
        (sources_copy / "000_75cbbf2a9912bf4b.corrections.csv").read_bytes()
    )
    with pytest.raises(RegisterError) as caught:
        build_package(source=source, out=tmp_path / "out", sources_dir=sources_copy)
    message = str(caught.value)
    assert "has no translation of task 3 (its Chinese is new or changed)" in message
    assert "rows matching no current text (stale): " in message and "task_texts.csv, line 4" in message

    result = build_package(
        source=source, out=tmp_path / "out", sources_dir=sources_copy, allow_untranslated=True
    )
    assert result.warnings[0].startswith("no English: ") and "task 3" in result.warnings[0]
    assert result.warnings[1].startswith("translation rows matching no current text, remove them: ")
    with (tmp_path / "out" / "data" / "tasks.csv").open(encoding="utf-8", newline="") as handle:
        task3 = next(r for r in csv.DictReader(handle) if r["task_no"] == "3")
    assert task3["text_en"] == ""  # no stale English kept


def test_cli_build_names_the_file_and_exits_1(sources_copy: Path, tmp_path: Path) -> None:
    _rewrite(sources_copy / "translations" / "task_texts.csv", lambda rows: rows.pop(0))
    result = CliRunner().invoke(main, ["build", "--sources-dir", str(sources_copy), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "task_texts.csv has no translation of task 1" in result.stderr
    assert "Traceback" not in result.output


# --- counts, the reading page, the diff ------------------------------------------------------------


def _rows(root: Path, table: str) -> list[dict[str, str]]:
    with (root / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_everything_is_translated(built_package: Path) -> None:
    clauses, tasks = _rows(built_package, "clauses"), _rows(built_package, "tasks")
    (document,) = _rows(built_package, "document")
    assert sum(bool(r["text_en"]) for r in clauses) == len(clauses) == 28
    assert sum(bool(r["title_en"]) for r in clauses) == 28
    assert sum(bool(r["text_en"]) for r in tasks) == len(tasks) == 59
    assert document["preamble_en"].count("\n") == document["preamble"].count("\n")
    assert (
        document["annex_title_en"]
        == "Division of Tasks for Creating the Guangyang Bay Smart Innovation Eco-City"
    )
    assert "unofficial" not in document["title_en"].lower()
    assert next(r for r in clauses if r["clause_no"] == "23")["title_en"] == "Strengthen funding support"


@pytest.mark.data
def test_committed_reading_page_is_current() -> None:
    from cqpolicy.publish.policy import write_policy_page

    committed = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    fresh = ROOT / "docs" / "policy.md.check"
    try:
        write_policy_page(ROOT, fresh)
        assert fresh.read_text(encoding="utf-8") == committed, "run scripts/publish.py"
    finally:
        fresh.unlink(missing_ok=True)


def test_reading_page_shows_every_clause_and_task_in_both_languages(
    built_package: Path, tmp_path: Path
) -> None:
    from cqpolicy.publish.policy import write_policy_page

    write_policy_page(built_package, tmp_path / "policy.md")
    page = (tmp_path / "policy.md").read_text(encoding="utf-8")
    for clause in _rows(built_package, "clauses"):
        assert f"### {clause['label']}{clause['title']} · {escape(clause['title_en'])}" in page
    for task in _rows(built_package, "tasks"):
        assert f"- **任务 {task['task_no']} · Task {task['task_no']}** {escape(task['text'])}<br>" in page
        assert f"<br>{escape(task['text_en'])}<br>" in page
    assert "**南岸区 (Nan'an District People's Government), lead 牵头**" in page
    links = [line for line in page.splitlines() if "](" in line]
    assert links and all("](http" not in line and "](/" not in line for line in links)  # relative only


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Smart+ and Green+", "Smart+ and Green+"),
        ("a_b *c* [d](e) <script>", "a\\_b \\*c\\* \\[d\\](e) &lt;script&gt;"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("# not a heading | not a cell", "\\# not a heading \\| not a cell"),
    ],
)
def test_markdown_escape_shows_the_text_as_written(text: str, shown: str) -> None:
    assert escape(text) == shown


def test_reading_page_escapes_data(built_package: Path) -> None:
    tables: dict[str, list[dict[str, object]]] = {
        "document": [
            {
                "document_number": "X",
                "title": "标题",
                "title_en": "Title *bold*",
                "issuer": "I",
                "date_written": "2022-01-25",
                "addressees": "",
                "preamble": "",
                "preamble_en": "",
                "annex_title": "附件",
                "annex_title_en": "Annex",
            }
        ],
        "sections": [{"section_no": 1, "label": "一、", "title": "部分", "title_en": "Part"}],
        "clauses": [
            {
                "clause_no": 1,
                "label": "（一）",
                "section_no": 1,
                "title": "条",
                "text": "条。正文",
                "title_en": "Clause",
                "text_en": "Clause. <img src=x onerror=alert(1)>",
            }
        ],
        "tasks": [],
        "task_agencies": [],
        "agencies": [],
    }
    page = render_policy_page(tables)
    assert "**Title \\*bold\\***" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page


def test_translation_change_is_a_patch(built_package: Path, tmp_path: Path) -> None:
    changed = tmp_path / "changed"
    shutil.copytree(built_package, changed)
    path = changed / "data" / "tasks.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "Relocate, in an orderly way,", "Relocate in an orderly way"
        ),
        encoding="utf-8",
    )
    (changed / "data" / "tasks.parquet").unlink()  # the diff reads the CSV; a stale Parquet must not be used
    result = diff_packages(
        load_package_data(built_package, Side(source="old", kind="directory")),
        load_package_data(changed, Side(source="new", kind="directory")),
    )
    changes = [c for c in result.changes if c.table == "tasks"]
    assert [(c.kind, c.old_key, tuple(c.fields)) for c in changes] == [("modified", 3, ("text_en",))]
    assert result.suggested_bump == "patch"


def test_the_reading_page_marks_texts_without_english(tmp_path: Path) -> None:
    """A draft built from an untranslated amendment: the page says which texts lack English."""
    from cqpolicy.build import build_package
    from cqpolicy.publish.policy import NO_ENGLISH, write_policy_page

    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "draft"
    build_package(
        source=root / "tests" / "fixtures" / "amended" / "amended-2023.txt",
        out=out,
        sources_dir=root / "tests" / "fixtures" / "released" / "1.2.0" / "sources",
        allow_untranslated=True,
    )
    result = write_policy_page(out, tmp_path / "policy.md")
    page = result.path.read_text(encoding="utf-8")
    assert result.untranslated == page.count(NO_ENGLISH) - 1 > 0  # the banner names the marker once
    assert f"**{result.untranslated} texts have no English yet**" in page
    assert "no English yet" in result.summary() and "in Chinese and English" not in result.summary()
    assert " · \n" not in page and "<br><br>" not in page  # no empty heading half, no empty line
