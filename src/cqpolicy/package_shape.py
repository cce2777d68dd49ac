"""Check a descriptor's shape before anything else reads it: size, nesting, numbers and types.

A descriptor is untrusted input. frictionless, pandas and the toolkit's own checks assume the
types the Data Package specifications give (``encoding`` a text codec, ``missingValues`` a list
of strings, ``enum`` a list, ``primaryKey`` a string or list of strings, a date ``format`` a
valid pattern, ...); given anything else they fail deep inside with a traceback, or hang, or
exhaust memory. :func:`parse_descriptor` parses the bytes with bounds (file size, nesting depth,
digits per number) and :func:`check_shape` checks the type of every property the toolkit reads,
so that each bad descriptor is refused with one sentence naming the property (exit code 2).

Properties the toolkit does not read are not checked; frictionless reports those as findings.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cqpolicy.errors import InputError

#: The shipped descriptor is about 80 kB; one a hundred times larger is still plausible.
MAX_DESCRIPTOR_BYTES = 8 << 20
#: The shipped descriptor nests 7 levels deep (package > resources > schema > fields > constraints > enum).
MAX_DEPTH = 32
#: Digits in one JSON number (a 64-bit integer has at most 20).
MAX_NUMBER_DIGITS = 40

_DATE_TYPES = frozenset({"date", "time", "datetime"})
#: strftime directives Python's strptime accepts.
_STRPTIME = re.compile(r"%[aAwdbBmyYHIpMSfzZjUWcxX%GuV]")


class ShapeError(InputError):
    """The descriptor's shape is wrong: exit code 2, one sentence naming the property.

    Attributes:
        check: ``descriptor-invalid`` (the id :class:`cqpolicy.package.PackageInputError` uses).
    """

    check = "descriptor-invalid"


def parse_descriptor(data: bytes, path: Path | str) -> Any:
    """Parse descriptor bytes as JSON within the bounds above.

    Raises:
        ShapeError: too large, not UTF-8, not JSON, nested too deep, or a number too long.
    """
    check_size(len(data), path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ShapeError("is not UTF-8 text; save it as UTF-8 JSON or rebuild it", path=path) from None
    depth = _max_depth(text)
    if depth > MAX_DEPTH:
        raise ShapeError(
            f"nests arrays or objects {depth} deep, more than the {MAX_DEPTH} a descriptor may have",
            path=path,
        )
    try:
        return json.loads(
            text,
            parse_int=_number(int, path),
            parse_float=_number(float, path),
            parse_constant=_constant(path),
        )
    except json.JSONDecodeError as error:
        raise ShapeError(
            f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "fix it or rebuild it with `cqpolicy build`",
            path=path,
        ) from None


def check_size(size: int, path: Path | str) -> None:
    """Refuse a descriptor of more than :data:`MAX_DESCRIPTOR_BYTES` (checked before reading it)."""
    if size > MAX_DESCRIPTOR_BYTES:
        raise ShapeError(
            f"is {size:,} bytes, more than the {MAX_DESCRIPTOR_BYTES:,} a descriptor may have", path=path
        )


def _max_depth(text: str) -> int:
    """The deepest nesting of ``[`` / ``{`` outside strings (an estimate good enough to bound it)."""
    # Strings may hold brackets: drop them first (a regex over JSON string literals).
    skeleton = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    depth = deepest = 0
    for char in re.sub(r"[^\[\]{}]", "", skeleton):
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _number(kind: Callable[[str], Any], path: Path | str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_DIGITS:
            raise ShapeError(
                f"holds a number of {len(text):,} characters ({text[:12]}...); numbers in a descriptor "
                f"have at most {MAX_NUMBER_DIGITS}",
                path=path,
            )
        value = kind(text)
        if isinstance(value, float) and not math.isfinite(value):
            raise ShapeError(f"holds the number {text}, which is out of range", path=path)
        return value

    return parse


def _constant(path: Path | str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        raise ShapeError(f"holds {text}, which is not JSON; write a number or null", path=path)

    return parse


# --- types ----------------------------------------------------------------------------------------


def check_shape(descriptor: Any, path: Path | str) -> None:
    """Check the type of every property the toolkit reads.

    Raises:
        ShapeError: naming the first property (as a JSON path such as
            ``resources[3].schema.fields[2].constraints.enum``) whose type is wrong.
    """
    Shape(path).package(descriptor)


class Shape:
    """The checks, one method per object of the Data Package specifications."""

    def __init__(self, path: Path | str):
        self.path = path

    def fail(self, where: str, expected: str, value: Any) -> None:
        shown = json.dumps(value, ensure_ascii=False)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        raise ShapeError(f"{where} must be {expected}, not {shown}", path=self.path)

    def is_str(self, obj: dict[str, Any], key: str, where: str, *, required: bool = False) -> None:
        if (key in obj or required) and not isinstance(obj.get(key), str):
            self.fail(f"{where}.{key}".lstrip("."), "a string", obj.get(key))

    def is_list_of_str(self, obj: dict[str, Any], key: str, where: str, *, or_str: bool = False) -> None:
        if key not in obj:
            return
        value = obj[key]
        if or_str and isinstance(value, str):
            return
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            expected = "a string or a list of strings" if or_str else "a list of strings"
            self.fail(f"{where}.{key}", expected, value)

    def is_bool(self, obj: dict[str, Any], key: str, where: str) -> None:
        if key in obj and not isinstance(obj[key], bool):
            self.fail(f"{where}.{key}", "true or false", obj[key])

    def is_count(self, obj: dict[str, Any], key: str, where: str) -> None:
        value = obj.get(key)
        if key in obj and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            self.fail(f"{where}.{key}", "a whole number of at least 0", value)

    def objects(self, obj: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        if key not in obj:
            return []
        value = obj[key]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(f"{where}.{key}".lstrip("."), "a list of objects", value)
        return list(value)

    def package(self, descriptor: Any) -> None:
        if not isinstance(descriptor, dict):
            raise ShapeError(
                f"holds a JSON {type(descriptor).__name__}, not an object; a descriptor is an object with "
                "'resources'",
                path=self.path,
            )
        for key in ("name", "version", "title", "description", "homepage", "profile", "$schema"):
            self.is_str(descriptor, key, "")
        self.is_list_of_str(descriptor, "keywords", "")
        for key in ("licenses", "contributors", "sources"):
            self.objects(descriptor, key, "")
        if "document" in descriptor and not isinstance(descriptor["document"], dict):
            self.fail("document", "an object", descriptor["document"])
        if "resources" not in descriptor:
            raise ShapeError("has no 'resources' list; a data package lists its files there", path=self.path)
        seen: set[str] = set()
        for index, resource in enumerate(self.objects(descriptor, "resources", "")):
            self.resource(resource, f"resources[{index}]")
            if resource["name"] in seen:
                raise ShapeError(
                    f"names two resources {resource['name']!r}; each resource needs its own name",
                    path=self.path,
                )
            seen.add(resource["name"])

    def resource(self, resource: dict[str, Any], where: str) -> None:
        self.is_str(resource, "name", where, required=True)
        where = f"resources[{resource['name']!r}]"
        # Data Package allows a list of paths (one resource in parts); cqpolicy's packages have one
        # file per resource, and a list would otherwise slip past the checks that read the file.
        if "path" in resource and not isinstance(resource["path"], str):
            self.fail(
                f"{where}.path",
                "one path as a string (cqpolicy reads one file per resource)",
                resource["path"],
            )
        for key in ("format", "mediatype", "hash", "title", "description", "profile", "$schema"):
            self.is_str(resource, key, where)
        for key in ("bytes", "rows"):
            self.is_count(resource, key, where)
        if "encoding" in resource:
            self.encoding(resource["encoding"], f"{where}.encoding")
        for key in ("dialect", "schema"):
            if key in resource and not isinstance(resource[key], dict | str):
                self.fail(f"{where}.{key}", "an object (or the path of a JSON file)", resource[key])
        if isinstance(resource.get("dialect"), dict):
            self.dialect(resource["dialect"], f"{where}.dialect")
        if isinstance(resource.get("schema"), dict):
            self.schema(resource["schema"], f"{where}.schema")

    def encoding(self, value: Any, where: str) -> None:
        if not isinstance(value, str):
            self.fail(where, 'the name of a text encoding such as "utf-8"', value)
        try:
            known = codecs.lookup(value)._is_text_encoding  # rot13, base64, zlib... are not text encodings
        except LookupError:
            known = False
        if not known:
            self.fail(where, 'the name of a text encoding such as "utf-8"', value)

    def dialect(self, dialect: dict[str, Any], where: str) -> None:
        for key in ("delimiter", "quoteChar", "escapeChar", "lineTerminator", "commentChar"):
            self.is_str(dialect, key, where)
            if key in ("delimiter", "quoteChar", "escapeChar") and key in dialect and len(dialect[key]) != 1:
                self.fail(f"{where}.{key}", "one character", dialect[key])
        for key in ("header", "doubleQuote", "skipInitialSpace", "caseSensitiveHeader"):
            self.is_bool(dialect, key, where)

    def schema(self, schema: dict[str, Any], where: str) -> None:
        if "fields" not in schema:
            self.fail(f"{where}.fields", "a list of objects", None)
        fields = self.objects(schema, "fields", where)
        for index, field in enumerate(fields):
            self.field(field, f"{where}.fields[{index}]")
        self.is_list_of_str(schema, "primaryKey", where, or_str=True)
        self.is_list_of_str(schema, "missingValues", where)
        for index, key in enumerate(self.objects(schema, "foreignKeys", where)):
            self.foreign_key(key, f"{where}.foreignKeys[{index}]")

    def foreign_key(self, key: dict[str, Any], where: str) -> None:
        if "fields" not in key:
            self.fail(f"{where}.fields", "a string or a list of strings", None)
        self.is_list_of_str(key, "fields", where, or_str=True)
        reference = key.get("reference")
        if not isinstance(reference, dict):
            self.fail(f"{where}.reference", "an object with 'resource' and 'fields'", reference)
            return
        self.is_str(reference, "resource", f"{where}.reference", required=True)
        if "fields" not in reference:
            self.fail(f"{where}.reference.fields", "a string or a list of strings", None)
        self.is_list_of_str(reference, "fields", f"{where}.reference", or_str=True)

    def field(self, field: dict[str, Any], where: str) -> None:
        self.is_str(field, "name", where, required=True)
        where = f"{where.rsplit('.fields', 1)[0]}.fields[{field['name']!r}]"
        for key in ("title", "description", "format", "rdfType", "decimalChar", "groupChar"):
            self.is_str(field, key, where)
        self.is_str(field, "type", where)  # an unknown type name is a finding (frictionless), not a crash
        kind = field.get("type", "string")
        if kind in _DATE_TYPES and isinstance(field.get("format"), str):
            self.date_format(field["format"], f"{where}.format")
        for key in ("trueValues", "falseValues", "missingValues"):
            self.is_list_of_str(field, key, where)
        self.is_bool(field, "bareNumber", where)
        if "constraints" in field:
            constraints = field["constraints"]
            if not isinstance(constraints, dict):
                self.fail(f"{where}.constraints", "an object", constraints)
            self.constraints(constraints, f"{where}.constraints")

    def date_format(self, value: str, where: str) -> None:
        if value in ("default", "any"):
            return
        pattern = value.removeprefix("fmt:")
        if "%" not in pattern or "%" in _STRPTIME.sub("", pattern):
            self.fail(where, 'a date pattern such as "%Y-%m-%d", "default" or "any"', value)

    def constraints(self, constraints: dict[str, Any], where: str) -> None:
        for key in ("required", "unique"):
            self.is_bool(constraints, key, where)
        for key in ("minLength", "maxLength"):
            self.is_count(constraints, key, where)
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            value = constraints.get(key)
            if key in constraints and (isinstance(value, bool) or not isinstance(value, int | float | str)):
                self.fail(f"{where}.{key}", "a number (or a date as text)", value)
        if "enum" in constraints:
            enum = constraints["enum"]
            if not isinstance(enum, list) or not all(
                isinstance(item, str | int | float) and not isinstance(item, bool) for item in enum
            ):
                self.fail(f"{where}.enum", "a list of values (strings or numbers)", enum)
        if "pattern" in constraints:
            self.is_str(constraints, "pattern", where)
            try:
                re.compile(constraints["pattern"])
            except re.error as error:
                self.fail(f"{where}.pattern", f"a regular expression ({error})", constraints["pattern"])
