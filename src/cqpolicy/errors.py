"""Typed exceptions that carry what a person needs to fix the problem.

Library code raises these; the CLI prints ``str(error)`` as one sentence and
exits with ``error.exit_code``. Exit codes are documented in the README:
1 means the input was read but its content is wrong (an unknown agency, a
numbering gap), 2 means the input could not be used at all (missing file,
undecodable bytes, unsafe path, usage error).
"""

from __future__ import annotations

from pathlib import Path


class CqpolicyError(Exception):
    """Base class: a problem a user can fix, reported as one sentence."""

    exit_code = 2

    def __init__(
        self, message: str, *, path: Path | str | None = None, line: int | None = None, unit: str = "line"
    ):
        self.path = str(path) if path is not None else None
        self.line = line
        self.detail = message
        self.unit = unit
        where = ""
        if self.path is not None:
            where = f"{self.path}, {unit} {line}: " if line is not None else f"{self.path}: "
        super().__init__(where + message)

    def at_path(self, path: Path | str) -> CqpolicyError:
        """The same error, naming ``path`` instead (a staged copy's path → the user's own file)."""
        moved = type(self).__new__(type(self))
        CqpolicyError.__init__(moved, self.detail, path=path, line=self.line, unit=self.unit)
        return moved


class InputError(CqpolicyError):
    """The input cannot be used at all: missing, unreadable, undecodable or unsafe."""

    exit_code = 2


class SourceError(CqpolicyError):
    """The source text was read but its content breaks the document's structure."""

    exit_code = 1


class RegisterError(CqpolicyError):
    """A curated file (agency register, overrides, code lists) is missing an entry or is malformed."""

    exit_code = 1
