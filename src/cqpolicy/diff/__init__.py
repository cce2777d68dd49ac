"""``cqpolicy diff``: what changed between two versions of the package, in policy terms.

The library entry points are :func:`diff_inputs` (two inputs as a user types them:
paths, zips, git revisions or released versions) and
:func:`cqpolicy.diff.compare.diff_packages` (two packages already loaded). Both
return a :class:`~cqpolicy.diff.model.DiffResult`; :mod:`cqpolicy.diff.render`
renders it as text, Markdown or JSON. Nothing on this path imports Great
Expectations or frictionless.

Modules: ``align`` (row alignment by content), ``compare`` (the comparison),
``model`` (the result), ``rules`` (table semantics and the version-bump rule),
``inline`` (character-level text differences), ``revisions`` (inputs and git),
``load`` (rows from a package directory), ``render`` (output), ``bump`` (version
arithmetic).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path

from cqpolicy.diff.model import Change, DiffResult, FieldChange, Side

__all__ = ["Change", "DiffResult", "FieldChange", "Side", "diff_inputs"]


def diff_inputs(old: str, new: str, *, cwd: Path | None = None) -> DiffResult:
    """Compare two package versions given as a user would name them.

    Args:
        old: The old version: a package directory, a ``datapackage.json``, a ``.zip``, a git
            revision (``HEAD~1``, a tag, ``REV:dir``) or a released version (``1.0.0``).
        new: The new version, in the same forms.
        cwd: Where relative paths and the git repository are looked up (default: the current directory).

    Returns:
        The differences; ``result.has_changes`` is false when the versions are the same.

    Raises:
        InputError: an input is missing, unreadable, unsafe or names no revision (exit code 2).
    """
    from cqpolicy.diff.compare import diff_packages
    from cqpolicy.diff.load import load_package_data
    from cqpolicy.diff.revisions import open_input

    with _collector_paused():
        with open_input(old, cwd=cwd) as (old_root, old_side):
            old_data = load_package_data(old_root, old_side)
        with open_input(new, cwd=cwd) as (new_root, new_side):
            new_data = load_package_data(new_root, new_side)
        return diff_packages(old_data, new_data)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while rows are built: they hold no cycles, and on a package
    a thousand times the shipped one the collector's repeated passes over millions of new tuples
    cost about a third of the run. Restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
