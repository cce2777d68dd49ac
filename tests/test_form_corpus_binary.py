"""The binary forms of the variation corpus (Word and PDF) build exactly the official text's tables.

The forms under ``fixtures/forms/`` were made once with the real programs (python-docx, LibreOffice,
Chromium; see ``make_binary_forms.py`` there). Each is built strictly against the frozen sources of
the released version, and compared with the build of the official text it was made from. A Word or
PDF form carries no portal metadata: the official text's sidecar gives it, as it does the text's.

Conservation: for each form, the Han characters of the reader's region, less the furniture it
names, equal those of the blocks it hands on; a continuation row dropped after reading is caught.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import package_tables as tables
from cqpolicy.build import build_package
from cqpolicy.intake import Block, Furniture, read_publication

HERE = Path(__file__).resolve().parent
FORMS = HERE / "fixtures" / "forms"
OFFICIAL = HERE / "fixtures" / "amended" / "official-form.txt"
FROZEN_SOURCES = HERE / "fixtures" / "released" / "1.2.0" / "sources"
BINARY_FORMS = sorted(path.name for path in FORMS.iterdir() if path.suffix in (".docx", ".pdf"))
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def build(source: Path, work: Path) -> dict[str, list[dict[str, str]]]:
    work.mkdir()
    copy = work / source.name
    shutil.copy(source, copy)
    shutil.copy(OFFICIAL.with_suffix(".meta.json"), work / (copy.stem + ".meta.json"))
    sources = work / "sources"
    shutil.copytree(FROZEN_SOURCES, sources)
    build_package(source=copy, out=work / "out", sources_dir=sources)
    return tables(work / "out")


@pytest.fixture(scope="module")
def official_tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, str]]]:
    return build(OFFICIAL, tmp_path_factory.mktemp("official") / "build")


def test_the_corpus_has_the_forms_it_promises() -> None:
    assert len(BINARY_FORMS) >= 10
    assert {name.rsplit(".", 1)[1] for name in BINARY_FORMS} == {"docx", "pdf"}
    assert all((FORMS / name).stat().st_size < 400 * 1024 for name in BINARY_FORMS)


@pytest.mark.parametrize("form", BINARY_FORMS)
def test_each_binary_form_builds_the_official_texts_tables(
    form: str, official_tables: dict[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    assert build(FORMS / form, tmp_path / "build") == official_tables


def han(text: str) -> str:
    return "".join(_HAN.findall(text))


def missing_from(region: str, furniture: tuple[Furniture, ...], blocks: tuple[Block, ...]) -> str | None:
    """Where region less furniture and the blocks first differ in Han characters (None: they agree).

    The region's Han characters must be the blocks' and the furniture's (in its order), each
    sequence kept in order and interleaved: a search over the ways to interleave them, which
    tries the blocks first and never visits a state twice.
    """
    text, ours = han(region), han("".join(block.text for block in blocks))
    theirs = han("".join(item.text for item in sorted(furniture, key=lambda f: f.at)))
    if len(text) != len(ours) + len(theirs):
        return (
            f"the region has {len(text)} Han characters, the blocks and furniture {len(ours) + len(theirs)}"
        )
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    furthest = 0
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        k = i + j
        furthest = max(furthest, k)
        if k == len(text):
            return None
        if j < len(theirs) and text[k] == theirs[j]:
            stack.append((i, j + 1))
        if i < len(ours) and text[k] == ours[i]:
            stack.append((i + 1, j))  # popped first: the blocks are tried first
    return (
        f"at Han character {furthest}: the region has {text[furthest : furthest + 12]!r} that neither holds"
    )


@pytest.mark.parametrize("form", BINARY_FORMS)
def test_region_less_furniture_is_what_the_blocks_hold(form: str) -> None:
    publication = read_publication(FORMS / form)
    assert publication.region
    assert missing_from(publication.region, publication.furniture, publication.blocks) is None


def test_furniture_says_why_it_was_dropped() -> None:
    printed = read_publication(FORMS / "browser-printed-page.pdf")
    whys = {item.why for item in printed.furniture}
    assert {"running header", "running footer", "after the last annex row"} <= whys
    assert any(why.startswith("before the document") for why in whys)
    repeated = read_publication(FORMS / "pdf-header-row-repeated.pdf")
    assert "repeated header row" in {item.why for item in repeated.furniture}
    numbered = read_publication(FORMS / "pdf-page-numbers.pdf")
    assert "page number" in {item.why for item in numbered.furniture}
    word = read_publication(FORMS / "word-tracked-changes-hidden-runs.docx")
    assert {item.why.split(" (")[0] for item in word.furniture} == {"hidden run", "tracked deletion"}


def test_a_row_broken_across_pages_is_joined_and_a_dropped_continuation_is_caught() -> None:
    publication = read_publication(FORMS / "pdf-rows-across-pages.pdf")
    headers = [item.at for item in publication.furniture if item.why == "repeated header row"]
    assert headers, "the form repeats its header row on each annex page"
    rows = [block for block in publication.blocks if block.cells is not None]
    # Each page's first row went on its row on the page before: no row is left with an empty number.
    assert all(block.cells and block.cells[0] for block in rows)
    # The last row before the first page break loses its end, as a dropped continuation would:
    # the check names the loss.
    victim = max((block for block in rows if block.at < headers[0]), key=lambda block: block.at)
    assert victim.cells is not None
    cells = (victim.cells[0], victim.cells[1][: len(victim.cells[1]) // 2], victim.cells[2])
    cut = tuple(Block(b.at, " | ".join(cells), cells) if b is victim else b for b in publication.blocks)
    message = missing_from(publication.region, publication.furniture, cut)
    assert message is not None and "region has" in message


def test_a_print_whose_table_has_no_borders_is_refused_saying_why(tmp_path: Path) -> None:
    from cqpolicy.errors import SourceError

    with pytest.raises(SourceError) as caught:
        build(FORMS / "refused" / "browser-printed-borderless-table.pdf", tmp_path / "build")
    message = str(caught.value)
    assert "has no table of tasks; the PDF shows no table with ruling lines" in message
    assert not (tmp_path / "build" / "out").exists()
