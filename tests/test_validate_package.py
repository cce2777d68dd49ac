"""cqpolicy.package: opening untrusted packages safely, and reading typed tables from CSV and Parquet."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cqpolicy.errors import InputError
from cqpolicy.package import (
    PackageInputError,
    extract_zip,
    load_table,
    load_tables,
    open_package,
    read_descriptor,
    resolve_resource_path,
)
from cqpolicy.publish.pack import pack_package
from cqpolicy.validate.expectations import load_suites

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def packed(built_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as people download it: cqpolicy pack's zip."""
    return pack_package(built_package, tmp_path_factory.mktemp("dist"), allow_unreleased=True).path


@pytest.mark.parametrize("form", ["directory", "descriptor", "zip"])
def test_open_package_accepts_a_directory_its_descriptor_or_a_zip(
    form: str, built_package: Path, packed: Path
) -> None:
    given = {"directory": built_package, "descriptor": built_package / "datapackage.json", "zip": packed}[
        form
    ]
    with open_package(given) as root:
        assert read_descriptor(root)["name"] == "cqpolicy-guangyang-bay"
        assert (root / "data" / "tasks.csv").is_file()
    if form == "zip":
        assert not root.exists(), "the extracted copy is removed on exit"


def test_csv_and_parquet_load_to_the_same_typed_frames(built_package: Path) -> None:
    descriptor = read_descriptor(built_package)
    from_csv = load_tables(built_package, descriptor, "csv")
    from_parquet = load_tables(built_package, descriptor, "parquet")
    assert (
        sorted(from_csv)
        == sorted(from_parquet)
        == sorted(
            [
                "document",
                "sections",
                "clauses",
                "tasks",
                "agencies",
                "task_agencies",
                "agency_types",
                "levels",
                "roles",
                "glossary",
            ]
        )
    )
    for name, frame in from_csv.items():
        pd.testing.assert_frame_equal(frame, from_parquet[name])
    tasks, document = from_csv["tasks"], from_csv["document"]
    assert str(tasks["task_no"].dtype) == "Int64"
    assert str(tasks["clause_match_score"].dtype) == "float64"
    assert str(tasks["text"].dtype) == "string"
    assert list(tasks["clause_match_method"].cat.categories) == ["override", "similarity"]
    assert str(document["publicly_released"].dtype) == "boolean"
    assert document["date_written"][0] == pd.Timestamp("2022-01-25")
    assert list(from_csv["task_agencies"]["role"].cat.categories) == ["lead", "support"]


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "~/x.csv",
        "../x.csv",
        "data/../../x.csv",
        "data\\x.csv",
        "C:/x.csv",
        "http://example.org/x.csv",
        "https://example.org/x.csv",
        "file:///etc/passwd",
        "s3://bucket/x.csv",
        "data:text/csv,a",
        "",
        None,
        ["data/x.csv"],
    ],
)
def test_unsafe_resource_paths_are_refused(path: object, tmp_path: Path) -> None:
    with pytest.raises(PackageInputError) as info:
        resolve_resource_path(tmp_path, path)
    assert info.value.check == "unsafe-path"
    assert info.value.exit_code == 2


def test_a_symlink_leaving_the_package_is_refused_one_inside_is_not(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "data").mkdir(parents=True)
    (root / "data" / "a.csv").write_text("x\n", encoding="utf-8")
    os.symlink(root / "data" / "a.csv", root / "data" / "inside.csv")
    os.symlink(tmp_path, root / "data" / "up")
    (tmp_path / "outside.csv").write_text("secret\n", encoding="utf-8")
    assert resolve_resource_path(root, "data/inside.csv") == root / "data" / "inside.csv"
    assert resolve_resource_path(root, "data/up/pkg/data/a.csv")  # a detour that stays inside
    with pytest.raises(PackageInputError, match="leads outside the package"):
        resolve_resource_path(root, "data/up/outside.csv")


def test_zip_limits_on_members_and_size(packed: Path, tmp_path: Path) -> None:
    with pytest.raises(PackageInputError, match="members, more than the limit of 5"):
        extract_zip(packed, tmp_path / "a", max_members=5)
    with pytest.raises(PackageInputError, match="more than the limit of 1000"):
        extract_zip(packed, tmp_path / "b", max_bytes=1000)


def test_zip_member_that_lies_about_its_size_is_stopped(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("pkg/datapackage.json", "{}" + " " * 100_000)
    data = bytearray(archive.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # claims 10 bytes
    archive.write_bytes(bytes(data))
    with pytest.raises(PackageInputError) as info:
        extract_zip(archive, tmp_path / "out")
    assert info.value.check in {"zip-invalid", "unsafe-zip"}


@pytest.mark.parametrize(
    ("content", "check", "message"),
    [
        (None, "descriptor-missing", "there is no datapackage.json here"),
        (b"\xff\xfe{}", "descriptor-invalid", "is not UTF-8 text"),
        (b'{"name": ', "descriptor-invalid", "is not valid JSON (line 1, column 10: Expecting value)"),
        (b'"a string"', "descriptor-invalid", "holds a JSON str, not an object"),
    ],
    ids=["missing", "utf16", "not-json", "not-an-object"],
)
def test_descriptor_problems_are_one_sentence(
    content: bytes | None, check: str, message: str, tmp_path: Path
) -> None:
    if content is not None:
        (tmp_path / "datapackage.json").write_bytes(content)
    with pytest.raises(PackageInputError) as info:
        read_descriptor(tmp_path)
    assert info.value.check == check
    assert message in str(info.value)


def test_strict_loading_names_the_row_and_column(built_package: Path) -> None:
    descriptor = read_descriptor(built_package)
    resource = next(r for r in descriptor["resources"] if r["name"] == "tasks")
    text = (
        (built_package / "data" / "tasks.csv").read_text(encoding="utf-8").replace("\n3,5,", "\nthree,5,", 1)
    )
    copy = built_package.parent / "strict"
    (copy / "data").mkdir(parents=True, exist_ok=True)
    (copy / "data" / "tasks.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3: 'three' in column 'task_no' is not a valid integer"):
        load_table(copy, resource)
    coerced = load_table(copy, resource, errors="coerce")
    assert coerced["task_no"].isna().sum() == 1


@pytest.mark.data
def test_shipped_suites_are_well_formed_and_cover_every_table() -> None:
    suites, findings = load_suites(ROOT / "validation" / "suites")
    assert findings == []
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    tables = {r["name"] for r in descriptor["resources"] if r.get("format") == "csv"}
    assert set(suites) == tables
    for suite in suites.values():
        for entry in suite.expectations:
            assert set(entry) == {"type", "kwargs"}
