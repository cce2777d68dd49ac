"""A source cut short is refused: the build finds what the document's own structure proves missing.

Each case truncates a copy of the archived source at test time (no large copies are committed)
and is named after what it shows. Line numbers are those of the archived file: line 53 announces
the annex, 54-56 are the signature, date and release note, 57-59 the annex heading, title and
table header, 60-118 the 59 task rows, 119-120 the mirror's trailer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FROZEN_ARCHIVED
from cqpolicy.build import build_package
from cqpolicy.cli import main
from cqpolicy.errors import SourceError

ARCHIVED = FROZEN_ARCHIVED


def _lines() -> list[str]:
    """The archived lines, with its reviewed correction of line 49 made in the text.

    A truncated copy has another name, so the corrections file tied to the archived one's name
    does not apply to it; the mirror's garbled word would be refused before the truncation is seen.
    """
    lines = ARCHIVED.read_text(encoding="utf-8").split("\n")
    lines[48] = lines[48].replace("??漆t(yī)院", "专科医院")
    return lines


def _keep(n: int) -> str:
    return "\n".join(_lines()[:n]) + "\n"


def _last_row(edit: str) -> str:
    lines = _lines()
    row = lines[117]  # task 59
    cut = {
        "mid-units": row[:-12],
        "mid-text": row[:30],
        "without-units": row.rsplit("|", 2)[0] + "|",
    }[edit]
    return "\n".join([*lines[:117], cut]) + "\n"


#: (fixture name, its text, line the error names, words of the error)
TRUNCATED = [
    (
        "first-60-lines",
        lambda: _keep(60),
        60,
        "the annex table stops at task 1, which implements clause （五）",
    ),
    ("last-row-cut-mid-units", lambda: _last_row("mid-units"), 118, "does not end with '|' as every other"),
    ("last-row-cut-mid-text", lambda: _last_row("mid-text"), 118, "does not end with '|' as every other"),
    ("last-row-without-units-cell", lambda: _last_row("without-units"), 118, "has 2 of 3 cells, without its"),
    ("ends-after-header-row", lambda: _keep(59), 57, "the annex table has no task rows"),
    ("ends-after-annex-title", lambda: _keep(58), 57, "has no table of tasks; is the table missing?"),
    (
        "ends-after-signature",
        lambda: _keep(56),
        56,
        "the annex (附件) with the task table is missing; the text announces '创建广阳湾智创生态城任务分工'",
    ),
    ("ends-after-section-heading", lambda: _keep(50), 50, "section 七、保障机制 has no clause"),
    ("ends-after-preamble", lambda: _keep(6), 6, "no numbered sections (一、…) found; the text ends there"),
    (
        "ends-after-first-heading",
        lambda: _keep(7),
        7,
        "no numbered clauses (（一）…) found; the text ends there",
    ),
    (
        "ends-after-clause-heading",
        lambda: _keep(8),
        8,
        "the text ends inside clause （一） after its heading",
    ),
    (
        "ends-between-clauses",
        lambda: _keep(40),
        40,
        "the text ends inside clause （十八）, before the signature",
    ),
    (
        "ends-mid-sentence",
        lambda: "\n".join([*_lines()[:39], _lines()[39][:40]]),
        40,
        "the text ends inside clause （十八） mid-sentence",
    ),
]

#: Truncations the text alone cannot reveal: rows are self-contained and nothing states their count.
UNDETECTABLE = [
    ("without-last-row", lambda: "\n".join([*_lines()[:117], *_lines()[118:]]), 58),
    ("ends-at-a-section-end", lambda: _keep(113), 54),
]


@pytest.mark.parametrize(("name", "text", "line", "message"), TRUNCATED, ids=[t[0] for t in TRUNCATED])
def test_truncated_source_is_refused_with_the_line(
    name: str, text: Callable[[], str], line: int, message: str, tmp_path: Path
) -> None:
    source = tmp_path / f"{name}.txt"
    source.write_text(text(), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(SourceError) as info:
        build_package(source=source, out=tmp_path / "out", sources_dir=ARCHIVED.parent)
    assert info.value.line == line
    assert message in str(info.value)
    assert not (tmp_path / "out" / "data").exists()


def test_truncated_source_exits_1_with_one_sentence(tmp_path: Path) -> None:
    source = tmp_path / "first-60-lines.txt"
    source.write_text(_keep(60), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--source",
            str(source),
            "--out",
            str(tmp_path / "out"),
            "--sources-dir",
            str(ARCHIVED.parent),
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"{source}, line 60: the annex table stops at task 1" in result.stderr


@pytest.mark.parametrize(("name", "text", "tasks"), UNDETECTABLE, ids=[u[0] for u in UNDETECTABLE])
def test_truncation_the_text_cannot_reveal_still_builds(
    name: str, text: Callable[[], str], tasks: int, tmp_path: Path
) -> None:
    """Pinned so that the limit is known: these build, with fewer tasks (see the module docstring)."""
    source = tmp_path / f"{name}.txt"
    source.write_text(text(), encoding="utf-8")  # type: ignore[operator]
    # Untranslated: a shorter text changes the tasks the translations key on; that is not the point here.
    result = build_package(
        source=source, out=tmp_path / "out", sources_dir=ARCHIVED.parent, allow_untranslated=True
    )
    assert result.counts["tasks"] == tasks
