"""A PDF's text layer may carry CJK radicals where the page shows ideographs: they are read back."""

from __future__ import annotations

import unicodedata

import pytest

from cqpolicy.intake.pdf import _radical_table, read_radicals


@pytest.mark.parametrize(
    ("layer", "page"),
    [
        ("（⼀）总体要求", "（一）总体要求"),  # Kangxi radical ONE, U+2F00: NFKC
        ("数字化⻋间", "数字化车间"),  # CJK radical C-SIMPLIFIED CART, U+2ECB: Unicode's table
        ("⻓江⻛景眼", "长江风景眼"),
        ("市发展改⾰委", "市发展改革委"),
        ("广阳湾", "广阳湾"),  # nothing to read back
    ],
)
def test_radicals_in_the_text_layer_are_read_as_the_ideographs(layer: str, page: str) -> None:
    chars = [{"text": c} for c in layer]
    seen: dict[str, str] = {}
    read_radicals(chars, seen)
    assert "".join(c["text"] for c in chars) == page
    assert seen == {a: b for a, b in zip(layer, page, strict=True) if a != b}


def test_the_radical_table_maps_the_supplement_to_unified_ideographs() -> None:
    table = _radical_table()
    assert len(table) == 114  # U+2E81..U+2EF3 less U+2E9A (unassigned) and U+2E80 (no equivalent)
    for radical, ideograph in table.items():
        assert 0x2E80 <= ord(radical) <= 0x2EFF
        assert "CJK UNIFIED IDEOGRAPH" in unicodedata.name(ideograph), (radical, ideograph)
