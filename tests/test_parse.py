"""The parser finds the document's structure and numbering, and names the line of every break."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqpolicy.build.normalise import normalise_text
from cqpolicy.build.parse import Document, chinese_numeral, parse_document, split_units, to_chinese_numeral
from cqpolicy.errors import SourceError
from cqpolicy.intake.text import decode

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"


def parse_fixture(name: str) -> Document:
    path = FIXTURES / name
    return parse_document(normalise_text(decode(path.read_bytes(), path)), path)


def test_archived_source_has_the_documents_structure(archived_lines: list[str]) -> None:
    doc = parse_document(archived_lines)
    assert doc.document_number == "渝府〔2022〕5号"
    assert doc.title == "重庆市人民政府关于高质量创建广阳湾智创生态城的意见"
    assert doc.issuer == "重庆市人民政府"
    assert doc.date_written.isoformat() == "2022-01-25"
    assert doc.addressees == "有关区人民政府，市政府有关部门，有关单位："
    assert doc.annex_title == "创建广阳湾智创生态城任务分工"
    assert doc.publicly_released
    assert [len(doc.sections), len(doc.clauses), len(doc.tasks)] == [7, 28, 59]
    assert [c.clause_no for c in doc.clauses] == list(range(1, 29))
    assert [t.task_no for t in doc.tasks] == list(range(1, 60))


def test_clause_labels_titles_and_sections(archived_lines: list[str]) -> None:
    clauses = {c.clause_no: c for c in parse_document(archived_lines).clauses}
    assert (clauses[1].label, clauses[1].title, clauses[1].section_no) == ("（一）", "指导思想", 1)
    assert (clauses[5].label, clauses[5].title, clauses[5].section_no) == ("（五）", "厚植绿色生态本底", 2)
    assert (clauses[28].label, clauses[28].title, clauses[28].section_no) == ("（二十八）", "强化责任落实", 7)
    # a heading on its own line: the mirror's final 。 is dropped; paragraphs are kept
    assert clauses[2].text.startswith("工作原则\n坚持生态优先、绿色发展。")
    assert clauses[2].text.count("\n") == 4
    assert (clauses[2].line, clauses[2].line_end) == (10, 14)
    # the reviewed correction restores 专科医院
    assert "三级医院和专科医院" in clauses[26].text


def test_annex_cells_split_into_groups_and_positions(archived_lines: list[str]) -> None:
    task = parse_document(archived_lines).tasks[49]  # task 50: three groups
    assert task.units_raw == "重庆经开区，市委组织部、市人力社保局，广阳岛绿色发展公司"
    assert [(u.name, u.position, u.group_no) for u in task.units] == [
        ("重庆经开区", 1, 1),
        ("市委组织部", 2, 2),
        ("市人力社保局", 3, 2),
        ("广阳岛绿色发展公司", 4, 3),
    ]


def test_minimal_official_form_parses() -> None:
    doc = parse_fixture("minimal-official.txt")
    assert [len(doc.sections), len(doc.clauses), len(doc.tasks)] == [2, 3, 3]
    assert doc.clauses[0].text == "指导思想\n以生态文明思想为指导，建设生态文明。"


@pytest.mark.parametrize(
    ("fixture", "line", "message"),
    [
        ("duplicate-task-number.txt", 20, "task number 1 duplicates an earlier task number"),
        ("missing-task-number.txt", 21, "task number 4 skips task 3"),
        ("missing-clause.txt", 11, "clause （三） is missing: found （四） instead"),
        ("missing-annex.txt", 15, "the annex (附件) with the task table is missing"),
        ("missing-document-number.txt", 3, "no document number"),
        ("empty-units-cell.txt", 19, "task 1 has no responsible units"),
        ("unit-listed-twice.txt", 19, "lists '南岸区' twice"),
    ],
)
def test_broken_structure_names_the_line(fixture: str, line: int | None, message: str) -> None:
    with pytest.raises(SourceError, match=re.escape(message)) as info:
        parse_fixture(fixture)
    assert info.value.line == line
    assert info.value.exit_code == 1


@given(st.integers(min_value=1, max_value=99))
def test_chinese_numerals_round_trip(value: int) -> None:
    assert chinese_numeral(to_chinese_numeral(value)) == value


@pytest.mark.parametrize(
    ("text", "value"), [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("二十八", 28)]
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert chinese_numeral(text) == value


@given(
    st.lists(
        st.lists(st.text(alphabet="市区局委甲乙丙", min_size=1, max_size=6), min_size=1, max_size=4),
        min_size=1,
        max_size=4,
    )
)
def test_split_units_inverts_joining(groups: list[list[str]]) -> None:
    names = [name for group in groups for name in group]
    if len(set(names)) != len(names):
        return  # a repeated unit is an error, tested above
    cell = "，".join("、".join(group) for group in groups)
    units = split_units(cell, path="x", line=1)
    assert [u.name for u in units] == names
    assert [u.position for u in units] == list(range(1, len(names) + 1))
    assert [u.group_no for u in units] == [g for g, group in enumerate(groups, 1) for _ in group]
