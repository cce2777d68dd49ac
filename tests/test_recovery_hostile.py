"""Recovery stays inside the directory it recovers, and only writers recover.

A journal (``.cqpolicy-journal.json``) and its staging directory are files anyone can plant in a
directory: recovery reads them as untrusted input. It refuses a journal that is not exactly what
:meth:`cqpolicy.atomic.Transaction.commit` writes, and resolves every path from directory
descriptors without following a symbolic link, so nothing outside the directory is ever written.
Readers (``validate``, ``diff``, ``load()``) and ``--help`` never recover.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cqpolicy import atomic
from cqpolicy.cli import main
from cqpolicy.errors import InputError


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cqpolicy.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """The issue's reproduction, as its shell lines build it: a journal whose entry runs through a link."""
    script = """
mkdir -p v h/.cqpolicy-txn-x/new/link; echo precious > v/f; ln -s "$PWD/v" h/link
echo pwned > h/.cqpolicy-txn-x/new/link/f
echo '{"stage":".cqpolicy-txn-x","entries":["link/f"]}' > h/.cqpolicy-journal.json
"""
    subprocess.run(["sh", "-c", script], cwd=tmp_path, check=True)
    return tmp_path


def _tree(root: Path) -> dict[str, bytes | str]:
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_file():
            found[key] = path.read_bytes()
    return found


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "h"],
        ["validate", "--help"],
        ["recover", "h"],
        ["build", "--out", "h", "--sources-dir", str(Path(__file__).resolve().parent.parent / "sources")],
        ["report", "h", "--out", "h/report"],
        ["diff", "h", "h"],
    ],
    ids=lambda argv: " ".join(argv[:3]),
)
def test_the_issues_reproduction_writes_nothing_outside(planted: Path, argv: list[str]) -> None:
    before = _tree(planted)
    done = _cli(*argv, cwd=planted)
    assert (planted / "v" / "f").read_text(encoding="utf-8") == "precious\n"
    assert "Traceback" not in done.stderr
    if argv[-1] == "--help":
        assert done.returncode == 0
        assert _tree(planted) == before  # --help touches nothing, not even inside h
        return
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1
    if argv[0] in ("validate", "diff"):
        # a reader refuses the half-moved tree and writes nothing at all
        shown = "h" if argv[0] == "validate" else planted / "h"  # diff names inputs by full path
        assert done.stderr == (
            f"error: {shown}: holds .cqpolicy-journal.json, the journal of a cqpolicy command that was "
            "killed while moving its files in (or is moving them now), so its files are part old and "
            f"part new; run `cqpolicy recover {shown}` to finish it, then read it again\n"
        )
        assert _tree(planted) == before
    else:
        assert done.stderr == (
            "error: h/link: is a symbolic link; recovery never follows a path out of the directory it "
            "recovers: move .cqpolicy-journal.json away and check the directory by hand\n"
        )


def test_load_never_recovers(planted: Path) -> None:
    import cqpolicy

    before = _tree(planted)
    with pytest.raises(atomic.UnfinishedWriteError):
        cqpolicy.load(planted / "h")
    assert _tree(planted) == before


def _journal(root: Path, text: str | bytes) -> Path:
    (root / ".cqpolicy-txn-abc" / "new").mkdir(parents=True)
    (root / ".cqpolicy-txn-abc" / "new" / "f").write_text("new\n", encoding="utf-8")
    journal = root / atomic.JOURNAL
    journal.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return journal


def _entries(*entries: object) -> str:
    return json.dumps({"stage": ".cqpolicy-txn-abc", "entries": list(entries)})


