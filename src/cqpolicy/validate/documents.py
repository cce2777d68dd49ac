"""The documents generated from the package are current: ``stale-document``.

A package that carries a generated document (the repository and the zip do; a package built
into a folder does not) must carry the one its own tables give: the reading page
``docs/policy.md``, the summary page ``docs/report/README.md``, and the README's generated
sections (data dictionary, citation, and the prose that states the counts and the version).
Each is re-derived with the code that writes it and compared; a document left over from an
older version (an amendment released without ``make publish``, a zip packed from a stale
checkout) is reported, naming the file and how to regenerate it. The citation records and the
JSON-LD are checked against the descriptor by :func:`cqpolicy.validate.conformance.check_citations`;
the report's charts are drawn from the same figures as its page and are not re-drawn here (that
takes seconds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cqpolicy.errors import CqpolicyError
from cqpolicy.findings import Finding
from cqpolicy.validate.data import new_finding

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from cqpolicy.validate.data import PackageData

CHECK = "stale-document"
POLICY_PAGE = "docs/policy.md"
REPORT_PAGE = "docs/report/README.md"
_REGENERATE = "regenerate it with `make publish` (a release with `cqpolicy release` does it too)"


def check_documents(data: PackageData) -> list[Finding]:
    """A ``stale-document`` finding for each generated document that is not what the package gives."""
    found: list[Finding] = []
    for name, derive in ((POLICY_PAGE, _policy_page), (REPORT_PAGE, _report_page)):
        path = data.root / name
        if not path.is_file():
            continue
        try:
            expected = derive(data.root)
        except CqpolicyError:
            continue  # a table the page needs is missing or unreadable: its own check reports it
        if path.read_text(encoding="utf-8", errors="replace") != expected:
            found.append(
                new_finding(
                    CHECK, f"{name} is not the page this package's tables give (stale); {_REGENERATE}", name
                )
            )
    readme = data.root / "README.md"
    if readme.is_file():
        stale = _stale_readme_sections(readme.read_text(encoding="utf-8", errors="replace"), data)
        if stale:
            found.append(
                new_finding(
                    CHECK,
                    f"README.md: the generated {', '.join(stale)} {'is' if len(stale) == 1 else 'are'} "
                    f"not what this package gives (stale); {_REGENERATE}",
                    "README.md",
                )
            )
    return found


def _policy_page(root: Path) -> str:
    from cqpolicy.publish.policy import policy_page_text

    return policy_page_text(root)[0]


def _report_page(root: Path) -> str:
    from cqpolicy.publish.report import compute_figures, load_package_tables, render_markdown

    descriptor, tables = load_package_tables(root)
    return render_markdown(compute_figures(tables, descriptor))


def _stale_readme_sections(text: str, data: PackageData) -> list[str]:
    """The names of the README's generated sections that differ from what the package gives."""
    from cqpolicy.publish import docs

    stale: list[str] = []
    pairs: list[tuple[str, str, str, Callable[[], str]]] = [
        (
            "data dictionary",
            docs.START,
            docs.END,
            lambda: docs.render_data_dictionary(data.descriptor, data.root),
        ),
        ("citation", docs.CITATION_START, docs.CITATION_END, lambda: docs.render_citation(data.descriptor)),
    ]
    for name, start, end, render in pairs:
        if start in text and end in text and docs.replace_section(text, render(), start, end) != text:
            stale.append(name)
    prose = [name for name in docs.PROSE if all(m in text for m in docs.prose_markers(name))]
    if prose:
        try:
            fresh = docs.render_prose(data.descriptor, data.root)
        except CqpolicyError:
            return stale
        for name in prose:
            start, end = docs.prose_markers(name)
            if docs.replace_section(text, f"{start}\n{fresh[name]}\n{end}", start, end) != text:
                stale.append(f"'{name}' prose")
    return stale
