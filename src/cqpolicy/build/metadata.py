"""What the document table knows beyond the text: the portal's metadata and the sidecar file.

Two inputs can state facts the policy's text does not: the portal page's metadata block
(read by :mod:`cqpolicy.intake.portal`) and a reviewed sidecar file ``<source>.meta.json``.
Both are optional. Where both state a fact they must agree, and where the page states the
document number, title or date written they must agree with the text: the build never
chooses silently between two values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cqpolicy.build.normalise import normalise_line
from cqpolicy.build.numerals import document_number, parse_date
from cqpolicy.build.parse import Document
from cqpolicy.errors import SourceError

#: Portal labels → document fields filled from them (label alternatives in order of preference).
PORTAL_FIELDS: dict[str, tuple[str, ...]] = {
    "index_number": ("索引号",),
    "subject": ("主题分类",),
    "publisher": ("发布机构", "发文机关"),
    "date_published": ("发布日期",),
    "status": ("有效性", "效力状态"),
    "category": ("文件类型",),
}
#: Portal labels checked against the text itself.
CHECKED_LABELS = {"number": ("发文字号", "文号"), "title": ("标题", "文件名称"), "date": ("成文日期",)}
#: The portal's words for a document's validity → the package's status codes.
STATUS_WORDS = {
    "有效": "in-force",
    "现行有效": "in-force",
    "生效": "in-force",
    "已修改": "amended",
    "已修订": "amended",
    "修订": "amended",
    "失效": "expired",
    "已失效": "expired",
    "废止": "repealed",
    "已废止": "repealed",
}


def stated_number(portal: dict[str, str]) -> str | None:
    """The document number the page's metadata states (its 发文字号), in canonical form, if any."""
    found = _first(portal, CHECKED_LABELS["number"])
    return document_number(normalise_line(found[1])) if found else None


def _first(portal: dict[str, str], labels: tuple[str, ...]) -> tuple[str, str] | None:
    for label in labels:
        if portal.get(label):
            return label, portal[label]
    return None


def _date(label: str, value: str, path: Path | str) -> dt.date:
    try:
        date = parse_date(value)
    except ValueError:
        date = None
    if date is None:
        raise SourceError(f"the page's {label} {value!r} is not a date", path=path)
    return date


def document_facts(
    doc: Document, portal: dict[str, str], sidecar: dict[str, Any], source: Path | str, sidecar_path: Path
) -> dict[str, Any]:
    """The facts of the ``document`` table that come from outside the text.

    Returns:
        ``index_number``, ``subject``, ``publisher``, ``date_published`` (a date), ``status``,
        and the sidecar's other keys (``official_url``, ``category``, ``title_en``, ...).

    Raises:
        SourceError: when the page contradicts the text, or the page and the sidecar disagree.
    """
    portal = {label: normalise_line(value) for label, value in portal.items()}
    _check_against_text(doc, portal, source)
    facts: dict[str, Any] = {key: value for key, value in sidecar.items() if not key.startswith("_")}
    if isinstance(facts.get("date_published"), str):
        try:
            facts["date_published"] = dt.date.fromisoformat(facts["date_published"])
        except ValueError:
            raise SourceError(
                f"date_published {facts['date_published']!r} is not an ISO date (YYYY-MM-DD)",
                path=sidecar_path,
            ) from None
    for key, labels in PORTAL_FIELDS.items():
        found = _first(portal, labels)
        if found is None:
            continue
        label, text = found
        value: Any = text
        if key == "date_published":
            value = _date(label, text, source)
        elif key == "status":
            value = STATUS_WORDS.get(text.replace(" ", ""))
            if value is None:
                raise SourceError(
                    f"the page's {label} {text!r} is not a known validity ({'、'.join(STATUS_WORDS)})",
                    path=source,
                )
        if key in facts and facts[key] not in (None, "") and facts[key] != value:
            shown = value.isoformat() if isinstance(value, dt.date) else value
            theirs = facts[key].isoformat() if isinstance(facts[key], dt.date) else facts[key]
            raise SourceError(
                f"the page's {label} is {shown!r} but {sidecar_path} says {key} {theirs!r}; "
                "correct the one that is wrong (or remove the key from the sidecar)",
                path=source,
            )
        facts[key] = value
    return facts


def _check_against_text(doc: Document, portal: dict[str, str], source: Path | str) -> None:
    checks: tuple[tuple[str, str, Callable[[str], str]], ...] = (
        ("number", doc.document_number, lambda text: document_number(text) or text),
        ("title", doc.title, lambda text: text.replace(" ", "").strip("《》")),
        ("date", doc.date_written.isoformat(), lambda text: _date("成文日期", text, source).isoformat()),
    )
    for what, in_text, canonical in checks:
        found = _first(portal, CHECKED_LABELS[what])
        if found is None:
            continue
        label, value = found
        candidates = {in_text}
        if what in ("number", "date") and doc.notice is not None:
            # the portal may describe the notice the policy was issued with
            candidates.add(doc.notice.number if what == "number" else doc.notice.date.isoformat())
        if what == "title" and doc.notice is not None:
            candidates.add(doc.notice.title)
        if canonical(value) not in candidates:
            raise SourceError(
                f"the page's {label} is {value!r} but the text says {in_text!r}; "
                "is the page the one of this document?",
                path=source,
            )
