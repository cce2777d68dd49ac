"""A Word file made from a saved portal page: its metadata table and a cell's line breaks.

LibreOffice converts a saved page (``soffice --convert-to docx``) into a Word document whose
metadata table stands before the document's head, with the title's cell spanning three
columns (``w:gridSpan``), and whose table cells keep the page's line breaks (``w:br``). Both
must build the tables of the plain form: the title row is page furniture named as the region
holds it, and a line break in a cell is layout, joined as the page's reader joins it.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import publications as pub
from cqpolicy.build import build_package
from cqpolicy.intake import read_publication
from test_form_corpus_binary import FROZEN_SOURCES, OFFICIAL, tables

_TITLE = "重庆市人民政府关于高质量创建广阳湾智创生态城的意见"


def _cell(text: str, span: int = 1) -> str:
    properties = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span > 1 else ""
    return f"<w:tc>{properties}<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def _metadata_table() -> str:
    rows = [
        _cell("索引号：")
        + _cell("11500000009275780L/2022-00032")
        + _cell("主题分类：")
        + _cell("城乡建设、环境保护"),
        _cell("标题：") + _cell(_TITLE, span=3),
        _cell("发文字号：") + _cell("渝府〔2022〕5号") + _cell("发布日期：") + _cell("2022-02-11"),
    ]
    grid = "<w:tblGrid>" + "<w:gridCol/>" * 4 + "</w:tblGrid>"
    return "<w:tbl><w:tblPr/>" + grid + "".join(f"<w:tr>{row}</w:tr>" for row in rows) + "</w:tbl>"


def _page_docx(units: str) -> bytes:
    """The official policy as Word, as made from the portal page: metadata first, a cell broken."""
    data = pub.render_docx(pub.policy_from_official_text(OFFICIAL.read_text(encoding="utf-8")))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "word/document.xml":
                xml = content.decode("utf-8")
                xml = re.sub(r"(<w:body[^>]*>)", lambda m: m.group(1) + _metadata_table(), xml, count=1)
                head, comma, tail = units.partition("，")
                broken = f"{head}{comma}</w:t></w:r><w:r><w:br/><w:t>{tail}"
                assert xml.count(f">{units}<") >= 1, "the units cell is in the table"
                xml = xml.replace(f">{units}<", f">{broken}<", 1)
                content = xml.encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def _build(name: str, data: bytes, work: Path) -> dict[str, list[dict[str, str]]]:
    work.mkdir()
    source = work / name
    source.write_bytes(data)
    shutil.copy(OFFICIAL.with_suffix(".meta.json"), work / (source.stem + ".meta.json"))
    sources = work / "sources"
    shutil.copytree(FROZEN_SOURCES, sources)  # frozen: the repository's data may move on
    build_package(source=source, out=work / "out", sources_dir=sources)
    return tables(work / "out")


def _units_with_comma() -> str:
    policy = pub.policy_from_official_text(OFFICIAL.read_text(encoding="utf-8"))
    return next(row[-1] for row in policy.annexes[0].rows if len(row) > 2 and "，" in row[-1])


def test_a_word_file_made_from_the_portal_page_builds_the_plain_forms_tables(tmp_path: Path) -> None:
    units = _units_with_comma()
    data = _page_docx(units)
    publication = read_publication(_write(tmp_path / "read" / "page.docx", data))
    assert any(_TITLE in item.text and item.text.count(_TITLE) == 3 for item in publication.furniture)
    assert all("\n" not in cell for block in publication.blocks for cell in block.cells or ())
    assert _build("page.docx", data, tmp_path / "word") == _build(
        "official-form.txt", OFFICIAL.read_bytes(), tmp_path / "plain"
    )


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return path
