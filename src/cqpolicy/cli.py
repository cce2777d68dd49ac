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
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, value: _show_version(ctx) if value and not ctx.resilient_parsing else None,
    help="Show the toolkit's version and the version of the data it finds, and exit.",
)
def main(debug: bool) -> None:
    """Build, validate and compare versions of the 渝府〔2022〕5号 data package.

    Exit codes: 0 success, 1 invalid data or differences found, 2 unusable
    input or usage error.
    """


def _show_version(ctx: click.Context) -> None:
    """Print the toolkit's version, then the data's (the package in the current directory, else
    the checkout the toolkit is installed from), and exit."""
    import json

    from cqpolicy import __version__
    from cqpolicy.load import default_package

    click.echo(f"cqpolicy {__version__} (toolkit)")
    try:
        root = default_package()
        descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        number = (descriptor.get("document") or {}).get("document_number", "")
        click.echo(f"data: {descriptor.get('name')} {descriptor.get('version')} ({number}) in {root}")
    except (CqpolicyError, OSError, ValueError, AttributeError):
        click.echo("data: none found (no datapackage.json in the current directory or the checkout)")
    ctx.exit(0)


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
@click.option(
    "--allow-untranslated",
    is_flag=True,
    help="Build even where sources/translations/ has no English for the current Chinese "
    "(drafting a new or amended text): those texts get no English and a warning.",
)
@_friendly_errors
def build(source: Path | None, out: Path, sources_dir: Path | None, allow_untranslated: bool) -> None:
    """Build the data package from the source text.

    Writes into a temporary directory and moves the result into place only when
    everything succeeded, so a failed build leaves OUT untouched. A clause, task or
    preamble paragraph whose Chinese has no reviewed English in sources/translations/
    fails the build (exit 1) unless --allow-untranslated. When OUT holds the sources
    directory (building the repository in place, the default), either way it is listed in
    sources/translations/pending.csv, and the filled rows of that file (text_en) are
    taken into the translation files by the next build or release.

    Example: cqpolicy build --source sources/000_75cbbf2a9912bf4b.txt --out .
    """
    from cqpolicy.build import build_package

    # pending.csv is written when the build replaces the repository's own package (its sources
    # inside OUT): a draft built elsewhere leaves the curated files as they are.
    translations = (sources_dir or Path("sources")) / "translations"
    result = build_package(
        source=source,
        out=out,
        sources_dir=sources_dir,
        allow_untranslated=allow_untranslated,
        write_pending=translations.resolve().is_relative_to(out.resolve()),
    )
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
@click.option(
    "--allow-unreleased",
    is_flag=True,
    help="Pack data that are not a released version; the file name gets +unreleased.",
)
@_friendly_errors
def pack(package: Path, dist: Path | None, allow_unreleased: bool) -> None:
    """Pack the package into dist/<name>-<version>.zip, the file people download.

    The zip holds datapackage.json, the data files, a README for readers, the
    summary page and charts, the citation records, sources/, licence and
    changelog; validate, diff and load accept it as it is. The zip of a
    released version is recorded (version, file, sha256, bytes) in
    releases.csv, which cqpolicy versions lists. Only a released
    version is packed: exit code 1 when the data differ from the release their
    version names (use --allow-unreleased), 2 when the package is unusable.

    Example: cqpolicy pack && cqpolicy validate dist/cqpolicy-guangyang-bay-1.2.0.zip
    """
    from cqpolicy.publish.pack import pack_package

    result = pack_package(package, dist, allow_unreleased=allow_unreleased)
    if not result.released:
        click.echo("warning: these data are not a released version; the zip is marked +unreleased", err=True)
    else:
        from cqpolicy.versions import record_packed

        recorded = record_packed(package, result.path)
        click.echo(f"recorded its sha256 in {recorded}; commit it with the release", err=True)
    click.echo(str(result.path))


