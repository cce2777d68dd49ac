"""Open a data package safely and read its tables into pandas.

A package is untrusted input: a directory, its ``datapackage.json``, or a
``.zip`` downloaded from somewhere, possibly edited by hand. This module is the
one place that turns such input into a local directory and into paths inside
it. It refuses, before reading anything, whatever would read outside the
package or reach the network: absolute paths, ``..``, URLs of any scheme,
symbolic links that leave the package, and zip members that would escape the
extraction directory or expand beyond a sane size. ``cqpolicy validate``,
``cqpolicy diff`` and ``cqpolicy.load()`` build on it.

Typical use::

    with open_package("dist/cqpolicy-guangyang-bay-1.0.0.zip") as root:
        descriptor = read_descriptor(root)
        tables = load_tables(root, descriptor)          # CSV, typed from the Table Schema
        tasks = tables["tasks"]

Tables are typed from their Table Schema, the same way for CSV and Parquet:
``integer`` as nullable ``Int64``, ``number`` as ``float64``, ``boolean`` as
nullable ``boolean``, ``date`` as ``datetime64[s]`` (:data:`DATE_DTYPE`), ``string`` as the ``string``
dtype, and fields with an ``enum`` constraint (the code-list columns) as
``category`` whose categories are the enumerated codes.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Final, Literal

from cqpolicy.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

DESCRIPTOR = "datapackage.json"
#: The pandas dtype of every ``date`` column (CSV or Parquet): whole days as seconds, no time zone.
#: The Parquet files store dates as ``date32``, which ``pd.read_parquet`` gives as ``datetime.date``
#: objects; ``.astype(DATE_DTYPE)`` turns them into what ``load()`` gives.
DATE_DTYPE: Final = "datetime64[s]"

#: A zip (or a git revision) may expand to at most this many bytes in total: 256 MiB. The shipped
#: package is about 1 MB; the benchmarks' synthetic package 1000 times its size about 110 MB (they
#: leave out the SQLite copy, which at that size would add about 230 MB; they read directories).
#: Reading tables costs about 27 times their size in memory, so this also bounds what a diff needs.
MAX_ZIP_BYTES = 256 << 20
#: ... and hold at most this many members.
MAX_ZIP_MEMBERS = 10_000

#: Any URL scheme (``http:``, ``file:``, ``s3:``, ``data:``, ...), and Windows drive letters (``C:``).
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
#: Profile names the Data Package specifications define; anything else would be fetched.
_KNOWN_PROFILES = {
    "data-package",
    "tabular-data-package",
    "fiscal-data-package",
    "data-resource",
    "tabular-data-resource",
    # The Data Package standard's own profiles, which frictionless knows without fetching them.
    *(
        f"https://datapackage.org/profiles/{version}/{name}.json"
        for version in ("1.0", "2.0")
        for name in ("datapackage", "dataresource", "tableschema", "tabledialect")
    ),
}

Format = Literal["csv", "parquet"]
Errors = Literal["raise", "coerce"]


class PackageInputError(InputError):
    """A package that cannot be used at all (exit code 2), with the id of the check that refused it.

    Attributes:
        check: Stable kebab-case id, e.g. ``unsafe-path``, ``unsafe-zip``, ``descriptor-invalid``.
    """

    def __init__(self, check: str, message: str, *, path: Path | str | None = None):
        self.check = check
        super().__init__(message, path=path)


# --- opening ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def open_package(
    path: Path | str, *, max_bytes: int = MAX_ZIP_BYTES, max_members: int = MAX_ZIP_MEMBERS
) -> Iterator[Path]:
    """Yield the directory that holds the package's ``datapackage.json``.

    Args:
        path: A package directory, its ``datapackage.json``, or a ``.zip`` of a package (with
            ``datapackage.json`` at the top or inside one top-level folder, as ``cqpolicy pack``
            writes it). A zip is extracted into a temporary directory, removed on exit.
        max_bytes: Refuse a zip that would expand to more bytes than this.
        max_members: Refuse a zip with more members than this.

    Raises:
        PackageInputError: the path does not exist, is not a package, or is an unsafe or
            unreadable zip.
    """
    from cqpolicy.atomic import check_no_unfinished_write

    path = Path(path)
    if path.is_dir():
        check_no_unfinished_write(path)  # a write killed mid-commit: refuse, never recover (a reader)
        yield path
        return
    if path.name == DESCRIPTOR and path.parent.is_dir():
        check_no_unfinished_write(path.parent)
    if not path.is_file():
        raise PackageInputError(
            "package-missing",
            "there is no such file or directory; give a package directory, its datapackage.json or a .zip",
            path=path,
        )
    if _looks_like_zip(path):
        with tempfile.TemporaryDirectory(prefix="cqpolicy-package-") as tmp:
            yield extract_zip(path, Path(tmp), max_bytes=max_bytes, max_members=max_members)
        return
    if path.name == DESCRIPTOR:
        yield path.parent
        return
    raise PackageInputError(
        "package-missing",
        "is neither a package directory, a datapackage.json nor a .zip of a package",
        path=path,
    )


def _looks_like_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def extract_zip(
    archive: Path, target: Path, *, max_bytes: int = MAX_ZIP_BYTES, max_members: int = MAX_ZIP_MEMBERS
) -> Path:
    """Extract ``archive`` into the empty directory ``target`` and return the package root in it.

    Every member is checked before anything is written: no absolute names, no ``..``, no
    backslashes, no symbolic links, no duplicates, at most ``max_members`` members and
    ``max_bytes`` bytes in total. While extracting, the bytes actually written are counted
    too, so a member whose header understates its size is stopped.

    Raises:
        PackageInputError: ``unsafe-zip`` for a member that breaks a rule above,
            ``zip-invalid`` for a file that is not a readable zip.
    """
    try:
        archive_file = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as error:
        raise PackageInputError(
            "zip-invalid", f"is not a readable zip file ({error}); download it again", path=archive
        ) from None
    with archive_file:
        infos = archive_file.infolist()
        _check_zip_members(archive, infos, max_bytes=max_bytes, max_members=max_members)
        written = 0
        for info in infos:
            dest = target.joinpath(*PurePosixPath(info.filename).parts)
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive_file.open(info) as source, dest.open("xb") as out:
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        if written > max_bytes:
                            raise PackageInputError(
                                "unsafe-zip",
                                f"expands to more than {max_bytes} bytes; refusing to extract it",
                                path=archive,
                            )
                        out.write(chunk)
            except FileExistsError:
                raise PackageInputError(
                    "unsafe-zip", f"holds {info.filename!r} twice; refusing to extract it", path=archive
                ) from None
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as error:
                raise PackageInputError(
                    "zip-invalid",
                    f"member {info.filename!r} cannot be read ({error}); download the zip again",
                    path=archive,
                ) from None
    return _package_root(archive, target)


def _check_zip_members(
    archive: Path, infos: list[zipfile.ZipInfo], *, max_bytes: int, max_members: int
) -> None:
    if len(infos) > max_members:
        raise PackageInputError(
            "unsafe-zip", f"has {len(infos)} members, more than the limit of {max_members}", path=archive
        )
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise PackageInputError(
            "unsafe-zip",
            f"would expand to {total} bytes, more than the limit of {max_bytes}; refusing to extract it",
            path=archive,
        )
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name).parts
        reason = None
        if name.startswith("/") or _SCHEME.match(name):
            reason = "has an absolute name"
        elif "\\" in name or "\x00" in name:
            reason = "has a backslash or NUL in its name"
        elif ".." in parts:
            reason = "would be written outside the extraction directory (it contains '..')"
        elif stat.S_ISLNK(info.external_attr >> 16):
            reason = "is a symbolic link"
        elif info.flag_bits & 0x1:
            reason = "is encrypted"
        elif name.rstrip("/") in seen:
            reason = "appears twice"
        if reason:
            raise PackageInputError(
                "unsafe-zip", f"member {name!r} {reason}; refusing to extract the zip", path=archive
            )
        seen.add(name.rstrip("/"))


def _package_root(archive: Path, target: Path) -> Path:
    """The extracted directory holding datapackage.json: the top, or the one top-level folder."""
    if (target / DESCRIPTOR).is_file():
        return target
    tops = [child for child in target.iterdir() if child.is_dir()]
    if len(tops) == 1 and (tops[0] / DESCRIPTOR).is_file():
        return tops[0]
    raise PackageInputError(
        "descriptor-missing",
        "holds no datapackage.json at its top or in one top-level folder; is it a data package?",
        path=archive,
    )


# --- the descriptor --------------------------------------------------------------------------------


def read_descriptor(root: Path | str) -> dict[str, Any]:
    """Read and parse ``root/datapackage.json``.

    Raises:
        PackageInputError: ``descriptor-missing`` when there is none, ``descriptor-invalid``
            when it is not UTF-8 JSON or not a JSON object, ``unsafe-path`` when it is a
            symbolic link leading outside ``root``.
    """
    root = Path(root)
    path = root / DESCRIPTOR
    if path.is_symlink():
        _inside(root, path, DESCRIPTOR)
    _regular_or_absent(path, DESCRIPTOR, root)
    if not path.is_file():
        raise PackageInputError(
            "descriptor-missing",
            "there is no datapackage.json here; give a package directory, or build one with `cqpolicy build`",
            path=root,
        )
    from cqpolicy.package_shape import ShapeError, check_shape, check_size, parse_descriptor

    try:
        check_size(path.stat().st_size, path)  # before reading it into memory
        descriptor: dict[str, Any] = parse_descriptor(path.read_bytes(), path)
        check_shape(descriptor, path)
    except ShapeError as error:
        raise PackageInputError("descriptor-invalid", error.detail, path=path) from None
    return descriptor


def resolve_resource_path(root: Path | str, path: Any) -> Path:
    """Turn a path from the descriptor into a file path inside ``root``, or refuse it.

    Refuses (before anything is read) a path that is not a non-empty string, a URL of any
    scheme (``http:``, ``file:``, ``data:``, ...: the package is read without network access),
    an absolute path, a path with ``..`` or backslashes, and a path through a symbolic link
    that leads outside the package. The file need not exist.

    Raises:
        PackageInputError: ``unsafe-path``, naming the path and why.
    """
    root = Path(root)
    if not isinstance(path, str) or not path.strip():
        raise PackageInputError("unsafe-path", f"resource path {path!r} is not a non-empty string")
    reason = None
    if _SCHEME.match(path):
        reason = "is a URL or a drive path; cqpolicy reads only files inside the package, never the network"
    elif path.startswith(("/", "~")):
        reason = "is absolute; paths in a package are relative to datapackage.json"
    elif "\\" in path or "\x00" in path:
        reason = "has a backslash or NUL; use '/' between folders"
    elif ".." in PurePosixPath(path).parts:
        reason = "contains '..' and would read outside the package"
    if reason:
        raise PackageInputError("unsafe-path", f"resource path {path!r} {reason}", path=root / DESCRIPTOR)
    return _regular_or_absent(_inside(root, root / path, path), f"resource path {path!r}", root / DESCRIPTOR)


#: What a path is when it is not a regular file, for the message (``stat.S_IS*`` tests).
_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe), which would block the reader"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _regular_or_absent(candidate: Path, shown: str, where: Path) -> Path:
    """Refuse a path that exists but is not a regular file (a FIFO would hang every reader).

    Uses ``stat``, which never opens the file, so it cannot block.

    Raises:
        PackageInputError: ``not-a-regular-file``, naming what the path is instead.
    """
    try:
        mode = candidate.stat().st_mode
    except OSError:
        return candidate  # absent (or unreadable): the reader says so in its own words
    if stat.S_ISREG(mode):
        return candidate
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
    raise PackageInputError(
        "not-a-regular-file",
        f"{shown} is {kind}, not a regular file; a package holds only regular files",
        path=where,
    )


def package_folder(root: Path, folder: str, *, max_files: int, max_bytes: int) -> dict[str, Path]:
    """The regular files under ``root/folder`` (a folder beside the data, such as ``sources``).

    Returns ``{path relative to root: path}`` in sorted order, or ``{}`` when there is no such
    folder. Nothing is opened: the walk uses ``lstat``, so a FIFO cannot block it.

    Raises:
        PackageInputError: ``unsafe-path`` for a symbolic link (folder or file) or anything that is
            not a regular file, ``package-too-large`` past ``max_files`` or ``max_bytes``; the
            message is one clause naming the path, e.g. ``sources/agencies.csv is not a regular file``.
    """
    base = root / folder
    if base.is_symlink():
        raise PackageInputError("unsafe-path", f"{folder} is a symbolic link", path=root)
    if not base.is_dir():
        return {}
    found: dict[str, Path] = {}
    size = 0
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(root).as_posix()
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            continue
        if stat.S_ISLNK(mode):
            kind = "a symbolic link" if path.is_dir() else "not a regular file"
            raise PackageInputError("unsafe-path", f"{relative} is {kind}", path=root)
        if not stat.S_ISREG(mode):
            raise PackageInputError("unsafe-path", f"{relative} is not a regular file", path=root)
        found[relative] = path
        size += path.lstat().st_size
        if len(found) > max_files or size > max_bytes:
            raise PackageInputError(
                "package-too-large",
                f"{folder} holds more than {max_files} files or {max_bytes >> 20} MB",
                path=root,
            )
    return found


def _inside(root: Path, candidate: Path, shown: str) -> Path:
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise PackageInputError(
            "unsafe-path",
            f"{shown!r} is a symbolic link (or passes through one) that leads outside the package, "
            f"to {resolved}",
            path=root / DESCRIPTOR,
        )
    return candidate


def check_descriptor_paths(root: Path | str, descriptor: dict[str, Any]) -> dict[str, Path]:
    """Check every path and reference in the descriptor that a reader would follow.

    Resource ``path`` (a string or a list), ``schema`` and ``dialect`` given as paths, and
    ``profile`` / ``$schema`` values other than the standard profile names (a URL there would be
    fetched by frictionless). Returns the local file of each resource that has a single path.

    Raises:
        PackageInputError: ``unsafe-path`` for the first unsafe path or URL found.
    """
    root = Path(root)
    for key in ("profile", "$schema"):
        _check_profile(root, descriptor.get(key))
    resources = descriptor.get("resources")
    files: dict[str, Path] = {}
    if not isinstance(resources, list):
        return files
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            continue
        name = resource.get("name", f"#{index + 1}")
        path = resource.get("path")
        if isinstance(path, list):
            for part in path:
                resolve_resource_path(root, part)
        elif path is not None:
            files[str(name)] = resolve_resource_path(root, path)
        for key in ("schema", "dialect"):
            if isinstance(resource.get(key), str):
                resolve_resource_path(root, resource[key])
        for key in ("profile", "$schema"):
            _check_profile(root, resource.get(key))
        schema = resource.get("schema")
        if isinstance(schema, dict):
            for key in ("profile", "$schema"):
                _check_profile(root, schema.get(key))
    return files


def _check_profile(root: Path, value: Any) -> None:
    if value is None or value in _KNOWN_PROFILES:
        return
    raise PackageInputError(
        "unsafe-path",
        f"profile {value!r} is not a standard profile name; cqpolicy does not fetch custom profiles",
        path=root / DESCRIPTOR,
    )


def table_resources(descriptor: dict[str, Any], fmt: Format = "csv") -> dict[str, dict[str, Any]]:
    """The tabular resources in one format, keyed by table name (``tasks`` for ``tasks-parquet`` too)."""
    out: dict[str, dict[str, Any]] = {}
    for resource in resource_list(descriptor):
        if not isinstance(resource.get("schema"), dict):
            continue
        path = resource.get("path")
        form = resource.get("format") or (Path(path).suffix.lstrip(".") if isinstance(path, str) else None)
        if form != fmt:
            continue
        name = str(resource.get("name", ""))
        if fmt == "parquet" and name.endswith("-parquet"):
            name = name[: -len("-parquet")]
        out[name] = resource
    return out


# --- tables ----------------------------------------------------------------------------------------


def load_tables(
    root: Path | str, descriptor: dict[str, Any], fmt: Format = "csv", *, errors: Errors = "raise"
) -> dict[str, pd.DataFrame]:
    """Read every table of one format into DataFrames typed from its Table Schema.

    Args:
        root: The package directory (from :func:`open_package`).
        descriptor: The parsed descriptor (from :func:`read_descriptor`).
        fmt: ``"csv"`` or ``"parquet"``; both give the same frames for a valid package.
        errors: ``"raise"`` stops at the first value that does not fit its type;
            ``"coerce"`` turns such values into missing values (validation reports them).

    Returns:
        ``{table name: DataFrame}`` with the schema's columns in schema order.

    Raises:
        PackageInputError: an unsafe resource path.
        InputError: a missing or unreadable file, or (with ``errors="raise"``) a value that
            does not fit its field's type.
    """
    return {
        name: load_table(root, resource, errors=errors)
        for name, resource in table_resources(descriptor, fmt).items()
    }


def load_table(root: Path | str, resource: dict[str, Any], *, errors: Errors = "raise") -> pd.DataFrame:
    """Read one CSV or Parquet resource into a DataFrame typed from its Table Schema.

    A CSV file is read as UTF-8 text, every cell as a string, then converted field by
    field. Columns the schema names but the file lacks come out as all missing; columns the
    file has but the schema does not name are dropped (validation reports both).

    Raises:
        PackageInputError: an unsafe resource path.
        InputError: a missing or unreadable file, or (with ``errors="raise"``) a value that
            does not fit its field's type.
    """
    import pandas as pd

    path = resolve_resource_path(root, resource.get("path"))
    fields = schema_fields(resource)
    missing_values = table_schema(resource).get("missingValues", [""])
    if not path.is_file():
        raise InputError(f"resource {resource.get('name')!r} names a file that does not exist", path=path)
    is_parquet = resource.get("format") == "parquet" or path.suffix == ".parquet"
    try:
        raw = _read_parquet(path) if is_parquet else _read_csv(path, resource.get("encoding") or "utf-8")
    except (ValueError, OSError, UnicodeError) as error:
        raise InputError(
            f"cannot be read as {'Parquet' if is_parquet else 'CSV'}: {error}", path=path
        ) from None
    raw = raw.reset_index(drop=True)
    columns = {}
    for field in fields:
        name = field["name"]
        column = raw[name] if name in raw.columns else pd.Series([None] * len(raw), dtype=object)
        columns[name] = convert_column(column, field, missing_values, errors=errors, where=path)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(raw)))


def resource_list(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """The descriptor's resources that are objects (a malformed descriptor may hold anything)."""
    resources = descriptor.get("resources")
    return [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []


def table_schema(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource's inline Table Schema, or an empty one."""
    schema = resource.get("schema")
    return schema if isinstance(schema, dict) else {}


def schema_fields(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The resource's Table Schema fields that are well-formed (a dict with a string name)."""
    schema = resource.get("schema")
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list):
        return []
    return [f for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)]


def _read_csv(path: Path, encoding: str) -> pd.DataFrame:
    import pandas as pd

    frame = pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        encoding=encoding,
        skip_blank_lines=True,
        on_bad_lines="skip",
    )
    frame.columns = [str(c).lstrip("\ufeff") for c in frame.columns]
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError, ...: all mean "not readable"
        raise ValueError(str(error)) from None
    frame: pd.DataFrame = table.to_pandas()
    return frame


