"""`cqpolicy validate` end to end: CLI renders the library report; exit codes; no traceback; fast start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FROZEN_SOURCES
from cqpolicy.cli import main
from cqpolicy.package import PackageInputError
from cqpolicy.validate import use_color, validate_package
from cqpolicy.validate.checks import CHECKS
from cqpolicy.validate.expectations import default_suites_dir
from validate_faults import FAULTS, Pkg, make_copy

CLEAN_SUMMARY = (
    "cqpolicy-guangyang-bay 1.2.0: valid (frictionless read 12 resources; 80 of 80 expectations evaluated "
    f"in 10 suites; {len(CHECKS)} package checks; rebuild from sources/ skipped (no sources/ in the package))"
)


@pytest.fixture
def pkg(built_package: Path, tmp_path: Path) -> Pkg:
    return make_copy(built_package, default_suites_dir(), tmp_path)


def fault(fault_id: str) -> object:
    return next(f for f in FAULTS if f.id == fault_id)


def test_clean_package_text_report_is_one_line_and_exit_0(pkg: Pkg) -> None:
    result = CliRunner().invoke(main, ["validate", str(pkg.root)])
    assert result.exit_code == 0, result.output
    assert result.stdout == CLEAN_SUMMARY + "\n"


def test_json_report_is_the_library_report(pkg: Pkg) -> None:
    pkg.set("tasks", ("task_no", "4"), "clause_no", "99")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(pkg.root)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    library = validate_package(pkg.root, parallel=False)
    assert data == json.loads(library.to_json())
    assert data["valid"] is False
    assert set(data) == {"valid", "package", "name", "version", "layers", "counts", "findings"}
    assert {"frictionless:foreign-key", "expectations:expect-column-values-to-be-in-set"} <= {
        f"{f['layer']}:{f['check']}" for f in data["findings"]
    }
    first = next(f for f in data["findings"] if f["check"] == "foreign-key")
    assert first == {
        "check": "foreign-key",
        "layer": "frictionless",
        "resource": "tasks",
        "row": 4,
        "field": "clause_no",
        "message": first["message"],
    }
    assert result.stderr.startswith("cqpolicy-guangyang-bay 1.2.0: INVALID, ")


def test_text_report_groups_findings_by_layer_and_resource(pkg: Pkg) -> None:
    pkg.replace_text("tasks", ("task_no", "2"), "text", "统筹", "統籌")
    result = CliRunner().invoke(main, ["validate", str(pkg.root)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("cqpolicy-guangyang-bay 1.2.0: INVALID, ")
    assert "package checks" in lines
    assert "  tasks" in lines
    assert (
        "    traditional-characters  tasks (task_no 2), text: '籌', '統'; write them in Simplified Chinese "
        "(OpenCC t2s)" in lines
    )
    assert "\033[" not in result.stdout


@pytest.mark.parametrize(
    ("fault_id", "message"),
    [
        (
            "descriptor-not-json",
            "datapackage.json: is not valid JSON (line 2, column 1: Expecting value); fix it or "
            "rebuild it with `cqpolicy build`",
        ),
        ("parent-path", "resource path '../outside.csv' contains '..' and would read outside the package"),
        (
            "url-path",
            "resource path 'https://example.org/roles.csv' is a URL or a drive path; cqpolicy reads only "
            "files inside the package, never the network",
        ),
    ],
)
def test_unusable_package_is_one_sentence_and_exit_2(fault_id: str, message: str, pkg: Pkg) -> None:
    fault(fault_id).mutate(pkg)  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(pkg.root)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_missing_package_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {tmp_path / 'nothing'}: there is no such file or directory; give a package directory, "
        "its datapackage.json or a .zip\n"
    )


def test_debug_lets_the_exception_through(pkg: Pkg) -> None:
    fault("descriptor-not-an-object").mutate(pkg)  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["--debug", "validate", str(pkg.root)])
    assert isinstance(result.exception, PackageInputError)
    assert result.exception.check == "descriptor-invalid"


def test_rebuild_without_sources_is_unusable_input(pkg: Pkg) -> None:
    result = CliRunner().invoke(main, ["validate", "--rebuild", str(pkg.root)])
    assert result.exit_code == 2
    assert "has no sources/ to rebuild from" in result.stderr


def test_rebuild_reports_a_hand_edit_that_the_hashes_hide(pkg: Pkg) -> None:
    import shutil

    shutil.copytree(FROZEN_SOURCES, pkg.root / "sources")
    assert validate_package(pkg.root, layers=(), parallel=False).findings == []
    pkg.set("agencies", ("agency_id", "nanan-district"), "name_en", "Nanan District (edited by hand)")
    pkg.rehash()
    report = validate_package(pkg.root, layers=(), parallel=False)  # sources/ present: rebuilt by default
    drift = [(f.resource, f.row, f.field, f.message) for f in report.findings if f.check == "rebuild-drift"]
    assert drift == [
        (
            "agencies",
            {"agency_id": "nanan-district"},
            "name_en",
            "agencies (agency_id nanan-district), name_en: the package has "
            "'Nanan District (edited by hand)', a build of sources/ gives "
            "\"Nan'an District People's Government\"",
        )
    ]
    assert report.layers["rebuild"]["files"] == 26  # data/ (22), the descriptor, three citation records
    skipped = validate_package(pkg.root, layers=(), rebuild=False, parallel=False)
    assert skipped.findings == []
    assert skipped.layers["rebuild"] == {"skipped": "--no-rebuild"}
    assert "rebuild from sources/ skipped (--no-rebuild)" in skipped.summary()


def test_rebuild_refuses_sources_that_link_out(pkg: Pkg, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(FROZEN_SOURCES, pkg.root / "sources")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside", encoding="utf-8")
    (pkg.root / "sources" / "agencies.csv").unlink()
    (pkg.root / "sources" / "agencies.csv").symlink_to(secret)
    report = validate_package(pkg.root, layers=(), parallel=False)
    assert [(f.check, f.message) for f in report.findings] == [
        ("rebuild-unsafe", "sources/ cannot be rebuilt from: sources/agencies.csv is not a regular file")
    ]


def test_rebuild_refuses_a_source_name_with_a_path(pkg: Pkg) -> None:
    import json
    import shutil

    shutil.copytree(FROZEN_SOURCES, pkg.root / "sources")
    meta_path = pkg.root / "sources" / "package.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["source"] = "../../etc/hostname"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    report = validate_package(pkg.root, layers=(), parallel=False)
    assert [f.check for f in report.findings] == ["rebuild-unsafe"]
    assert "as a file name in sources/" in report.findings[0].message


def test_subprocess_on_a_broken_zip_reports_without_traceback(pkg: Pkg, tmp_path: Path) -> None:
    """A real process (fork and all): a zip whose CSV is binary garbage gives findings and exit 1."""
    fault("binary-garbage").mutate(pkg)  # type: ignore[attr-defined]
    archive = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(pkg.root.rglob("*")):
            out.write(path, f"cqpolicy-guangyang-bay-1.2.0/{path.relative_to(pkg.root).as_posix()}")
    cli = Path(sys.executable).with_name("cqpolicy")
    proc = subprocess.run(
        [str(cli), "validate", "--format", "json", str(archive)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    checks = {f"{f['layer']}:{f['check']}" for f in report["findings"]}
    assert "package:csv-encoding" in checks
    assert report["layers"]["expectations"]["expectations_evaluated"] > 0


def test_subprocess_unsafe_path_is_one_line_on_stderr(pkg: Pkg) -> None:
    fault("absolute-path").mutate(pkg)  # type: ignore[attr-defined]
    cli = Path(sys.executable).with_name("cqpolicy")
    proc = subprocess.run(
        [str(cli), "validate", str(pkg.root)], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"error: {pkg.root / 'datapackage.json'}: resource path '/etc/passwd' is absolute; "
        "paths in a package are relative to datapackage.json"
    ]


@pytest.mark.parametrize(
    ("args", "absent"),
    [
        (["--help"], ("great_expectations", "frictionless", "pandas")),
        (["validate", "--help"], ("great_expectations", "frictionless", "pandas")),
        (["diff", "--help"], ("great_expectations", "frictionless")),
    ],
    ids=["cqpolicy-help", "validate-help", "diff-help"],
)
def test_help_imports_no_heavy_library(args: list[str], absent: tuple[str, ...]) -> None:
    code = (
        "import sys\nfrom cqpolicy.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {list(absent)!r} if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.strip().splitlines()[-1] == "[]"


class FakeTTY:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "no_color", "expected"),
    [(True, None, True), (True, "1", False), (False, None, False), (True, "", True)],
    ids=["terminal", "terminal-NO_COLOR", "pipe", "terminal-empty-NO_COLOR"],
)
def test_colour_only_on_a_terminal_and_never_with_no_color(
    tty: bool, no_color: str | None, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert use_color(FakeTTY(tty)) is expected  # type: ignore[arg-type]


def test_colour_codes_appear_only_when_asked(pkg: Pkg) -> None:
    pkg.set("tasks", ("task_no", "4"), "clause_match_score", "1.5")
    report = validate_package(pkg.root, layers=("frictionless",), parallel=False)
    assert "\033[31m" in report.render_text(color=True)
    assert "\033[" not in report.render_text(color=False)


def test_a_zip_carrying_sources_is_rebuilt_by_default(pkg: Pkg, tmp_path: Path) -> None:
    import shutil
    import zipfile

    shutil.copytree(FROZEN_SOURCES, pkg.root / "sources")
    pkg.set("tasks", ("task_no", "4"), "clause_no", "7")
    pkg.rehash()
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(pkg.root.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(pkg.root).as_posix())
    report = validate_package(archive, layers=(), parallel=False)
    assert [(f.check, f.resource, f.row, f.field) for f in report.findings] == [
        ("rebuild-drift", "tasks", {"task_no": 4}, "clause_no")
    ]
