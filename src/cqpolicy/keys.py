"""Key-level integrity of a package's tables: unique primary keys and foreign keys that resolve.

``cqpolicy validate`` reports every such problem as a finding. The commands that only *use* a
package (``diff``, ``report``) cannot give a meaningful answer without them (a row appended twice
would be invisible to a diff aligned by key, and would double every count in a report), so they
call :func:`key_problem` and refuse such a package with one sentence (exit code 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Rows = Sequence[Mapping[str, Any]]


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def _shown(columns: list[str], key: tuple[Any, ...]) -> str:
    return ", ".join(f"{column} {value!r}" for column, value in zip(columns, key, strict=True))


def key_problem(descriptor: Mapping[str, Any], tables: Mapping[str, Rows]) -> str | None:
    """The first duplicate primary key or dangling foreign key in ``tables``, as a sentence; else None.

    Args:
        descriptor: The package descriptor (its CSV resources' ``primaryKey`` and ``foreignKeys``).
        tables: ``{resource name: rows as dicts}`` for the tables to check (others are skipped).
    """
    schemas = {
        resource.get("name"): resource.get("schema")
        for resource in descriptor.get("resources", [])
        if isinstance(resource, Mapping) and isinstance(resource.get("schema"), Mapping)
    }
    for name, rows in tables.items():
        schema = schemas.get(name) or {}
        key = _names(schema.get("primaryKey"))
        if key:
            seen: dict[tuple[Any, ...], int] = {}
            for number, row in enumerate(rows, start=1):
                value = tuple(row.get(column) for column in key)
                if value in seen:
                    return (
                        f"table {name!r} has the primary key ({_shown(key, value)}) twice, in data rows "
                        f"{seen[value]} and {number}"
                    )
                seen[value] = number
    for name, rows in tables.items():
        schema = schemas.get(name) or {}
        for foreign in schema.get("foreignKeys") or []:
            reference = foreign.get("reference") or {}
            target = str(reference.get("resource") or name)
            if target not in tables:
                continue
            fields, referenced = _names(foreign.get("fields")), _names(reference.get("fields"))
            known = {tuple(row.get(column) for column in referenced) for row in tables[target]}
            for number, row in enumerate(rows, start=1):
                value = tuple(row.get(column) for column in fields)
                if None not in value and value not in known:
                    return (
                        f"table {name!r} data row {number} refers to ({_shown(fields, value)}), which is not "
                        f"in table {target!r}"
                    )
    return None


REFUSAL = (
    "; a package's primary keys must be unique and its references resolve: see every problem with "
    "`cqpolicy validate`"
)
