"""The annex reader tells a row's continuation from a row spanning the table.

A row a PDF or a browser breaks across pages reaches the annex reader as a second row whose
first cell is empty; when only the task cell goes on (the units cell ended on the first page),
just one of its cells is filled, as in a category row spanning the table. These small tables
are made by hand; each shows one case.
"""

from __future__ import annotations

from cqpolicy.build.annex import Annex, read_annex
from cqpolicy.intake import Block

HEADER = ("序号", "目标任务", "责任单位")


def annex(*rows: tuple[str, ...]) -> Annex:
    blocks = [Block(1, " | ".join(HEADER), HEADER)]
    blocks += [Block(n, " | ".join(cells), cells) for n, cells in enumerate(rows, start=2)]
    return Annex("附件", "创建广阳湾智创生态城任务分工", tuple(blocks), 1)


def test_a_continuation_with_only_its_task_cell_is_joined_to_the_row_above() -> None:
    tasks = read_annex(
        annex(
            ("1", "打造区域智慧城市大数据资源中心和城市大脑综合服务平", "市大数据发展局"),
            ("", "台。", ""),
            ("2", "加快布局新型基础设施。", "市发展改革委"),
        ),
        "annex.pdf",
    )
    assert [task.text for task in tasks] == [
        "打造区域智慧城市大数据资源中心和城市大脑综合服务平台。",
        "加快布局新型基础设施。",
    ]
    assert [task.category for task in tasks] == [None, None]


def test_a_continuation_with_only_its_units_cell_is_joined_to_the_row_above() -> None:
    tasks = read_annex(
        annex(("1", "加快布局新型基础设施。", "市发展改革委、市大数据"), ("", "", "发展局")), "annex.pdf"
    )
    assert tasks[0].units_raw == "市发展改革委、市大数据发展局"


def test_a_row_spanning_the_table_from_its_first_cell_is_a_category() -> None:
    tasks = read_annex(
        annex(
            ("一、绿色发展", "一、绿色发展", "一、绿色发展"), ("1", "加快布局新型基础设施。", "市发展改革委")
        ),
        "annex.pdf",
    )
    assert [task.category for task in tasks] == ["一、绿色发展"]


def test_a_pdf_marks_the_task_tables_header_repeated_not_the_first_table_row() -> None:
    from cqpolicy.intake.pdf import _Item, _mark_header_rows

    def row(page: int, *cells: str) -> _Item:
        return _Item(page, 0.0, " | ".join(cells), tuple(cells))

    items = [
        row(1, "索引号：", "11500000009275780L/2022-00032"),  # a ruled metadata table comes first
        row(7, *HEADER),
        row(7, "36", "打造城市大脑综合服务平", "市大数据发展局"),
        row(8, *HEADER),  # Chromium repeats a <thead> between the two parts of a broken row
        row(8, "", "台。", ""),
    ]
    _mark_header_rows(items)
    assert [item.why for item in items] == [None, None, None, "repeated header row", None]


def _row(page: int, *cells: str) -> object:
    from cqpolicy.intake.pdf import _Item

    return _Item(page, 0.0, " | ".join(cells), tuple(cells), (False,) * len(cells))


def test_a_units_cell_merged_across_a_page_break_is_carried_to_the_next_page_and_said() -> None:
    from cqpolicy.intake.pdf import _join_across_pages

    items = [
        _row(16, "30", "实施科技型企业成长工程。", "市科技局"),
        _row(17, "31", "建设科技成果转移转化平台。", ""),  # LibreOffice prints the merged cell once
        _row(17, "32", "落实创新产品首台（套）政策。", "市经济信息委"),
    ]
    notes: list[str] = []
    kept = _join_across_pages(items, notes)  # type: ignore[arg-type]
    assert [item.cells for item in kept][1] == ("31", "建设科技成果转移转化平台。", "市科技局")
    assert notes == [
        "read the empty cell of row 31 at the head of page 17 as the cell merged down from the row above (a "
        "cell merged across a page break is printed once); check the result against the file"
    ]


def test_an_empty_cell_in_a_column_that_is_empty_elsewhere_is_left_empty() -> None:
    from cqpolicy.intake.pdf import _join_across_pages

    items = [
        _row(16, "30", "实施科技型企业成长工程。", "市科技局", "市经济信息委"),
        _row(17, "31", "建设科技成果转移转化平台。", "市科技局", ""),  # no support unit
        _row(17, "32", "落实创新产品首台（套）政策。", "市经济信息委", ""),  # the column is optional
    ]
    notes: list[str] = []
    kept = _join_across_pages(items, notes)  # type: ignore[arg-type]
    assert [item.cells[3] for item in kept if item.cells] == ["市经济信息委", "", ""]
    assert notes == []


def _line(page: int, top: float, text: str) -> object:
    from cqpolicy.intake.pdf import _Item

    return _Item(page, top, text, found=text)


def test_a_line_on_two_of_ten_pages_is_no_running_header_but_page_numbers_of_each_page_size_are() -> None:
    from cqpolicy.intake.pdf import _mark_running

    words = "甲乙丙丁戊己庚辛壬癸"
    pages = []
    for n in range(1, 11):
        landscape = n > 7  # an annex section of three landscape pages, numbered lower down
        first = "重庆市人民政府" if n in (1, 5) else f"正文{words[n - 1]}开始"
        pages.append(
            [
                _line(n, 30.0, first),
                _line(n, 60.0, f"正文{words[n - 1]}第二行"),
                _line(n, 400.0, f"正文{words[n - 1]}中间"),
                _line(n, 540.0 if landscape else 760.0, f"— {n} —"),
            ]
        )
    widths = [842.0 if n > 7 else 595.0 for n in range(1, 11)]
    _mark_running(pages, widths)  # type: ignore[arg-type]
    assert [page[0].why for page in pages] == [None] * 10  # the site's name and the issuer line
    assert [page[-1].why for page in pages] == ["page number"] * 10
