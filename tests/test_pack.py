"""cqpolicy pack writes the download: complete, deterministic, under one top folder."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from click.testing import CliRunner

from cqpolicy.cli import main
from cqpolicy.publish.pack import pack_package


def test_pack_holds_descriptor_data_and_docs(built_package: Path, tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    shutil.copytree(built_package, root)
    (root / "docs").mkdir()
    for name in ("README.md", "LICENSE.md", "CHANGELOG.md", "docs/policy.md"):
        (root / name).write_text(f"# {name}\n", encoding="utf-8")
    result = pack_package(root, tmp_path / "dist")
    assert result.path.name == "cqpolicy-guangyang-bay-1.1.0.zip"
    names = zipfile.ZipFile(result.path).namelist()
    assert "cqpolicy-guangyang-bay-1.1.0/datapackage.json" in names
    assert "cqpolicy-guangyang-bay-1.1.0/data/tasks.parquet" in names
    assert "cqpolicy-guangyang-bay-1.1.0/LICENSE.md" in names
    assert "cqpolicy-guangyang-bay-1.1.0/docs/policy.md" in names  # its ../data links resolve in the zip
    assert len(names) == 1 + 21 + 4  # descriptor, data files, README, LICENSE, CHANGELOG, docs/policy.md
    first = result.path.read_bytes()
    assert pack_package(root, tmp_path / "dist").path.read_bytes() == first


def test_pack_without_a_package_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["pack", str(tmp_path)])
    assert result.exit_code == 2
    assert "no datapackage.json here; run `cqpolicy build` first" in result.stderr


def test_validate_diff_and_load_accept_the_download(built_package: Path, tmp_path: Path) -> None:
    """The zip is the file people get: every reader takes it as it is, top folder and all."""
    import pandas as pd

    import cqpolicy
    from cqpolicy.diff import diff_inputs

    root = tmp_path / "pkg"
    shutil.copytree(built_package, root)
    for name in ("README.md", "LICENSE.md", "CHANGELOG.md"):
        shutil.copy2(Path(__file__).resolve().parent.parent / name, root / name)
    archive = pack_package(root, tmp_path / "dist").path

    validated = CliRunner().invoke(main, ["validate", str(archive)])
    assert validated.exit_code == 0, validated.output
    assert "cqpolicy-guangyang-bay 1.1.0: valid" in validated.output

    result = diff_inputs(str(archive), str(root))
    assert (result.old.kind, result.has_changes) == ("zip", False)

    tasks = cqpolicy.load(archive)["tasks"]
    pd.testing.assert_frame_equal(tasks, cqpolicy.load(root)["tasks"])
