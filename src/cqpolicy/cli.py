"""The ``cqpolicy`` command line: thin wrappers over the library.

Each command parses options, calls one library function, renders its result
and picks the exit code. Heavy libraries (frictionless, Great Expectations,
pandas) are imported inside the command bodies, so ``cqpolicy --help`` starts
fast. Exit codes: 0 success, 1 invalid data or differences found, 2 unusable
input or usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from cqpolicy.errors import CqpolicyError

F = TypeVar("F", bound=Callable[..., Any])


def _friendly_errors(func: F) -> F:
    """Turn library exceptions into one sentence on stderr and a documented exit code.

    With ``--debug`` the exception propagates, traceback and all.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            return func(*args, **kwargs)
        except CqpolicyError as error:
            if debug:
                raise
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)
        except OSError as error:
            if debug:
                raise
            name = getattr(error, "filename", None) or "a file"
            click.echo(f"error: cannot use {name}: {error.strerror or error}.", err=True)
            ctx.exit(2)

    return wrapper  # type: ignore[return-value]  # wraps keeps the signature click needs


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.version_option(package_name="cqpolicy")
def main(debug: bool) -> None:
    """Build, validate and compare versions of the 渝府〔2022〕5号 data package.

    Exit codes: 0 success, 1 invalid data or differences found, 2 unusable
    input or usage error.
    """


@main.command()
@click.option(
    "--source",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Source text to build from (default: the archived source named in sources/).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Directory to write datapackage.json and data/ into.",
)
@click.option(
    "--sources-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Directory with the curated inputs (default: sources/ under the current directory).",
)
@_friendly_errors
def build(source: Path | None, out: Path, sources_dir: Path | None) -> None:
    """Build the data package from the source text.

    Writes into a temporary directory and moves the result into place only when
    everything succeeded, so a failed build leaves OUT untouched.

    Example: cqpolicy build --source sources/000_75cbbf2a9912bf4b.txt --out .
    """
    from cqpolicy.build import build_package

    result = build_package(source=source, out=out, sources_dir=sources_dir)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(result.summary(), err=True)


@main.command()
@click.argument("package", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@click.option(
    "--dist",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Directory for the zip (default: dist/ inside PACKAGE).",
)
@_friendly_errors
def pack(package: Path, dist: Path | None) -> None:
    """Pack the package into dist/<name>-<version>.zip, the file people download.

    The zip holds datapackage.json, the data files, README, licence and
    changelog; validate, diff and load accept it as it is.

    Example: cqpolicy pack && cqpolicy validate dist/cqpolicy-guangyang-bay-1.0.0.zip
    """
    from cqpolicy.pack import pack_package

    result = pack_package(package, dist)
    click.echo(str(result.path))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
