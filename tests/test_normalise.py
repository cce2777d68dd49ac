"""The normaliser turns the mirror's artefacts into the official Simplified text, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqpolicy.build.normalise import Correction, apply_corrections, normalise_line, normalise_text
from cqpolicy.errors import InputError
from cqpolicy.intake.text import decode


@pytest.mark.parametrize(
    ("raw", "official"),
    [
        # pinyin annotations go, in ASCII or full-width parentheses
        ("關(guān)于高質(zhì)量", "关于高质量"),
        ("區(qū)（qū）", "区"),
        # real parentheses stay, converted to full-width
        ("國內生產總值(GDP)和生態系統生產總值(GEP)", "国内生产总值（GDP）和生态系统生产总值（GEP）"),
        ("落實創新產品首臺(套)政策", "落实创新产品首台（套）政策"),
        ("推動中國(重慶)自由貿易試驗區", "推动中国（重庆）自由贸易试验区"),
        ("積極打造零碳(低碳)建築", "积极打造零碳（低碳）建筑"),
        ("(一)指導思想。", "（一）指导思想。"),
        # ASCII punctuation between Chinese characters becomes full-width
        ("有關區人民政府,市政府有關部門,有關單位:", "有关区人民政府，市政府有关部门，有关单位："),
        ("甲;乙", "甲；乙"),
        # the ? artefacts go
        ("目????標(biāo)????任????務(wù)", "目标任务"),
        ("2022年1月25日?", "2022年1月25日"),
        # zero-width characters go
        ("建\u200b設", "建设"),
        # ASCII text outside Chinese context stays as it is
        ("5G, AI (x)", "5G, AI (x)"),
    ],
)
def test_normalise_line_gives_the_official_form(raw: str, official: str) -> None:
    assert normalise_line(raw) == official


def test_lowercase_latin_without_tone_mark_is_not_taken_for_pinyin() -> None:
    assert normalise_line("甲(abc)乙") == "甲（abc）乙"


def test_mirror_trailer_lines_become_empty_and_line_count_is_kept() -> None:
    text = "正文。\n本文鏈接:http://example.org/x.html\n本文關(guān)鍵詞: 重慶市"
    assert normalise_text(text) == ["正文。", "", ""]


@given(st.text(alphabet=st.sampled_from(list("關於區(guān)qūā),:;?（）甲乙GDP 5\u200b、，。")), max_size=40))
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalise_line(text)
    assert normalise_line(once) == once


def test_whole_archived_source_is_idempotent(archived_lines: list[str]) -> None:
    assert [normalise_line(line) for line in archived_lines] == archived_lines


def test_no_traditional_pinyin_or_question_marks_left_in_archived_source(archived_lines: list[str]) -> None:
    import re

    text = "\n".join(archived_lines)
    assert "?" not in text
    assert not re.search(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[)）]", text)
    assert not re.search(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]", text)
    for traditional in "關區質創廣陽灣態體發":
        assert traditional not in text


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda s: s.encode("utf-8"), id="utf-8"),
        pytest.param(lambda s: b"\xef\xbb\xbf" + s.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda s: s.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
        pytest.param(lambda s: s.encode("gb18030"), id="gb18030"),
        pytest.param(lambda s: s.replace("\n", "\r\n").encode("gb18030"), id="gb18030-crlf"),
    ],
)
def test_decode_accepts_each_encoding_and_line_ending(encode) -> None:  # type: ignore[no-untyped-def]
    text = "重慶市人民政府\n關(guān)于高質(zhì)量\n"
    assert decode(encode(text), "x.txt") == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"\xff\xfe\x00\x00", "UTF-16"),
        (b"\x81\x30\x81", "neither UTF-8 nor GB18030"),
        (b"abc\x00def", "NUL bytes"),
    ],
)
def test_decode_rejects_unusable_bytes_with_one_sentence(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        decode(data, "bad.txt")
    assert str(info.value).startswith("bad.txt")
    assert info.value.exit_code == 2


def test_correction_that_no_longer_matches_names_its_line() -> None:
    with pytest.raises(InputError, match=r"line 2: correction for line 2 expects 'xyz'"):
        apply_corrections(["a", "b"], [Correction(2, "xyz", "q", "why")], "c.csv")


def test_correction_replaces_exactly_its_text() -> None:
    assert apply_corrections(["甲??漆乙"], [Correction(1, "??漆", "专", "why")], "c.csv") == ["甲专乙"]
