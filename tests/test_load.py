"""cqpolicy.load(): typed DataFrames from a package directory, its datapackage.json or its zip."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import cqpolicy
from conftest import FROZEN
from cqpolicy.errors import InputError
from cqpolicy.publish.pack import pack_package

ROOT = Path(__file__).resolve().parent.parent

#: Table Schema type -> the pandas dtype load() promises (the module docstring's table).
EXPECTED_KIND = {"integer": "Int64", "number": "float64", "boolean": "boolean", "string": "string"}


@pytest.fixture(scope="module")
def descriptor(built_package: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def package_zip(built_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    package = tmp_path_factory.mktemp("pkg")
    shutil.copytree(built_package, package, dirs_exist_ok=True)
    for name in ("README.md", "CHANGELOG.md"):
        shutil.copy2(FROZEN / name, package / name)
    shutil.copy2(ROOT / "LICENSE.md", package / "LICENSE.md")
    return pack_package(package, tmp_path_factory.mktemp("dist"), allow_unreleased=True).path


def _csv_resources(descriptor: dict[str, object]) -> list[dict[str, object]]:
    resources = descriptor["resources"]
    assert isinstance(resources, list)
    return [r for r in resources if r.get("format") == "csv"]


def test_every_column_has_the_dtype_of_its_declared_type(
    built_package: Path, descriptor: dict[str, object]
) -> None:
    tables = cqpolicy.load(built_package)
    resources = _csv_resources(descriptor)
    assert list(tables) == [r["name"] for r in resources]
    for resource in resources:
        frame = tables[str(resource["name"])]
        fields = resource["schema"]["fields"]  # type: ignore[index]
        assert list(frame.columns) == [f["name"] for f in fields]
        assert len(frame) == resource["rows"]
        for field in fields:
            dtype = frame[field["name"]].dtype
            where = f"{resource['name']}.{field['name']}"
            if "enum" in field.get("constraints", {}):
                assert isinstance(dtype, pd.CategoricalDtype), where
                assert list(dtype.categories) == field["constraints"]["enum"], where
            elif field["type"] == "date":
                assert pd.api.types.is_datetime64_dtype(dtype), where
            else:
                assert str(dtype) == EXPECTED_KIND[field["type"]], where


def test_code_list_columns_are_categoricals_of_their_code_list(built_package: Path) -> None:
    tables = cqpolicy.load(built_package)
    for table, column, codelist in [
        ("agencies", "agency_type", "agency_types"),
        ("agencies", "level", "levels"),
        ("task_agencies", "role", "roles"),
    ]:
        categories = set(tables[table][column].cat.categories)
        assert categories == set(tables[codelist]["code"]), column


def test_keys_are_unique_sorted_and_join(built_package: Path) -> None:
    tables = cqpolicy.load(built_package)
    tasks, links, agencies = tables["tasks"], tables["task_agencies"], tables["agencies"]
    assert tasks["task_no"].is_unique and tasks["task_no"].is_monotonic_increasing
    assert not links.duplicated(["task_no", "agency_id"]).any()
    joined = links.merge(tasks, on="task_no").merge(agencies, on="agency_id")
    assert len(joined) == len(links)
    assert joined["name_zh"].str.contains("重庆|市|区", regex=True).any()


def test_csv_and_parquet_load_equal(built_package: Path) -> None:
    parquet = cqpolicy.load(built_package)
    csv = cqpolicy.load(built_package, format="csv")
    for name, frame in parquet.items():
        pd.testing.assert_frame_equal(frame, csv[name], check_exact=True, obj=name)


def test_directory_descriptor_and_zip_load_equal(built_package: Path, package_zip: Path) -> None:
    from_dir = cqpolicy.load(built_package)
    for other in (cqpolicy.load(built_package / "datapackage.json"), cqpolicy.load(package_zip)):
        assert list(other) == list(from_dir)
        for name, frame in from_dir.items():
            pd.testing.assert_frame_equal(frame, other[name], check_exact=True, obj=name)


def test_without_a_path_it_loads_the_current_directory(
    built_package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(built_package)
    tables = cqpolicy.load()
    assert tables["document"].loc[0, "document_number"] == "渝府〔2022〕5号"


@pytest.mark.data
def test_without_a_path_outside_a_package_it_loads_this_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    tables = cqpolicy.load()
    shipped = cqpolicy.load(ROOT)
    pd.testing.assert_frame_equal(tables["tasks"], shipped["tasks"])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "nowhere", "there is no such file or directory"),
        (lambda tmp: tmp, "there is no datapackage.json here"),
        (lambda tmp: (tmp / "notes.txt").write_text("x") and tmp / "notes.txt", "is neither a package"),
    ],
    ids=["missing-path", "empty-directory", "not-a-package-file"],
)
def test_a_path_that_is_no_package_is_refused_in_one_sentence(
    tmp_path: Path, make: object, message: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(InputError, match=message) as caught:
        cqpolicy.load(path)
    assert "\n" not in str(caught.value)


def test_a_missing_data_file_names_the_file(built_package: Path, tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(built_package, package)
    os.remove(package / "data" / "tasks.parquet")
    with pytest.raises(InputError, match="does not exist") as caught:
        cqpolicy.load(package)
    assert "tasks.parquet" in str(caught.value)


def test_an_unknown_format_is_refused(built_package: Path) -> None:
    with pytest.raises(InputError, match="format must be 'parquet' or 'csv'"):
        cqpolicy.load(built_package, format="xlsx")  # type: ignore[arg-type]