REFUSED = {
    "nul": (_entries("f\x00x"), "has the entry 'f\\x00x', which holds a NUL or a backslash"),
    "not an object": ("[1, 2]", "is not an object with exactly the keys 'stage' and 'entries'"),
    "6000-character path": (
        _entries("a" * 6000),
        f"has the entry '{'a' * 60}…', which is longer than 1024 characters",
    ),
    "absolute": (_entries("/etc/passwd"), "has the entry '/etc/passwd', which is an absolute path"),
    "dot-dot": (_entries("../f"), "has the entry '../f', which has an empty, '.' or '..' component"),
    "extra key": (
        json.dumps({"stage": ".cqpolicy-txn-abc", "entries": [], "run": "rm"}),
        "is not an object with exactly the keys 'stage' and 'entries'",
    ),
    "stage outside": (
        json.dumps({"stage": "../elsewhere", "entries": ["f"]}),
        "names a staging directory not of the form .cqpolicy-txn-<letters and digits>",
    ),
    "entry not a string": (_entries(7), "has the entry 7, which is not a string"),
    "too many entries": (
        _entries(*[f"f{i}" for i in range(10_001)]),
        "'entries' is not a list of at most 10000 paths",
    ),
    "not UTF-8": (b'{"stage": "\xff"}', "is not UTF-8 JSON"),
    "deeply nested": ("[" * 200_000 + "]" * 200_000, "is not UTF-8 JSON"),
    "names the journal": (
        _entries(".cqpolicy-journal.json"),
        "has the entry '.cqpolicy-journal.json', which names the journal or a staging directory",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_journal_this_toolkit_did_not_write_is_refused_in_one_sentence(tmp_path: Path, case: str) -> None:
    text, why = REFUSED[case]
    journal = _journal(tmp_path, text)
    (tmp_path / "f").write_text("old\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["recover", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {journal}: {why}, so it is not a journal this toolkit wrote and nothing was moved; "
        "move it away and check the directory by hand\n"
    )
    assert (tmp_path / "f").read_text(encoding="utf-8") == "old\n"


def test_a_journal_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(_entries("f"), encoding="utf-8")
    package = tmp_path / "pkg"
    (package / ".cqpolicy-txn-abc" / "new").mkdir(parents=True)
    (package / atomic.JOURNAL).symlink_to(elsewhere)
    with pytest.raises(InputError, match="cannot be opened as a file"):
        atomic.recover(package)


def test_a_staging_directory_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "new").mkdir(parents=True)
    (outside / "new" / "f").write_text("planted\n", encoding="utf-8")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / ".cqpolicy-txn-abc").symlink_to(outside)
    (package / atomic.JOURNAL).write_text(_entries("f"), encoding="utf-8")
    with pytest.raises(InputError, match="is a symbolic link; recovery never follows"):
        atomic.recover(package)
    assert not (package / "f").exists()
    assert (outside / "new" / "f").read_text(encoding="utf-8") == "planted\n"


def test_a_staged_link_is_not_moved_in(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("s\n", encoding="utf-8")
    package = tmp_path / "pkg"
    (package / ".cqpolicy-txn-abc" / "new").mkdir(parents=True)
    (package / ".cqpolicy-txn-abc" / "new" / "f").symlink_to(tmp_path / "secret")
    (package / atomic.JOURNAL).write_text(_entries("f"), encoding="utf-8")
    with pytest.raises(InputError, match="this toolkit never stages links"):
        atomic.recover(package)
    assert not (package / "f").exists()


def test_a_staging_link_left_beside_is_not_deleted_through(tmp_path: Path) -> None:
    """Without a journal, leftover staging is deleted, but a link named like one is not followed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("k\n", encoding="utf-8")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / ".cqpolicy-txn-zzz").symlink_to(outside)
    atomic.recover(package)
    assert (outside / "keep").read_text(encoding="utf-8") == "k\n"


def test_a_journal_the_toolkit_wrote_is_still_rolled_forward(tmp_path: Path) -> None:
    """The checks refuse only what a Transaction never writes: a real journal finishes."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text("old\n", encoding="utf-8")
    stage = tmp_path / ".cqpolicy-txn-k3_x9"
    (stage / "new" / "data").mkdir(parents=True)
    (stage / "new" / "data" / "t.csv").write_text("new\n", encoding="utf-8")
    (stage / "new" / "docs" / "report").mkdir(parents=True)
    (stage / "new" / "docs" / "report" / "README.md").write_text("page\n", encoding="utf-8")
    (tmp_path / atomic.JOURNAL).write_text(
        json.dumps({"stage": stage.name, "entries": ["data", "docs/report/README.md"]}), encoding="utf-8"
    )
    assert atomic.recover(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "docs"]
    assert (tmp_path / "data" / "t.csv").read_text(encoding="utf-8") == "new\n"
    assert (tmp_path / "docs" / "report" / "README.md").read_text(encoding="utf-8") == "page\n"


def test_help_and_readers_leave_staging_alone(built_package: Path, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(built_package, package)
    staging = package / ".cqpolicy-txn-left"
    staging.mkdir()
    for argv in (["--help"], ["validate", "--help"], ["validate", str(package), "--format", "json"]):
        result = CliRunner().invoke(main, argv)
        assert result.exit_code == 0, result.output
        assert staging.is_dir()
    result = CliRunner().invoke(main, ["recover", str(package)])
    assert result.exit_code == 0
    assert result.stderr == f"{package}: recovered\n"
    assert not staging.exists()
