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
from validate_faults import FAULTS, Fault, Outcome, make_copy, run_case

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
    assert report.layers["frictionless"]["resources"] == 11


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
