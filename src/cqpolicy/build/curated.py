"""Read the curated, reviewed inputs in ``sources/``.

Curated facts live in data files, not in code: the agency register, the code
lists, English translations of titles, reviewed corrections of mirror
artefacts, task-to-clause overrides, and the package and source metadata. This
module reads them and checks their shape, raising :class:`RegisterError` with
the file and row when one is malformed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cqpolicy.build.hygiene import control_character, refusal
from cqpolicy.build.normalise import Correction
from cqpolicy.errors import InputError, RegisterError
from cqpolicy.escape import name_in_message

AGENCY_COLUMNS = [
    "agency_id",
    "name_zh",
    "aliases",
    "full_name_zh",
    "name_en",
    "name_en_official",
    "agency_type",
    "level",
    "note",
]
CODELIST_COLUMNS = ["code", "label_zh", "label_en", "description"]
#: The review file of units an annex names that the register lacks (written by a failed build).
PENDING_FILE = "agencies.pending.csv"
CODELISTS = ("agency_types", "levels", "roles")


def read_csv(path: Path, columns: list[str]) -> list[dict[str, str]]:
    """Read a curated CSV whose header must start with ``columns``; rows keep their line numbers.

    Raises:
        RegisterError: if the file is missing or its header is wrong.
    """
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
        if header[: len(columns)] != columns:
            raise RegisterError(
                f"the header must be {','.join(columns)} but is {','.join(header)}", path=path, line=1
            )
        rows = []
        for row in reader:
            for key, value in row.items():
                if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
                    raise _field_too_long(path, reader.line_num)
                code = control_character(value) if isinstance(value, str) else None
                if code:
                    raise RegisterError(f"column {key!r} {refusal(code)}", path=path, line=reader.line_num)
            row["_line"] = str(reader.line_num)
            rows.append({key: (value or "").strip() for key, value in row.items() if key is not None})
        return rows
    except csv.Error as error:
        if "field larger than field limit" in str(error):  # the process-wide limit, if lower
            raise _field_too_long(path, reader.line_num + 1) from None
        raise InputError(
            f"is not readable CSV ({error}); check the quoting of that row", path=path, line=reader.line_num
        ) from None


#: Longest value of a curated CSV file (Python's default ``csv.field_size_limit``; the longest
#: real value, a clause's English, is under 3,000 characters). Checked here, not left to the
#: process-wide limit, which any imported library may raise.
MAX_FIELD_CHARS = 131_072


def _field_too_long(path: Path, line: int) -> InputError:
    return InputError(
        f"a field is longer than {MAX_FIELD_CHARS} characters, more than any curated value holds; "
        "check the quoting of that row",
        path=path,
        line=line,
    )


#: Largest curated file read (the agency register and the translations are well under 1 MB).
MAX_CURATED_BYTES = 16 << 20
#: Deepest nesting of a curated JSON file (``package.json`` nests three levels).
MAX_JSON_DEPTH = 64


def read_text(path: Path) -> str:
    """A curated file's text: a regular file of at most :data:`MAX_CURATED_BYTES`, in UTF-8.

    Raises:
        RegisterError: the file is missing (exit code 1).
        InputError: it is not a regular file, too large, or not UTF-8 (exit code 2).
    """
    if not path.is_file():
        raise RegisterError("the curated file is missing; restore it from git", path=path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CURATED_BYTES + 1)
    except OSError as error:
        raise InputError(f"cannot be read ({error.strerror or error})", path=path) from None
    if len(raw) > MAX_CURATED_BYTES:
        raise InputError(
            f"is larger than {MAX_CURATED_BYTES >> 20} MB, more than a curated file holds", path=path
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(
            f"is not UTF-8 (byte {raw[error.start]:#04x} cannot be decoded); save it as UTF-8",
            path=path,
            line=line,
        ) from None


def read_json(path: Path) -> dict[str, Any]:
    """Read a curated JSON object.

    Raises:
        RegisterError: if the file is missing, not JSON, or not an object.
    """
    text = read_text(path)
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise InputError(
            f"nests deeper than {MAX_JSON_DEPTH} levels, more than a curated file does", path=path
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise RegisterError(f"not valid JSON: {error.msg}", path=path, line=error.lineno) from None
    if not isinstance(data, dict):
        raise RegisterError("must hold a JSON object", path=path)
    _refuse_control(data, path, "")
    return data


def _json_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings (an upper bound is enough)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


#: What ``sources/package.json`` must hold, and how each value is checked.
_PACKAGE_KEYS: dict[str, tuple[str, str]] = {
    "name": (r"^[a-z0-9][a-z0-9._-]*$", "a lower-case name of letters, digits, '.', '_' and '-'"),
    "id": (r"^\S+$", "a stable identifier without spaces (a UUID or a DOI)"),
    "version": (r"^\d+\.\d+\.\d+$", "a SemVer version such as 1.2.0"),
    "released": (r"^\d{4}-\d{2}-\d{2}$", "the release date as YYYY-MM-DD"),
    "homepage": (r"^https?://\S+$", "the package's home as an http(s) URL"),
    "title": (r"\S", "a title"),
    "description": (r"\S", "a description"),
}


def read_package_meta(path: Path) -> dict[str, Any]:
    """Read ``sources/package.json`` and check the keys the build copies into the descriptor.

    Raises:
        RegisterError: naming the first key that is missing or malformed.
    """
    data = read_json(path)
    for key, (pattern, what) in _PACKAGE_KEYS.items():
        value = data.get(key)
        if not isinstance(value, str) or not re.search(pattern, value):
            raise RegisterError(f"'{key}' must be {what}, not {value!r}", path=path)
    try:
        dt.date.fromisoformat(data["released"])
    except ValueError:
        raise RegisterError(f"'released' {data['released']!r} is not a real date", path=path) from None
    anchor = data.get("source_sha256")
    if anchor is not None and (not isinstance(anchor, str) or not re.fullmatch(r"[0-9a-f]{64}", anchor)):
        raise RegisterError(
            f"'source_sha256' must be the archived source's sha256 as 64 lower-case hex digits, "
            f"not {anchor!r}",
            path=path,
        )
    for key, required in (("licenses", "name"), ("contributors", "title")):
        items = data.get(key)
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(item, dict) and isinstance(item.get(required), str) for item in items)
        ):
            raise RegisterError(
                f"'{key}' must be a non-empty list of objects, each with a '{required}'", path=path
            )
    return data


def _refuse_control(value: Any, path: Path, where: str) -> None:
    """Refuse a control character anywhere in a curated JSON value, naming the key."""
    if isinstance(value, str):
        code = control_character(value)
        if code:
            raise RegisterError(f"{where or 'the value'} {refusal(code)}", path=path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_control(item, path, f"{where}.{key}" if where else repr(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_control(item, path, f"{where}[{index}]")


@dataclass(frozen=True)
class Agency:
    """One entry of the agency register."""

    agency_id: str
    name_zh: str
    aliases: tuple[str, ...]
    full_name_zh: str
    name_en: str
    name_en_official: bool
    agency_type: str
    level: str


class Register:
    """The agency register: resolves a name as written in an annex to exactly one agency."""

    def __init__(self, agencies: list[Agency], path: Path):
        self.path = path
        self.agencies = {agency.agency_id: agency for agency in agencies}
        self._by_name: dict[str, Agency] = {}
        for agency in agencies:
            for name in (agency.name_zh, *agency.aliases):
                other = self._by_name.get(name)
                if other is not None and other.agency_id != agency.agency_id:
                    raise RegisterError(
                        f"the name {name_in_message(name)} belongs to both {other.agency_id} and "
                        f"{agency.agency_id}; "
                        "keep it on one entry",
                        path=path,
                    )
                self._by_name[name] = agency

    def resolve(self, name: str) -> Agency | None:
        """Return the agency written as ``name``, or ``None`` if the register does not know it."""
        return self._by_name.get(name)


def load_register(path: Path, codes: dict[str, set[str]]) -> Register:
    """Load ``agencies.csv`` and check its ids, booleans and codes against the code lists.

    Raises:
        RegisterError: naming the line of the first bad row.
    """
    import re

    slug = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
    agencies = []
    seen: set[str] = set()
    for row in read_csv(path, AGENCY_COLUMNS):
        line = int(row["_line"])
        agency_id = row["agency_id"]
        if not slug.match(agency_id):
            raise RegisterError(
                f"agency_id {agency_id!r} must be a lowercase ASCII slug", path=path, line=line
            )
        if agency_id in seen:
            raise RegisterError(f"agency_id {agency_id!r} is listed twice", path=path, line=line)
        seen.add(agency_id)
        for column in ("name_zh", "full_name_zh", "name_en"):
            if not row[column]:
                raise RegisterError(f"{column} is empty for {agency_id}", path=path, line=line)
        if row["name_en_official"] not in ("true", "false"):
            raise RegisterError(
                f"name_en_official must be true or false for {agency_id}", path=path, line=line
            )
        for column, codelist in (("agency_type", "agency_types"), ("level", "levels")):
            if row[column] not in codes[codelist]:
                raise RegisterError(
                    f"{column} {row[column]!r} of {agency_id} is not in the {codelist} code list",
                    path=path,
                    line=line,
                )
        aliases = tuple(alias.strip() for alias in row["aliases"].split("|") if alias.strip())
        agencies.append(
            Agency(
                agency_id=agency_id,
                name_zh=row["name_zh"],
                aliases=aliases,
                full_name_zh=row["full_name_zh"],
                name_en=row["name_en"],
                name_en_official=row["name_en_official"] == "true",
                agency_type=row["agency_type"],
                level=row["level"],
            )
        )
    return Register(agencies, path)


def load_codelists(directory: Path) -> dict[str, list[dict[str, str]]]:
    """Load the code lists (agency types, levels, roles) as rows sorted by code."""
    lists = {}
    for name in CODELISTS:
        path = directory / f"{name}.csv"
        rows = read_csv(path, CODELIST_COLUMNS)
        codes = [row["code"] for row in rows]
        if len(set(codes)) != len(codes):
            raise RegisterError("a code is listed twice", path=path)
        lists[name] = sorted(
            ({column: row[column] for column in CODELIST_COLUMNS} for row in rows), key=lambda r: r["code"]
        )
    return lists


def load_translations(path: Path) -> dict[str, str]:
    """Load ``title_zh -> title_en`` from a translations file; a missing file means none."""
    if not path.is_file():
        return {}
    rows = read_csv(path, ["title_zh", "title_en"])
    return {row["title_zh"]: row["title_en"] for row in rows if row["title_en"]}


def load_corrections(path: Path) -> list[Correction]:
    """Load the reviewed corrections beside a source; a missing file means none.

    Raises:
        RegisterError: if a row has no reason or a bad line number.
    """
    if not path.is_file():
        return []
    corrections = []
    for row in read_csv(path, ["line", "find", "replace", "reason"]):
        line = int(row["_line"])
        if not row["line"].isdigit() or not row["find"] or not row["reason"]:
            raise RegisterError(
                "each correction needs a line number, a find text and a reason", path=path, line=line
            )
        corrections.append(Correction(int(row["line"]), row["find"], row["replace"], row["reason"]))
    return corrections


def load_overrides(path: Path) -> dict[int, tuple[int, str]]:
    """Load reviewed task-to-clause overrides: ``task_no -> (clause_no, reason)``."""
    if not path.is_file():
        return {}
    overrides = {}
    for row in read_csv(path, ["task_no", "clause_no", "reason"]):
        line = int(row["_line"])
        if not (row["task_no"].isdigit() and row["clause_no"].isdigit() and row["reason"]):
            raise RegisterError(
                "each override needs a task_no, a clause_no and a reason", path=path, line=line
            )
        overrides[int(row["task_no"])] = (int(row["clause_no"]), row["reason"])
    return overrides


#: Largest pending file read back to merge (it holds a few rows per unknown unit).
MAX_PENDING_BYTES = 1 << 20


def replace_file(path: Path, data: bytes) -> None:
    """Replace ``path`` whole: written beside, then renamed, so a reader sees the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def write_pending(path: Path, missing: dict[str, list[int]]) -> Path:
    """Add the units the register lacks to a review file in the register's columns; return its path.

    Each new row has the name as the annex writes it, empty columns to fill in, and in ``note``
    the tasks that name it. A pending file already there is merged, never overwritten: every row
    in it (those a maintainer has completed, and any other) is kept as it is, and only names it
    lacks are added. A pending file that cannot be merged (not a regular file, undecodable, another
    header) is left alone and the rows go beside it, to ``agencies.pending.new.csv``. The file is
    written beside, then renamed.
    """
    kept: list[list[str]] = []
    target = path
    if os.path.lexists(path):
        kept_or_none = _read_pending(path)
        if kept_or_none is None:
            target = path.with_name(path.name.removesuffix(".csv") + ".new.csv")
        else:
            kept = kept_or_none
    known = {row[1] for row in kept if len(row) > 1}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(AGENCY_COLUMNS)
    writer.writerows(kept)
    for name, tasks in sorted(missing.items()):
        if name in known:
            continue
        note = f"TO REVIEW: named in task{'s' if len(tasks) > 1 else ''} {', '.join(map(str, tasks))}"
        writer.writerow(["", name, "", "", "", "false", "", "", note])
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    return target


def _read_pending(path: Path) -> list[list[str]] | None:
    """The rows of an existing pending file, or ``None`` when it is not one to merge into."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_PENDING_BYTES:
            return None
        raw = handle.read(MAX_PENDING_BYTES + 1)
    try:
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None
    if not rows or rows[0] != AGENCY_COLUMNS:
        return None
    return [row for row in rows[1:] if any(cell.strip() for cell in row)]
