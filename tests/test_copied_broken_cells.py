"""Copied text whose annex cells a ``<br>`` or ``<p>`` broke across lines builds the unbroken tables.

A browser's copy separates cells by tabs and turns a line break inside a cell into a new line
(a ``<p>`` also adds blank lines): the row continues on the next lines until it has its cells.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import package_tables
from cqpolicy.build import build_package
from cqpolicy.errors import SourceError

HERE = Path(__file__).resolve().parent
COPIED = HERE / "fixtures" / "publications" / "yufu-2022-5.copied.txt"
FROZEN = HERE / "fixtures" / "released" / "1.2.0" / "sources"
UNITS_ROW = (
    "3\t有序迁建不符合区域功能定位的项目。\t"
    "市司法局、市监狱局、市公安局、市财政局、市发展改革委，渝中区、南岸区、重庆经开区"
)
TASK_ROW = (
    "4\t打造国家绿色生态城区，推广绿色节能技术示范应用。\t重庆经开区、广阳岛绿色发展公司、市住房城乡建委"
)


def _tables(root: Path) -> dict[str, list[dict[str, str]]]:
    return {name: rows for name, rows in package_tables(root).items() if name in ("tasks", "task_agencies")}


def _build(text: str, tmp: Path, name: str) -> dict[str, list[dict[str, str]]]:
    source = tmp / f"{name}.txt"
    source.write_text(text, encoding="utf-8")
    out = tmp / name
    build_package(source=source, out=out, sources_dir=FROZEN)
    return _tables(out)


def test_cells_broken_by_line_breaks_give_the_unbroken_tables(tmp_path: Path) -> None:
    text = COPIED.read_text(encoding="utf-8")
    assert UNITS_ROW in text and TASK_ROW in text
    broken = text.replace(
        UNITS_ROW,
        "3\t有序迁建不符合区域功能定位的项目。\t市司法局、市监狱局、市公安局、\n市财政局、市发展改革委，\n渝中区、南岸区、重庆经开区",
    ).replace(
        TASK_ROW,
        "4\t\n\n打造国家绿色生态城区，\n推广绿色节能技术示范应用。\n\n\t重庆经开区、广阳岛绿色发展公司、市住房城乡建委",
    )
    assert _build(broken, tmp_path, "broken") == _build(text, tmp_path, "unbroken")


def test_a_row_that_never_gets_its_cells_names_the_tab_shape(tmp_path: Path) -> None:
    text = COPIED.read_text(encoding="utf-8")
    cut = text.replace(TASK_ROW, "4\t打造国家绿色生态城区，推广绿色节能技术示范应用。")
    cut = cut.replace("\n5\t", "\n（续）\n5\t", 1)
    with pytest.raises(SourceError) as caught:
        _build(cut, tmp_path, "cut")
    assert "'number<TAB>task<TAB>responsible units'" in str(caught.value)
