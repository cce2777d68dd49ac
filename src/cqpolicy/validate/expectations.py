"""Layer 2: the reviewed Great Expectations suites in ``validation/suites``.

A suite is a small JSON file, one per table, holding only expectation types
and their keyword arguments (``validation/README.md`` describes the format).
This module reads the suites without Great Expectations (so a malformed suite
is reported even before the slow import), builds each expectation itself, and
only then runs them with GX 1.x on the package's tables.

GX is forgiving in ways a validator must not be: ``ExpectationSuite`` drops an
expectation whose type it does not know (with a log line) and an empty suite
passes. So every expectation is built from its class in GX's registry (an
unknown type or a bad keyword is a finding), an empty suite is a finding, and
the number of expectations GX evaluated must equal the number in the suite.

Referential integrity uses run-time references: ``{"$ref": "clauses.clause_no"}``
as a ``value_set`` becomes the non-null values of that column of the package
being validated. GX ignores nulls in ``value_set`` checks, so each suite also
states ``expect_column_values_to_not_be_null`` for its foreign-key columns.

Row counts and number ranges use ``{"$rows": "tasks"}``: the ``rows`` that
``datapackage.json`` declares for that resource. The suites therefore hold no
numbers of one version (59 tasks, 28 clauses), and an amended policy validates
with the same suites; a table that lost or gained rows against its declaration
still fails.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cqpolicy.findings import Finding

if TYPE_CHECKING:
    import pandas as pd

LAYER = "expectations"
SUITE_KEYS = {"resource", "description", "expectations"}
EXPECTATION_KEYS = {"type", "kwargs"}
#: At most this many failing rows are listed per expectation; a last finding counts the rest.
MAX_ROWS_PER_EXPECTATION = 20


@dataclass
class Suite:
    """One suite file, as read (expectations not yet built)."""

    resource: str
    path: Path
    expectations: list[dict[str, Any]]


@dataclass
class ExpectationStats:
    """What the expectations layer ran, for the report's counts."""

    suites: int = 0
    defined: int = 0
    evaluated: int = 0
    failed: int = 0
    tables: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return {
            "suites": self.suites,
            "expectations_defined": self.defined,
            "expectations_evaluated": self.evaluated,
            "expectations_failed": self.failed,
        }


def default_suites_dir() -> Path:
    """Where the toolkit keeps its reviewed suites.

    The suites belong to the toolkit, not to the package being validated, so a
    package cannot weaken its own validation. Looked up as package data first
    (``cqpolicy/resources/suites``), then in the source checkout (``validation/suites``).
    """
    bundled = resources.files("cqpolicy").joinpath("resources/suites")
    if bundled.is_dir():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[3] / "validation" / "suites"


def _finding(check: str, message: str, resource: str | None = None, **kw: Any) -> Finding:
    return Finding(check=check, message=message, resource=resource, layer=LAYER, **kw)


def load_suites(suites_dir: Path) -> tuple[dict[str, Suite], list[Finding]]:
    """Read and check every ``*.json`` suite in ``suites_dir`` (without importing GX).

    Returns:
        The well-formed suites by resource name, and findings for the others
        (``suite-invalid``, ``suite-empty``).
    """
    suites: dict[str, Suite] = {}
    findings: list[Finding] = []
    if not suites_dir.is_dir():
        findings.append(
            _finding("suite-missing", f"the suites directory {suites_dir} does not exist; nothing to run")
        )
        return suites, findings
    for path in sorted(suites_dir.glob("*.json")):
        shown = path.name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            findings.append(_finding("suite-invalid", f"suite {shown} is not valid UTF-8 JSON: {error}"))
            continue
        problem = _suite_problem(data)
        if problem:
            findings.append(_finding("suite-invalid", f"suite {shown} {problem}"))
            continue
        resource = data["resource"]
        if not data["expectations"]:
            findings.append(
                _finding(
                    "suite-empty",
                    f"suite {shown} has no expectations; an empty suite checks nothing and would pass",
                    resource,
                )
            )
            continue
        if resource in suites:
            findings.append(
                _finding(
                    "suite-invalid", f"suites {suites[resource].path.name} and {shown} both cover {resource}"
                )
            )
            continue
        suites[resource] = Suite(resource=resource, path=path, expectations=data["expectations"])
    return suites, findings