_INTEGER = re.compile(r"^[+-]?\d+$")


def convert_column(
    column: pd.Series, field: dict[str, Any], missing_values: list[str], *, errors: Errors, where: Path
) -> pd.Series:
    """Convert one column (text from CSV, or typed from Parquet) to the dtype of its field."""
    import pandas as pd

    kind = field.get("type", "string")
    enum = field.get("constraints", {}).get("enum") if isinstance(field.get("constraints"), dict) else None
    fast = _fast_path(column, kind, enum, missing_values)
    if fast is not None:
        return fast
    text = _as_text(column, kind)
    missing = text.isna() | text.isin(missing_values)
    values = text.where(~missing)
    bad: pd.Series
    if kind == "integer":
        ok = values.str.fullmatch(_INTEGER.pattern).fillna(False).astype(bool)
        result = pd.Series(pd.NA, index=values.index, dtype="Int64")
        result[ok] = values[ok].astype("int64")
        bad = ~missing & ~ok
    elif kind == "number":
        result = pd.to_numeric(values, errors="coerce").astype("float64")
        bad = ~missing & result.isna()
    elif kind == "boolean":
        true_values = field.get("trueValues", ["true", "True", "TRUE", "1"])
        false_values = field.get("falseValues", ["false", "False", "FALSE", "0"])
        result = pd.Series(pd.NA, index=values.index, dtype="boolean")
        result[values.isin(true_values)] = True
        result[values.isin(false_values)] = False
        bad = ~missing & result.isna()
    elif kind == "date":
        fmt = field.get("format", "default")
        pattern = "%Y-%m-%d" if fmt in ("default", "any", None) else str(fmt)
        # one unit for every date column, whatever pandas infers from the values (it gave [us] for
        # some columns and [s] for others): DATE_DTYPE, documented in load() and the README
        result = pd.to_datetime(values, format=pattern, errors="coerce").astype(DATE_DTYPE)
        bad = ~missing & result.isna()
    elif enum:
        codes = [str(code) for code in enum]
        extra = sorted(set(values.dropna()) - set(codes))
        result = values.astype(pd.CategoricalDtype([*codes, *extra]))
        bad = pd.Series(False, index=values.index)
    else:
        result = values.astype("string")
        bad = pd.Series(False, index=values.index)
    if errors == "raise" and bool(bad.any()):
        row = int(bad.to_numpy().nonzero()[0][0]) + 1
        raise InputError(
            f"row {row}: {values[bad].iloc[0]!r} in column {field['name']!r} is not a valid {kind}",
            path=where,
        )
    return result


