"""Shared fixtures.

The suite is split in two (see tests/fixtures/released/README.md):

* **frozen**: tests that need the real policy's values (59 tasks, task 3's units, the document
  number, golden pages) read the byte copy of released 1.2.0 in ``tests/fixtures/released/1.2.0``
  through :data:`FROZEN`, :data:`FROZEN_SOURCES`, ``frozen_sources``, ``built_package`` (alias
  ``frozen_package``), ``sources_copy`` and ``archived_lines``. Releasing a new version never
  changes what they read.
* **data** (marker ``data``): tests that read the repository's own ``sources/``, ``data/``,
  ``datapackage.json``, README or docs. They assert relations only (the CSV equals the Parquet,
  the database and the workbook; counts against the package's own tables; the documents derived
  from the package are current), so that releasing any valid amendment leaves them green.
  ``tests/test_release_drill.py`` proves it by releasing a fictional amendment in a clone and
  running ``pytest -m data`` there.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The frozen byte copy of released 1.2.0: its sources, CSV tables and descriptor.
FROZEN = FIXTURES / "released" / "1.2.0"
FROZEN_SOURCES = FROZEN / "sources"
FROZEN_ARCHIVED = FROZEN_SOURCES / "000_75cbbf2a9912bf4b.txt"
#: The version frozen in FROZEN.
FROZEN_VERSION = "1.2.0"


@pytest.fixture(scope="session")
def frozen_sources() -> Path:
    """The frozen sources of 1.2.0 (read-only use; copy with ``sources_copy`` to change them)."""
    return FROZEN_SOURCES


@pytest.fixture(scope="session")
def archived_lines() -> list[str]:
    """1.2.0's archived source, decoded, corrected and normalised."""
    from cqpolicy.build import curated
    from cqpolicy.build.normalise import normalise_text
    from cqpolicy.intake.text import decode

    corrections = curated.load_corrections(
        FROZEN_ARCHIVED.with_name(FROZEN_ARCHIVED.stem + ".corrections.csv")
    )
    return normalise_text(decode(FROZEN_ARCHIVED.read_bytes(), FROZEN_ARCHIVED), corrections)


@pytest.fixture(scope="session")
def built_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package built from the frozen 1.2.0 sources into a temporary directory (read-only use)."""
    from cqpolicy.build import build_package

    out = tmp_path_factory.mktemp("package")
    build_package(source=None, out=out, sources_dir=FROZEN_SOURCES)
    return out


@pytest.fixture(scope="session")
def frozen_package(built_package: Path) -> Path:
    """The same package as ``built_package``, named for what it is."""
    return built_package


@pytest.fixture
def sources_copy(tmp_path: Path) -> Path:
    """A writable copy of the frozen 1.2.0 sources for tests that break an input."""
    target = tmp_path / "sources"
    shutil.copytree(FROZEN_SOURCES, target)
    return target


def frozen_repository(target: Path, package: Path) -> Path:
    """Lay out a repository at released 1.2.0 in ``target``: ``package`` (built from the frozen
    sources), the frozen sources, CHANGELOG, README and docs, and the toolkit's licence."""
    shutil.copytree(package, target, dirs_exist_ok=True)
    shutil.copytree(FROZEN_SOURCES, target / "sources")
    shutil.copytree(FROZEN / "docs", target / "docs", dirs_exist_ok=True)
    for name in ("CHANGELOG.md", "README.md"):
        shutil.copy2(FROZEN / name, target / name)
    shutil.copy2(ROOT / "LICENSE.md", target / "LICENSE.md")
    # The documents derived from the package follow today's toolkit, as `make publish` writes
    # them: the package was rebuilt from the frozen sources by it (new columns included).
    from cqpolicy.publish.docs import refresh_readme
    from cqpolicy.publish.policy import write_policy_page

    descriptor = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    readme = target / "README.md"
    text = refresh_readme(readme.read_text(encoding="utf-8"), descriptor, target)
    readme.write_text(text, encoding="utf-8")
    write_policy_page(target, target / "docs" / "policy.md")
    return target


@pytest.fixture(scope="session")
def repo_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package built from the repository's own ``sources/`` (whatever version they are at):
    for ``data`` tests, which compare it with what the repository ships, never with fixed values."""
    from cqpolicy.build import build_package

    out = tmp_path_factory.mktemp("repo-package")
    build_package(source=None, out=out, sources_dir=ROOT / "sources")
    return out


def package_tables(root: Path) -> dict[str, list[dict[str, str]]]:
    """Every CSV table of a package, without the source_line columns (they point into each form's
    file, so they differ between forms of the same text by design)."""
    out = {}
    for path in sorted((root / "data").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            out[path.stem] = [
                {k: v for k, v in row.items() if not k.startswith("source_line")}
                for row in csv.DictReader(handle)
            ]
    return out


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes: to assert that a command changed nothing."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path, built_package: Path) -> Path:
    """A writable repository at released 1.2.0 whose translations also cover the amended fixture
    (``tests/fixtures/amended/amended-2023.txt``), ready for a release."""
    from test_diff_release import add_amended_translations

    target = frozen_repository(tmp_path / "repo", built_package)
    add_amended_translations(target / "sources" / "translations")
    return target
