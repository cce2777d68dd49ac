"""Load the package's tables into pandas, typed: ``cqpolicy.load()``.

For researchers: one call gives every table as a DataFrame with the types the
Table Schema declares, whether the package is a directory (a clone of the
repository), its ``datapackage.json``, or the zip one downloads
(``cqpolicy pack``)::

    import cqpolicy

    tables = cqpolicy.load("dist/cqpolicy-guangyang-bay-1.0.0.zip")
    tasks, links = tables["tasks"], tables["task_agencies"]
    tasks.dtypes  # task_no Int64, text string, clause_match_method category, ...

Types, the same from the CSV and the Parquet files:

========================  =================================================
Table Schema              pandas dtype
========================  =================================================
``integer``               ``Int64`` (nullable integer)
``number``                ``float64``
``boolean``               ``boolean`` (nullable)
``date``                  ``datetime64[s]`` (no time zone), every date column
``string`` with ``enum``  ``category``, the categories being the code list
``string``                ``string``
========================  =================================================

The Parquet files store dates as ``date32``; ``pd.read_parquet`` gives them as ``datetime.date``
objects (``object`` dtype), which ``.astype("datetime64[s]")`` turns into what ``load`` gives.

The zip is read from a temporary copy that is removed before ``load`` returns,
and every path in the descriptor is checked to stay inside the package
(:mod:`cqpolicy.publish.package`), so loading a downloaded file reads nothing else.
``load`` reads; it does not check: run ``cqpolicy validate`` for that.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cqpolicy.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

#: The checkout this module was installed from (editable installs): its package is the default
#: when the current directory holds none.
_CHECKOUT = Path(__file__).resolve().parents[2]


def default_package() -> Path:
    """Where ``load()`` looks without a path: the current directory, else this checkout.

    Raises:
        InputError: neither holds a ``datapackage.json``.
    """
    for candidate in (Path.cwd(), _CHECKOUT):
        if (candidate / "datapackage.json").is_file():
            return candidate
    raise InputError(
        "there is no datapackage.json here; pass the package's directory, its datapackage.json or its "
        ".zip to cqpolicy.load(path)",
        path=Path.cwd(),
    )


def load(
    path: Path | str | None = None,
    *,
    format: Literal["parquet", "csv"] = "parquet",
    sha256: str | None = None,
    cache: Path | str | None = None,
) -> dict[str, pd.DataFrame]:
    """Read every table of a cqpolicy package into typed pandas DataFrames.

    Args:
        path: The package directory, its ``datapackage.json``, or a ``.zip`` of the package
            (as ``cqpolicy pack`` writes it). Default: the current directory if it holds a
            ``datapackage.json``, else the checkout the toolkit is installed from. Also a
            released version such as ``"1.0.0"``, read from the git history of the repository
            holding the current directory, else of the checkout the toolkit is installed from
            (:mod:`cqpolicy.versions`), or the ``http(s)://`` URL
            of a published zip, downloaded once into ``cache`` and checked against ``sha256``.
        sha256: The published zip's sha256, required with a URL.
        cache: Where downloaded zips are kept (default: the user's cache directory).
        format: Read the ``"parquet"`` files (default, faster) or the ``"csv"`` files; both
            give equal DataFrames for a valid package.

    Returns:
        ``{table name: DataFrame}`` in the descriptor's order (``document``, ``sections``,
        ``clauses``, ``tasks``, ``agencies``, ``task_agencies``, then the code lists), each with
        the schema's columns in schema order and a default ``RangeIndex``; rows are sorted by
        primary key, as the files are.

    Raises:
        cqpolicy.errors.InputError: the path is not a package, a file is missing or unreadable,
            a path in the descriptor leaves the package, or a value does not fit its type.
            The message names the file and what to do.
        cqpolicy.versions.VersionNotFoundError: the version was never released.
        cqpolicy.versions.HashMismatchError: the downloaded file has another sha256.
        cqpolicy.versions.DownloadError: the URL cannot be reached.

    Example:
        >>> tables = cqpolicy.load()                                   # doctest: +SKIP
        >>> tables["tasks"].loc[0, ["task_no", "clause_no"]].tolist()  # doctest: +SKIP
        [1, 5]
    """
    if format not in ("parquet", "csv"):
        raise InputError(f"format must be 'parquet' or 'csv', not {format!r}")
    if isinstance(path, str) and path.startswith(("http://", "https://")):
        from cqpolicy.versions import fetch_zip

        path = fetch_zip(path, sha256, Path(cache) if cache is not None else None)
    elif isinstance(path, str) and not Path(path).exists():
        from cqpolicy.versions import is_version

        if is_version(path):
            return _load_version(path, format)
    return _load_path(path, format)


def _load_version(version: str, format: Literal["parquet", "csv"]) -> dict[str, pd.DataFrame]:
    """A released version, exported from git history into a temporary directory, then read."""
    import tempfile

    from cqpolicy.diff.revisions import git_toplevel
    from cqpolicy.versions import export_version

    # The repository holding the current directory, else the checkout the toolkit runs from.
    root = Path.cwd() if git_toplevel(Path.cwd()) is not None else _CHECKOUT
    with tempfile.TemporaryDirectory(prefix="cqpolicy-version-") as tmp:
        return _load_path(export_version(version, Path(tmp), root), format)


def _load_path(path: Path | str | None, format: Literal["parquet", "csv"]) -> dict[str, pd.DataFrame]:
    from cqpolicy.package import check_descriptor_paths, load_tables, open_package, read_descriptor

    with open_package(default_package() if path is None else path) as root:
        descriptor = read_descriptor(root)
        check_descriptor_paths(root, descriptor)  # every file, not only the format read
        tables = load_tables(root, descriptor, format)
    if not tables:
        raise InputError(
            f"the package has no {format.upper()} tables; is it a cqpolicy package? Rebuild it with "
            "`cqpolicy build`",
            path=path,
        )
    return tables