def _fast_path(
    column: pd.Series, kind: str, enum: list[Any] | None, missing_values: list[str]
) -> pd.Series | None:
    """The common cases in one vectorised step: complete, well-formed columns.

    Returns None when the column needs the careful path (missing or malformed values,
    an unusual type), which gives the same result value by value.
    """
    import pandas as pd

    dtype = column.dtype
    is_text = pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
    if is_text and missing_values == [""] and not bool(column.isna().any()):
        if bool((column == "").any()):
            return None
        if kind == "string" and not enum:
            return column.astype("string")
        if kind == "integer":
            if not bool(column.str.fullmatch(r"[+-]?\d{1,18}").all()):
                return None
            return column.astype("int64").astype("Int64")
        if kind == "number":
            try:
                number = column.astype("float64")
            except ValueError:
                return None
            return None if bool(number.isna().any()) else number
        if kind == "boolean" and bool(column.isin(["true", "false"]).all()):
            return (column == "true").astype("boolean")
        return None
    if kind == "integer" and pd.api.types.is_integer_dtype(dtype):
        return column.astype("Int64")
    if kind == "number" and pd.api.types.is_float_dtype(dtype):
        return column.astype("float64")
    if kind == "boolean" and pd.api.types.is_bool_dtype(dtype):
        return column.astype("boolean")
    if kind == "string" and not enum and is_text:
        return column.astype("string")
    return None


