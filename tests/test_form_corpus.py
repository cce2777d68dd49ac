"""The form corpus: the policy's official text rendered in many page and text forms builds the same tables.

Each form is generated from ``tests/fixtures/amended/official-form.txt`` (the real 渝府〔2022〕5号 in
official form) by :func:`publications.render_variant`, along the axes a real portal page varies
on (furniture before and after the document, the annex reference line, the title repeated as
the page's heading, the head lines, metadata layouts, markup inside cells and paragraphs,
content containers, encodings, hidden content), plus the office suite's HTML export committed
under ``tests/fixtures/forms/html/``. Each is built strictly (every English found) with the
frozen sources of release 1.2.0 and must give exactly the CSV tables the official text gives,
``source_line`` columns apart (they count the lines or paragraphs of each file).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import publications as pub
from conftest import package_tables as tables
from cqpolicy.build import build_package
from cqpolicy.errors import SourceError

HERE = Path(__file__).resolve().parent
OFFICIAL = HERE / "fixtures" / "amended" / "official-form.txt"
SIDECAR = OFFICIAL.with_suffix(".meta.json")
FROZEN = HERE / "fixtures" / "released" / "1.2.0" / "sources"
FORMS = HERE / "fixtures" / "forms" / "html"

V = pub.Variant
VARIANTS: dict[str, pub.Variant] = {
    "portal-page": V(),
    "no-furniture": V(before=(), after=()),
    "furniture-everywhere": V(
        before=("nav", "breadcrumb", "date", "font", "share"), after=("share", "qr", "related", "footer")
    ),
    "print-close-one-line": V(after=("print-close-one-line", "related", "footer")),
    "print-close-bracketed": V(after=("print-close-bracketed", "footer")),
    "print-close-inside-container": V(after=("print-close-inside", "related", "footer")),
    "share-and-qr-after": V(after=("share", "qr")),
    "no-annex-reference": V(annex_ref=False),
    "title-repeated-as-page-heading": V(page_heading=True),
    "head-on-one-line": V(head="one-line", page_heading=True),
    "head-as-the-page-heading": V(head="outside"),
    "metadata-four-columns": V(metadata="4col"),
    "metadata-colspan": V(metadata="colspan"),
    "metadata-bold-spaced-labels": V(metadata="bold-spaced"),
    "metadata-ascii-colons": V(metadata="ascii"),
    "metadata-in-divs": V(metadata="div"),
    "no-metadata": V(metadata="none"),
    "metadata-th-labels-four-pairs-a-row-with-an-unused-label": V(metadata="th"),
    "metadata-th-labels-without-colons": V(metadata="th-bare"),
    "metadata-as-dt-dd": V(metadata="dl"),
    "number-only-in-dt-dd-metadata": V(metadata="dl", head="no-number", container="article"),
    "page-laid-out-in-a-table": V(layout_table=True, metadata="th"),
    "gb18030-declaring-no-charset": V(charset="gb18030", declared="none"),
    "cells-in-p": V(cells="p"),
    "cells-in-spans": V(cells="span"),
    "cells-with-br": V(cells="br"),
    "office-markup": V(cells="office", paragraphs="office"),
    "paragraphs-in-spans": V(paragraphs="span"),
    "paragraphs-split-by-br": V(paragraphs="br"),
    "container-trs-editor": V(container="TRS_Editor"),
    "container-ucap-content": V(container="UCAP-CONTENT"),
    "container-zoom": V(container="zoom"),
    "container-article": V(container="article"),
    "container-around-a-colspan-metadata-table": V(container="article-around-metadata", metadata="colspan"),
    "no-marked-container": V(container="none", page_heading=True),
    "gb18030-declared-gb2312": V(charset="gb18030", declared="gb2312"),
    "gb18030-declared-gbk-bold-spaced-br": V(
        charset="gb18030", declared="gbk", metadata="bold-spaced", cells="br", after=("share", "qr")
    ),
    "hidden-content": V(hidden=True),
    "metadata-issuing-organ-label": V(metadata="organ"),
    "furniture-inside-container": V(inside_before=("date", "font", "share"), after=("print-close-inside",)),
    "gbk-page-as-issue-17-saw-it": V(
        charset="gb18030",
        declared="gbk",
        metadata="organ",
        paragraphs="span",
        cells="br",
        page_heading=True,
        after=("share", "qr", "footer"),
    ),
    "number-only-in-the-metadata": V(head="no-number"),
    "number-only-in-the-four-column-metadata": V(head="no-number", metadata="colspan", page_heading=True),
    "copied-text": V(form="copied"),
    "copied-number-only-in-the-metadata": V(form="copied", head="no-number"),
    "copied-innertext-of-cells-holding-paragraphs": V(form="copied", cells="p"),
    "copied-innertext-nbsp-indents-cells-holding-paragraphs": V(form="copied", cells="p", paragraphs="nbsp"),
    "copied-print-close-one-line": V(form="copied", after=("related", "print-close-one-line", "footer")),
    "copied-no-annex-reference": V(form="copied", annex_ref=False),
    "copied-title-repeated": V(form="copied", page_heading=True, metadata="4col"),
    "copied-share-qr-footer": V(form="copied", before=("breadcrumb",), after=("share", "qr", "footer")),
    "copied-gb18030": V(form="copied", charset="gb18030", metadata="ascii"),
    "copied-no-furniture": V(form="copied", before=(), after=(), metadata="none"),
}
COMMITTED = sorted(path.name for path in FORMS.glob("*.htm*")) if FORMS.is_dir() else []


@pytest.fixture(scope="module")
def official_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, str]]]:
    out = tmp_path_factory.mktemp("official")
    build_package(source=OFFICIAL, out=out, sources_dir=FROZEN)
    return tables(out)


@pytest.fixture(scope="module")
def policy() -> pub.Policy:
    return pub.policy_from_official_text(OFFICIAL.read_text(encoding="utf-8"))


def build_form(data: bytes, name: str, tmp_path: Path) -> Path:
    source = tmp_path / name
    source.write_bytes(data)
    shutil.copy(SIDECAR, source.with_name(source.stem + ".meta.json"))
    out = tmp_path / "out"
    build_package(source=source, out=out, sources_dir=FROZEN)
    return out


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_generated_form_builds_the_official_tables(
    name: str, policy: pub.Policy, official_tables: dict[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    variant = VARIANTS[name]
    suffix = ".txt" if variant.form == "copied" else ".html"
    out = build_form(pub.render_variant(policy, variant), name + suffix, tmp_path)
    assert tables(out) == official_tables


@pytest.mark.parametrize("name", COMMITTED)
def test_each_committed_form_builds_the_official_tables(
    name: str, official_tables: dict[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    out = build_form((FORMS / name).read_bytes(), name, tmp_path)
    assert tables(out) == official_tables


def test_the_corpus_covers_enough_forms() -> None:
    assert len(VARIANTS) + len(COMMITTED) >= 22


@pytest.mark.parametrize("form", ["html", "copied"])
def test_the_number_taken_from_the_metadata_is_said(form: str, policy: pub.Policy, tmp_path: Path) -> None:
    suffix = ".txt" if form == "copied" else ".html"
    data = pub.render_variant(policy, V(head="no-number", form=form))
    source = tmp_path / ("page" + suffix)
    source.write_bytes(data)
    result = build_package(source=source, out=tmp_path / "out", sources_dir=FROZEN)
    said = [warning for warning in result.warnings if "shows no document number" in warning]
    assert said == [f"the document's head shows no document number; {result.document.document_number} is "
                    "the page's own (its 发文字号)"]  # fmt: skip


@pytest.mark.parametrize("form", ["html", "copied"])
def test_a_page_without_a_number_anywhere_is_refused_naming_both_places(
    form: str, policy: pub.Policy, tmp_path: Path
) -> None:
    suffix = ".txt" if form == "copied" else ".html"
    data = pub.render_variant(policy, V(head="no-number", form=form, metadata="none"))
    source = tmp_path / ("page" + suffix)
    source.write_bytes(data)
    with pytest.raises(SourceError, match=r"no document number .* in the header, and the page states none"):
        build_package(source=source, out=tmp_path / "out", sources_dir=FROZEN)


@pytest.mark.parametrize("where", ["last row", "after the first row", "paragraph under the table"])
def test_a_note_written_as_a_row_of_the_annex_table_is_named(
    where: str, policy: pub.Policy, official_tables: dict[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    note = "注：各责任单位按职责分工抓好落实，排名第一的为牵头单位。"
    page = pub.render_variant(policy, V()).decode("utf-8")
    row = f'<tr><td colspan="3">{note}</td></tr>'
    table = page.rindex("<table")
    if where == "paragraph under the table":
        end, row = page.index("</table>", table) + len("</table>"), f"<p>{note}</p>"
    elif where == "last row":
        end = page.index("</tbody>", table)
    else:
        end = page.index("</tr>", page.index("</tr>", table) + 5) + len("</tr>")
    source = tmp_path / "page.html"
    source.write_text(page[:end] + row + page[end:], encoding="utf-8")
    shutil.copy(SIDECAR, tmp_path / "page.meta.json")
    result = build_package(source=source, out=tmp_path / "out", sources_dir=FROZEN)
    assert tables(tmp_path / "out") == official_tables
    named = [warning for warning in result.warnings if "annex table's note" in warning]
    assert len(named) == 1
    assert repr(note[:40]) in named[0]
    assert "belongs to no task and is not in the tables" in named[0]


def test_the_metadata_a_page_shows_fills_the_document_in_every_layout(
    policy: pub.Policy, tmp_path: Path
) -> None:
    """Without a sidecar, what the document table knows beyond the text comes from the page."""
    facts = {}
    for layout in ("2col", "th", "th-bare", "dl"):
        source = tmp_path / layout / "page.html"
        source.parent.mkdir()
        source.write_bytes(pub.render_variant(policy, V(metadata=layout, layout_table=layout == "th")))
        build_package(source=source, out=source.parent / "out", sources_dir=FROZEN)
        row = tables(source.parent / "out")["document"][0]
        facts[layout] = {key: row[key] for key in ("index_number", "subject", "date_published", "status")}
    assert all(value for value in facts["2col"].values())
    assert facts["th"] == facts["th-bare"] == facts["dl"] == facts["2col"]
