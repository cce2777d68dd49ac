"""Readers prove what they read: a lost row stops the build; hostile pages are refused in one sentence.

Pages and texts are made from the official text by ``publications.render_variant`` and then
broken one way each. Every refusal is an exit-2 :class:`~cqpolicy.errors.InputError` (or, for a
text cut short, a :class:`~cqpolicy.errors.SourceError`) whose sentence names the cause.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import publications as pub
from cqpolicy.build import build_package
from cqpolicy.cli import main
from cqpolicy.errors import InputError, SourceError
from cqpolicy.intake import Block, Reading
from cqpolicy.intake import text as text_reader
from test_form_corpus import build_form as build

HERE = Path(__file__).resolve().parent
OFFICIAL = HERE / "fixtures" / "amended" / "official-form.txt"
SIDECAR = OFFICIAL.with_suffix(".meta.json")
FROZEN = HERE / "fixtures" / "released" / "1.2.0" / "sources"
LAST_UNITS = "重庆经开区、重庆广阳岛片区长江经济带绿色发展示范建设领导小组办公室"


@pytest.fixture(scope="module")
def policy() -> pub.Policy:
    return pub.policy_from_official_text(OFFICIAL.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page(policy: pub.Policy) -> bytes:
    return pub.render_variant(policy, pub.Variant())


def rows(out: Path, table: str) -> int:
    return len((out / "data" / f"{table}.csv").read_text(encoding="utf-8").splitlines()) - 1


# --- conservation ---------------------------------------------------------------------------------


def test_a_reader_that_drops_a_continuation_is_caught(
    monkeypatch: pytest.MonkeyPatch, policy: pub.Policy, tmp_path: Path
) -> None:
    """A reader fault: the text of a task's cell after its first comma (its continuation) is lost."""
    real = text_reader.read_text

    def lossy(data: bytes, path: Path) -> Reading:
        reading = real(data, path)
        blocks = list(reading.blocks)
        i = next(n for n, block in enumerate(blocks) if block.text.startswith("20 | "))
        cut = blocks[i].text.index("，")
        blocks[i] = Block(blocks[i].at, blocks[i].text[:cut] + " | 市金融监管局 |")
        return Reading(tuple(blocks), reading.region, reading.furniture)

    monkeypatch.setattr(text_reader, "read_text", lossy)
    with pytest.raises(InputError, match="the reader lost text of the text") as error:
        build(OFFICIAL.read_bytes(), "official-form.txt", tmp_path)
    assert error.value.line == next(
        n
        for n, line in enumerate(OFFICIAL.read_text(encoding="utf-8").splitlines(), 1)
        if line.startswith("20 | ")
    )


