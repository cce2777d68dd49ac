"""`cqpolicy diff` end to end: an amended policy of our own, both layers, every input form.

The amended fixture (tests/fixtures/amended/amended-2023.txt, a fictional 渝府〔2023〕12号
derived from the archived source; its README lists the edits) inserts a task early, removes
one, rewords a task, reassigns units, swaps a lead, retitles a clause, adds sentences to
clauses and changes the document number and dates. The tests assert the exact diff.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import FROZEN_SOURCES
from cqpolicy.cli import main
from cqpolicy.diff import diff_inputs
from cqpolicy.diff.compare import PackageData, diff_packages
from cqpolicy.diff.load import load_package_data
from cqpolicy.diff.model import DiffResult, Side
from cqpolicy.diff.render import render_markdown, render_text, use_color
from cqpolicy.diff.rules import PROVENANCE_FIELDS

HERE = Path(__file__).resolve().parent
AMENDED = HERE / "fixtures" / "amended"
GOLDEN = HERE / "golden"
ROOT = HERE.parent
SCHEMA = ROOT / "schemas" / "diff.schema.json"


@pytest.fixture(scope="session")
def amended_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The amended fixture built with 1.2.0's curated inputs (frozen)."""
    from cqpolicy.build import build_package

    out = tmp_path_factory.mktemp("amended")
    build_package(
        source=AMENDED / "amended-2023.txt", out=out, sources_dir=FROZEN_SOURCES, allow_untranslated=True
    )
    return out


