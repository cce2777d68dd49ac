"""Tasks map to clauses by text similarity; overrides win; doubtful matches are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from cqpolicy.build import build_package
from cqpolicy.build.mapping import map_tasks
from cqpolicy.build.parse import Clause, Task, parse_document
from cqpolicy.errors import RegisterError


def clause(no: int, text: str) -> Clause:
    return Clause(no, f"（{no}）", 1, text.split("。")[0], text, no, no)


def task(no: int, text: str) -> Task:
    return Task(no, text, "甲", (), 100 + no)


CLAUSES = [
    clause(1, "发展绿色交通。建设铁路枢纽东环线，提升多式联运水平。"),
    clause(2, "优化环境治理。加快建立生活垃圾分类收运网络。"),
]


def test_quoted_task_maps_to_its_clause_with_full_score() -> None:
    [match] = map_tasks([task(1, "加快建立生活垃圾分类收运网络。")], CLAUSES, {})
    assert (match.clause_no, match.score, match.method, match.low_confidence) == (2, 1.0, "similarity", False)


def test_unrelated_task_is_low_confidence() -> None:
    [match] = map_tasks([task(1, "支持学前教育高质量办学。")], CLAUSES, {})
    assert match.low_confidence


def test_override_wins_and_is_not_reported() -> None:
    [match] = map_tasks([task(1, "加快建立生活垃圾分类收运网络。")], CLAUSES, {1: (1, "reviewed")})
    assert (match.clause_no, match.method, match.low_confidence) == (1, "override", False)


def test_override_naming_a_missing_clause_is_an_error() -> None:
    with pytest.raises(RegisterError, match="override of task 1 to clause 9"):
        map_tasks([task(1, "x")], CLAUSES, {1: (9, "reviewed")})


def test_every_archived_task_maps_confidently(archived_lines: list[str]) -> None:
    doc = parse_document(archived_lines)
    matches = map_tasks(doc.tasks, doc.clauses, {})
    assert not [m.task_no for m in matches if m.low_confidence]
    assert {m.task_no: m.clause_no for m in matches}[52] == 26  # needs the 专科医院 correction


def test_build_reports_low_confidence_and_honours_overrides(sources_copy: Path, tmp_path: Path) -> None:
    source = Path(__file__).parent / "fixtures" / "sources" / "minimal-official.txt"
    text = source.read_text(encoding="utf-8").replace(
        "3 | 打造国家绿色生态城区，推广绿色节能技术示范应用。", "3 | 完善社会保险关系转移接续政策。"
    )
    amended = tmp_path / "amended.txt"
    amended.write_text(text, encoding="utf-8")
    result = build_package(
        source=amended, out=tmp_path / "a", sources_dir=sources_copy, allow_untranslated=True
    )
    mapping = [w for w in result.warnings if " maps to clause " in w]  # the rest: untranslated text
    assert len(mapping) == 1
    assert mapping[0].startswith("task 3 maps to clause")
    assert "task_clause_overrides.csv" in mapping[0]

    (sources_copy / "task_clause_overrides.csv").write_text(
        "task_no,clause_no,reason\n3,3,reviewed: belongs with public services\n", encoding="utf-8"
    )
    result = build_package(
        source=amended, out=tmp_path / "b", sources_dir=sources_copy, allow_untranslated=True
    )
    assert [w for w in result.warnings if " maps to clause " in w] == []
    row = (tmp_path / "b" / "data" / "tasks.csv").read_text(encoding="utf-8").splitlines()[3]
    assert row.startswith("3,3,") and ",override," in row