def test_a_reader_that_drops_a_row_is_caught(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = text_reader.read_text

    def lossy(data: bytes, path: Path) -> Reading:
        reading = real(data, path)
        blocks = [block for block in reading.blocks if not block.text.startswith("41 | ")]
        return Reading(tuple(blocks), reading.region, reading.furniture)

    monkeypatch.setattr(text_reader, "read_text", lossy)
    with pytest.raises(InputError, match="lost text"):
        build(OFFICIAL.read_bytes(), "official-form.txt", tmp_path)


@pytest.mark.parametrize("task", ["20", "41", "58"])
def test_a_task_cut_mid_sentence_anywhere_is_refused(task: str, tmp_path: Path) -> None:
    lines = OFFICIAL.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.startswith(f"{task} | "))
    number, text, units = lines[n].rstrip(" |").split(" | ")
    lines[n] = " | ".join([number, text[: len(text) // 2].rstrip("，、。；"), units]) + " |"
    with pytest.raises(SourceError, match=f"task {task} ends mid-sentence"):
        build(("\n".join(lines) + "\n").encode(), "cut.txt", tmp_path)


def test_a_clause_cut_mid_sentence_is_refused(tmp_path: Path) -> None:
    lines = OFFICIAL.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.startswith("（八）"))
    lines[n] = lines[n][: lines[n].rindex("，")]
    with pytest.raises(SourceError, match="clause （八） ends mid-sentence"):
        build(("\n".join(lines) + "\n").encode(), "cut.txt", tmp_path)


# --- text by extent -------------------------------------------------------------------------------


def test_furniture_is_named_in_a_warning(policy: pub.Policy, tmp_path: Path) -> None:
    source = tmp_path / "copied.txt"
    source.write_bytes(
        pub.render_variant(policy, pub.Variant(form="copied", after=("print-close-one-line", "qr")))
    )
    shutil.copy(SIDECAR, tmp_path / "copied.meta.json")
    result = CliRunner().invoke(
        main, ["build", "--source", str(source), "--out", str(tmp_path / "out"), "--sources-dir", str(FROZEN)]
    )
    assert result.exit_code == 0, result.output
    assert "page furniture (after the annex table's last row)" in result.output
    assert "'打印本页 关闭窗口'" in result.output


def test_a_task_row_after_the_table_stops_the_build(tmp_path: Path) -> None:
    data = OFFICIAL.read_bytes() + "\n60　再增加一项任务。　市科技局\n".encode()
    with pytest.raises(InputError, match="comes after the annex table's last row but looks like a task row"):
        build(data, "extra.txt", tmp_path)


def test_text_copied_out_of_a_pdf_is_refused(tmp_path: Path) -> None:
    lines = OFFICIAL.read_text(encoding="utf-8").splitlines()
    broken: list[str] = []
    for line in lines:
        if len(line) > 60 and "|" not in line:
            broken += [line[i : i + 36] for i in range(0, len(line), 36)]
        else:
            broken.append(line)
    with pytest.raises(InputError, match=r"copied out of a PDF.*give the PDF itself"):
        build(("\n".join(broken) + "\n").encode(), "from-pdf.txt", tmp_path)


def test_page_numbers_between_paragraphs_are_refused(tmp_path: Path) -> None:
    lines = OFFICIAL.read_text(encoding="utf-8").splitlines()
    lines.insert(12, "— 2 —")
    with pytest.raises(InputError, match="'— 2 —' between the paragraphs is a page number"):
        build(("\n".join(lines) + "\n").encode(), "from-pdf.txt", tmp_path)


# --- hostile pages (issue 20) ---------------------------------------------------------------------


def test_a_huge_comment_in_a_cell_does_not_cut_the_page(page: bytes, tmp_path: Path) -> None:
    at = page.rindex(LAST_UNITS.encode())
    comment = b"<!--" + b"x" * (11 * 1024 * 1024) + b"-->"
    cut = at + len("重庆经开区".encode())
    out = build(page[:cut] + comment + page[cut:], "comment.html", tmp_path)
    (tmp_path / "o").mkdir()
    official = build(OFFICIAL.read_bytes(), "official.txt", tmp_path / "o")
    assert rows(out, "task_agencies") == rows(official, "task_agencies")


def refuse(data: bytes, tmp_path: Path) -> str:
    source = tmp_path / "hostile.html"
    source.write_bytes(data)
    result = CliRunner().invoke(
        main, ["build", "--source", str(source), "--out", str(tmp_path / "out"), "--sources-dir", str(FROZEN)]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_a_huge_text_node_is_refused(page: bytes, tmp_path: Path) -> None:
    at = page.rindex(LAST_UNITS.encode())
    output = refuse(page[:at] + "长".encode() * 1_100_000 + page[at:], tmp_path)
    assert "one text node of the page holds" in output


def test_deep_nesting_names_the_real_cause(tmp_path: Path) -> None:
    data = (
        b"<html><body>"
        + b"<div>" * 100_000
        + "渝府〔2022〕5号".encode()
        + b"</div>" * 100_000
        + b"</body></html>"
    )
    output = refuse(data, tmp_path)
    assert "nests elements more than" in output


@pytest.mark.parametrize("span", ["colspan", "rowspan"])
def test_an_oversized_span_is_refused(page: bytes, span: str, tmp_path: Path) -> None:
    data = page.replace(b"<td>59</td>", f'<td {span}="1000">59</td>'.encode(), 1)
    output = refuse(data, tmp_path)
    assert "spans 1,000 rows or columns" in output


def test_many_wide_tables_are_refused_quickly(tmp_path: Path) -> None:
    table = "<table>" + '<tr><td colspan="100">任务</td></tr>' * 199 + "</table>"
    data = ("<html><body><div class='TRS_UEDITOR'>" + table * 200 + "</div></body></html>").encode()
    output = refuse(data, tmp_path)
    assert "more than 200,000 cells" in output


def test_too_many_tables_are_refused(tmp_path: Path) -> None:
    data = ("<html><body>" + "<table><tr><td>任务</td></tr></table>" * 201 + "</body></html>").encode()
    output = refuse(data, tmp_path)
    assert "more than 200 tables" in output


def test_hidden_content_is_dropped_and_named(policy: pub.Policy, tmp_path: Path) -> None:
    source = tmp_path / "hidden.html"
    source.write_bytes(pub.render_variant(policy, pub.Variant(hidden=True)))
    shutil.copy(SIDECAR, tmp_path / "hidden.meta.json")
    out = tmp_path / "out"
    result = build_package(source=source, out=out, sources_dir=FROZEN)
    text = "\n".join(result.warnings)
    assert "hidden on the page (inline style)" in text  # the row of a task 60
    assert "hidden on the page (hidden attribute)" in text  # a unit in a span
    assert "hidden by the page's style" in text  # a paragraph whose class the page's CSS hides
    csv_text = (out / "data" / "tasks.csv").read_text(encoding="utf-8")
    assert "隐藏的任务" not in csv_text and "本页仅供打印" not in csv_text


def test_a_page_without_the_annex_reference_names_no_wrong_cause(policy: pub.Policy, tmp_path: Path) -> None:
    variant = dataclasses.replace(pub.Variant(), annex_ref=False)
    out = build(pub.render_variant(policy, variant), "no-ref.html", tmp_path)
    assert rows(out, "tasks") > 0


def test_nested_tables_count_towards_the_same_bound(tmp_path: Path) -> None:
    inner = "任务"
    for _ in range(40):
        inner = "<table>" + '<tr><td colspan="100">任务</td></tr>' * 60 + f"<tr><td>{inner}</td></tr></table>"
    output = refuse(f"<html><body><div class='TRS_UEDITOR'>{inner}</div></body></html>".encode(), tmp_path)
    assert "more than 200,000 cells" in output


def test_a_page_of_too_many_elements_is_refused(tmp_path: Path) -> None:
    output = refuse(("<html><body>" + "<p>任务</p>" * 100_001 + "</body></html>").encode(), tmp_path)
    assert "more than 100,000 elements" in output
