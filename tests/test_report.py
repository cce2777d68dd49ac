"""cqpolicy report: figures match the tables, charts carry their glyphs, rebuilding changes no byte."""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # fontTools ships no types

from conftest import FROZEN
from cqpolicy.cli import main
from cqpolicy.publish.report import (
    CLAUSES_CHART,
    FILES,
    PAGE,
    Figures,
    ReportResult,
    build_report,
    compute_figures,
    render_markdown,
    task_ranges,
)

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SVG = "{http://www.w3.org/2000/svg}"


def read_csv(name: str) -> list[dict[str, str]]:
    with (FROZEN / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def report(built_package: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    """The report of released 1.2.0 (built from the frozen sources), built once for the module."""
    return build_report(built_package, tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def figures(report: ReportResult) -> Figures:
    return report.figures


# --- the figures, checked against the CSV files read independently ----------------------------------


def test_leads_add_up_to_one_per_task(figures: Figures) -> None:
    tasks = read_csv("tasks")
    leads = sum(count.lead for count in (*figures.units, *figures.collectives))
    assert figures.task_count == len(tasks) == leads == 59


def test_every_unit_counts_its_leads_and_supports_as_task_agencies_says(figures: Figures) -> None:
    links = read_csv("task_agencies")
    expected = Counter((row["agency_id"], row["role"]) for row in links)
    for count in (*figures.units, *figures.collectives):
        assert count.lead == expected[(count.unit.agency_id, "lead")], count.unit.name_zh
        assert count.support == expected[(count.unit.agency_id, "support")], count.unit.name_zh
    assert len(figures.units) + len(figures.collectives) == len(read_csv("agencies"))


def test_clauses_without_tasks_are_those_no_task_names(figures: Figures) -> None:
    clauses = read_csv("clauses")
    used = {row["clause_no"] for row in read_csv("tasks")}
    expected = [row["label"] for row in clauses if row["clause_no"] not in used]
    assert [c.label for c in figures.clauses_without_tasks] == expected
    assert len(figures.clauses) == len(clauses) == 28
    assert sum(c.tasks for c in figures.clauses) == 59


def test_the_collective_is_counted_but_never_ranked_or_paired(figures: Figures) -> None:
    collective_ids = {row["agency_id"] for row in read_csv("agencies") if row["agency_type"] == "collective"}
    assert [c.unit.name_zh for c in figures.collectives] == ["市级有关部门"]
    assert figures.collectives[0].lead == 4
    assert not collective_ids & {c.unit.agency_id for c in figures.units}
    assert not collective_ids & {u.agency_id for p in figures.pairs for u in (p.first, p.second)}
    assert not collective_ids & {u.agency_id for u in figures.matrix_units}


def test_pairs_are_the_top_fifteen_and_every_pair_tied_with_the_last(figures: Figures) -> None:
    collective = {row["agency_id"] for row in read_csv("agencies") if row["agency_type"] == "collective"}
    named: dict[str, set[str]] = {}
    for row in read_csv("task_agencies"):
        if row["agency_id"] not in collective:
            named.setdefault(row["task_no"], set()).add(row["agency_id"])
    shared = Counter(pair for ids in named.values() for pair in itertools.combinations(sorted(ids), 2))
    cutoff = sorted(shared.values(), reverse=True)[14]
    expected = {pair: n for pair, n in shared.items() if n >= cutoff}
    got = {tuple(sorted((p.first.agency_id, p.second.agency_id))): p.tasks for p in figures.pairs}
    assert got == expected
    assert [p.tasks for p in figures.pairs] == sorted((p.tasks for p in figures.pairs), reverse=True)
    assert (figures.pairs[0].first.name_zh, figures.pairs[0].second.name_zh, figures.pairs[0].tasks) == (
        "重庆经开区",
        "两江新区",
        18,
    )


def test_matrix_is_symmetric_with_each_units_total_on_the_diagonal(figures: Figures) -> None:
    totals = {c.unit.agency_id: c.total for c in figures.units}
    size = len(figures.matrix_units)
    assert size == 10
    for i, j in itertools.product(range(size), repeat=2):
        assert figures.matrix[i][j] == figures.matrix[j][i]
    assert [figures.matrix[i][i] for i in range(size)] == [totals[u.agency_id] for u in figures.matrix_units]


def rows(**tables: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A tiny package as rows: three bodies A, B, C and a collective X."""
    base: dict[str, list[dict[str, Any]]] = {
        "document": [{"document_number": "N", "title": "T", "title_en": "T"}],
        "sections": [{"section_no": 1, "label": "一、", "title": "S", "title_en": "S"}],
        "clauses": [
            {"clause_no": n, "label": f"（{n}）", "section_no": 1, "title": f"c{n}", "title_en": f"c{n}"}
            for n in (1, 2)
        ],
        "tasks": [{"task_no": n, "clause_no": 2} for n in (1, 2, 3)],
        "agency_types": [
            {"code": "collective", "label_zh": "集合称谓", "label_en": "Collective"},
            {"code": "body", "label_zh": "单位", "label_en": "Body"},
        ],
        "agencies": [
            {"agency_id": i, "name_zh": i.upper(), "name_en": i, "agency_type": "body"}
            for i in ("a", "b", "c")
        ]
        + [{"agency_id": "x", "name_zh": "X", "name_en": "x", "agency_type": "collective"}],
    }
    return {**base, **tables}


def link(task_no: int, *agency_ids: str) -> list[dict[str, Any]]:
    return [
        {"task_no": task_no, "agency_id": a, "position": i, "role": "lead" if i == 1 else "support"}
        for i, a in enumerate(agency_ids, start=1)
    ]


@pytest.mark.parametrize(
    ("links", "top", "expected_pairs"),
    [
        pytest.param(
            [*link(1, "a", "b"), *link(2, "a", "b"), *link(3, "b", "c")],
            1,
            [("B", "A", 2)],
            id="top-one-busiest-unit-first",
        ),
        pytest.param(
            [*link(1, "a", "b"), *link(2, "b", "c"), *link(3, "a", "c")],
            1,
            [("A", "B", 1), ("A", "C", 1), ("B", "C", 1)],
            id="ties-at-the-cut-off-kept",
        ),
        pytest.param(
            [*link(1, "x", "a", "b"), *link(2, "x", "c")], 5, [("A", "B", 1)], id="collective-left-out"
        ),
    ],
)
def test_pairs_on_tiny_tables(links: list[dict[str, Any]], top: int, expected_pairs: list[Any]) -> None:
    figures = compute_figures(rows(task_agencies=links), {"name": "p", "version": "0"}, top_pairs=top)
    assert sorted((p.first.name_zh, p.second.name_zh, p.tasks) for p in figures.pairs) == expected_pairs


def test_a_collective_lead_is_counted_apart_on_tiny_tables() -> None:
    figures = compute_figures(
        rows(task_agencies=[*link(1, "x", "a"), *link(2, "a"), *link(3, "b", "a")]),
        {"name": "p", "version": "0"},
    )
    assert [(c.unit.name_zh, c.lead, c.support) for c in figures.units] == [
        ("A", 1, 2),
        ("B", 1, 0),
        ("C", 0, 0),
    ]
    assert [(c.unit.name_zh, c.lead) for c in figures.collectives] == [("X", 1)]
    assert figures.collective_tasks == (1,)
    assert [c.label for c in figures.clauses_without_tasks] == ["（1）"]


@pytest.mark.parametrize(
    ("numbers", "text"),
    [((), ""), ((5,), "5"), ((1, 2, 3), "1–3"), ((3, 1, 2, 7, 9, 10), "1–3, 7, 9–10"), ((4, 4), "4")],
)
def test_task_ranges_join_consecutive_numbers(numbers: tuple[int, ...], text: str) -> None:
    assert task_ranges(numbers) == text


# --- the files --------------------------------------------------------------------------------------


def test_report_writes_the_page_and_four_charts(report: ReportResult) -> None:
    assert sorted(p.name for p in report.out_dir.iterdir()) == sorted(FILES)
    page = (report.out_dir / PAGE).read_text(encoding="utf-8")
    for chart in FILES[1:]:
        assert f"]({chart})" in page


def test_rebuilding_changes_no_byte(report: ReportResult, built_package: Path, tmp_path: Path) -> None:
    again = build_report(built_package, tmp_path / "again")
    for name in FILES:
        assert (again.out_dir / name).read_bytes() == (report.out_dir / name).read_bytes(), name


def embedded_font(svg: ET.Element) -> TTFont:
    style = svg.find(f"{SVG}style")
    assert style is not None and style.text is not None
    match = re.search(r'url\("data:font/otf;base64,([A-Za-z0-9+/=]+)"\)', style.text)
    assert match, "no embedded font"
    return TTFont(io.BytesIO(base64.b64decode(match.group(1))))


@pytest.mark.parametrize("chart", FILES[1:])
def test_every_character_of_every_label_is_in_the_embedded_font(report: ReportResult, chart: str) -> None:
    svg = ET.parse(report.out_dir / chart).getroot()
    font = embedded_font(svg)
    cmap = font.getBestCmap()
    texts = [t.text or "" for t in svg.iter(f"{SVG}text")]
    assert any(re.search(r"[\u4e00-\u9fff]", text) for text in texts), "no Chinese label"
    missing = {char for text in texts for char in text if ord(char) not in cmap}
    assert not missing
    names = {record.nameID: record.toUnicode() for record in font["name"].names}
    assert "SIL Open Font License" in names[13]  # the licence travels with the subset


def test_clause_chart_marks_each_clause_without_a_task(report: ReportResult, figures: Figures) -> None:
    svg = ET.parse(report.out_dir / CLAUSES_CHART).getroot()
    texts = [t.text or "" for t in svg.iter(f"{SVG}text")]
    assert texts.count("0 · 无任务 no task") == len(figures.clauses_without_tasks) == 5
    assert sum(1 for text in texts if re.match(r"（[一二三四五六七八九十]+）", text)) == 28


def test_page_matches_golden_file(figures: Figures) -> None:
    text = render_markdown(figures)
    golden = GOLDEN / "report.md"
    if os.environ.get("CQPOLICY_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.data
def test_committed_report_is_up_to_date(tmp_path: Path) -> None:
    fresh = build_report(ROOT, tmp_path / "report")
    committed = ROOT / "docs" / "report"
    for name in FILES:
        assert (committed / name).read_bytes() == (fresh.out_dir / name).read_bytes(), (
            f"docs/report/{name} is stale: run `cqpolicy report . --out docs/report`"
        )


# --- the command ------------------------------------------------------------------------------------


@pytest.mark.data
@pytest.mark.parametrize("target", ["directory", "datapackage.json"])
def test_cli_writes_the_report_and_prints_the_page(tmp_path: Path, target: str) -> None:
    package = ROOT if target == "directory" else ROOT / "datapackage.json"
    result = CliRunner().invoke(main, ["report", str(package), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{tmp_path / 'out' / PAGE}\n"
    assert result.stderr == f"wrote README.md and 4 charts into {tmp_path / 'out'}\n"


def broken_package(tmp_path: Path, drop: str) -> Path:
    """A copy of the package whose descriptor lacks the resource ``drop``."""
    root = tmp_path / "pkg"
    shutil.copytree(ROOT / "data", root / "data")
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != drop]
    (root / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda tmp: tmp, "there is no datapackage.json here", id="no-package"),
        pytest.param(lambda tmp: tmp / "missing", "there is no such file or directory", id="missing-path"),
        pytest.param(
            lambda tmp: broken_package(tmp, "task_agencies"),
            "the package has no 'task_agencies' table; is it a cqpolicy package?",
            id="missing-table",
        ),
    ],
)
def test_cli_refuses_an_unusable_package_with_exit_2(tmp_path: Path, make: Any, message: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(make(tmp_path)), "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert not out.exists()


def test_cli_says_how_to_install_the_font_when_it_is_missing(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)  # makes the import fail
    result = CliRunner().invoke(main, ["report", str(ROOT), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "the charts need the Noto Sans SC font from the pylopdf-fonts-zh-cn package" in result.stderr
    assert not (tmp_path / "out" / PAGE).exists()
