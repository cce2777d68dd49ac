"""The fault catalogue: every fault is reported by the check meant for it, and the clean package passes.

Each case copies the freshly built package, applies one mutation from
``validate_faults.FAULTS`` and validates the copy: as made with every layer the
fault could trip, and (for most faults) again after the descriptor's hashes are
updated to match, as a careless script would, with the layers meant for it.
Faults that make the input unusable must be refused (exit code 2) by the check
named in the catalogue.

The cases are independent, so a session fixture runs them in two forked worker
processes (Great Expectations already imported) and each test asserts on its
case's outcome; without fork they run one by one.
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from cqpolicy.validate import validate_package
from cqpolicy.validate.expectations import default_suites_dir
from validate_faults import (
    CAUGHT_WITHOUT_SOURCES,
    CONSISTENT,
    FAULTS,
    MISSED_WITHOUT_SOURCES,
    Fault,
    Outcome,
    make_copy,
    run_case,
    run_consistent,
)

CASES = [(fault, False) for fault in FAULTS] + [(fault, True) for fault in FAULTS if fault.rehash]
WORKERS = 2


def case_id(fault: Fault, rehash: bool) -> str:
    return f"{fault.id}+rehash" if rehash else fault.id


@pytest.fixture(scope="session")
def outcomes(built_package: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every case's outcome, computed once."""
    import great_expectations  # noqa: F401  # imported once here, inherited by the forked workers

    base = tmp_path_factory.mktemp("faults")
    jobs = [
        (fault.id, rehash, built_package, default_suites_dir(), base / case_id(fault, rehash))
        for fault, rehash in CASES
    ]
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
            results = list(pool.map(run_case, *zip(*jobs, strict=True)))
    else:
        results = [run_case(*job) for job in jobs]
    return {case_id(fault, rehash): result for (fault, rehash), result in zip(CASES, results, strict=True)}


def test_the_catalogue_has_at_least_forty_distinct_faults() -> None:
    ids = [fault.id for fault in FAULTS]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 40
    assert sum(fault.rehash for fault in FAULTS) > len(FAULTS) / 2


def test_clean_package_passes_every_layer(built_package: Path, tmp_path: Path) -> None:
    pkg = make_copy(built_package, default_suites_dir(), tmp_path)
    report = validate_package(pkg.root, suites_dir=pkg.suites, parallel=False)
    assert report.findings == []
    assert report.valid and report.exit_code == 0
    expectations = report.layers["expectations"]
    assert expectations["expectations_evaluated"] == expectations["expectations_defined"] > 50
    assert expectations["suites"] == 10
    assert report.layers["frictionless"]["resources"] == 12


@pytest.mark.parametrize(("fault", "rehash"), [pytest.param(f, r, id=case_id(f, r)) for f, r in CASES])
def test_fault_is_reported_by_the_check_meant_for_it(
    fault: Fault, rehash: bool, outcomes: dict[str, Outcome]
) -> None:
    outcome = outcomes[case_id(fault, rehash)]
    assert outcome.crash is None, outcome.crash
    assert outcome.exit_code == fault.exit_code, outcome.report
    if fault.exit_code == 2:
        assert outcome.refused_by in fault.expect, outcome.report
        return
    assert set(fault.expect) <= outcome.found, (
        f"missing {set(fault.expect) - outcome.found}\n{outcome.report}"
    )
    assert not any(check.endswith(":internal-error") for check in outcome.found), outcome.report


@pytest.fixture(scope="session")
def consistent_outcomes(
    built_package: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, bool], Outcome]:
    """Each consistent corruption validated with sources/ (rebuilt by default) and with --no-rebuild."""
    import great_expectations  # noqa: F401  # imported once here, inherited by the forked workers

    base = tmp_path_factory.mktemp("consistent")
    cases = [(fault_id, rebuild) for fault_id, _ in CONSISTENT for rebuild in (True, False)]
    jobs = [(f, r, built_package, default_suites_dir(), base / f"{f}-{r}") for f, r in cases]
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
            results = list(pool.map(run_consistent, *zip(*jobs, strict=True)))
    else:
        results = [run_consistent(*job) for job in jobs]
    return dict(zip(cases, results, strict=True))


def test_the_catalogue_has_29_consistent_corruptions() -> None:
    ids = [fault_id for fault_id, _ in CONSISTENT]
    assert len(ids) == len(set(ids)) == 29
    assert set(ids) >= MISSED_WITHOUT_SOURCES


@pytest.mark.parametrize("fault_id", [fault_id for fault_id, _ in CONSISTENT])
def test_consistent_corruption_is_caught_by_the_rebuild_from_sources(
    fault_id: str, consistent_outcomes: dict[tuple[str, bool], Outcome]
) -> None:
    outcome = consistent_outcomes[(fault_id, True)]
    assert outcome.crash is None, outcome.crash
    assert outcome.exit_code == 1, outcome.report
    assert "package:rebuild-drift" in outcome.found, outcome.report


def test_what_no_rebuild_still_misses_is_pinned(consistent_outcomes: dict[tuple[str, bool], Outcome]) -> None:
    """Without sources/ only the checks of meaning can see these; the list may only shrink on purpose."""
    missed = set()
    for fault_id, _ in CONSISTENT:
        outcome = consistent_outcomes[(fault_id, False)]
        assert outcome.crash is None, outcome.crash
        assert "package:rebuild-drift" not in outcome.found
        if outcome.exit_code == 0:
            missed.add(fault_id)
    assert missed == MISSED_WITHOUT_SOURCES
    for fault_id, check in CAUGHT_WITHOUT_SOURCES.items():
        outcome = consistent_outcomes[(fault_id, False)]
        assert outcome.exit_code == 1 and check in outcome.found, (fault_id, outcome.report)
    assert set(CAUGHT_WITHOUT_SOURCES) | MISSED_WITHOUT_SOURCES == {fault_id for fault_id, _ in CONSISTENT}
    assert (len(CAUGHT_WITHOUT_SOURCES), len(MISSED_WITHOUT_SOURCES)) == (10, 19)
