"""A source's text is clean before it is built: mirror artefacts, bidi controls and separators are refused.

The frozen 1.2.0 sources are the real mirror copy (Traditional characters, pinyin annotations,
``?``); with its reviewed corrections it builds. The same bytes under another name lose the
corrections tied to the old file name, and the garbled ``漆t（yī）院`` of line 49 is refused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cqpolicy.build import build_package
from cqpolicy.build.hygiene import text_artefact
from cqpolicy.cli import main
from cqpolicy.errors import InputError
from cqpolicy.validate.hygiene import TEXT_RULES

FROZEN = Path(__file__).resolve().parent / "fixtures" / "released" / "1.2.0" / "sources"
ARCHIVED = "000_75cbbf2a9912bf4b.txt"


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(FROZEN, target)
    return target


def test_the_archived_mirror_builds_with_its_reviewed_corrections(sources: Path, tmp_path: Path) -> None:
    result = build_package(source=None, out=tmp_path / "out", sources_dir=sources)
    assert result.counts["tasks"] > 0


def test_a_copy_of_the_mirror_under_another_name_is_refused(sources: Path, tmp_path: Path) -> None:
    copy = sources / "amended.txt"
    shutil.copy2(sources / ARCHIVED, copy)
    runner = CliRunner()
    done = runner.invoke(
        main, ["build", "--source", str(copy), "--sources-dir", str(sources), "--out", str(tmp_path / "out")]
    )
    assert done.exit_code == 2
    assert done.stderr == (
        f"error: {copy}, line 49: holds pinyin in parentheses in “平三级医院和漆t（yī）院、国际医疗服务”, "
        "which is not the official text; fix it with a reviewed row in "
        f"{sources / 'amended.corrections.csv'} (columns line, find, replace, reason) or give a clean "
        "copy of the official text\n"
    )
    assert not (tmp_path / "out" / "datapackage.json").exists()


def test_the_copy_builds_once_the_corrections_follow_it(sources: Path, tmp_path: Path) -> None:
    """The sentence's advice works: the reviewed correction under the new name lets it build."""
    shutil.copy2(sources / ARCHIVED, sources / "amended.txt")
    shutil.copy2(sources / "000_75cbbf2a9912bf4b.corrections.csv", sources / "amended.corrections.csv")
    build_package(source=sources / "amended.txt", out=tmp_path / "out", sources_dir=sources)


#: The words around 专科医院 on line 49, as a message shows them.
BEFORE, AFTER = "平三级医院和专科", "医院、国际医疗服"


def _archived_with(inserted: str) -> str:
    """The archived text, line 49 corrected in the text itself, with ``inserted`` inside its 专科医院."""
    lines = (FROZEN / ARCHIVED).read_text(encoding="utf-8").split("\n")
    lines[48] = lines[48].replace("??漆t(yī)院", f"专科{inserted}医院")
    return "\n".join(lines)


def test_the_corrected_text_under_another_name_builds(tmp_path: Path, sources: Path) -> None:
    source = tmp_path / "policy.txt"
    source.write_text(_archived_with(""), encoding="utf-8")
    build_package(source=source, out=tmp_path / "out", sources_dir=sources)


@pytest.mark.parametrize(
    ("inserted", "what"),
    [
        ("\u202e", f"a bidirectional control character in “{BEFORE}<U+202E>{AFTER}"),
        ("\u2066", f"a bidirectional control character in “{BEFORE}<U+2066>{AFTER}"),
        ("\u200f", f"a bidirectional control character in “{BEFORE}<U+200F>{AFTER}"),
        ("\u2028", f"a line or paragraph separator (U+2028/U+2029) in “{BEFORE}<U+2028>{AFTER}"),
        (
            "\ufffd",
            f"the replacement character U+FFFD (the text was decoded wrongly) in “{BEFORE}\ufffd{AFTER}",
        ),
        ("ā", f"a Latin letter with a tone mark (pinyin) in “{BEFORE}ā{AFTER}"),
        # after a Han character the normalisation removes an annotation; after a stray letter it cannot
        ("x(tài)", "pinyin in parentheses in “三级医院和专科x（tài）医院、国际医疗服"),
    ],
    ids=["rlo", "lri", "rlm", "line-separator", "fffd", "tone-mark", "pinyin"],
)
def test_each_artefact_is_named_with_its_fragment(
    inserted: str, what: str, tmp_path: Path, sources: Path
) -> None:
    source = tmp_path / "policy.txt"
    source.write_text(_archived_with(inserted), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        build_package(source=source, out=tmp_path / "out", sources_dir=sources)
    assert str(caught.value) == (
        f"{source}, line 49: holds {what}”, which is not the official text; fix it with a reviewed row in "
        f"{tmp_path / 'policy.corrections.csv'} (columns line, find, replace, reason) or give a clean copy "
        "of the official text"
    )


def test_clean_chinese_and_english_pass() -> None:
    text = "推进生态文明建设（2022—2025年）, Guangyang Bay (2022)"
    assert text_artefact(text, text) is None


def test_question_mark_and_traditional_left_after_normalisation_are_named() -> None:
    assert text_artefact("生?态", "生?态") == "'?' inside Chinese text in “生?态”"
    assert text_artefact("生態", "生态") == (
        "Traditional characters (the text changes under OpenCC t2s) in “生態”"
    )


RULES = {rule.check: rule for rule in TEXT_RULES}


@pytest.mark.parametrize(
    ("check", "value", "hits"),
    [
        ("bidi-control", "市发展\u202e改革委", ["U+202E"]),
        ("bidi-control", "市发展\u2067改革委\u2069", ["U+2067", "U+2069"]),
        ("bidi-control", "市发展\u202a改革委", ["U+202A"]),
        ("pinyin-tone-mark", "三级医院和漆t（yī）院", ["ī"]),
        ("pinyin-tone-mark", "Chóngqìng", ["ó", "ì"]),
    ],
)
def test_validate_hygiene_finds_bidi_and_tone_marks(check: str, value: str, hits: list[str]) -> None:
    assert RULES[check].find(value) == hits


@pytest.mark.parametrize("check", ["bidi-control", "pinyin-tone-mark"])
def test_validate_hygiene_passes_clean_text(check: str) -> None:
    assert RULES[check].find("三级医院和专科医院 (specialist hospitals)") == []
