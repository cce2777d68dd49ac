"""Shared fixtures: the repository's archived source and curated inputs, and a built package."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"
ARCHIVED = SOURCES / "000_75cbbf2a9912bf4b.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def archived_lines() -> list[str]:
    """The archived source, decoded, corrected and normalised."""
    from cqpolicy.build import curated
    from cqpolicy.build.normalise import normalise_text
    from cqpolicy.intake.text import decode

    corrections = curated.load_corrections(ARCHIVED.with_name(ARCHIVED.stem + ".corrections.csv"))
    return normalise_text(decode(ARCHIVED.read_bytes(), ARCHIVED), corrections)


@pytest.fixture(scope="session")
def built_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package freshly built from the repository's sources into a temporary directory (read-only use)."""
    from cqpolicy.build import build_package

    out = tmp_path_factory.mktemp("package")
    build_package(source=None, out=out, sources_dir=SOURCES)
    return out


@pytest.fixture
def sources_copy(tmp_path: Path) -> Path:
    """A writable copy of sources/ for tests that break an input."""
    target = tmp_path / "sources"
    shutil.copytree(SOURCES, target)
    return target