@pytest.fixture(scope="session")
def official_form_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same policy text in clean official form (Simplified, full-width punctuation)."""
    from cqpolicy.build import build_package

    out = tmp_path_factory.mktemp("official-form")
    build_package(source=AMENDED / "official-form.txt", out=out, sources_dir=FROZEN_SOURCES)
    return out


def _data(root: Path, source: str) -> PackageData:
    return load_package_data(root, Side(source=source, kind="directory"))


@pytest.fixture(scope="session")
def amended_diff(built_package: Path, amended_package: Path) -> DiffResult:
    return diff_packages(_data(built_package, "1.0.0"), _data(amended_package, "amended-2023"))


def compact(result: DiffResult) -> list[tuple[Any, ...]]:
    """Changes as (table, kind, old key, new key, changed fields), leaving out bare renumberings."""
    out = []
    for change in result.changes:
        fields = tuple(sorted(set(change.fields) - PROVENANCE_FIELDS))
        if change.kind == "renumbered" and not fields:
            continue
        out.append((change.table, change.kind, change.old_key, change.new_key, fields))
    return out


EXPECTED_AMENDED = [
    (
        "metadata",
        "modified",
        "package",
        "package",
        (
            "description",  # the title and description name the document number, which changed
            "sources[1].path",
            "sources[1].title",
            "sources[2].bytes",
            "sources[2].mirror_url",
            "sources[2].path",
            "sources[2].sha256",
            "sources[2].title",
            "title",
        ),
    ),
    (
        "metadata",
        "modified",
        "document",
        "document",
        ("date_published", "date_written", "document_number", "index_number", "mirror_url", "official_url"),
    ),
    (
        "document",
        "renumbered",
        "渝府〔2022〕5号",
        "渝府〔2023〕12号",
        ("date_published", "date_written", "index_number"),
    ),
    # Built with allow_untranslated: a changed Chinese text loses its English (no stale translation).
    ("clauses", "modified", 5, 5, ("text", "text_en")),
    ("clauses", "modified", 8, 8, ("text", "text_en", "title", "title_en")),
    ("clauses", "modified", 12, 12, ("text", "text_en")),
    ("tasks", "added", None, 2, ()),
    ("tasks", "renumbered", 10, 11, ("text", "text_en")),
    ("tasks", "renumbered", 16, 17, ("responsible_units_raw",)),
    ("tasks", "renumbered", 19, 20, ("responsible_units_raw",)),
    ("tasks", "renumbered", 22, 23, ("responsible_units_raw",)),
    ("tasks", "removed", 35, None, ()),
    ("task_agencies", "added", None, (2, "cq-ecology-environment-bureau"), ()),
    ("task_agencies", "added", None, (2, "cq-economic-development-zone"), ()),
    ("task_agencies", "added", None, (2, "cq-planning-natural-resources-bureau"), ()),
    ("task_agencies", "added", None, (2, "cq-water-resources-bureau"), ()),
    ("task_agencies", "added", None, (2, "guangyang-island-green-development-co"), ()),
    ("task_agencies", "added", None, (2, "nanan-district"), ()),
    ("task_agencies", "removed", (16, "liangjiang-new-area"), None, ()),
    (
        "task_agencies",
        "modified",
        (16, "cq-economic-development-zone"),
        (17, "cq-economic-development-zone"),
        ("position",),
    ),
    (
        "task_agencies",
        "modified",
        (19, "cq-local-financial-supervision-bureau"),
        (20, "cq-local-financial-supervision-bureau"),
        ("position", "role"),
    ),
    ("task_agencies", "modified", (19, "pboc-chongqing"), (20, "pboc-chongqing"), ("position", "role")),
    ("task_agencies", "added", None, (23, "cq-science-technology-bureau"), ()),
    ("task_agencies", "removed", (35, "jiangbei-district"), None, ()),
]


def test_amended_policy_gives_exactly_the_edits_made(amended_diff: DiffResult) -> None:
    assert compact(amended_diff) == EXPECTED_AMENDED
    assert amended_diff.suggested_bump == "minor"


def test_task_inserted_early_renumbers_later_tasks_instead_of_changing_them(amended_diff: DiffResult) -> None:
    renumbered = {c.old_key: c.new_key for c in amended_diff.for_table("tasks") if c.kind == "renumbered"}
    # Task 2 was inserted and task 35 removed: 2..34 moved up by one, 36..59 kept their numbers.
    assert renumbered == {k: k + 1 for k in range(2, 35)}
    summary = amended_diff.summary()["tasks"]
    assert summary == {"added": 1, "removed": 1, "modified": 0, "renumbered": 33}


def test_renumbered_tasks_keep_their_unchanged_assignments(amended_diff: DiffResult) -> None:
    # Tasks 2..34 were renumbered, yet only the assignments edited on purpose are reported.
    touched = {c.new_key[0] if c.new_key else c.old_key[0] for c in amended_diff.for_table("task_agencies")}
    assert touched == {2, 16, 17, 20, 23, 35}


def test_swapped_lead_is_a_role_change(amended_diff: DiffResult) -> None:
    changes = {c.old_key: c for c in amended_diff.for_table("task_agencies") if c.kind == "modified"}
    pboc = changes[(19, "pboc-chongqing")]
    assert pboc.fields["role"].to_dict() == {"old": "lead", "new": "support"}
    assert pboc.label == "人行重庆营管部"


def test_reworded_task_shows_old_and_new_text(amended_diff: DiffResult) -> None:
    task = next(c for c in amended_diff.for_table("tasks") if c.old_key == 10)
    assert task.fields["text"].to_dict() == {
        "old": "加快建设铁路枢纽东环线，打通明月山东向交通瓶颈，提升多式联运水平。",
        "new": "加快建设铁路枢纽东环线和货运环线，打通明月山东向交通瓶颈，全面提升多式联运水平。",
    }


@pytest.mark.parametrize(
    ("table", "kind", "impact"),
    [
        ("tasks", "added", "minor"),
        ("tasks", "renumbered", "minor"),
        ("task_agencies", "modified", "minor"),
        ("clauses", "modified", "minor"),
        ("metadata", "modified", "patch"),
    ],
)
def test_amendment_changes_carry_their_impact(
    amended_diff: DiffResult, table: str, kind: str, impact: str
) -> None:
    impacts = {c.impact for c in amended_diff.changes if c.table == table and c.kind == kind}
    if table == "metadata":
        impacts = {c.impact for c in amended_diff.changes if c.table == table and c.old_key == "package"}
    assert impacts == {impact}


def test_same_text_in_official_form_is_a_patch(built_package: Path, official_form_package: Path) -> None:
    result = diff_packages(_data(built_package, "a"), _data(official_form_package, "b"))
    assert compact(result) == [
        (
            "metadata",
            "modified",
            "package",
            "package",
            ("sources[2].bytes", "sources[2].path", "sources[2].sha256"),
        )
    ]
    assert result.suggested_bump == "patch"


# --- identity and inverse -------------------------------------------------------------------------


def test_package_against_itself_is_empty(built_package: Path) -> None:
    result = diff_packages(_data(built_package, "a"), _data(built_package, "a"))
    assert result.changes == ()
    assert result.suggested_bump == "none"
    assert not result.has_changes


def inverse(result: DiffResult) -> set[tuple[Any, ...]]:
    swap = {"added": "removed", "removed": "added", "modified": "modified", "renumbered": "renumbered"}
    return {
        (
            c.table,
            swap[c.kind],
            c.new_key,
            c.old_key,
            json.dumps({k: v.inverse().to_dict() for k, v in sorted(c.fields.items())}, ensure_ascii=False),
        )
        for c in result.changes
    }


def as_set(result: DiffResult) -> set[tuple[Any, ...]]:
    return {
        (
            c.table,
            c.kind,
            c.old_key,
            c.new_key,
            json.dumps({k: v.to_dict() for k, v in sorted(c.fields.items())}, ensure_ascii=False),
        )
        for c in result.changes
    }


def test_diff_backwards_is_the_inverse(
    built_package: Path, amended_package: Path, amended_diff: DiffResult
) -> None:
    backwards = diff_packages(_data(amended_package, "b"), _data(built_package, "a"))
    assert as_set(backwards) == inverse(amended_diff)
    assert backwards.summary()["tasks"] == {"added": 1, "removed": 1, "modified": 0, "renumbered": 33}


# --- rendering --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "renderer"),
    [("amended.txt", lambda r: render_text(r, color=False)), ("amended.md", render_markdown)],
)
def test_human_output_matches_golden_file(amended_diff: DiffResult, name: str, renderer: Any) -> None:
    text = renderer(amended_diff)
    golden = GOLDEN / name
    if os.environ.get("CQPOLICY_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_text_colour_only_when_asked(amended_diff: DiffResult) -> None:
    assert "\x1b[" not in render_text(amended_diff, color=False)
    coloured = render_text(amended_diff, color=True)
    assert "\x1b[32m系统推进广阳岛消落带生态修复，建设长江上游生态保护修复示范区。\x1b[0m" in coloured


class _Stream:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "environ", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # https://no-color.org: only a non-empty value disables colour
    ],
)
def test_colour_on_a_terminal_unless_no_color(tty: bool, environ: dict[str, str], expected: bool) -> None:
    assert use_color(_Stream(tty), environ) is expected  # type: ignore[arg-type]  # a duck-typed stream


def test_json_output_follows_the_published_schema(amended_diff: DiffResult) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(json.dumps(amended_diff.to_dict(), ensure_ascii=False))
    jsonschema.Draft202012Validator(schema).validate(data)


# --- the CLI ------------------------------------------------------------------------------------------


def test_cli_json_is_the_library_result(built_package: Path, amended_package: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["diff", str(built_package), str(amended_package), "--format", "json"])
    assert result.exit_code == 1, result.output
    library = diff_inputs(str(built_package), str(amended_package))
    assert json.loads(result.stdout) == json.loads(json.dumps(library.to_dict(), ensure_ascii=False))


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_cli_same_package_exits_0(built_package: Path, fmt: str) -> None:
    result = CliRunner().invoke(main, ["diff", str(built_package), str(built_package), "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.stdout)["changes"] == []
    else:
        assert "No differences." in result.stdout


def test_cli_text_has_no_colour_when_not_a_terminal(built_package: Path, amended_package: Path) -> None:
    result = CliRunner().invoke(main, ["diff", str(built_package), str(amended_package)])
    assert result.exit_code == 1
    assert "\x1b[" not in result.stdout
    assert "tasks: 1 added, 1 removed, 33 renumbered" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["no-such-package", "."],
            "'no-such-package' is not a package directory, a datapackage.json, a .zip",
        ),
        (["9.9.9", "."], "with version 9.9.9"),
    ],
)
def test_cli_missing_input_exits_2_with_one_sentence(args: list[str], message: str, git_repo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cqpolicy.cli", "diff", *args], cwd=git_repo, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_cli_broken_descriptor_exits_2(tmp_path: Path, built_package: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(built_package, broken)
    (broken / "datapackage.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(built_package), str(broken)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "is not valid JSON" in result.stderr


def test_cli_debug_shows_the_traceback(tmp_path: Path) -> None:
    from cqpolicy.errors import InputError

    result = CliRunner().invoke(main, ["--debug", "diff", str(tmp_path / "nope"), str(tmp_path / "nope")])
    assert isinstance(result.exception, InputError)


def test_diff_does_not_import_pandas_or_great_expectations(built_package: Path) -> None:
    code = (
        "import sys; from cqpolicy.cli import main\n"
        f"try:\n    main(['diff', {str(built_package)!r}, {str(built_package)!r}])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('great_expectations', 'frictionless', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


# --- input forms: zip, descriptor, git revisions, released versions -----------------------------------


def test_zip_and_descriptor_inputs_read_the_same_package(tmp_path: Path, built_package: Path) -> None:
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(built_package.rglob("*")):
            if path.is_file():
                zf.write(path, Path("cqpolicy-guangyang-bay") / path.relative_to(built_package))
    result = diff_inputs(str(archive), str(built_package / "datapackage.json"))
    assert not result.has_changes
    assert (result.old.kind, result.new.kind) == ("zip", "descriptor")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="session")
def git_repo(tmp_path_factory: pytest.TempPathFactory, built_package: Path, amended_package: Path) -> Path:
    """A repository with three commits: 1.1.0, a README edit, then the amendment as 1.2.0."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("repo")
    _git(repo, "init", "-q", "-b", "main")
    shutil.copytree(built_package / "data", repo / "data")
    first = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    first["version"] = "1.1.0"  # the versions of this history, whatever the package's own version is
    (repo / "datapackage.json").write_text(json.dumps(first, ensure_ascii=False, indent=2), encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "1.1.0")
    (repo / "README.md").write_text("readme\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "readme")
    shutil.rmtree(repo / "data")
    shutil.copytree(amended_package / "data", repo / "data")
    descriptor = json.loads((amended_package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "1.2.0"
    (repo / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "1.2.0")
    return repo


@pytest.mark.parametrize(
    ("old", "new", "old_version", "new_version"),
    [
        ("1.1.0", "HEAD", "1.1.0", "1.2.0"),
        ("HEAD~2", "1.2.0", "1.1.0", "1.2.0"),
        ("v1.1.0", "main", "1.1.0", "1.2.0"),
        ("HEAD~1", "HEAD~2", "1.1.0", "1.1.0"),
    ],
)
def test_git_revisions_and_versions_are_read_without_touching_the_work_tree(
    git_repo: Path, old: str, new: str, old_version: str, new_version: str
) -> None:
    (git_repo / "data" / "tasks.csv").write_text("uncommitted edit\n", encoding="utf-8")
    status = _git(git_repo, "status", "--porcelain")
    try:
        result = diff_inputs(old, new, cwd=git_repo)
        assert (result.old.version, result.new.version) == (old_version, new_version)
        assert result.old.kind == "git" and result.old.revision and len(result.old.revision) == 40
        if old_version == new_version:
            assert not result.has_changes
        else:
            assert result.summary()["tasks"]["renumbered"] == 33
        assert _git(git_repo, "status", "--porcelain") == status
        assert (git_repo / "data" / "tasks.csv").read_text(encoding="utf-8") == "uncommitted edit\n"
    finally:
        _git(git_repo, "checkout", "-q", "--", "data/tasks.csv")


def test_released_version_is_the_commit_that_set_it(git_repo: Path) -> None:
    from cqpolicy.diff.revisions import version_commit

    first = _git(git_repo, "rev-list", "--max-parents=0", "HEAD")
    assert version_commit(git_repo, "1.1.0") == first  # not the later README commit
    assert version_commit(git_repo, "1.2.0") == _git(git_repo, "rev-parse", "HEAD")
    assert version_commit(git_repo, "2.0.0") is None


def test_rows_read_for_the_diff_equal_those_of_package_load_tables(built_package: Path) -> None:
    """diff reads CSV with the csv module (fast); it must type values exactly as cqpolicy.package does."""
    import pandas as pd

    from cqpolicy.package import load_tables, read_descriptor

    descriptor = read_descriptor(built_package)
    frames = load_tables(built_package, descriptor, "csv")
    data = load_package_data(built_package, Side("p", "directory"))
    assert set(frames) == set(data.tables)
    for name, frame in frames.items():
        expected = []
        for record in frame.astype(object).to_dict("records"):
            expected.append(
                tuple(
                    None
                    if pd.isna(value)
                    else value.date().isoformat()
                    if isinstance(value, pd.Timestamp)
                    else value
                    for value in record.values()
                )
            )
        assert data.tables[name].rows == expected, name
        assert all(
            type(a) is type(b)
            for row, exp in zip(data.tables[name].rows, expected, strict=True)
            for a, b in zip(row, exp, strict=True)
        )


@pytest.mark.parametrize(
    ("fields", "impact"),
    [
        # the v1 spelling of a table resource and the v2 spelling say the same: a patch
        ({"profile": ("tabular-data-resource", None), "type": (None, "table")}, "patch"),
        # a v1 file resource (frictionless wrote type "file") that v2 leaves without type
        ({"profile": ("data-resource", None), "type": ("file", None)}, "patch"),
        # anything else about a resource's type still breaks readers
        ({"profile": ("tabular-data-resource", None), "type": (None, "file")}, "major"),
        ({"type": ("table", None)}, "major"),
    ],
)
def test_a_resource_moving_from_v1_profile_to_v2_type_is_not_a_break(
    fields: dict[str, tuple[object, object]], impact: str
) -> None:
    from cqpolicy.diff.model import Change, FieldChange
    from cqpolicy.diff.rules import schema_impact

    change = Change(
        table="schema",
        kind="modified",
        old_key="tasks",
        new_key="tasks",
        fields={name: FieldChange(old, new) for name, (old, new) in fields.items()},
    )
    assert schema_impact(change) == impact


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_publication_that_does_not_build_is_unusable_input_not_a_difference(
    tmp_path: Path, output: str
) -> None:
    """Exit code 1 means "differences"; a file that is not the policy must not look like one."""
    not_policy = tmp_path / "not-policy.txt"
    not_policy.write_text("hello world\n", encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    result = CliRunner().invoke(main, ["diff", "--format", output, str(root), str(not_policy)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {not_policy}: cannot be compared, because it does not build: ")
    assert result.stderr.count("\n") == 1
