"""Validate a data package: three layers, one report.

1. :mod:`~cqpolicy.validate.standard`: frictionless, the standard checks.
2. :mod:`~cqpolicy.validate.expectations`: the reviewed Great Expectations suites.
3. :mod:`~cqpolicy.validate.checks`: package checks across files and tables.

Plus, whenever the package carries ``sources/``, :mod:`~cqpolicy.validate.provenance`: the
data re-derived from them and compared value by value (skipped with ``rebuild=False``). The
package is opened with :mod:`cqpolicy.publish.package`, which refuses unsafe paths and
zips before anything is read. Findings are data (:class:`cqpolicy.findings.Finding`);
the report (:class:`~cqpolicy.validate.report.ValidationReport`) derives the exit
code. Unusable input (no package, a descriptor that is not JSON, an unsafe
path or zip) raises :class:`cqpolicy.errors.InputError` instead (exit code 2).

Example::

    from cqpolicy.validate import validate_package

    report = validate_package("dist/cqpolicy-guangyang-bay-1.0.0.zip")
    print(report.render_text())
    raise SystemExit(report.exit_code)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cqpolicy.findings import Finding
from cqpolicy.package import (
    PackageInputError,
    check_descriptor_paths,
    open_package,
    read_descriptor,
)
from cqpolicy.validate.report import ValidationReport, use_color

if TYPE_CHECKING:
    from cqpolicy.validate.checks import PackageData

__all__ = ["LAYERS", "ValidationReport", "use_color", "validate_package"]

#: The layers, in the order the report lists them.
LAYERS = ("frictionless", "expectations", "package")


def validate_package(
    path: Path | str = ".",
    *,
    rebuild: bool | None = None,
    layers: Collection[str] = LAYERS,
    suites_dir: Path | None = None,
    parallel: bool | None = None,
) -> ValidationReport:
    """Validate the package at ``path`` (a directory, its ``datapackage.json``, or a ``.zip``).

    Args:
        path: The package.
        rebuild: Re-derive the data from ``<package>/sources`` and report every value that
            differs. ``None`` (the default): when ``sources/`` is present, else the report says
            the rebuild was skipped; ``True``: required (no ``sources/`` is unusable input);
            ``False``: skipped, and the report says so.
        layers: Which layers to run (all by default); tests run one layer at a time.
        suites_dir: The expectation suites (default: the toolkit's reviewed ``validation/suites``).
        parallel: Run the frictionless and package layers in a forked process while this one
            imports Great Expectations and runs the suites. ``None`` (the default) decides:
            yes when the system can fork and neither Great Expectations nor pyarrow is imported
            yet (a fresh ``cqpolicy validate``), no otherwise (nothing to win, and a fork after
            pyarrow started its threads is best avoided).

    Returns:
        The report; ``report.exit_code`` is 0 when valid, 1 when not.

    Raises:
        InputError: the package cannot be used at all (exit code 2): it does not exist, its
            descriptor is missing or not a JSON object, a path in it is unsafe, the zip is
            unsafe or unreadable, or ``rebuild`` was asked without ``sources/``.
    """
    unknown = set(layers) - set(LAYERS)
    if unknown:
        raise ValueError(f"unknown layers {sorted(unknown)}; choose from {LAYERS}")
    if parallel is None:
        parallel = _can_fork() and not {"great_expectations", "pyarrow"} & set(sys.modules)
    with open_package(path) as root:
        descriptor = read_descriptor(root)
        files = check_descriptor_paths(root, descriptor)
        has_sources = (root / "sources").is_dir()
        if rebuild and not has_sources:
            raise PackageInputError(
                "rebuild-unavailable",
                "has no sources/ to rebuild from; --rebuild needs a package that carries its sources",
                path=root,
            )
        if rebuild is None:
            rebuild = has_sources
        job = Job(root, descriptor, files, frozenset(layers), rebuild)
        if parallel and _can_fork():
            wait = _in_child(job)
            findings, stats = _expectations(job, None, suites_dir)
            found, more = wait()
        else:
            data = job.load() if {"expectations", "package"} & job.layers else None
            findings, stats = _expectations(job, data, suites_dir)
            found, more = _other_layers(job, data)
        findings.extend(found)
        stats.update(more)
        if not rebuild:
            stats["rebuild"] = {
                "skipped": "no sources/ in the package" if not has_sources else "--no-rebuild"
            }
    name, version = descriptor.get("name"), descriptor.get("version")
    return ValidationReport(
        package=str(path),
        name=name if isinstance(name, str) else None,
        version=version if isinstance(version, str) else None,
        findings=findings,
        layers={layer: stats[layer] for layer in (*LAYERS, "rebuild") if layer in stats},
    )


@dataclass(frozen=True)
class Job:
    """What to validate: the opened package and which layers to run."""

    root: Path
    descriptor: dict[str, Any]
    files: dict[str, Path]
    layers: frozenset[str]
    rebuild: bool

    def load(self, *, parquet: bool = True) -> PackageData:
        """The package's tables (Parquet too when the package layer runs)."""
        from cqpolicy.validate.checks import load_data

        return load_data(self.root, self.descriptor, self.files, parquet=parquet and "package" in self.layers)


Result = tuple[list[Finding], dict[str, dict[str, Any]]]


def _expectations(job: Job, data: PackageData | None, suites_dir: Path | None) -> Result:
    """Layer 2, in this process."""
    if "expectations" not in job.layers:
        return [], {}
    from cqpolicy.validate.expectations import default_suites_dir, load_suites, run_suites

    data = data or job.load(parquet=False)
    suites, findings = load_suites(suites_dir or default_suites_dir())
    keys = {table: data.primary_key(table) for table in data.csv}
    found, counts = run_suites(suites, data.csv, keys, _declared_rows(job.descriptor))
    return findings + found, {"expectations": counts.to_dict()}


def _declared_rows(descriptor: dict[str, Any]) -> dict[str, int]:
    """The ``rows`` each resource declares, for the suites' ``{"$rows": ...}`` (malformed ones left out)."""
    resources = descriptor.get("resources")
    declared: dict[str, int] = {}
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
            continue
        rows = resource.get("rows")
        if isinstance(rows, int) and not isinstance(rows, bool):
            declared[resource["name"]] = rows
    return declared


def _other_layers(job: Job, data: PackageData | None) -> Result:
    """Layers 1 and 3 and the rebuild: everything that does not need Great Expectations."""
    findings: list[Finding] = []
    stats: dict[str, dict[str, Any]] = {}
    if "package" in job.layers:
        from cqpolicy.validate.checks import run_checks

        found, stats["package"] = run_checks(data or job.load())
        findings.extend(found)
    if job.rebuild:
        from cqpolicy.validate.provenance import rebuild_findings

        found, stats["rebuild"] = rebuild_findings(job.root, job.descriptor, job.files)
        findings.extend(found)
    if "frictionless" in job.layers:
        from cqpolicy.validate.standard import run_frictionless

        found, stats["frictionless"] = run_frictionless(job.root, job.descriptor)
        findings.extend(found)
    return findings, stats


def _can_fork() -> bool:
    import multiprocessing

    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _in_child(job: Job) -> Callable[[], Result]:
    """Start :func:`_other_layers` in a forked process; return a function that waits for it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    future = executor.submit(_other_layers, job, None)

    def wait() -> Result:
        try:
            return future.result()
        finally:
            executor.shutdown()

    return wait