def _suite_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "is not a JSON object"
    unknown = set(data) - SUITE_KEYS
    if unknown:
        return f"has unknown keys {sorted(unknown)}; a suite holds only {sorted(SUITE_KEYS)}"
    if not isinstance(data.get("resource"), str) or not data["resource"]:
        return "lacks 'resource', the table it checks"
    if not isinstance(data.get("expectations"), list):
        return "lacks the 'expectations' list"
    seen: set[str] = set()
    for number, entry in enumerate(data["expectations"], start=1):
        if not isinstance(entry, dict) or set(entry) != EXPECTATION_KEYS:
            return f"expectation {number} must hold exactly 'type' and 'kwargs' (no ids, no meta)"
        if not isinstance(entry["type"], str) or not isinstance(entry["kwargs"], dict):
            return f"expectation {number} needs a string 'type' and an object 'kwargs'"
        key = json.dumps(entry, sort_keys=True)
        if key in seen:
            return f"expectation {number} repeats an earlier one; GX would silently keep only one"
        seen.add(key)
    return None


def resolve_refs(
    kwargs: dict[str, Any], tables: dict[str, pd.DataFrame], declared_rows: dict[str, int] | None = None
) -> dict[str, Any]:
    """Resolve run-time references in an expectation's keyword arguments.

    ``{"$ref": "table.column"}`` becomes that column's distinct non-null values;
    ``{"$rows": "table"}`` becomes the row count the descriptor declares for it.

    Raises:
        KeyError: naming the reference, when the table or column does not exist,
            or the descriptor declares no row count for the table.
    """
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        if isinstance(value, dict) and set(value) == {"$rows"}:
            table = str(value["$rows"])
            if declared_rows is None or table not in declared_rows:
                raise KeyError(f"$rows {table}")
            out[key] = declared_rows[table]
        elif isinstance(value, dict) and set(value) == {"$ref"}:
            table, _, column = str(value["$ref"]).partition(".")
            if table not in tables or column not in tables[table].columns:
                raise KeyError(value["$ref"])
            series = tables[table][column].dropna()
            out[key] = sorted({_plain(v) for v in series.tolist()}, key=lambda v: (str(type(v)), v))
        else:
            out[key] = value
    return out


def _plain(value: Any) -> Any:
    """numpy / pandas scalars as plain Python values (for JSON and messages)."""
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence GX's logging and warnings while it runs (progress bars are off in the context)."""
    logger = logging.getLogger("great_expectations")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.CRITICAL + 1)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate


_BATCH_DEFINITION: list[Any] = []


def _batch_definition() -> Any:
    """One whole-dataframe batch definition per process, reused for every table.

    Adding a data asset makes GX serialise its whole configuration to YAML, so one
    asset (not one per table) saves a third of the layer's time; each table is
    passed as the batch's dataframe.
    """
    if not _BATCH_DEFINITION:
        source = _context().data_sources.add_pandas("package")
        _BATCH_DEFINITION.append(
            source.add_dataframe_asset("table").add_batch_definition_whole_dataframe("whole")
        )
    return _BATCH_DEFINITION[0]