def _as_text(column: pd.Series, kind: str) -> pd.Series:
    """Text as the CSV would hold it, so CSV and Parquet values go through one conversion."""
    import pandas as pd

    if column.dtype == object or isinstance(column.dtype, pd.StringDtype | pd.CategoricalDtype):
        if kind == "date":
            return column.map(_date_text, na_action="ignore").astype(object)
        if isinstance(column.dtype, pd.CategoricalDtype):
            return column.astype(object).where(column.notna())
        return column.astype(object).where(column.notna())
    if pd.api.types.is_bool_dtype(column.dtype):
        return column.map({True: "true", False: "false"}).astype(object)
    if pd.api.types.is_integer_dtype(column.dtype):
        return column.astype("Int64").astype("string").astype(object)
    if pd.api.types.is_float_dtype(column.dtype):
        return column.map(repr, na_action="ignore").astype(object)
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        dates: pd.Series = column.dt.strftime("%Y-%m-%d").astype(object)
        return dates
    return column.astype(str).astype(object)


def _date_text(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def copy_package(root: Path, target: Path) -> Path:
    """Copy the descriptor and every file its resources name into ``target`` (for tests and tools).

    Raises:
        PackageInputError: an unsafe path in the descriptor.
    """
    descriptor = read_descriptor(root)
    files = check_descriptor_paths(root, descriptor)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / DESCRIPTOR, target / DESCRIPTOR)
    for source in files.values():
        relative = source.relative_to(root)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        if source.is_file():
            shutil.copy2(source, target / relative)
    return target
