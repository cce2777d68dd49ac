"""Every form the portal publishes the policy in gives the same tables; broken files get one sentence."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import publications as pub
from conftest import FROZEN_SOURCES
from conftest import package_tables as tables
from cqpolicy.build import build_package
from cqpolicy.build.normalise import normalise_blocks
from cqpolicy.build.numerals import document_number, parse_date
from cqpolicy.build.parse import Document, parse_document
from cqpolicy.cli import main
from cqpolicy.errors import CqpolicyError
from cqpolicy.intake import Block, read_publication
from cqpolicy.intake.extent import document_extent
from cqpolicy.intake.portal import metadata_from, metadata_pairs

HERE = Path(__file__).resolve().parent
PUBLICATIONS = HERE / "fixtures" / "publications"
SIDECAR = FROZEN_SOURCES / "000_75cbbf2a9912bf4b.meta.json"
FORMS = ["yufu-2022-5.html", "yufu-2022-5.copied.txt", "yufu-2022-5.docx", "yufu-2022-5.pdf"]


def csv_bytes_without_source_line(root: Path) -> dict[str, bytes]:
    """The CSV files' bytes with source_line columns cut out, to compare byte for byte."""
    out = {}
    for path in sorted((root / "data").glob("*.csv")):
        lines = path.read_bytes().split(b"\n")
        keep = [i for i, name in enumerate(lines[0].split(b",")) if not name.startswith(b"source_line")]
        if len(keep) == len(lines[0].split(b",")):
            out[path.name] = path.read_bytes()
        else:  # source_line columns hold integers and come last: cut them from each line
            width = len(lines[0].split(b","))
            out[path.name] = b"\n".join(b",".join(line.rsplit(b",", width - len(keep))[:1]) for line in lines)
    return out


def with_sidecar(fixture: str, tmp_path: Path) -> Path:
    source = tmp_path / fixture
    shutil.copy(PUBLICATIONS / fixture, source)
    shutil.copy(SIDECAR, tmp_path / (source.stem + ".meta.json"))
    return source