@main.command()
@click.argument("package", type=click.Path(path_type=Path), default=Path("."))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8001, show_default=True, help="Port to listen on."
)
@_friendly_errors
def serve(package: Path, host: str, port: int) -> None:
    """Browse and search the package's SQLite database in Datasette, until Ctrl-C.

    PACKAGE is a package directory, its datapackage.json, or a .zip of a package
    (default: the current directory). The database is checked against the CSV
    tables first. Tables and columns are described in Chinese and English; the
    search box of tasks and clauses finds Chinese terms of any length. Needs the
    optional Datasette: pip install 'cqpolicy[serve]' (make serve installs it).
    Exit codes: 0 stopped, 1 database differs from the CSVs, 2 unusable package,
    Datasette missing or port in use.

    Example: cqpolicy serve . --port 8001, then open http://127.0.0.1:8001/
    """
    from cqpolicy.publish.serve import serve_package

    status = serve_package(package, host=host, port=port)
    if status:
        raise click.exceptions.Exit(status)


@main.command()
@click.argument("package", type=click.Path(path_type=Path), default=Path("."))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("report"),
    show_default=True,
    help="Folder for the page (README.md) and its SVG charts; other files in it are left alone.",
)
@click.option(
    "--policy-page",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the bilingual reading page (the policy clause by clause in Chinese and "
    "English, with its tasks and units) to this file, e.g. docs/policy.md.",
)
@_friendly_errors
def report(package: Path, out: Path, policy_page: Path | None) -> None:
    """Write a summary page with charts: who does what, which clauses have tasks, who works together.

    PACKAGE is a package directory, its datapackage.json, or a .zip of a package
    (default: the current directory). The charts are SVG with the Chinese glyphs
    embedded, so they render anywhere; rebuilding gives the same bytes. Prints
    the page's path. Exit codes: 0 written, 2 unusable package or font not installed.

    Example: cqpolicy report . --out docs/report --policy-page docs/policy.md
    """
    from cqpolicy.publish.report import build_report

    result = build_report(package, out)
    click.echo(result.summary(), err=True)
    click.echo(str(result.out_dir / result.files[0]))
    if policy_page is not None:
        from cqpolicy.publish.policy import write_policy_page

        page = write_policy_page(package, policy_page)
        click.echo(page.summary(), err=True)
        click.echo(str(page.path))


@main.command()
@click.argument("package", type=click.Path(path_type=Path), default=Path("."))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report as readable text, or as JSON on stdout (the summary line goes to stderr).",
)
@click.option(
    "--rebuild/--no-rebuild",
    default=None,
    help="Re-derive the data from PACKAGE/sources and report every value that differs. Default: "
    "whenever sources/ is present; --rebuild requires it, --no-rebuild skips it (the report says so).",
)
@_friendly_errors
def validate(package: Path, output_format: str, rebuild: bool | None) -> None:
    """Validate a package: frictionless, the expectation suites in validation/, package checks,
    and, when the package carries sources/, the data re-derived from them.

    PACKAGE is a package directory, its datapackage.json, or a .zip of a package
    (default: the current directory). Exit codes: 0 valid, 1 invalid, 2 unusable
    input (missing package, descriptor that is not JSON, unsafe path or zip).

    Example: cqpolicy validate dist/cqpolicy-guangyang-bay-1.0.0.zip --format json
    """
    from cqpolicy.validate import use_color, validate_package

    report = validate_package(package, rebuild=rebuild)
    if output_format == "json":
        click.echo(report.to_json())
        click.echo(report.summary(), err=True)
    else:
        color = use_color(sys.stdout)
        click.echo(report.render_text(color=color), color=color)
    click.get_current_context().exit(report.exit_code)


