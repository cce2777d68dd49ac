"""Layer 3: package checks that no single-table tool expresses, registered in one place.

Each check is a function of :class:`~cqpolicy.validate.data.PackageData` that returns
findings with a stable kebab-case id. They live in modules by concern:

- :mod:`~cqpolicy.validate.files`: the files and the descriptor (hashes, sizes, CSV layout,
  the column contract, the document metadata, the version);
- :mod:`~cqpolicy.validate.consistency`: consistency between copies (CSV and Parquet);
- :mod:`~cqpolicy.validate.hygiene`: text hygiene;
- :mod:`~cqpolicy.validate.numbering`: numbering, keys and links across tables;
- :mod:`~cqpolicy.validate.workbook_checks`: the Excel copy against the CSV tables;
- :mod:`~cqpolicy.validate.semantics`: values that disagree with what the package says elsewhere;
- :mod:`~cqpolicy.validate.database`: the SQLite copy against the CSV tables;
- :mod:`~cqpolicy.validate.conformance`: the descriptor against the Data Package v2 profile, and
  the citation records against the descriptor;
- :mod:`~cqpolicy.validate.documents`: the generated documents the package carries (reading page,
  summary page, the README's generated sections) against what its tables give.

A check that fails unexpectedly reports ``internal-error`` instead of raising, so
one broken file never hides the findings of the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cqpolicy.findings import Finding
from cqpolicy.validate.conformance import check_citations, check_profile
from cqpolicy.validate.consistency import check_parquet
from cqpolicy.validate.data import PackageData, load_data, new_finding
from cqpolicy.validate.database import check_database
from cqpolicy.validate.documents import check_documents
from cqpolicy.validate.files import (
    check_contract,
    check_csv_layout,
    check_document_metadata,
    check_files,
    check_version,
)
from cqpolicy.validate.hygiene import check_text
from cqpolicy.validate.numbering import (
    check_links,
    check_numbering,
    check_row_order,
    chinese_numeral,
    units_in_cell,
)
from cqpolicy.validate.semantics import (
    check_collective_type,
    check_date_year,
    check_section_titles,
    check_sentence_ends,
    check_task_texts,
    check_whitespace,
)
from cqpolicy.validate.translation import check_translation
from cqpolicy.validate.workbook_checks import check_workbook

__all__ = ["CHECKS", "PackageData", "chinese_numeral", "load_data", "run_checks", "units_in_cell"]


#: The checks, in the order they run (``check_files`` and ``check_csv_layout`` need no loaded
#: tables). A new module registers its checks with one line each here.
CHECKS: tuple[Callable[[PackageData], list[Finding]], ...] = (
    check_files,
    check_csv_layout,
    check_contract,
    check_document_metadata,
    check_version,
    check_parquet,
    check_text,
    check_numbering,
    check_links,
    check_row_order,
    check_workbook,
    check_section_titles,
    check_collective_type,
    check_whitespace,
    check_task_texts,
    check_date_year,
    check_sentence_ends,
    check_profile,
    check_citations,
    check_database,
    check_translation,
    check_documents,
)


def run_checks(data: PackageData) -> tuple[list[Finding], dict[str, Any]]:
    """Run every package check; an unexpected exception becomes an ``internal-error`` finding."""
    findings = list(data.unreadable)
    for check in CHECKS:
        name = check.__name__.removeprefix("check_").replace("_", "-")
        try:
            findings.extend(check(data))
        except Exception as error:  # a bug or an input no check foresaw must not hide the other findings
            findings.append(
                new_finding(
                    "internal-error",
                    f"the {name} check stopped on {type(error).__name__}: {error}; please report this",
                )
            )
    return findings, {"checks": len(CHECKS), "tables": len(data.csv)}
