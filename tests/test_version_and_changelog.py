"""``cqpolicy --version`` names both versions; a release's CHANGELOG section speaks of files, not bytes."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, FROZEN_SOURCES
from cqpolicy.cli import main


def test_version_shows_the_toolkit_and_the_data_it_finds(
    built_package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(built_package)
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"cqpolicy {version('cqpolicy')} (toolkit)\n"
        f"data: cqpolicy-guangyang-bay 1.2.0 (渝府〔2022〕5号) in {built_package}\n"
    )


def test_the_changelog_section_names_the_new_source_file_not_descriptor_fields(
    built_package: Path, tmp_path: Path
) -> None:
    from cqpolicy.build import build_package
    from cqpolicy.diff.compare import diff_packages
    from cqpolicy.diff.load import load_package_data
    from cqpolicy.diff.model import Side
    from cqpolicy.diff.render import changelog_section

    amended = tmp_path / "amended"
    build_package(
        source=FIXTURES / "amended" / "amended-2023.txt",
        out=amended,
        sources_dir=FROZEN_SOURCES,
        allow_untranslated=True,
    )
    result = diff_packages(
        load_package_data(built_package, Side(source="1.2.0", kind="directory")),
        load_package_data(amended, Side(source="amended", kind="directory")),
    )
    assert any(name.startswith("sources[") for c in result.changes for name in c.fields)  # in the diff
    section = changelog_section(result, "1.3.0", "2026-12-01")
    assert "sources[" not in section and "- package metadata" not in section  # title, description, sources
    assert (
        "- The package is built from the new text, archived as `amended-2023.txt`; the previous "
        "text, `sources/000_75cbbf2a9912bf4b.txt`, stays archived." in section
    )
    assert "- The package's title and description name the new document." in section
    assert "`document_number`: 渝府〔2022〕5号 → 渝府〔2023〕12号" in section  # the policy's facts stay
