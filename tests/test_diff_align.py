"""The pieces of the diff: row alignment, inline text differences, the bump rule, schema changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from cqpolicy.diff.align import DEFAULT_THRESHOLD, align
from cqpolicy.diff.bump import bump_version
from cqpolicy.diff.compare import PackageData, diff_packages
from cqpolicy.diff.inline import Segment, elide, inline_diff
from cqpolicy.diff.model import Side
from cqpolicy.errors import RegisterError
from cqpolicy.similarity import bigrams, jaccard

ROOT = Path(__file__).resolve().parent.parent

TEXTS = [
    "完善绿色能源供应体系，加大清洁能源开发利用力度。",
    "加快建设铁路枢纽东环线，打通明月山东向交通瓶颈。",
    "推进广阳湾金融科技城建设，支持区域内绿色金融高质量发展。",
    "创建高水平三级医院和专科医院、国际医疗服务中心。",
]


def test_identical_rows_pair_exactly_even_when_renumbered() -> None:
    result = align([1, 2, 3, 4], [1, 2, 3, 4, 5], TEXTS, ["新增的任务文本，与其他任务无关。", *TEXTS])
    assert result.pairs == ((0, 1, "exact"), (1, 2, "exact"), (2, 3, "exact"), (3, 4, "exact"))
    assert result.added == (0,) and result.removed == ()


def test_edited_row_pairs_by_similarity() -> None:
    edited = "加快建设铁路枢纽东环线和货运环线，打通明月山东向交通瓶颈。"
    result = align([1, 2], [1, 2], TEXTS[:2], [TEXTS[0], edited])
    assert result.pairs == ((0, 0, "exact"), (1, 1, "similar"))


def test_row_rewritten_beyond_recognition_pairs_by_key() -> None:
    result = align([1, 2], [1, 2], TEXTS[:2], [TEXTS[0], "完全不同的内容"])
    assert result.pairs == ((0, 0, "exact"), (1, 1, "key"))


def test_rewritten_and_renumbered_row_is_removed_and_added() -> None:
    result = align([1, 2], [1, 3], TEXTS[:2], [TEXTS[0], "完全不同的内容"])
    assert result.removed == (1,) and result.added == (1,)


def test_duplicate_texts_pair_by_key_then_in_order() -> None:
    same = "同一文本"
    result = align([1, 2, 3], [2, 3, 4], [same, same, same], [same, same, same])
    assert sorted(result.pairs) == [(0, 2, "exact"), (1, 0, "exact"), (2, 1, "exact")]


def test_alignment_is_symmetric() -> None:
    old_texts = [*TEXTS, "统筹布局国际人才社区、国际酒店。"]
    new_texts = [
        "新增任务。",
        TEXTS[0],
        TEXTS[1] + "全面提升。",
        TEXTS[3],
        "统筹布局国际人才社区、国际酒店、国际展馆。",
    ]
    forward = align([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], old_texts, new_texts)
    backward = align([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], new_texts, old_texts)
    assert sorted((o, n) for o, n, _ in forward.pairs) == sorted((n, o) for o, n, _ in backward.pairs)
    assert forward.removed == backward.added and forward.added == backward.removed


def test_different_tasks_of_the_policy_score_well_below_the_threshold(built_package: Path) -> None:
    from cqpolicy.diff.load import load_package_data

    tasks = load_package_data(built_package, Side("p", "directory")).tables["tasks"]
    grams = [bigrams(row[tasks.columns.index("text")]) for row in tasks.rows]
    best = max(jaccard(a, b) for i, a in enumerate(grams) for b in grams[i + 1 :])
    assert best < 0.2 < DEFAULT_THRESHOLD


def test_similarity_pass_does_not_compare_all_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a few percent of rows edited among thousands, similarity is computed about once per edit."""
    calls = 0
    real = jaccard

    def counting(a: frozenset[str], b: frozenset[str]) -> float:
        nonlocal calls
        calls += 1
        return real(a, b)

    monkeypatch.setattr("cqpolicy.diff.align.jaccard", counting)
    n = 4000
    # Distinct texts from a large alphabet, as distinct as real task texts.
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    texts = [
        "".join(alphabet[(i * 7 + j * 13) % len(alphabet)] for j in range(30)) + str(i) for i in range(n)
    ]
    edited = [t + "修订" if i % 25 == 0 else t for i, t in enumerate(texts)]  # 4 % edited
    result = align(list(range(n)), list(range(n)), texts, edited)
    assert len(result.pairs) == n
    assert calls < 5 * (n // 25)  # all pairs among the 160 edited rows alone would be 25,600


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "完善绿色能源供应体系",
            "完善清洁能源供应体系",
            [("=", "完善"), ("-", "绿色"), ("+", "清洁"), ("=", "能源供应体系")],
        ),
        (
            "加快建设铁路枢纽东环线，打通",
            "加快建设铁路枢纽东环线和货运环线，打通",
            [("=", "加快建设铁路枢纽东环线"), ("+", "和货运环线"), ("=", "，打通")],
        ),
        ("江北区、南岸区、两江新区", "江北区、南岸区", [("=", "江北区、南岸区"), ("-", "、两江新区")]),
        ("同", "同", [("=", "同")]),
        ("", "新", [("+", "新")]),
    ],
)
def test_inline_diff_marks_whole_words_in_chinese(
    old: str, new: str, expected: list[tuple[str, str]]
) -> None:
    segments = inline_diff(old, new)
    assert segments == expected
    assert "".join(t for op, t in segments if op != "+") == old
    assert "".join(t for op, t in segments if op != "-") == new


