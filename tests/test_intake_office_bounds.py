"""Hostile Word and PDF files are refused in one sentence, fast; what Word hides is not read."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import hostile_office as hostile
from cqpolicy.cli import main
from cqpolicy.errors import InputError
from cqpolicy.intake import docx as word
from cqpolicy.intake import pdf as pdf_reader
from cqpolicy.intake.docx import read_docx
from cqpolicy.intake.pdf import read_pdf

HERE = Path(__file__).resolve().parent
FROZEN_SOURCES = HERE / "fixtures" / "released" / "1.2.0" / "sources"
P = Path("hostile")


def refusal(reader: object, data: bytes) -> str:
    with pytest.raises(InputError) as caught:
        reader(data, P)  # type: ignore[operator]
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_grid_span_of_fifty_million_is_refused() -> None:
    assert "50,000,000 grid columns" in refusal(read_docx, hostile.grid_span_docx(50_000_000))


def test_two_thousand_rows_spanning_five_thousand_columns_are_refused() -> None:
    assert "5,000 grid columns" in refusal(read_docx, hostile.grid_span_docx(5000, rows=2000))


def test_the_widest_table_allowed_is_read() -> None:
    reading = read_docx(hostile.grid_span_docx(word.MAX_COLUMNS), P)
    assert reading.blocks[0].cells == ("x",) * word.MAX_COLUMNS


def test_millions_of_empty_paragraphs_are_refused_before_inflating() -> None:
    count = (word.MAX_PART_BYTES // len("<w:p/>") // 10_000 + 1) * 10_000
    assert "word/document.xml unpacks to" in refusal(read_docx, hostile.empty_paragraphs_docx(count))


def test_more_elements_than_the_bound_are_refused_while_parsing() -> None:
    count = (word.MAX_ELEMENTS // 10_000 + 1) * 10_000
    assert "XML elements" in refusal(read_docx, hostile.empty_paragraphs_docx(count))


def test_a_vertical_merge_three_thousand_rows_deep_is_read_without_recursion() -> None:
    reading = read_docx(hostile.vertical_merge_docx(3000), P)
    assert len(reading.blocks) == 3000
    assert {block.cells[1] for block in reading.blocks if block.cells} == {"市发展改革委"}


def test_hidden_runs_are_not_read_and_tracked_changes_read_as_accepted() -> None:
    body = (
        "<w:p><w:r><w:t>责任单位为市科技局</w:t></w:r>"
        "<w:r><w:rPr><w:vanish/></w:rPr><w:t>、市公安局</w:t></w:r>"
        '<w:r><w:rPr><w:vanish w:val="false"/></w:rPr><w:t>、市经济信息委</w:t></w:r>'
        '<w:ins w:id="1" w:author="a"><w:r><w:t>、市教委</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a"><w:r><w:delText>、市财政局</w:delText></w:r></w:del>'
        "<w:r><w:t>。A&amp;B&#x4E2D;后文</w:t></w:r></w:p>"
    )
    reading = read_docx(hostile.docx(body), P)
    assert [block.text for block in reading.blocks] == ["责任单位为市科技局、市经济信息委、市教委。A&B中后文"]
    assert [(item.text, item.why.split(" (")[0]) for item in reading.furniture] == [
        ("、市公安局", "hidden run"),
        ("、市财政局", "tracked deletion"),
    ]
    assert "市公安局" in reading.region and "市财政局" in reading.region


def test_an_entity_declared_in_a_dtd_is_refused_not_cut() -> None:
    out = io.BytesIO()
    original = hostile.docx(hostile.paragraph("市科技局"))
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            text = source.read(info.filename)
            if info.filename == "word/document.xml":  # <!DOCTYPE …[<!ENTITY u "市">]> and &u;科技局
                text = text.replace(
                    b"?><w:document", '?><!DOCTYPE w:document [<!ENTITY u "市">]><w:document'.encode()
                ).replace("市科技局".encode(), "&u;科技局".encode())
            target.writestr(info.filename, text)
    assert "declares a DTD" in refusal(read_docx, out.getvalue())


def test_pages_sharing_one_huge_content_stream_are_refused() -> None:
    message = refusal(read_pdf, hostile.shared_stream_pdf(200))
    assert "content" in message


def test_a_stream_inflating_past_the_bound_is_refused_without_inflating_it() -> None:
    message = refusal(read_pdf, hostile.flate_bomb_pdf(2 * pdf_reader.MAX_STREAM_BYTES))
    assert "inflates to more than" in message


def test_the_cli_refuses_a_hostile_file_with_exit_2_and_one_sentence(tmp_path: Path) -> None:
    source = tmp_path / "wide.docx"
    source.write_bytes(hostile.grid_span_docx(50_000_000))
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--source",
            str(source),
            "--out",
            str(tmp_path / "out"),
            "--sources-dir",
            str(FROZEN_SOURCES),
        ],
    )
    assert result.exit_code == 2
    assert "grid columns" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
