"""One rendering per glossary term across all the texts, and the English of the addressees and the note.

The glossary rule (``translation-term-missing``) is what keeps a term to one rendering: a text
whose Chinese holds the term must hold the glossary's rendering, so a text that renders it
another way fails. A term inside a longer glossary term is that term's business (longest
match), so neither a name that contains the term nor a listed different sense gives a false
failure. Shown here on tiny pairs, and on the frozen 1.2.0 sources, whose English still wrote
生态岛 two ways ("ecological isle", "Chongqing Ecological Island").
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from cqpolicy.build import build_package
from cqpolicy.errors import RegisterError
from cqpolicy.publish.policy import write_policy_page
from cqpolicy.translation import Pair, Term, occurs, problems

FROZEN = Path(__file__).resolve().parent / "fixtures" / "released" / "1.2.0" / "sources"

ISLAND = Term("生态岛", "ecological island", "iChongqing")
CQ_ISLAND = Term("重庆生态岛", "Chongqing Ecological Island", "iChongqing")
ECO = Term("生态环境", "eco-environment", "SCIO")
TALENT = Term("人才生态环境", "talent ecosystem", "ours")
CIRCLE = Term("双城经济圈", "twin-city economic circle", "Xinhua")
CY_CIRCLE = Term("成渝地区双城经济圈", "Chengdu-Chongqing Economic Circle", "iChongqing")


def found(pairs: list[Pair], glossary: list[Term]) -> list[tuple[str, str]]:
    return [(p.check, p.pair.key if p.pair else "") for p in problems(pairs, glossary)]


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("生态岛", "以广阳岛为生态岛", True),
        ("生态岛", "紧扣重庆生态岛定位", False),  # inside the longer term
        ("生态岛", "重庆生态岛，以广阳岛为生态岛", True),  # once inside, once on its own
        ("生态环境", "营造人才生态环境", False),
        ("生态环境", "高水平生态环境保护", True),
        ("生态环境", "没有这个词", False),
    ],
)
def test_a_term_occurs_only_outside_longer_glossary_terms(term: str, text: str, expected: bool) -> None:
    assert occurs(term, text, ["生态岛", "重庆生态岛", "生态环境", "人才生态环境"]) is expected


def test_a_second_rendering_of_a_term_fails_where_it_is_used() -> None:
    glossary = [ISLAND, CQ_ISLAND]
    pairs = [
        Pair(
            "clauses",
            "1",
            "text_en",
            "紧扣重庆生态岛定位。",
            "Follow the Chongqing Ecological Island positioning.",
        ),
        Pair("clauses", "5", "text_en", "以广阳岛为生态岛。", "With Guangyang Isle as the ecological isle."),
        Pair("tasks", "1", "text_en", "以广阳岛为生态岛。", "With Guangyang Isle as the ecological island."),
    ]
    assert found(pairs, glossary) == [("translation-term-missing", "5")]


@pytest.mark.parametrize(
    ("zh", "en", "glossary", "expected"),
    [
        # a different sense, listed as the longer word it occurs in: no false failure ...
        ("营造人才生态环境。", "Foster a talent ecosystem.", [ECO, TALENT], []),
        # ... and without that entry the check cannot tell, and fails
        ("营造人才生态环境。", "Foster a talent ecosystem.", [ECO], ["translation-term-missing"]),
        # the longer name's own rendering applies inside it; the short term is not demanded
        (
            "推动成渝地区双城经济圈建设。",
            "Build the Chengdu-Chongqing Economic Circle.",
            [CIRCLE, CY_CIRCLE],
            [],
        ),
        # but the longer name must still be rendered its way
        (
            "推动成渝地区双城经济圈建设。",
            "Build the Chengdu-Chongqing twin-city area.",
            [CIRCLE, CY_CIRCLE],
            ["translation-term-missing"],
        ),
        # the adjective form carries the rendering (compared without regard to case)
        ("以高水平生态环境保护推动发展。", "Eco-environmental protection drives development.", [ECO], []),
        (
            "以高水平生态环境保护推动发展。",
            "Ecological and environmental protection drives it.",
            [ECO],
            ["translation-term-missing"],
        ),
    ],
    ids=[
        "other-sense-listed",
        "other-sense-unlisted",
        "inside-longer-name",
        "longer-name-broken",
        "adjective",
        "second-rendering",
    ],
)
def test_longest_match_avoids_false_failures_only(
    zh: str, en: str, glossary: list[Term], expected: list[str]
) -> None:
    assert [check for check, _ in found([Pair("tasks", "1", "text_en", zh, en)], glossary)] == expected


# --- on the frozen 1.2.0 sources -------------------------------------------------------------------


@pytest.fixture
def frozen_copy(tmp_path: Path) -> Path:
    """A writable copy of the released 1.2.0 sources (its translations predate issue 19)."""
    target = tmp_path / "sources"
    shutil.copytree(FROZEN, target)
    return target


def _append(path: Path, *rows: list[str]) -> None:
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_build_refuses_a_term_rendered_two_ways(frozen_copy: Path, tmp_path: Path) -> None:
    """1.2.0 wrote 'the ecological isle' (clause 5, task 1) beside 'Chongqing Ecological Island'."""
    _append(frozen_copy / "translations" / "glossary.csv", ["生态岛", "ecological island", "iChongqing"])
    with pytest.raises(RegisterError) as caught:
        build_package(out=tmp_path / "out", sources_dir=frozen_copy)
    assert str(caught.value).endswith(
        "clauses 5, text_en: the Chinese has 生态岛 but the English lacks its glossary rendering "
        "'ecological island'; use it (1 more problem after it)"
    )
    assert not (tmp_path / "out" / "datapackage.json").exists()


def _document(out: Path) -> dict[str, str]:
    with (out / "data" / "document.csv").open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    return row


ADDRESSEES = "有关区人民政府，市政府有关部门，有关单位："
ADDRESSEES_EN = "The people's governments of the districts concerned, and the units concerned:"
NOTE_EN = "(This document is released to the public.)"


def test_sources_without_the_rows_still_build_with_the_english_empty(
    frozen_copy: Path, tmp_path: Path
) -> None:
    result = build_package(out=tmp_path / "out", sources_dir=frozen_copy)
    # The mirror's two trailing lines are named as page furniture; nothing else is warned of.
    assert [w for w in result.warnings if not w.startswith("dropped ")] == []
    document = _document(tmp_path / "out")
    assert (document["addressees"], document["addressees_en"], document["publication_note_en"]) == (
        ADDRESSEES,
        "",
        "",
    )


def test_addressees_and_note_get_their_english(frozen_copy: Path, tmp_path: Path) -> None:
    _append(
        frozen_copy / "translations" / "document.csv",
        ["addressees", ADDRESSEES, ADDRESSEES_EN, "test"],
        ["publication_note", "（此件公开发布）", NOTE_EN, "test"],
    )
    build_package(out=tmp_path / "out", sources_dir=frozen_copy)
    document = _document(tmp_path / "out")
    assert (document["addressees_en"], document["publication_note_en"]) == (ADDRESSEES_EN, NOTE_EN)
    page = write_policy_page(tmp_path / "out", tmp_path / "policy.md").path.read_text(encoding="utf-8")
    assert f"\n{ADDRESSEES}\n\n> {ADDRESSEES_EN}\n" in page
    assert f"\n（此件公开发布） · {NOTE_EN}\n" in page


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ["addressees", "有关区人民政府：", ADDRESSEES_EN, "stale"],
            "the translation of the addressee line is stale (its text_zh is not the current Chinese)",
        ),
        (
            ["addressees", ADDRESSEES, "有关 units:", "Chinese left"],
            "document 渝府〔2022〕5号, addressees_en contains Chinese characters or punctuation (关有)",
        ),
        (
            ["publication_note", "（此件公开发布）", "", "empty"],
            "the publication note has no English; fill in its text_en",
        ),
    ],
    ids=["stale", "chinese-left", "empty"],
)
def test_a_row_that_is_there_must_be_right(
    frozen_copy: Path, tmp_path: Path, row: list[str], message: str
) -> None:
    _append(frozen_copy / "translations" / "document.csv", row)
    with pytest.raises(RegisterError) as caught:
        build_package(out=tmp_path / "out", sources_dir=frozen_copy)
    assert message in str(caught.value)