def test_short_unchanged_runs_between_edits_are_folded() -> None:
    # 发展 / 构建 and 交通 / 交通体系 are two edits two characters apart: shown as one.
    assert inline_diff("加快发展绿色交通。", "加快构建绿色交通体系。") == [
        ("=", "加快"),
        ("-", "发展"),
        ("+", "构建"),
        ("=", "绿色交通"),
        ("+", "体系"),
        ("=", "。"),
    ]


def test_elide_keeps_context_around_edits() -> None:
    segments: list[Segment] = [("=", "一" * 40), ("+", "新"), ("=", "二" * 40)]
    assert elide(segments, context=3) == [("=", "…一一一"), ("+", "新"), ("=", "二二二…")]


@pytest.mark.parametrize(
    ("version", "bump", "expected"),
    [
        ("1.0.0", "major", "2.0.0"),
        ("1.0.0", "minor", "1.1.0"),
        ("1.0.0", "patch", "1.0.1"),
        ("1.4.2", "minor", "1.5.0"),
        ("1.2.0-rc.1", "patch", "1.2.1"),
        ("1.0.0", "none", "1.0.0"),
    ],
)
def test_bump_version(version: str, bump: Any, expected: str) -> None:
    assert bump_version(version, bump) == expected


def test_bump_refuses_a_version_that_is_not_semver() -> None:
    with pytest.raises(RegisterError, match=r"'1\.0' is not a SemVer version"):
        bump_version("1.0", "patch")


# --- schema and metadata changes and their impact -------------------------------------------------


@pytest.fixture(scope="module")
def descriptor(built_package: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    return data


def _resource(descriptor: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in descriptor["resources"] if r["name"] == name)


def _field(descriptor: dict[str, Any], resource: str, name: str) -> dict[str, Any]:
    return next(f for f in _resource(descriptor, resource)["schema"]["fields"] if f["name"] == name)


def _edit_remove_field(d: dict[str, Any]) -> None:
    for name in ("tasks", "tasks-parquet"):
        fields = _resource(d, name)["schema"]["fields"]
        fields[:] = [f for f in fields if f["name"] != "clause_match_score"]


def _edit_retype(d: dict[str, Any]) -> None:
    _field(d, "tasks", "source_line")["type"] = "string"


def _edit_key(d: dict[str, Any]) -> None:
    _resource(d, "task_agencies")["schema"]["primaryKey"] = ["task_no", "position"]


def _edit_add_field(d: dict[str, Any]) -> None:
    _resource(d, "tasks")["schema"]["fields"].append({"name": "note", "type": "string"})


def _edit_add_resource(d: dict[str, Any]) -> None:
    d["resources"].append({"name": "notes", "path": "data/notes.csv", "schema": {"fields": []}})


def _edit_description(d: dict[str, Any]) -> None:
    _field(d, "tasks", "text")["description"] = "Reworded."
    _field(d, "tasks-parquet", "text")["description"] = "Reworded."


def _edit_enum(d: dict[str, Any]) -> None:
    _field(d, "agencies", "level")["constraints"]["enum"].append("village")


def _edit_hash(d: dict[str, Any]) -> None:
    _resource(d, "tasks")["hash"] = "sha256:" + "0" * 64
    _resource(d, "tasks")["bytes"] = 1


def _edit_status(d: dict[str, Any]) -> None:
    d["document"]["status"] = "repealed"


def _edit_keywords(d: dict[str, Any]) -> None:
    d["keywords"].append("new keyword")


@pytest.mark.parametrize(
    ("edit", "expected", "bump"),
    [
        (_edit_remove_field, [("removed", ("tasks", "clause_match_score"), None)], "major"),
        (_edit_retype, [("modified", ("tasks", "source_line"), ("type",))], "major"),
        (_edit_key, [("modified", "task_agencies", ("primaryKey",))], "major"),
        (_edit_add_field, [("added", None, ("tasks", "note"))], "minor"),
        (_edit_add_resource, [("added", None, "notes")], "minor"),
        (_edit_enum, [("modified", ("agencies", "level"), ("constraints",))], "minor"),
        (_edit_description, [("modified", ("tasks", "text"), ("description",))], "patch"),
        (_edit_hash, [], "none"),
        (_edit_status, [("modified", "document", ("status",))], "minor"),
        (_edit_keywords, [("modified", "package", ("keywords",))], "patch"),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_schema_and_metadata_changes_and_their_bump(
    descriptor: dict[str, Any], edit: Any, expected: list[tuple[Any, ...]], bump: str
) -> None:
    new = copy.deepcopy(descriptor)
    edit(new)
    result = diff_packages(
        PackageData(Side("a", "directory"), descriptor), PackageData(Side("b", "directory"), new)
    )
    found: list[tuple[Any, ...]] = []
    for change in result.changes:
        if change.kind in ("added", "removed"):
            found.append((change.kind, change.old_key, change.new_key))
        else:
            found.append((change.kind, change.old_key, tuple(sorted(change.fields))))
    assert found == expected
    assert result.suggested_bump == bump
