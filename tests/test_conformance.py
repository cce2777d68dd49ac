"""The descriptor is Data Package v2, and the citation records meet their schemas and agree with it.

The oracles are the official schemas, vendored unmodified: the Data Package v2 profiles
(``tests/profiles/2.0``), the CFF 1.2.0 schema and Zenodo's deposit schema (``tests/schemas``),
and for schema.org the properties Google Dataset Search requires and recommends.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import FROZEN_SOURCES
from cqpolicy.build.citation import (
    CFF_FILE,
    CITATION_FILES,
    JSONLD_FILE,
    ZENODO_FILE,
    expected_facts,
    facts_of,
)
from cqpolicy.validate.conformance import profile_errors

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def descriptor(built_package: Path) -> dict[str, Any]:
    data: dict[str, Any] = _json(built_package / "datapackage.json")
    return data


# --- Data Package v2 ------------------------------------------------------------------------------


def test_descriptor_validates_against_the_vendored_v2_profile(descriptor: dict[str, Any]) -> None:
    profile = _json(TESTS / "profiles" / "2.0" / "datapackage.json")
    errors = list(jsonschema.Draft7Validator(profile).iter_errors(descriptor))
    assert [e.message for e in errors] == []
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"


def test_every_resource_validates_against_the_resource_profile(descriptor: dict[str, Any]) -> None:
    profile = _json(TESTS / "profiles" / "2.0" / "dataresource.json")
    for resource in descriptor["resources"]:
        assert [e.message for e in jsonschema.Draft7Validator(profile).iter_errors(resource)] == [], resource[
            "name"
        ]


def test_v2_properties_replace_the_v1_ones(descriptor: dict[str, Any]) -> None:
    text = json.dumps(descriptor)
    assert '"profile"' not in text
    assert all("role" not in c and c["roles"] for c in descriptor["contributors"])
    assert {r.get("type") for r in descriptor["resources"]} == {"table", None}
    assert all(r.get("type") == "table" for r in descriptor["resources"] if r["format"] in ("csv", "parquet"))
    assert [lic["name"] for lic in descriptor["licenses"]] == ["other-pd", "CC0-1.0"]
    assert all(lic["path"].startswith("https://") and lic["title"] for lic in descriptor["licenses"])
    assert descriptor["homepage"] != descriptor["document"]["official_url"]


def test_id_is_stable_and_created_is_the_release_date_not_the_clock(descriptor: dict[str, Any]) -> None:
    meta = _json(FROZEN_SOURCES / "package.json")
    assert descriptor["id"] == meta["id"]
    assert descriptor["created"] == f"{meta['released']}T00:00:00Z"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update({"$schema": "https://datapackage.org/profiles/1.0/datapackage.json"}), "$schema"),
        (lambda d: d["resources"][0].update({"type": "file"}), "$.resources[0].type"),
        (lambda d: d["licenses"][0].update({"name": "public domain"}), "$.licenses[0].name"),
        (lambda d: d.update({"created": "29/11/2026"}), "$.created"),
        (lambda d: d.update({"created": "2026-02-30T00:00:00Z"}), "$.created"),
        (lambda d: d.update({"homepage": "the repository"}), "$.homepage"),
        (lambda d: d["contributors"][0].update({"roles": "creator"}), "$.contributors[0].roles"),
        (
            lambda d: d["resources"][0]["schema"]["fields"][0].update({"categories": 5}),
            "$.resources[0].schema",
        ),
    ],
)
def test_profile_check_names_where_a_descriptor_breaks_v2(
    descriptor: dict[str, Any], change: Any, where: str
) -> None:
    broken = json.loads(json.dumps(descriptor))
    change(broken)
    problems = profile_errors(broken)
    assert problems, "the broken descriptor passed the profile"
    assert any(problem.startswith(where) for problem in problems), problems


# --- citation records -----------------------------------------------------------------------------


def test_citation_cff_meets_the_cff_1_2_0_schema(built_package: Path, descriptor: dict[str, Any]) -> None:
    record = yaml.safe_load((built_package / CFF_FILE).read_text(encoding="utf-8"))
    jsonschema.validate(record, _json(TESTS / "schemas" / "cff-1.2.0.schema.json"))
    assert (record["cff-version"], record["type"]) == ("1.2.0", "dataset")
    reference = record["references"][0]
    assert (reference["type"], reference["url"]) == (
        "government-document",
        descriptor["document"]["official_url"],
    )
    assert {"type": "other", "value": descriptor["id"]}.items() <= record["identifiers"][0].items()


def test_zenodo_json_meets_zenodos_deposit_schema(built_package: Path) -> None:
    schema = _json(TESTS / "schemas" / "zenodo-legacyrecord.schema.json")
    # The REST API documents two deposit fields the legacy schema predates (see tests/schemas/README.md).
    schema["properties"].update({"version": {"type": "string"}, "language": {"type": "string"}})
    record = _json(built_package / ZENODO_FILE)
    jsonschema.validate(record, schema)
    assert record["upload_type"] == "dataset"
    assert record["creators"] and all(c["name"] for c in record["creators"])


#: Google Dataset Search: required, then the recommended properties this package can state.
GOOGLE_REQUIRED = ("name", "description")
GOOGLE_RECOMMENDED = (
    "citation",
    "creator",
    "distribution",
    "identifier",
    "isAccessibleForFree",
    "keywords",
    "license",
    "isBasedOn",
    "spatialCoverage",
    "temporalCoverage",
    "url",
    "variableMeasured",
    "version",
)


def test_schema_org_record_has_what_google_dataset_search_reads(built_package: Path) -> None:
    record = _json(built_package / JSONLD_FILE)
    assert (record["@context"], record["@type"]) == ("https://schema.org/", "Dataset")
    missing = [key for key in (*GOOGLE_REQUIRED, *GOOGLE_RECOMMENDED) if not record.get(key)]
    assert missing == []
    assert 50 <= len(record["description"]) <= 5000
    assert all(
        d["@type"] == "DataDownload" and d["contentUrl"] and d["encodingFormat"]
        for d in record["distribution"]
    )
    assert all(c["@type"] in ("Organization", "Person") for c in record["creator"])
    assert record["isBasedOn"]["legislationIdentifier"] == "渝府〔2022〕5号"


@pytest.mark.parametrize("name", CITATION_FILES)
def test_each_citation_record_agrees_with_the_descriptor(
    built_package: Path, descriptor: dict[str, Any], name: str
) -> None:
    found = facts_of(name, (built_package / name).read_bytes())
    expected = expected_facts(descriptor)
    assert (found.version, found.title, found.released) == (
        expected.version,
        expected.title,
        expected.released,
    )
    assert (
        expected.licence in found.licence.split()
        or descriptor["licenses"][1]["path"] in found.licence.split()
    )


@pytest.mark.data
def test_the_citation_files_are_generated_not_edited() -> None:
    """The committed records are what the build writes (with test_build's shipped-package check)."""
    for name in CITATION_FILES:
        assert (ROOT / name).is_file(), f"{name} is missing: run `make publish`"


#: A wrong value for each fact, in each record's own vocabulary.
_BREAKS = {
    CFF_FILE: {
        "version": ("\nversion: 1.", "\nversion: 9."),
        "title": ("title: 渝府", "title: 沪府"),
        "licence": ("license: CC0-1.0", "license: CC-BY-4.0"),
        "release date": ("date-released: '20", "date-released: '19"),
    },
    ZENODO_FILE: {
        "version": ('"version": "1.', '"version": "9.'),
        "title": ('"title": "渝府', '"title": "沪府'),
        "licence": ('"license": "CC0-1.0"', '"license": "CC-BY-4.0"'),
        "release date": ('"publication_date": "20', '"publication_date": "19'),
    },
    JSONLD_FILE: {
        "version": ('"version": "1.', '"version": "9.'),
        "title": ('"name": "渝府', '"name": "沪府'),
        "licence": ('"https://creativecommons.org/publicdomain/zero/1.0/"', '"https://example.org/licence"'),
        "release date": ('"datePublished": "20', '"datePublished": "19'),
    },
}


@pytest.mark.parametrize(
    ("name", "fact"), [(name, fact) for name, facts in _BREAKS.items() for fact in facts], ids=str
)
def test_validate_reports_a_citation_record_that_disagrees(
    built_package: Path, tmp_path: Path, name: str, fact: str
) -> None:
    from cqpolicy.validate import validate_package

    root = tmp_path / "pkg"
    shutil.copytree(built_package, root)
    path = root / name
    old, new = _BREAKS[name][fact]
    text = path.read_text(encoding="utf-8")
    assert old in text, f"the fault does not apply to {name}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    report = validate_package(root, layers=("package",))
    found = [(f.check, f.field) for f in report.findings]
    assert found == [("citation-mismatch", fact)], found
    assert report.exit_code == 1


def test_validate_reports_an_unreadable_citation_record(built_package: Path, tmp_path: Path) -> None:
    from cqpolicy.validate import validate_package

    root = tmp_path / "pkg"
    shutil.copytree(built_package, root)
    (root / ZENODO_FILE).write_text("{not json", encoding="utf-8")
    report = validate_package(root, layers=("package",))
    assert [f.check for f in report.findings] == ["citation-unreadable"]


@pytest.mark.data
def test_readme_shows_the_generated_citation() -> None:
    from cqpolicy.build.citation import citation_text
    from cqpolicy.publish.docs import render_citation

    descriptor = _json(ROOT / "datapackage.json")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Cite this package" in readme
    assert render_citation(descriptor) in readme, "run `make publish` to refresh the README"
    assert citation_text(descriptor) in readme
