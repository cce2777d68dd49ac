"""Validation findings: data, not exceptions.

Every check in :mod:`cqpolicy.validate` reports problems as :class:`Finding`
objects. Each has a stable kebab-case ``check`` id so that tests, scripts and
people can rely on it, plus where the problem is (resource, row, field).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in a package.

    Attributes:
        check: Stable kebab-case id of the check that found it, e.g. ``foreign-key``.
        message: One sentence for a person: what is wrong and where.
        resource: Resource name (``tasks``), or ``None`` for package-level findings.
        row: Row number (1-based, header excluded) or primary-key value, if known.
        field: Field name, if the problem is in one field.
        layer: Which layer found it: ``frictionless``, ``expectations`` or ``package``.
    """

    check: str
    message: str
    resource: str | None = None
    row: Any = None
    field: str | None = None
    layer: str = "package"

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dict."""
        return asdict(self)
