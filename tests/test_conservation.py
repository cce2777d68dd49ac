"""The conservation proof: a region is its blocks and its named furniture, interleaved, or the build stops.

Small readings made by hand, each named after what it shows, and hypothesis over where a reader
might lose or add a character. ``check_conservation`` sees only a :class:`Publication`; no reader
is involved, so these fail only if the proof is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqpolicy.build.conservation import check_conservation
from cqpolicy.errors import InputError
from cqpolicy.intake import Block, Furniture, Publication

TITLE = "重庆市人民政府关于高质量创建广阳湾智创生态城的意见"
HEADER = f"12/3/26, 1:31 PM{TITLE}_重庆市人民政府网"
BODY = [
    "重庆市人民政府",
    "关于高质量创建广阳湾智创生态城的意见",
    "渝府〔2022〕5号",
    "有关区人民政府，市政府有关部门，有关单位：",
    "广阳湾智创生态城规划范围168平方公里，是重庆东部生态城的核心区、引领区。",
]


def publication(blocks: list[Block], furniture: list[Furniture], region: str) -> Publication:
    return Publication(
        path=Path("page.pdf"),
        form="pdf",
        raw=b"",
        blocks=tuple(blocks),
        region=region,
        furniture=tuple(furniture),
    )


def printed_page() -> tuple[list[Block], list[Furniture], str]:
    """A browser's print: a running header repeating the title, the site's name, the document, and
    the site's name again in the footer (a line of furniture equal to the title's first line)."""
    furniture = [
        Furniture(1, HEADER, "running header"),
        Furniture(2, "重庆市人民政府网", "before the document"),
        Furniture(99, "重庆市人民政府", "after the document"),
    ]
    blocks = [Block(at, text) for at, text in enumerate(BODY, start=3)]
    region = "\n".join([HEADER, "重庆市人民政府网", *BODY, "重庆市人民政府"])
    return blocks, furniture, region


def test_a_running_header_that_repeats_the_title_is_not_taken_for_the_title() -> None:
    # Reading block-first takes the header's 重庆市人民政府关于… for the title's first two lines;
    # reading furniture-first takes the title's 重庆市人民政府 for the footer's. The earlier greedy
    # proof tried only these two readings and refused this page.
    check_conservation(publication(*printed_page()), "page.pdf")


def test_furniture_inside_a_block_is_accounted_for() -> None:
    hidden = "（内部测试，不予公开）"
    cell = "加快建设铁路枢纽东环线，打通明月山东向交通瓶颈。"
    region = cell[:8] + hidden + cell[8:]
    check_conservation(publication([Block(1, cell)], [Furniture(1, hidden, "hidden")], region), "page.html")


def test_a_merged_cell_copy_may_stand_once() -> None:
    rows = [Block(1, "1 | 任务一。 | 市发展改革委", ("1", "任务一。", "市发展改革委")),
            Block(2, "2 | 任务二。 | 市发展改革委", ("2", "任务二。", "市发展改革委"))]  # fmt: skip
    region = "1 任务一。 市发展改革委\n2 任务二。"  # the merged cell stands once on the paper
    check_conservation(publication(rows, [], region), "annex.pdf")


@given(st.data())
def test_a_character_lost_anywhere_is_named_at_its_block(data: st.DataObject) -> None:
    blocks, furniture, region = printed_page()
    at = data.draw(st.integers(0, len(blocks) - 1))
    text = blocks[at].text
    han = [i for i, char in enumerate(text) if "\u4e00" <= char <= "\u9fff"]
    cut = data.draw(st.sampled_from(han))
    blocks[at] = Block(blocks[at].at, text[:cut] + text[cut + 1 :])
    with pytest.raises(InputError) as caught:
        check_conservation(publication(blocks, furniture, region), "page.pdf")
    assert "lost text" in str(caught.value) or "made up" in str(caught.value)
    # named at the block where the reading first goes wrong: the cut one, or (when the lost
    # character also ends the block before it) no later than it
    assert f"paragraph {blocks[at].at}:" in str(caught.value) or any(
        f"paragraph {n}:" in str(caught.value) for n in range(3, blocks[at].at + 1)
    )


@given(st.integers(0, len(BODY) - 1), st.sampled_from(list("的国政市")))
def test_a_character_made_up_anywhere_is_refused(at: int, extra: str) -> None:
    blocks, furniture, region = printed_page()
    blocks[at] = Block(blocks[at].at, blocks[at].text + extra)
    with pytest.raises(InputError, match=r"reader (made up|lost) text"):
        check_conservation(publication(blocks, furniture, region), "page.pdf")


def test_furniture_named_but_not_in_the_region_is_refused() -> None:
    blocks, furniture, region = printed_page()
    furniture.append(Furniture(9, "相关阅读", "after the annex"))
    with pytest.raises(InputError):
        check_conservation(publication(blocks, furniture, region), "page.pdf")


def test_a_long_block_is_proved_without_visiting_each_character() -> None:
    # five million characters in one paragraph: the search runs along it in strides
    text = "金" * 5_000_000 + "。"
    check_conservation(publication([Block(1, text)], [], text), "long.txt")
