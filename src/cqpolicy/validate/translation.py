"""Package check: the English translation keeps the rules of :mod:`cqpolicy.translation`.

The build refuses to write a broken translation; this check finds one in a package someone
hands ``cqpolicy validate`` (edited by hand, built by an older toolkit, or tampered with).
It reads the Chinese and English columns of ``document``, ``sections``, ``clauses`` and
``tasks`` and the package's own ``glossary`` table, and reports each broken rule as a
finding whose ``check`` is the rule's id (``translation-missing``,
``translation-number-missing``, ``glossary-term-ambiguous``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cqpolicy.build.parse import PUBLIC_RELEASE
from cqpolicy.findings import Finding
from cqpolicy.translation import Pair, Term, problems

if TYPE_CHECKING:
    import pandas as pd

    from cqpolicy.validate.data import PackageData

#: (table, key column, Chinese column, English column) of every translated text.
COLUMNS = [
    ("document", "document_number", "title", "title_en"),
    ("document", "document_number", "annex_title", "annex_title_en"),
    ("sections", "section_no", "title", "title_en"),
    ("clauses", "clause_no", "title", "title_en"),
    ("clauses", "clause_no", "text", "text_en"),
    ("tasks", "task_no", "text", "text_en"),
]
#: Texts whose English is optional (packages built before these columns existed have none):
#: checked only where the English column exists and holds a text. The publication note's
#: Chinese is the fixed （此件公开发布）, stated by ``publicly_released``.
OPTIONAL = [("document", "document_number", "addressees", "addressees_en")]
#: Show at most this many findings per check; one more finding counts the rest.
MAX_FINDINGS = 20


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _pairs(tables: dict[str, pd.DataFrame]) -> list[Pair]:
    pairs = []
    for table, key, zh, en in COLUMNS:
        frame = tables.get(table)
        if frame is None or zh not in frame.columns:
            continue
        for _, row in frame.iterrows():
            english = _text(row[en]) if en in frame.columns else ""
            pairs.append(Pair(table, str(row[key]), en, _text(row[zh]), english))
    for table, key, zh, en in OPTIONAL:
        frame = tables.get(table)
        if frame is None or zh not in frame.columns or en not in frame.columns:
            continue
        for _, row in frame.iterrows():
            if _text(row[en]):
                pairs.append(Pair(table, str(row[key]), en, _text(row[zh]), _text(row[en])))
    document = tables.get("document")
    if document is not None and "publication_note_en" in document.columns:
        for _, row in document.iterrows():
            note = _text(row["publication_note_en"])
            if note:
                pairs.append(
                    Pair("document", str(row["document_number"]), "publication_note_en", PUBLIC_RELEASE, note)
                )
    if document is not None and "preamble" in document.columns:
        for _, row in document.iterrows():
            chinese = _text(row["preamble"])
            english = _text(row["preamble_en"]) if "preamble_en" in document.columns else ""
            # The paragraph rule compares the whole preamble; the others apply paragraph by paragraph.
            pairs.append(Pair("document", str(row["document_number"]), "preamble_en", chinese, english))
    return pairs


def _glossary(tables: dict[str, pd.DataFrame]) -> list[Term]:
    frame = tables.get("glossary")
    if frame is None or not {"term_zh", "term_en"} <= set(frame.columns):
        return []
    return [
        Term(_text(row["term_zh"]), _text(row["term_en"]), _text(row.get("basis")))
        for _, row in frame.iterrows()
        if _text(row["term_zh"])
    ]


def check_translation(data: PackageData) -> list[Finding]:
    """Every text translated, numbers kept, no Chinese left, each glossary term its one way."""
    found = problems(_pairs(data.csv), _glossary(data.csv))
    out: list[Finding] = []
    shown: dict[str, int] = {}
    for problem in found:
        shown[problem.check] = shown.get(problem.check, 0) + 1
        if shown[problem.check] > MAX_FINDINGS:
            continue
        pair = problem.pair
        out.append(
            Finding(
                check=problem.check,
                message=problem.message,
                resource=pair.table if pair else "glossary",
                row=pair.key if pair else None,
                field=pair.field if pair else None,
            )
        )
    for check, count in shown.items():
        if count > MAX_FINDINGS:
            out.append(
                Finding(
                    check=check,
                    message=f"{count - MAX_FINDINGS} more rows break {check}",
                )
            )
    return out
