"""datapackage.json is complete, the standard tool accepts it, and the README documents it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from cqpolicy.publish.docs import render_data_dictionary

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def descriptor(built_package: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    return data


def test_package_metadata_is_complete(descriptor: dict[str, Any]) -> None:
    for key in ("name", "title", "description", "version", "licenses", "sources", "contributors", "keywords"):
        assert descriptor.get(key), key
    assert descriptor["version"] == "1.2.0"
    doc = descriptor["document"]
    assert doc["document_number"] == "渝府〔2022〕5号"
    assert (doc["date_written"], doc["date_published"]) == ("2022-01-25", "2022-02-11")
    assert doc["status"] == "in-force"
    archived = descriptor["sources"][1]
    assert archived["sha256"] == "8d62b58e529df1130666825eb01a011fed9b63721fe8eadfb11bc6ee958d1906"


def test_every_field_has_type_title_description_and_constraints(descriptor: dict[str, Any]) -> None:
    tabular = [r for r in descriptor["resources"] if r.get("type") == "table"]
    assert len(tabular) == 20
    for resource in tabular:
        schema = resource["schema"]
        assert schema["primaryKey"], resource["name"]
        for field in schema["fields"]:
            for key in ("name", "type", "title", "description", "constraints"):
                assert field.get(key), f"{resource['name']}.{field['name']} lacks {key}"


def test_every_file_has_a_hash_and_csv_files_their_size_and_encoding(
    descriptor: dict[str, Any], built_package: Path
) -> None:
    import hashlib

    for resource in descriptor["resources"]:
        data = (built_package / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        if resource["format"] == "parquet":
            assert "bytes" not in resource  # frictionless 5 mis-checks bytes on Parquet
        else:
            assert resource["bytes"] == len(data)
        if resource["format"] == "csv":
            assert resource["encoding"] == "utf-8"


def test_code_list_columns_are_enumerated_and_keyed(descriptor: dict[str, Any]) -> None:
    agencies = next(r for r in descriptor["resources"] if r["name"] == "agencies")
    fields = {f["name"]: f for f in agencies["schema"]["fields"]}
    assert "collective" in fields["agency_type"]["constraints"]["enum"]
    # v2 categories carry the same codes, each with its Chinese and English label
    categories = fields["agency_type"]["categories"]
    assert [c["value"] for c in categories] == fields["agency_type"]["constraints"]["enum"]
    assert {"value": "collective", "label": "集合称谓 / Collective reference"} in categories
    targets = {fk["reference"]["resource"] for fk in agencies["schema"]["foreignKeys"]}
    assert targets == {"agency_types", "levels"}


def test_parquet_types_descriptions_and_dictionary_encoding(built_package: Path) -> None:
    import pyarrow as pa

    schema = pq.read_schema(built_package / "data" / "task_agencies.parquet")
    assert schema.field("task_no").type == pa.int64()
    assert schema.field("agency_id").type == pa.string()
    assert pa.types.is_dictionary(schema.field("role").type)
    assert (
        schema.field("role")
        .metadata[b"description"]
        .decode()
        .startswith("lead or support (foreign key to roles)")
    )


def test_pandas_reads_parquet_with_the_right_dtypes(built_package: Path) -> None:
    import pandas as pd

    tasks = pd.read_parquet(built_package / "data" / "tasks.parquet")
    assert str(tasks["task_no"].dtype) == "int64"
    assert str(tasks["clause_match_score"].dtype) == "float64"
    assert isinstance(tasks["clause_match_method"].dtype, pd.CategoricalDtype)
    agencies = pd.read_parquet(built_package / "data" / "agencies.parquet")
    assert str(agencies["name_en_official"].dtype) == "bool"


def test_csv_and_parquet_hold_the_same_rows(built_package: Path, descriptor: dict[str, Any]) -> None:
    import pandas as pd

    for resource in descriptor["resources"]:
        if resource["format"] != "csv":
            continue
        from_csv = pd.read_csv(built_package / resource["path"], dtype=str, keep_default_na=False)
        from_parquet = pd.read_parquet(built_package / f"data/{resource['name']}.parquet")
        assert list(from_csv.columns) == list(from_parquet.columns)
        assert len(from_csv) == len(from_parquet)
        text = from_parquet.astype(object).map(
            lambda v: (
                ""
                if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v))
                else ("true" if v is True else "false" if v is False else str(v))
            )
        )
        assert (from_csv.to_numpy() == text.to_numpy()).all(), resource["name"]


def test_frictionless_validate_accepts_the_package(built_package: Path) -> None:
    frictionless = Path(sys.executable).with_name("frictionless")
    proc = subprocess.run(
        [str(frictionless), "validate", "--json", "datapackage.json"],
        cwd=built_package,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(proc.stdout)
    assert report["valid"], json.dumps(report, ensure_ascii=False)[:2000]
    assert proc.returncode == 0


@pytest.mark.data
def test_readme_data_dictionary_matches_datapackage() -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render_data_dictionary(descriptor, ROOT) in readme, "run `make publish` to refresh the README"


@pytest.mark.data
def test_every_cli_command_has_help_and_is_in_the_readme() -> None:
    from click.testing import CliRunner

    from cqpolicy.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help, name
        assert f"cqpolicy {name}" in readme, name
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0


def test_title_placeholders_are_filled_everywhere_the_title_goes(built_package: Path) -> None:
    import zipfile

    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(built_package / "data" / "cqpolicy-guangyang-bay.xlsx") as workbook:
        strings = workbook.read("xl/sharedStrings.xml").decode("utf-8")
    for text in (descriptor["title"], descriptor["description"], strings):
        assert not re.search(r"\{(document_number|document_number_en|title|sections|clauses|tasks)\}", text)
    assert "(Yufu [2022] No. 5)" in descriptor["title"] and "(Yufu [2022] No. 5)" in strings