@pytest.mark.parametrize("fixture", FORMS)
def test_every_form_of_the_policy_gives_byte_identical_tables(
    fixture: str, built_package: Path, sources_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build_package(source=with_sidecar(fixture, tmp_path), out=out, sources_dir=sources_copy)
    assert csv_bytes_without_source_line(out) == csv_bytes_without_source_line(built_package)
    assert tables(out) == tables(built_package)


def test_source_line_counts_paragraphs_in_a_page_and_says_so(sources_copy: Path, tmp_path: Path) -> None:
    import json

    out = tmp_path / "out"
    build_package(source=with_sidecar("yufu-2022-5.html", tmp_path), out=out, sources_dir=sources_copy)
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    archived = descriptor["sources"][1]
    assert archived["form"] == "html"
    assert "paragraph or table row" in archived["source_line"]
    first_task = tables(out)["tasks"][0]
    assert first_task["text"].startswith("以广阳岛为生态岛")


def test_page_without_sidecar_takes_the_official_metadata_from_the_portal(
    sources_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build_package(source=PUBLICATIONS / "yufu-2022-5.html", out=out, sources_dir=sources_copy)
    document = tables(out)["document"][0]
    assert document["document_number"] == "渝府〔2022〕5号"
    assert (document["date_written"], document["date_published"]) == ("2022-01-25", "2022-02-11")
    assert document["index_number"] == "11500000009275780L/2022-00032"
    assert document["subject"] == "城乡建设、环境保护"
    assert document["status"] == "in-force"


def test_amended_page_with_lead_and_support_columns(sources_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_package(
        source=PUBLICATIONS / "amended-2024.html", out=out, sources_dir=sources_copy, allow_untranslated=True
    )
    data = tables(out)
    document = data["document"][0]
    assert document["document_number"] == "渝府〔2024〕8号"  # written 渝府﹝2024﹞8号 on the page
    assert document["date_written"] == "2024-03-15"  # written 二〇二四年三月十五日
    links = data["task_agencies"]
    leads = {
        task: sorted(r["agency_id"] for r in links if r["task_no"] == task and r["role"] == "lead")
        for task in ("7", "8", "9", "10")
    }
    assert leads["10"] == ["cq-development-reform-commission", "cq-transport-bureau"]  # two leads
    assert leads["7"] == leads["8"] == leads["9"] == ["cq-energy-bureau"]  # one merged cell, three rows
    assert {r["role_source"] for r in links} == {"stated"}
    tasks = {row["task_no"]: row for row in data["tasks"]}
    assert (
        tasks["10"]["responsible_units_raw"] == "牵头单位：市交通局、市发展改革委；配合单位：市住房城乡建委"
    )
    assert tasks["1"]["category"] == "二、加强生态保护和修复，加快基础设施绿色升级"
    assert tasks["59"]["category"] == "七、保障机制"
    assert_valid_but_untranslated(out)


def test_archived_text_keeps_the_first_listed_convention(built_package: Path) -> None:
    links = tables(built_package)["task_agencies"]
    assert {r["role_source"] for r in links} == {"first-listed"}
    assert all((r["role"] == "lead") == (r["position"] == "1") for r in links)


def test_policy_attached_to_a_notice(sources_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_package(
        source=PUBLICATIONS / "notice-wrapping-policy.txt",
        out=out,
        sources_dir=sources_copy,
        allow_untranslated=True,
    )
    document = tables(out)["document"][0]
    assert document["title"] == "广阳湾智创生态城建设实施方案"
    assert document["notice_title"] == "重庆市人民政府办公厅关于印发广阳湾智创生态城建设实施方案的通知"
    assert document["notice_number"] == document["document_number"] == "渝府办发〔2024〕12号"
    assert document["notice_date"] == document["date_written"] == "2024-04-02"
    assert document["issuer"] == "重庆市人民政府办公厅"
    assert_valid_but_untranslated(out)  # no sidecar, no portal: valid but for its new texts' English


def test_two_annexes_pick_the_task_table_and_report_the_other(sources_copy: Path, tmp_path: Path) -> None:
    result = build_package(
        source=PUBLICATIONS / "two-annexes.txt",
        out=tmp_path / "out",
        sources_dir=sources_copy,
        allow_untranslated=True,
    )
    assert result.counts["tasks"] == 3
    assert result.document.annex_title == "创建广阳湾智创生态城任务分工"
    assert any("附件1 '广阳湾重点项目清单'" in w and "skipped" in w for w in result.warnings)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


BROKEN = [
    ("no-policy.html", 1, "no addressee line"),
    ("annex-removed.docx", 1, "paragraph 56: the annex '创建广阳湾智创生态城任务分工' has no table of tasks"),
    ("scanned.pdf", 2, "the PDF has no text layer (it is a scan"),
    ("truncated.docx", 2, "the file is not a complete .docx"),
    ("truncated.pdf", 2, "the PDF is incomplete"),
    ("gbk-declared-utf8.html", 2, "the page declares the charset utf-8 but its bytes are not utf-8"),
]


@pytest.mark.parametrize(("fixture", "code", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_publication_fails_with_one_sentence_and_leaves_the_package_untouched(
    fixture: str, code: int, message: str, built_package: Path, sources_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(built_package, out)
    before = tree_digest(out)
    args = [
        "build",
        "--source",
        str(PUBLICATIONS / fixture),
        "--out",
        str(out),
        "--sources-dir",
        str(sources_copy),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert tree_digest(out) == before


def test_page_and_sidecar_that_disagree_stop_the_build_naming_both(
    sources_copy: Path, tmp_path: Path
) -> None:
    source = with_sidecar("yufu-2022-5.html", tmp_path)
    sidecar = tmp_path / "yufu-2022-5.meta.json"
    sidecar.write_text(
        sidecar.read_text(encoding="utf-8").replace("2022-02-11", "2022-02-12"), encoding="utf-8"
    )
    with pytest.raises(CqpolicyError) as info:
        build_package(source=source, out=tmp_path / "out", sources_dir=sources_copy)
    assert "the page's 发布日期 is '2022-02-11'" in str(info.value)
    assert "date_published '2022-02-12'" in str(info.value)
    assert info.value.exit_code == 1


def test_unknown_units_of_an_amendment_are_all_written_for_review(sources_copy: Path, tmp_path: Path) -> None:
    text = (PUBLICATIONS / "amended-2024.html").read_bytes().decode("gb18030")
    source = tmp_path / "new.html"
    source.write_bytes(
        text.replace("市交通局", "市交通运输委").replace("市能源局", "市能源管理局").encode("gb18030")
    )
    with pytest.raises(CqpolicyError) as info:
        build_package(source=source, out=tmp_path / "out", sources_dir=sources_copy)
    assert str(info.value).count("named in the annex") == 1
    assert (
        "2 units named in the annex, '市能源管理局' (tasks 6, 7, 8, 9, 11, 23); "
        "'市交通运输委' (tasks 10, 11), are not in the agency register"
    ) in str(info.value)
    pending = (sources_copy / "agencies.pending.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[1] for line in pending[1:]] == ["市交通运输委", "市能源管理局"]
    assert not (tmp_path / "out").exists() or not (tmp_path / "out" / "data").exists()


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("渝府〔2022〕5号", "渝府〔2022〕5号"),
        ("渝府﹝2024﹞8号", "渝府〔2024〕8号"),
        ("渝府[2024]8号", "渝府〔2024〕8号"),
        ("渝府【2024】8号", "渝府〔2024〕8号"),
        ("渝府发〔2022〕12 号", "渝府发〔2022〕12号"),
        ("渝府办发 〔２０２２〕 ３号", "渝府办发〔2022〕3号"),
        ("关于印发方案的通知", None),
    ],
)
def test_document_number_variants(written: str, canonical: str | None) -> None:
    assert document_number(written) == canonical


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_in_every_written_form(date: dt.date) -> None:
    digits = "〇一二三四五六七八九"

    def small(n: int) -> str:
        tens, units = divmod(n, 10)
        return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[units] if units else "")

    chinese = "".join(digits[int(d)] for d in str(date.year)) + f"年{small(date.month)}月{small(date.day)}日"
    for text in (chinese, f"{date.year}年{date.month}月{date.day}日", date.isoformat()):
        assert parse_date(text) == date, text


def test_a_date_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_date("二〇二二年二月三十日")


@pytest.mark.parametrize(
    "block",
    [
        Block(1, "索引号：11500000009275780L/2022-00032 主题分类：城乡建设、环境保护"),
        Block(1, "索引号:\t11500000009275780L/2022-00032\t主题分类:\t城乡建设、环境保护"),
        Block(1, "x", ("索引号：", "11500000009275780L/2022-00032", "主题分类：", "城乡建设、环境保护")),
    ],
)
def test_metadata_lines_in_every_layout(block: Block) -> None:
    assert metadata_pairs(block) == [
        ("索引号", "11500000009275780L/2022-00032"),
        ("主题分类", "城乡建设、环境保护"),
    ]


def test_metadata_is_never_read_from_the_body() -> None:
    blocks = [Block(1, "渝府〔2022〕5号"), Block(2, "一、总体要求"), Block(3, "标题：不是元数据")]
    kept, furniture, before = document_extent(blocks, "page.txt")
    assert (kept, furniture, metadata_from(before)) == (blocks, [], {})


def test_plain_text_passes_the_extent_step_unchanged(archived_lines: list[str]) -> None:
    blocks = [Block(at, text) for at, text in enumerate(archived_lines, start=1) if text]
    assert document_extent(blocks, "text.txt") == (blocks, [], [])


# --- round trip: random small policies in every form ----------------------------------------------

UNITS = ["市发展改革委", "市经济信息委", "市财政局", "南岸区", "江北区", "重庆经开区", "两江新区"]
HAN = st.sampled_from("广阳湾智创生态城建设绿色发展创新推进数字产业金融服务科技人才保护修复规划")


@st.composite
def small_policies(draw: st.DrawFn) -> pub.Policy:
    """A random valid policy: 1-3 sections of 1-3 clauses, 1-6 tasks with 1-4 units."""
    phrase = st.lists(HAN, min_size=4, max_size=20).map("".join)
    body = [draw(phrase) + "，现提出如下意见。"]
    clause = 0
    numerals = "一二三四五六七八九"
    for s in range(draw(st.integers(1, 3))):
        body.append(f"{numerals[s]}、{draw(phrase)}")
        for _ in range(draw(st.integers(1, 3))):
            label = (
                f"（{numerals[clause]}）"
                if clause < 9
                else f"（十{numerals[clause - 10] if clause > 9 else ''}）"
            )
            clause += 1
            body.append(f"{label}{draw(phrase)}。{draw(phrase)}。")
    title = "创建" + draw(phrase) + "任务分工"
    body += [f"附件：{title}", "重庆市人民政府", "2022年1月25日", "（此件公开发布）"]
    rows = []
    for n in range(1, draw(st.integers(1, 6)) + 1):
        units = draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=4, unique=True))
        split = draw(st.integers(1, len(units)))
        cell = "、".join(units[:split]) + ("，" + "、".join(units[split:]) if units[split:] else "")
        rows.append([str(n), draw(phrase) + "。", cell])
    annex = pub.Annex("附件", title, ["序号", "目标任务", "责任单位"], rows)
    header = ["重庆市人民政府关于" + draw(phrase) + "的意见", "渝府〔2022〕5号"]
    metadata = [("发文字号", "渝府〔2022〕5号"), ("标题", header[0]), ("成文日期", "2022-01-25")]
    return pub.Policy(header, "有关区人民政府，市政府有关部门，有关单位：", body, [annex], metadata)


def parsed(data: bytes, name: str, tmp_path: Path) -> Document:
    path = tmp_path / name
    path.write_bytes(data)
    publication = read_publication(path)
    return parse_document(normalise_blocks(publication.blocks), path)


def structure(doc: Document) -> tuple[object, ...]:
    """What the tables are made of, without positions in the file."""
    return (
        doc.document_number,
        doc.title,
        doc.date_written,
        doc.preamble,
        doc.annex_title,
        [(s.section_no, s.title) for s in doc.sections],
        [(c.clause_no, c.section_no, c.title, c.text) for c in doc.clauses],
        [
            (t.task_no, t.text, t.units_raw, [(u.name, u.position, u.group_no) for u in t.units])
            for t in doc.tasks
        ],
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(policy=small_policies())
def test_random_policies_read_the_same_from_html_copied_text_and_word(
    policy: pub.Policy, tmp_path: Path
) -> None:
    expected = structure(parsed(pub.render_official_text(policy), "p.txt", tmp_path))
    assert structure(parsed(pub.render_html(policy), "p.html", tmp_path)) == expected
    assert structure(parsed(pub.render_copied_text(policy), "p-copied.txt", tmp_path)) == expected
    assert structure(parsed(pub.render_docx(policy), "p.docx", tmp_path)) == expected


def assert_valid_but_untranslated(out: Path) -> None:
    """A fixture text of our own has no reviewed English: validate reports that, and only that."""
    result = CliRunner().invoke(main, ["validate", str(out), "--format", "json"])
    findings = json.loads(result.stdout)["findings"]
    assert findings, "an untranslated text must not validate"
    assert {f["check"] for f in findings} <= {"translation-missing", "expect-column-values-to-not-be-null"}
    assert all(
        str(f["field"]).startswith(("text_en", "title_en", "preamble_en", "annex_title_en")) for f in findings
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "policy.rtf",
            b"{\\rtf1\\ansi\\ansicpg936 {\\fonttbl}\\f0 \\u37325?\\par}",
            "the file is an RTF document",
        ),
        ("policy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "the file is a legacy Word .doc"),
        ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "the file is an image"),
    ],
)
def test_a_form_no_reader_takes_is_refused_saying_what_to_save_it_as(
    name: str, data: bytes, message: str, tmp_path: Path
) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    result = CliRunner().invoke(main, ["build", "--source", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {source}: {message}")
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
