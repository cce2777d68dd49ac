"""The validation report: findings as data, rendered as text or JSON.

JSON shape (``cqpolicy validate --format json``; ``ValidationReport.to_dict()``)::

    {
      "valid": false,                      # true when there are no findings
      "package": "dist/x.zip",             # the PACKAGE argument as given
      "name": "cqpolicy-guangyang-bay",    # from the descriptor (null if absent)
      "version": "1.0.0",
      "layers": {                          # what each layer ran; absent when a layer was not run
        "frictionless": {"resources": 10, "errors": 0},
        "expectations": {"suites": 9, "expectations_defined": 62,
                         "expectations_evaluated": 62, "expectations_failed": 0},
        "package": {"checks": 10, "tables": 9},
        "rebuild": {"files": 20, "values": 4321}  # re-derived from sources/ and compared,
                                           #   or {"skipped": "--no-rebuild"} (or no sources/)
      },
      "counts": {
        "findings": 2,
        "by_layer": {"frictionless": 1, "package": 1},
        "by_check": {"foreign-key": 1, "hash-mismatch": 1}
      },
      "findings": [                        # sorted by layer, resource, check
        {"check": "foreign-key",           # stable kebab-case id
         "layer": "frictionless",          # frictionless | expectations | package
         "resource": "tasks",              # resource name, or null for the package
         "row": 4,                         # data row number (1-based, header excluded),
                                           #   or the primary key {"task_no": 4}, or null
         "field": "clause_no",             # or null
         "message": "…one sentence…"}
      ]
    }

Exit codes: 0 valid, 1 invalid. (Unusable input, exit 2, raises
:class:`cqpolicy.errors.InputError` before there is a report.)
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

from cqpolicy.findings import Finding

LAYER_ORDER = ("frictionless", "expectations", "package", "rebuild")
LAYER_TITLES = {
    "frictionless": "standard checks (frictionless)",
    "expectations": "expectation suites (Great Expectations, validation/suites)",
    "package": "package checks",
    "rebuild": "provenance (rebuilt from sources/)",
}

_RED, _GREEN, _BOLD, _DIM, _RESET = "\033[31m", "\033[32m", "\033[1m", "\033[2m", "\033[0m"


def use_color(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _order(finding: Finding) -> tuple[int, str, str, str]:
    layer = LAYER_ORDER.index(finding.layer) if finding.layer in LAYER_ORDER else len(LAYER_ORDER)
    return (layer, finding.resource or "", finding.check, "")


@dataclass
class ValidationReport:
    """Everything ``validate_package`` found, with what it ran.

    Attributes:
        package: The package as given (path of a directory, descriptor or zip).
        name: The descriptor's ``name``.
        version: The descriptor's ``version``.
        findings: Every problem found, in a stable order.
        layers: Per layer, what it ran (counts); only the layers that ran.
    """

    package: str
    name: str | None
    version: str | None
    findings: list[Finding] = field(default_factory=list)
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings, key=_order)

    @property
    def valid(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    @property
    def exit_code(self) -> int:
        """0 valid, 1 invalid."""
        return 0 if self.valid else 1

    def checks(self) -> set[str]:
        """The ids of the checks that reported something."""
        return {f.check for f in self.findings}

    @property
    def counts(self) -> dict[str, Any]:
        """Number of findings in total, by layer and by check id."""
        return {
            "findings": len(self.findings),
            "by_layer": dict(sorted(Counter(f.layer for f in self.findings).items())),
            "by_check": dict(sorted(Counter(f.check for f in self.findings).items())),
        }

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the shape is in the module docstring)."""
        return {
            "valid": self.valid,
            "package": self.package,
            "name": self.name,
            "version": self.version,
            "layers": self.layers,
            "counts": self.counts,
            "findings": [
                {
                    "check": f.check,
                    "layer": f.layer,
                    "resource": f.resource,
                    "row": f.row,
                    "field": f.field,
                    "message": f.message,
                }
                for f in self.findings
            ],
        }

    def to_json(self) -> str:
        """The report as indented JSON, Chinese kept as is."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)

    def summary(self) -> str:
        """One line: valid or not, and how many findings."""
        title = " ".join(str(p) for p in (self.name, self.version) if p) or self.package
        if self.valid:
            return f"{title}: valid ({self._ran()})"
        n = len(self.findings)
        return f"{title}: INVALID, {n} finding{'s' if n != 1 else ''} ({self._ran()})"

    def _ran(self) -> str:
        parts = []
        stats = self.layers
        if "frictionless" in stats:
            parts.append(f"frictionless read {stats['frictionless'].get('resources', 0)} resources")
        if "expectations" in stats:
            e = stats["expectations"]
            parts.append(
                f"{e.get('expectations_evaluated', 0)} of {e.get('expectations_defined', 0)} expectations "
                f"evaluated in {e.get('suites', 0)} suites"
            )
        if "package" in stats:
            parts.append(f"{stats['package'].get('checks', 0)} package checks")
        if "rebuild" in stats:
            rebuild = stats["rebuild"]
            if "skipped" in rebuild:
                parts.append(f"rebuild from sources/ skipped ({rebuild['skipped']})")
            else:
                parts.append(
                    f"rebuilt {rebuild.get('files', 0)} files from sources/ and compared "
                    f"{rebuild.get('values', 0)} values"
                )
        return "; ".join(parts)

    def render_text(self, color: bool = False) -> str:
        """Human report: a summary line, then findings grouped by layer and resource."""

        def paint(text: str, code: str) -> str:
            return f"{code}{text}{_RESET}" if color else text

        head = self.summary()
        lines = [paint(head, _BOLD + (_GREEN if self.valid else _RED))]
        current: tuple[str, str | None] | None = None
        for finding in self.findings:
            group = (finding.layer, finding.resource)
            if group[0] != (current or ("", None))[0]:
                lines.append("")
                lines.append(paint(LAYER_TITLES.get(finding.layer, finding.layer), _BOLD))
            if group != current:
                lines.append(f"  {finding.resource or '(package)'}")
                current = group
            lines.append(f"    {paint(finding.check, _RED)}  {finding.message}")
        if not self.valid:
            lines.append("")
            lines.append(paint(f"exit 1: the package is invalid; {self.counts['findings']} findings", _DIM))
        return "\n".join(lines)