def _context() -> Any:
    """An in-memory GX context: no files, no analytics, no progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def run_suites(
    suites: dict[str, Suite],
    tables: dict[str, pd.DataFrame],
    primary_keys: dict[str, list[str]],
    declared_rows: dict[str, int] | None = None,
) -> tuple[list[Finding], ExpectationStats]:
    """Run each suite on its table; return findings and counts.

    Args:
        suites: From :func:`load_suites`.
        tables: The package's tables (CSV, typed), by name; tables that could not be
            read are absent, and their suites are skipped (another layer reports why).
        primary_keys: Primary-key columns by table, to name failing rows by key.
        declared_rows: The ``rows`` each resource declares in ``datapackage.json``, for
            ``{"$rows": ...}`` references.
    """
    stats = ExpectationStats()
    findings: list[Finding] = []
    for name in sorted(set(tables) - set(suites)):
        findings.append(
            _finding(
                "suite-missing", f"there is no suite for {name}; add validation/suites/{name}.json", name
            )
        )
    runnable = {name: suite for name, suite in suites.items() if name in tables}
    if not runnable:
        return findings, stats
    with _quiet():
        import great_expectations as gx
        from great_expectations.expectations.registry import get_expectation_impl

        batches = _batch_definition()
        for name, suite in sorted(runnable.items()):
            stats.suites += 1
            stats.tables.append(name)
            expectations = []
            for index, entry in enumerate(suite.expectations):
                built = _build(entry, index, suite, tables, get_expectation_impl, findings, declared_rows)
                if built is not None:
                    expectations.append(built)
            stats.defined += len(suite.expectations)
            if not expectations:
                continue
            gx_suite = gx.ExpectationSuite(name=name, expectations=expectations)
            if len(gx_suite.expectations) != len(expectations):
                findings.append(
                    _finding(
                        "expectation-count",
                        f"GX kept {len(gx_suite.expectations)} of the {len(expectations)} expectations of "
                        f"{suite.path.name}",
                        name,
                    )
                )
            batch = batches.get_batch(batch_parameters={"dataframe": tables[name]})
            keys = [k for k in primary_keys.get(name, []) if k in tables[name].columns]
            # A pass/fail run is much cheaper; failures are re-run for the rows that fail.
            result = batch.validate(gx_suite, result_format="BOOLEAN_ONLY")
            evaluated = int(result.statistics.get("evaluated_expectations", 0))
            failed = [item.expectation_config.meta for item in result.results if not item.success]
            if failed:
                detail = gx.ExpectationSuite(
                    name=f"{name}-failures",
                    expectations=[e for e in expectations if e.meta in failed],
                )
                # Row positions, not GX's unexpected_index_column_names: GX collects those for every
                # failing row, one cell at a time, which takes minutes on a large table.
                result_format = {
                    "result_format": "SUMMARY",
                    "partial_unexpected_count": MAX_ROWS_PER_EXPECTATION,
                }
                result = batch.validate(detail, result_format=result_format)
            stats.evaluated += evaluated
            if evaluated != len(expectations):
                # The ones that could not be built have findings of their own.
                findings.append(
                    _finding(
                        "expectation-count",
                        f"GX evaluated {evaluated} of the {len(expectations)} expectations built from "
                        f"{suite.path.name}; every expectation must run",
                        name,
                    )
                )
            for item in result.results:
                if not item.success:
                    stats.failed += 1
                    findings.extend(_failure_findings(name, suite, item, tables[name], keys))
    return findings, stats


def _build(
    entry: dict[str, Any],
    index: int,
    suite: Suite,
    tables: dict[str, pd.DataFrame],
    get_impl: Any,
    findings: list[Finding],
    declared_rows: dict[str, int] | None = None,
) -> Any:
    """One GX expectation object from a suite entry, or ``None`` with a finding."""
    from great_expectations.exceptions.exceptions import ExpectationNotFoundError

    where = f"{suite.path.name}, expectation {index + 1} ({entry['type']})"
    try:
        cls = get_impl(entry["type"])
    except ExpectationNotFoundError:
        findings.append(
            _finding(
                "expectation-unknown",
                f"{where}: GX has no expectation of this type (misspelled?); GX would drop it silently",
                suite.resource,
            )
        )
        return None
    try:
        kwargs = resolve_refs(entry["kwargs"], tables, declared_rows)
    except KeyError as error:
        findings.append(
            _finding(
                "expectation-invalid",
                f"{where}: the reference {error.args[0]!r} names no table.column of the package "
                "(or, for $rows, no resource whose rows datapackage.json declares)",
                suite.resource,
            )
        )
        return None
    try:
        return cls(**kwargs, meta={"cqpolicy_index": index})
    except Exception as error:  # pydantic ValidationError and GX configuration errors alike
        detail = " ".join(str(error).split())
        findings.append(_finding("expectation-invalid", f"{where}: {detail}", suite.resource))
        return None


def check_id(expectation_type: str) -> str:
    """The finding id of a failed expectation: its type in kebab case."""
    return expectation_type.replace("_", "-")


def _failure_findings(
    table: str, suite: Suite, item: Any, frame: pd.DataFrame, keys: list[str]
) -> list[Finding]:
    config = item.expectation_config
    etype = config.type
    index = (config.meta or {}).get("cqpolicy_index")
    entry = suite.expectations[index] if isinstance(index, int) else {"kwargs": dict(config.kwargs)}
    raw_kwargs = entry["kwargs"]
    column = raw_kwargs.get("column")
    field_name = column if isinstance(column, str) else None
    check = check_id(etype)
    error = _exception_message(item.exception_info)
    if error:
        return [_finding("expectation-error", f"{suite.path.name}: {etype} could not run: {error}", table)]
    result = item.result or {}
    what = _describe(etype, raw_kwargs)
    rows = result.get("partial_unexpected_index_list")
    if result.get("unexpected_count") and isinstance(rows, list) and rows and keys:
        out = []
        for label in rows:
            if label not in frame.index:
                continue
            key: dict[str, Any] = {k: _plain(frame.at[label, k]) for k in keys}
            shown = ", ".join(f"{k} {v}" for k, v in key.items())
            value_text = ""
            if isinstance(column, str) and column not in keys and column in frame.columns:
                value_text = f"{column} is {_plain(frame.at[label, column])!r}; "
            out.append(
                Finding(
                    check=check,
                    message=f"{table} ({shown}): {value_text}expected {what}",
                    resource=table,
                    row=key,
                    field=field_name,
                    layer=LAYER,
                )
            )
        more = int(result["unexpected_count"]) - len(rows)
        if more > 0:
            out.append(
                _finding(check, f"{table}: {more} more rows fail: expected {what}", table, field=field_name)
            )
        return out
    observed = result.get("observed_value")
    detail = f"; observed {_short(observed)}" if observed is not None else ""
    if result.get("unexpected_count"):
        values = [_plain(v) for v in result.get("partial_unexpected_list", [])]
        detail = f"; {result['unexpected_count']} rows fail, e.g. {_short(values)}"
    return [_finding(check, f"{table}: expected {what}{detail}", table, field=field_name)]


def _describe(etype: str, kwargs: dict[str, Any]) -> str:
    """A short human description of what an expectation asks."""
    column = kwargs.get("column")
    subject = f"{column} " if column else ""
    value_set = kwargs.get("value_set")
    if isinstance(value_set, dict) and "$ref" in value_set:
        shown_set = f"one of the values of {value_set['$ref']}"
    elif value_set is not None:
        shown_set = f"one of {_short(value_set)}"
    else:
        shown_set = ""
    descriptions = {
        "expect_column_values_to_not_be_null": f"{subject}to be present (not empty)",
        "expect_column_values_to_be_unique": f"{subject}to be unique",
        "expect_column_values_to_be_in_set": f"{subject}to be {shown_set}",
        "expect_column_distinct_values_to_equal_set": f"the distinct values of {subject}to be exactly "
        f"{_short(value_set)}",
        "expect_table_row_count_to_equal": f"{kwargs.get('value')} rows",
        "expect_column_values_to_match_regex": f"{subject}to match {kwargs.get('regex')}",
        "expect_column_values_to_not_match_regex": f"{subject}not to match {kwargs.get('regex')}",
        "expect_column_values_to_be_between": f"{subject}to be between {kwargs.get('min_value', '-inf')} "
        f"and {kwargs.get('max_value', 'inf')}",
        "expect_column_values_to_be_increasing": f"{subject}to increase from row to row",
        "expect_compound_columns_to_be_unique": f"{kwargs.get('column_list')} to be unique together",
        "expect_column_pair_values_a_to_be_greater_than_b": f"{kwargs.get('column_A')} to be at least "
        f"{kwargs.get('column_B')}",
        "expect_column_value_lengths_to_be_between": f"the length of {subject}to be between "
        f"{kwargs.get('min_value', 0)} and {kwargs.get('max_value', 'any')}",
    }
    return descriptions.get(etype, f"{etype} {_short(kwargs)}")


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _exception_message(info: Any) -> str | None:
    """GX's exception info is either one record or a dict of records by metric."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "unknown error")
    for record in info.values():
        if isinstance(record, dict) and record.get("raised_exception"):
            return str(record.get("exception_message") or "unknown error")
    return None
