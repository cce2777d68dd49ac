"""Conformance: the descriptor meets the Data Package v2 profile, and the citation records agree with it.

Two checks of the package layer:

- ``descriptor-profile``: ``datapackage.json`` validated with ``jsonschema`` against the
  official v2 profile its ``$schema`` names (vendored in ``resources/profiles/2.0``). A
  descriptor without ``$schema``, or naming another profile, is a finding too.
- ``citation-mismatch`` / ``citation-unreadable``: ``CITATION.cff``, ``.zenodo.json`` and
  ``docs/dataset.jsonld``, where the package has them, say the same version, title, data
  licence and release date as the descriptor (see :mod:`cqpolicy.build.citation`). A
  downloaded zip carries all three; a package without them is not checked for them.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cqpolicy.build.citation import CITATION_FILES, CitationFacts, data_licence, expected_facts, facts_of
from cqpolicy.findings import Finding

if TYPE_CHECKING:
    from cqpolicy.validate.data import PackageData

#: The profiles this toolkit can check, by the URL a descriptor's ``$schema`` gives.
PROFILES = {"https://datapackage.org/profiles/2.0/datapackage.json": "profiles/2.0/datapackage.json"}
#: At most this many profile errors are listed one by one.
_MAX_LISTED = 20
#: Files larger than this are not citation records.
_MAX_CITATION_BYTES = 1_000_000


@functools.cache
def load_profile(relative: str) -> dict[str, Any]:
    """A vendored profile, parsed."""
    text = resources.files("cqpolicy").joinpath("resources", relative).read_text(encoding="utf-8")
    profile: dict[str, Any] = json.loads(text)
    return profile


def profile_errors(descriptor: dict[str, Any]) -> list[str]:
    """Where ``descriptor`` breaks the profile its ``$schema`` names, one line each (JSON path: message)."""
    import jsonschema

    url = descriptor.get("$schema")
    if url not in PROFILES:
        known = ", ".join(PROFILES)
        return [f"$schema is {url!r}; a Data Package v2 descriptor declares {known}"]
    validator = jsonschema.Draft7Validator(load_profile(PROFILES[url]), format_checker=_format_checker())
    errors = sorted(validator.iter_errors(descriptor), key=lambda error: list(map(str, error.absolute_path)))
    return [f"{error.json_path}: {error.message[:200]}" for error in errors]


#: RFC 3339 date-time (``2026-11-29T00:00:00Z``), the profile's ``format: date-time``.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
#: An absolute URI (scheme and something after it), the profile's ``format: uri``.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")


@functools.cache
def _format_checker() -> Any:
    """jsonschema's format checker plus ``date-time`` and ``uri`` (which it checks only with extras)."""
    import datetime as dt

    import jsonschema

    checker = jsonschema.FormatChecker()

    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not _DATE_TIME.match(value):
            return False
        try:
            dt.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
        except ValueError:
            return False
        return True

    def _uri(value: object) -> bool:
        return not isinstance(value, str) or bool(_URI.match(value))

    checker.checks("date-time")(_date_time)
    checker.checks("uri")(_uri)
    return checker


def check_profile(data: PackageData) -> list[Finding]:
    """``descriptor-profile``: the descriptor against the Data Package v2 profile."""
    problems = profile_errors(data.descriptor)
    findings = [
        Finding(
            "descriptor-profile",
            f"datapackage.json does not conform to Data Package v2 at {problem}; "
            "rebuild it with `cqpolicy build` or correct the descriptor",
        )
        for problem in problems[:_MAX_LISTED]
    ]
    if len(problems) > _MAX_LISTED:
        findings.append(
            Finding(
                "descriptor-profile",
                f"… and {len(problems) - _MAX_LISTED} more places where datapackage.json breaks v2",
            )
        )
    return findings


def check_citations(data: PackageData) -> list[Finding]:
    """``citation-mismatch`` / ``citation-unreadable``: each citation record against the descriptor."""
    expected = expected_facts(data.descriptor)
    licence_url = str(data_licence(data.descriptor).get("path", ""))
    findings: list[Finding] = []
    for name in CITATION_FILES:
        path = Path(data.root) / name
        if not path.exists():
            continue
        if not path.is_file() or path.is_symlink() or path.stat().st_size > _MAX_CITATION_BYTES:
            findings.append(
                Finding(
                    "citation-unreadable", f"{name} is not a regular file under 1 MB; rebuild the package"
                )
            )
            continue
        try:
            found = facts_of(name, path.read_bytes())
        except (ValueError, UnicodeDecodeError) as error:
            findings.append(
                Finding(
                    "citation-unreadable",
                    f"{name} cannot be read ({error}); rebuild it with `cqpolicy build`",
                )
            )
            continue
        findings.extend(_disagreements(name, expected, found, licence_url))
    return findings


def _disagreements(
    name: str, expected: CitationFacts, found: CitationFacts, licence_url: str
) -> list[Finding]:
    licence_ok = expected.licence.lower() in found.licence.lower().split() or (
        bool(licence_url) and licence_url in found.licence.split()
    )
    pairs = [
        ("version", expected.version, found.version, expected.version == found.version),
        ("title", expected.title, found.title, expected.title == found.title),
        ("licence", expected.licence, found.licence, licence_ok),
        ("release date", expected.released, found.released, expected.released == found.released),
    ]
    return [
        Finding(
            "citation-mismatch",
            f"{name} gives the {what} {got!r} but datapackage.json says {want!r}; "
            "rebuild with `cqpolicy build` (the citation files are generated, never edited by hand)",
            field=what,
        )
        for what, want, got, ok in pairs
        if not ok
    ]
