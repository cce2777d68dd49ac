"""Text from the data is escaped where it meets Markdown, HTML and SVG; control characters never get in."""

from __future__ import annotations

import csv
import io
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from cqpolicy import escape
from cqpolicy.build import build_package
from cqpolicy.cli import main
from cqpolicy.errors import InputError, RegisterError

HOSTILE = "<img src=x onerror=alert(1)> & *bold* [link](javascript:x) | pipe"


@pytest.mark.parametrize(
    ("helper", "text", "expected"),
    [
        (escape.markdown, "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        (escape.markdown, "a|b *c* _d_ [e](f) `g` #h", "a\\|b \\*c\\* \\_d\\_ \\[e\\](f) \\`g\\` \\#h"),
        (escape.markdown, "line\nbreak", "line<br>break"),
        (escape.markdown, "重庆市 & 南岸区", "重庆市 &amp; 南岸区"),
        (escape.html, '<a href="x">&</a>', "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"),
        (escape.xml_text, "a<b>&c\x01d", "a&lt;b&gt;&amp;c\ufffdd"),
        (escape.xml_attr, 'say "hi"\n', '"say &quot;hi&quot;&#10;"'),
    ],
)
def test_each_format_has_one_escaping_helper(helper: object, text: str, expected: str) -> None:
    assert helper(text) == expected  # type: ignore[operator]  # one of the helpers above


def _with_agency_name(built_package: Path, tmp_path: Path, name_en: str) -> Path:
    """A package whose first agency (named in tasks, so on the page and in the charts) has ``name_en``."""
    pkg = tmp_path / "pkg"
    shutil.copytree(built_package, pkg)
    path = pkg / "data" / "agencies.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    column = rows[0].index("name_en")
    rows[1][column] = name_en
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return pkg


def test_report_page_escapes_names(built_package: Path, tmp_path: Path) -> None:
    pkg = _with_agency_name(built_package, tmp_path, HOSTILE)
    result = CliRunner().invoke(main, ["report", str(pkg), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "report" / "README.md").read_text(encoding="utf-8")
    assert escape.markdown(HOSTILE) in page
    assert "<img" not in page
    assert "](javascript:" not in page.replace("\\](javascript:", "")


def test_report_charts_stay_well_formed_xml(built_package: Path, tmp_path: Path) -> None:
    pkg = _with_agency_name(built_package, tmp_path, 'A "quoted" <b>&amp; name\x01')
    result = CliRunner().invoke(main, ["report", str(pkg), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    charts = sorted((tmp_path / "report").glob("*.svg"))
    assert charts
    texts = []
    for chart in charts:
        root = ET.fromstring(chart.read_bytes())  # raises on ill-formed XML
        texts.extend("".join(element.itertext()) for element in root.iter("{http://www.w3.org/2000/svg}text"))
    assert any('A "quoted" <b>&amp; name\ufffd' in text for text in texts)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "error", "where"),
    [
        (
            "agencies.csv",
            "重庆银保监局",
            "重庆银保\x01监局",
            RegisterError,
            "agencies.csv, line 2: column 'name_zh'",
        ),
        (
            "agencies.csv",
            "Chongqing Office",
            "Chongqing\x7fOffice",
            RegisterError,
            "agencies.csv, line 2: column 'name_en'",
        ),
        (
            "translations/sections.csv",
            "\n",
            "\n\x85",
            RegisterError,
            "sections.csv, line 2: column 'title_zh'",
        ),
        ("package.json", '"1.2.0"', '"1.2.\\u001b0"', RegisterError, "package.json: 'version' holds"),
        (
            "000_75cbbf2a9912bf4b.txt",
            "重慶市人民政府",
            "重慶市人民\x0b政府",
            InputError,
            "000_75cbbf2a9912bf4b.txt, line",
        ),
    ],
    ids=["register-c0", "register-del", "translation-c1", "package-json", "source-text"],
)
def test_build_refuses_control_characters_naming_file_and_line(
    sources_copy: Path, tmp_path: Path, file: str, old: str, new: str, error: type[Exception], where: str
) -> None:
    _edit(sources_copy / file, old, new)
    with pytest.raises(error) as info:
        build_package(source=None, out=tmp_path / "out", sources_dir=sources_copy)
    message = str(info.value)
    assert where in message
    assert "holds the control character U+" in message and message.endswith("; remove it")
    assert not (tmp_path / "out" / "data").exists()
