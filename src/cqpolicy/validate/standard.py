"""Layer 1: the standard checks, by frictionless (the reference implementation of the specs).

frictionless checks the descriptor against the Data Package profiles, then reads
each CSV resource: encoding (the descriptor declares ``utf-8``, so a GB18030 or
UTF-16 re-save is an ``encoding-error``), labels, types, constraints, primary and
foreign keys, and ``bytes`` and ``hash``; and the ``hash`` and ``bytes`` of the
Excel file, whose first sheet it reads as a table from the row ``dialect.headerRows`` names.
Each frictionless error becomes one finding whose check id is the
frictionless error type (``foreign-key``, ``type-error``, ``hash-count``, ...).

The Parquet copies are left out of the data pass on purpose: frictionless 5 reads
them slowly, mis-counts their bytes and skips their hash. The package layer
instead proves that each Parquet file holds exactly the rows and values of its
CSV twin (which frictionless has checked), has the declared types, and has the
declared sha256. Their descriptors are still checked here with the rest.

Paths are checked by :func:`cqpolicy.package.check_descriptor_paths` before this
layer runs, and frictionless runs untrusted, so nothing outside the package and
nothing on the network is read.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from cqpolicy.findings import Finding

LAYER = "frictionless"
#: Resource formats this layer does not read (the package layer covers them; see the module docstring).
SKIPPED_FORMATS = {"parquet"}
#: Errors per resource before frictionless stops reading it.
LIMIT_ERRORS = 200


def in_scope(resource: dict[str, Any]) -> bool:
    """Whether frictionless reads this resource's data (every resource but the Parquet copies)."""
    return resource.get("format") not in SKIPPED_FORMATS


def run_frictionless(root: Path, descriptor: dict[str, Any]) -> tuple[list[Finding], dict[str, Any]]:
    """Validate the package with frictionless; return findings and counts.

    An exception frictionless does not turn into an error of its own (it happens with
    some malformed descriptors) becomes one ``internal-error`` finding, not a crash.

    Args:
        root: The package directory; its paths have been checked already.
        descriptor: The parsed descriptor (not modified).
    """
    try:
        return _run(root, descriptor)
    except Exception as error:  # frictionless bugs on odd input must not hide the other layers
        message = f"frictionless stopped on {type(error).__name__}: {error}"
        return [Finding(check="internal-error", message=message, layer=LAYER)], {"resources": 0, "errors": 1}


def _run(root: Path, descriptor: dict[str, Any]) -> tuple[list[Finding], dict[str, Any]]:
    from frictionless import FrictionlessException, Package, system

    findings: list[Finding] = []
    stats: dict[str, Any] = {"resources": 0, "errors": 0}
    with system.use_context(trusted=False):
        try:
            # What Package.validate does, minus reading the Parquet resources' data.
            package = Package(copy.deepcopy(descriptor), basepath=str(root))
            package.to_descriptor(validate=True)
        except FrictionlessException as exception:
            findings.extend(_finding(error, None) for error in exception.to_errors())
            stats["errors"] = len(findings)
            return findings, stats
        for resource in package.resources:
            if not in_scope({"format": resource.format, "type": resource.type}):
                continue
            report = resource.validate(limit_errors=LIMIT_ERRORS)
            stats["resources"] += 1
            for task in report.tasks:
                findings.extend(_finding(error, task) for error in task.errors)
            findings.extend(_finding(error, None) for error in report.errors)
    stats["errors"] = len(findings)
    return findings, stats


def _finding(error: Any, task: Any) -> Finding:
    """One frictionless error as a finding: its type, where, and its note in one sentence."""
    resource = getattr(task, "name", None)
    place = getattr(task, "place", None)
    row_number = getattr(error, "row_number", None)
    field = getattr(error, "field_name", None)
    names = getattr(error, "field_names", None)  # foreign-key errors name their key's fields
    if field is None and isinstance(names, list) and names:
        field = ",".join(str(n) for n in names)
    where = []
    if place:
        where.append(str(place))
    row = None
    if isinstance(row_number, int):
        # frictionless counts the header as row 1; findings count data rows from 1.
        row = row_number - 1
        where.append(f"row {row} (line {row_number})")
    if field:
        where.append(f"field {field}")
    note = getattr(error, "note", "") or ""
    title = getattr(error, "title", error.type)
    message = f"{', '.join(where)}: {title}: {note}" if where else f"{title}: {note or error.message}"
    return Finding(
        check=str(error.type),
        message=" ".join(message.split()),
        resource=resource,
        row=row,
        field=field,
        layer=LAYER,
    )