@main.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text for a terminal (colour only on a TTY, never with NO_COLOR), markdown for a pull "
    "request or the CHANGELOG, json for tools (schemas/diff.schema.json).",
)
@_friendly_errors
def diff(old: str, new: str, fmt: str) -> None:
    """Show what changed between two versions of the package, in policy terms.

    OLD and NEW are each a package directory, a datapackage.json, a .zip, a git
    revision of the current repository (HEAD, HEAD~3, a commit, a tag; REV:dir for
    a package in a subdirectory), or a released version such as 1.0.0 (the commit
    where datapackage.json got that version). Rows are aligned by content, so an
    inserted task shows as one task added and the later ones renumbered.

    Exit codes, like diff(1): 0 no differences, 1 differences, 2 error.

    Example: cqpolicy diff 1.0.0 . --format markdown
    """
    from cqpolicy.diff import diff_inputs
    from cqpolicy.diff.render import render, use_color

    result = diff_inputs(old, new)
    text = render(result, fmt, color=use_color(sys.stdout))  # type: ignore[arg-type]  # click.Choice checked fmt
    click.echo(text, nl=False, color=True)
    click.get_current_context().exit(1 if result.has_changes else 0)


@main.command()
@click.argument("repository", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table for people, or JSON for tools (a list of objects with version, date, "
    "document_number, commit, zip_sha256).",
)
@_friendly_errors
def versions(repository: Path, fmt: str) -> None:
    """List the released versions: version, date, document number, commit and zip sha256.

    Read from the git history of the repository holding REPOSITORY (default: the current
    directory): a version is released in the oldest commit whose datapackage.json has it.
    The zip sha256 is the one cqpolicy pack recorded in releases.csv (none for a version
    packed before it existed). Each version can be read back with cqpolicy.load("1.0.0")
    or compared with cqpolicy diff 1.0.0 1.2.0. Exit codes: 0 listed, 2 not a git repository.

    Example: cqpolicy versions --format json
    """
    from cqpolicy.versions import list_versions, render_versions

    click.echo(render_versions(list_versions(repository), fmt), nl=False)


@main.command()
@click.option(
    "--source",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The new or amended source text (a <stem>.meta.json beside it is used and archived too).",
)
@click.option(
    "--root",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Repository root holding datapackage.json, data/, sources/ and CHANGELOG.md.",
)
@click.option("--date", "release_date", default=None, help="Release date for the CHANGELOG (default: today).")
@click.option("--dry-run", is_flag=True, help="Do everything in a temporary directory, change nothing.")
@click.option(
    "--without-record",
    is_flag=True,
    help="Release even though the new source gives none of the official record's facts "
    "(date_published, index_number, subject, category, official_url, status_note) that the current "
    "version has; the CHANGELOG entry names the facts dropped.",
)
@_friendly_errors
def release(source: Path, root: Path, release_date: str | None, dry_run: bool, without_record: bool) -> None:
    """Release a new version of the package from a new source text.

    Builds into a temporary directory, validates, diffs against the current
    package, sets the version from the suggested bump (in sources/package.json),
    prepends a CHANGELOG section generated from the diff, archives the source in
    sources/, and only then moves the new package into place. Any failure leaves
    the repository as it was. Prints the new CHANGELOG section.

    Exit codes: 0 released (or nothing to release), 1 the new package is invalid, 2 error.

    Example: cqpolicy release --source ~/Downloads/yufu-2023-12.txt
    """
    from cqpolicy.publish.release import release_package

    result = release_package(
        source=source, root=root, release_date=release_date, dry_run=dry_run, without_record=without_record
    )
    for line in result.messages:
        click.echo(line, err=True)
    if result.changelog:
        click.echo(result.changelog, nl=False)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@_friendly_errors
def recover(directory: Path) -> None:
    """Finish or discard what a killed build, release, report or pack left in DIRECTORY.

    Every writing command does this first on the directory it writes; readers (validate,
    diff, load) never write, and refuse a directory that holds an unfinished write. A journal
    that is not one this toolkit wrote, or names a path through a symbolic link, is refused
    and nothing is moved. Exit codes: 0 recovered or nothing to do, 2 another command is
    writing there or the journal is unsafe.

    Example: cqpolicy recover .
    """
    from cqpolicy.atomic import recover as recover_directory

    if not directory.is_dir():
        raise click.BadParameter(f"{directory} is not a directory", param_hint="DIRECTORY")
    done = recover_directory(directory)
    click.echo(f"{directory}: {'recovered' if done else 'nothing to recover'}", err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
