"""Validate a data package: three layers, one report.

1. :mod:`~cqpolicy.validate.standard`: frictionless, the standard checks.
2. :mod:`~cqpolicy.validate.expectations`: the reviewed Great Expectations suites.
3. :mod:`~cqpolicy.validate.checks`: package checks across files and tables.

Plus, on request, a rebuild from ``sources/`` compared byte for byte. The
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
import tempfile
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
    rebuild: bool = False,
    layers: Collection[str] = LAYERS,
    suites_dir: Path | None = None,
    parallel: bool | None = None,
) -> ValidationReport:
    """Validate the package at ``path`` (a directory, its ``datapackage.json``, or a ``.zip``).

    Args:
        path: The package.
        rebuild: Also build the package from ``<package>/sources`` into a temporary directory
            and compare every file byte for byte (needs a repository checkout, not a download).
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
        if rebuild and not (root / "sources").is_dir():
            raise PackageInputError(
                "rebuild-unavailable",
                "has no sources/ to rebuild from; --rebuild needs a repository checkout, "
                "not a downloaded package",
                path=root,
            )
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
        found, stats["rebuild"] = rebuild_findings(job.root, job.files)
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


def rebuild_findings(root: Path, files: dict[str, Path]) -> tuple[list[Finding], dict[str, Any]]:
    """Build from ``root/sources`` into a temporary directory and compare every file byte for byte.

    Returns ``rebuild-failed`` when the build stops (with its one-sentence reason) and
    ``rebuild-drift`` for each file that differs, is missing, or is not produced by a build.
    """
    from cqpolicy.build import build_package
    from cqpolicy.errors import CqpolicyError

    with tempfile.TemporaryDirectory(prefix="cqpolicy-rebuild-") as tmp:
        out = Path(tmp)
        try:
            build_package(source=None, out=out, sources_dir=root / "sources")
        except CqpolicyError as error:
            finding = Finding(
                check="rebuild-failed",
                message=f"building from sources/ failed: {error}",
                layer="package",
            )
            return [finding], {"files": 0}
        built = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
        findings = []
        for relative in built:
            mine = root / relative
            if not mine.is_file():
                findings.append(_drift(relative, "is missing from the package, but a build writes it"))
            elif mine.read_bytes() != (out / relative).read_bytes():
                findings.append(_drift(relative, "differs from a fresh build of sources/"))
        extra = sorted({p.relative_to(root).as_posix() for p in files.values()} - set(built))
        findings.extend(
            _drift(relative, "is named by the descriptor but a build does not write it") for relative in extra
        )
    return findings, {"files": len(built)}


def _drift(relative: str, what: str) -> Finding:
    return Finding(
        check="rebuild-drift",
        message=f"{relative} {what}; run `cqpolicy build` (or find what changed it)",
        field=None,
        layer="package",
    )
