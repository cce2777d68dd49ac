"""``stale-document``: a package that carries a generated document must carry its own version's.

An amendment is built (60 tasks, a new number); the documents generated for released 1.2.0
(reading page, summary page, README prose) put beside it are stale, in a folder and in a zip.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, FROZEN_SOURCES, ROOT
from cqpolicy.publish.docs import prose_markers, refresh_readme
from cqpolicy.publish.policy import write_policy_page
from cqpolicy.publish.report import build_report
from cqpolicy.validate import validate_package

AMENDED = FIXTURES / "amended" / "amended-2023.txt"


def stale(path: Path) -> list[tuple[str | None, str]]:
    report = validate_package(path, layers=("package",), rebuild=False, parallel=False)
    return [(f.resource, f.message) for f in report.findings if f.check == "stale-document"]


def with_documents(package: Path, target: Path) -> Path:
    """A copy of ``package`` with its reading page, summary page and README generated from it."""
    shutil.copytree(package, target)
    write_policy_page(target, target / "docs" / "policy.md")
    build_report(target, target / "docs" / "report")
    descriptor = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    readme = refresh_readme((ROOT / "README.md").read_text(encoding="utf-8"), descriptor, target)
    (target / "README.md").write_text(readme, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def current(built_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Released 1.2.0 with its own documents."""
    return with_documents(built_package, tmp_path_factory.mktemp("current") / "pkg")


@pytest.fixture(scope="module")
def amended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The amendment built (untranslated: the English is not the point here), without documents."""
    from cqpolicy.build import build_package

    out = tmp_path_factory.mktemp("amended") / "pkg"
    build_package(source=AMENDED, out=out, sources_dir=FROZEN_SOURCES, allow_untranslated=True)
    return out


def test_documents_generated_from_the_package_are_current(current: Path) -> None:
    assert prose_markers("counts")[0] in (current / "README.md").read_text(encoding="utf-8")
    assert stale(current) == []


def test_a_reading_page_of_the_old_version_is_stale(current: Path, amended: Path, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(amended, package)
    shutil.copy2(current / "docs" / "policy.md", package / "docs" / "policy.md")
    assert stale(package) == [
        (
            "docs/policy.md",
            "docs/policy.md is not the page this package's tables give (stale); regenerate it with "
            "`make publish` (a release with `cqpolicy release` does it too)",
        )
    ]
    write_policy_page(package, package / "docs" / "policy.md")
    assert stale(package) == []


def test_a_summary_page_of_the_old_version_is_stale(current: Path, amended: Path, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(amended, package)
    shutil.copytree(current / "docs" / "report", package / "docs" / "report")
    assert [resource for resource, _ in stale(package)] == ["docs/report/README.md"]


def test_readme_counts_and_version_of_the_old_version_are_stale(
    current: Path, amended: Path, tmp_path: Path
) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(amended, package)
    shutil.copy2(current / "README.md", package / "README.md")
    [(resource, message)] = stale(package)
    assert resource == "README.md"
    for section in ("data dictionary", "citation", "'title' prose", "'counts' prose", "'who' prose"):
        assert section in message
    # one edited number in the generated prose is enough
    text = (current / "README.md").read_text(encoding="utf-8")
    start, end = prose_markers("counts")
    counts = text[text.index(start) : text.index(end)]
    edited = text.replace(counts, counts.replace("| `tasks` | 59 |", "| `tasks` | 58 |"))
    assert edited != text
    (package / "README.md").write_text(edited, encoding="utf-8")
    shutil.copytree(current, tmp_path / "again")
    (tmp_path / "again" / "README.md").write_text(edited, encoding="utf-8")
    assert [m for _, m in stale(tmp_path / "again")] == [
        "README.md: the generated 'counts' prose is not what this package gives (stale); regenerate it "
        "with `make publish` (a release with `cqpolicy release` does it too)"
    ]


def test_a_zip_with_an_old_reading_page_is_invalid(current: Path, amended: Path, tmp_path: Path) -> None:
    archive = tmp_path / "amended.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(amended.rglob("*")):
            if path.is_file():
                zf.write(path, f"pkg/{path.relative_to(amended).as_posix()}")
        zf.write(current / "docs" / "policy.md", "pkg/docs/policy.md")
    report = validate_package(archive, layers=("package",), rebuild=False, parallel=False)
    assert not report.valid
    assert [f.resource for f in report.findings if f.check == "stale-document"] == ["docs/policy.md"]
