"""Word's automatic numbering is read as Word shows it: a 序号 column and headings numbered by lists.

The Word attachment (``publications.render_docx``) is changed as an office that lets Word number
things writes it: the 序号 cells hold no digits but a list (``w:numPr``, decimal ``%1``), and the
section headings hold no ``一、`` but a list in Chinese counting (``%1、``) through their
paragraph style. It must build exactly the official text's tables.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import publications as pub
from conftest import package_tables as tables
from cqpolicy.build import build_package
from cqpolicy.intake.numbering import chinese, formatted

HERE = Path(__file__).resolve().parent
OFFICIAL = HERE / "fixtures" / "amended" / "official-form.txt"
FROZEN = HERE / "fixtures" / "released" / "1.2.0" / "sources"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SECTION = re.compile(r"^[一二三四五六七八九十]+、")

NUMBERING = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W}">
  <w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>
    <w:lvlText w:val="%1"/></w:lvl></w:abstractNum>
  <w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>
  <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
  <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"""
HEADING_STYLE = (
    f'<w:style xmlns:w="{W}" w:type="paragraph" w:styleId="SectionHeading"><w:name w:val="Section Heading"/>'
    '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="2"/></w:numPr></w:pPr></w:style>'
)


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _text(paragraph: etree._Element) -> str:
    return "".join(t.text or "" for t in paragraph.iter(w("t")))


def _set_text(paragraph: etree._Element, text: str) -> None:
    runs = list(paragraph.iter(w("t")))
    for t in runs:
        t.text = ""
    if runs:
        runs[0].text = text


def _ppr(paragraph: etree._Element) -> etree._Element:
    ppr = paragraph.find(w("pPr"))
    if ppr is None:
        ppr = etree.SubElement(paragraph, w("pPr"))
        paragraph.insert(0, ppr)
    return ppr


def autonumbered(docx: bytes) -> bytes:
    """The Word file with its 序号 column and section headings numbered by Word lists."""
    parts = {}
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name)
    document = etree.fromstring(parts["word/document.xml"])
    for table in document.iter(w("tbl")):
        for row in list(table.iter(w("tr")))[1:]:
            first = next(row.iter(w("p")))
            if re.fullmatch(r"\d+", _text(first)):
                _set_text(first, "")
                num_pr = etree.SubElement(_ppr(first), w("numPr"))
                etree.SubElement(num_pr, w("ilvl")).set(w("val"), "0")
                etree.SubElement(num_pr, w("numId")).set(w("val"), "1")
    headings = 0
    for paragraph in document.find(w("body")).iter(w("p")):
        text = _text(paragraph)
        if SECTION.match(text) and paragraph.getparent().tag == w("body"):
            _set_text(paragraph, SECTION.sub("", text))
            style = etree.SubElement(_ppr(paragraph), w("pStyle"))
            style.set(w("val"), "SectionHeading")
            _ppr(paragraph).insert(0, style)
            headings += 1
    assert headings == 7
    parts["word/document.xml"] = etree.tostring(
        document, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    styles = etree.fromstring(parts["word/styles.xml"])
    styles.append(etree.fromstring(HEADING_STYLE))
    parts["word/styles.xml"] = etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts["word/numbering.xml"] = NUMBERING.encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.wordprocessingml.numbering+xml"/></Types>',
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def build(source: Path, work: Path) -> dict[str, list[dict[str, str]]]:
    shutil.copy(OFFICIAL.with_suffix(".meta.json"), source.with_suffix(".meta.json"))
    build_package(source=source, out=work / "out", sources_dir=FROZEN)
    return tables(work / "out")


def test_an_annex_numbered_by_word_and_headings_numbered_by_a_style_build_the_official_tables(
    tmp_path: Path,
) -> None:
    policy = pub.policy_from_official_text(OFFICIAL.read_text(encoding="utf-8"))
    text = tmp_path / "official.txt"
    shutil.copy(OFFICIAL, text)
    official = build(text, tmp_path / "a")
    form = tmp_path / "numbered.docx"
    form.write_bytes(autonumbered(pub.render_docx(policy)))
    assert build(form, tmp_path / "b") == official


@pytest.mark.parametrize(
    ("n", "fmt", "shown"),
    [(1, "decimal", "1"), (59, "decimal", "59"), (7, "chineseCounting", "七"), (10, "chineseCounting", "十"),
     (12, "chineseCountingThousand", "十二"), (28, "chineseCounting", "二十八"), (4, "upperRoman", "IV"),
     (3, "lowerLetter", "c"), (5, "decimalZero", "05")],
)  # fmt: skip
def test_a_counter_is_written_in_its_format(n: int, fmt: str, shown: str) -> None:
    assert formatted(n, fmt) == shown


@given(st.integers(1, 99))
def test_chinese_counting_reads_back_as_the_number(n: int) -> None:
    from cqpolicy.build.numerals import chinese_numeral

    assert chinese_numeral(chinese(n)) == n
