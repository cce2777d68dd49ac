"""Version arithmetic: apply a suggested bump to a SemVer version.

The rule that picks the bump from the changes is in :mod:`cqpolicy.diff.rules`.
"""

from __future__ import annotations

import re

from cqpolicy.diff.model import Bump
from cqpolicy.errors import RegisterError

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*)?(?:\+[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*)?$"
)


def bump_version(version: str, bump: Bump) -> str:
    """The next version after ``version`` for a ``major``, ``minor`` or ``patch`` change.

    A pre-release or build suffix is dropped (``1.2.0-rc.1`` + patch is ``1.2.1``);
    ``none`` returns the version unchanged.

    Raises:
        RegisterError: ``version`` is not a SemVer version (exit code 1).
    """
    match = SEMVER.match(version)
    if not match:
        raise RegisterError(f"version {version!r} is not a SemVer version such as 1.0.0; fix it")
    major, minor, patch = (int(part) for part in match.groups()[:3])
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return version
