"""Citation metadata, generated from the descriptor: ``CITATION.cff``, ``.zenodo.json``, schema.org.

Each record says the same four things as ``datapackage.json`` (version, title, licence,
release date), in the vocabulary its readers harvest:

- ``CITATION.cff`` (Citation File Format 1.2.0, ``type: dataset``) for code hosts and
  reference managers;
- ``.zenodo.json`` (Zenodo's deposit metadata) for archiving a release with a DOI;
- ``docs/dataset.jsonld`` (a schema.org ``Dataset``) for data catalogues and Google Dataset
  Search, also embedded in the HTML pages the project makes.

Nothing here is edited by hand: the build writes these files from ``sources/package.json``
through the descriptor, and :mod:`cqpolicy.validate.conformance` reads them back with
:func:`facts_of` and compares them with the descriptor.

Who is who: contributors with the role ``creator`` wrote the policy (they are the
authors of the cited *reference*); contributors with the role ``dataCurator`` made the data
package (they are its *authors*).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CFF_FILE = "CITATION.cff"
ZENODO_FILE = ".zenodo.json"
JSONLD_FILE = "docs/dataset.jsonld"
CITATION_FILES = (CFF_FILE, ZENODO_FILE, JSONLD_FILE)
_MESSAGE = (
    "If you use this data package, please cite the version you used as below, "
    "and the policy itself from its official record."
)


@dataclass(frozen=True)
class CitationFacts:
    """What every citation record must agree on with the descriptor."""

    version: str
    title: str
    #: The data licence's identifier (``CC0-1.0``), or its URL where a record names licences by URL.
    licence: str
    #: The release date, ``YYYY-MM-DD``.
    released: str


def expected_facts(descriptor: dict[str, Any]) -> CitationFacts:
    """The facts the descriptor states (the data licence is its first licence with a real identifier)."""
    licence = data_licence(descriptor)
    return CitationFacts(
        version=str(descriptor.get("version", "")),
        title=str(descriptor.get("title", "")),
        licence=str(licence.get("name", "")),
        released=str(descriptor.get("created", ""))[:10],
    )


def _licences(descriptor: dict[str, Any], *, generic: bool) -> list[dict[str, Any]]:
    """The descriptor's licences that are (``generic``) or are not Open Definition ``other-*`` statuses.

    A generic status (``other-pd``) says how the policy text may be used; the others are real
    licence identifiers (``CC0-1.0``), which CFF and Zenodo can name.
    """
    return [
        item
        for item in descriptor.get("licenses", [])
        if isinstance(item, dict) and str(item.get("name", "")).startswith("other-") == generic
    ]


def data_licence(descriptor: dict[str, Any]) -> dict[str, Any]:
    """The licence of the curated data: the first one that is not a generic ``other-*`` status."""
    licences = _licences(descriptor, generic=False) or _licences(descriptor, generic=True)
    return licences[0] if licences else {}


def _people(descriptor: dict[str, Any], role: str) -> list[str]:
    return [
        str(item["title"])
        for item in descriptor.get("contributors", [])
        if isinstance(item, dict) and role in item.get("roles", []) and item.get("title")
    ]


def _official(descriptor: dict[str, Any]) -> dict[str, Any]:
    document = descriptor.get("document", {})
    return document if isinstance(document, dict) else {}


def citation_cff(descriptor: dict[str, Any]) -> str:
    """``CITATION.cff`` (CFF 1.2.0) as YAML text."""
    import yaml

    document = _official(descriptor)
    licence_ids = [str(item["name"]) for item in _licences(descriptor, generic=False)]
    reference: dict[str, Any] = {
        "type": "government-document",
        "title": document.get("title", ""),
        "authors": [{"name": name} for name in _people(descriptor, "creator")],
        "date-released": document.get("date_published") or document.get("date_written"),
        "url": document.get("official_url"),
        "identifiers": [
            {
                "type": "other",
                "value": document.get("document_number"),
                "description": "发文字号 Document number",
            }
        ],
        "languages": ["zh"],
        "notes": f"English title (unofficial translation): {document.get('title_en', '')}",
    }
    data: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": _MESSAGE,
        "type": "dataset",
        "title": descriptor["title"],
        "abstract": descriptor["description"],
        "version": descriptor["version"],
        "date-released": expected_facts(descriptor).released,
        "authors": [{"name": name} for name in _people(descriptor, "dataCurator")],
        "license": licence_ids[0] if len(licence_ids) == 1 else licence_ids,
        "url": descriptor["homepage"],
        "repository": descriptor["homepage"],
        "identifiers": [
            {
                "type": "other",
                "value": descriptor["id"],
                "description": "The package's stable identifier (datapackage.json id), one for all versions",
            },
            {"type": "url", "value": descriptor["homepage"], "description": "The package's home"},
        ],
        "keywords": list(descriptor.get("keywords", [])),
        "references": [{key: value for key, value in reference.items() if value}],
    }
    header = "# Generated from datapackage.json by cqpolicy build; do not edit (edit sources/package.json).\n"
    text: str = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return header + text


def zenodo_record(descriptor: dict[str, Any]) -> dict[str, Any]:
    """``.zenodo.json``: Zenodo's deposit metadata for a release of this version."""
    document = _official(descriptor)
    statuses = [str(item.get("title", "")) for item in _licences(descriptor, generic=True)]
    related = [
        {"identifier": descriptor["homepage"], "relation": "isSupplementedBy", "scheme": "url"},
    ]
    if document.get("official_url"):
        related.append({"identifier": document["official_url"], "relation": "isDerivedFrom", "scheme": "url"})
    return {
        "upload_type": "dataset",
        "title": descriptor["title"],
        "description": descriptor["description"],
        "version": descriptor["version"],
        "publication_date": expected_facts(descriptor).released,
        "creators": [{"name": name} for name in _people(descriptor, "dataCurator")],
        "access_right": "open",
        "license": expected_facts(descriptor).licence,
        "keywords": list(descriptor.get("keywords", [])),
        "language": "zho",
        "related_identifiers": related,
        "notes": " ".join(statuses),
    }


def dataset_jsonld(descriptor: dict[str, Any]) -> dict[str, Any]:
    """A schema.org ``Dataset`` record (JSON-LD) with the properties Google Dataset Search reads."""
    document = _official(descriptor)
    resources = [item for item in descriptor.get("resources", []) if isinstance(item, dict)]
    variables = [
        {
            "@type": "PropertyValue",
            "name": f"{resource['name']}.{field['name']}",
            "description": field.get("description", ""),
        }
        for resource in resources
        if resource.get("format") == "csv"
        for field in resource.get("schema", {}).get("fields", [])
    ]
    policy: dict[str, Any] = {
        "@type": "Legislation",
        "name": document.get("title"),
        "alternateName": document.get("title_en"),
        "legislationIdentifier": document.get("document_number"),
        "legislationDate": document.get("date_written"),
        "datePublished": document.get("date_published"),
        "url": document.get("official_url"),
        "inLanguage": "zh-CN",
        "author": [
            {"@type": "GovernmentOrganization", "name": name} for name in _people(descriptor, "creator")
        ],
    }
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": descriptor["title"],
        "description": descriptor["description"],
        "url": descriptor["homepage"],
        "identifier": descriptor["id"],
        "version": descriptor["version"],
        "datePublished": expected_facts(descriptor).released,
        "keywords": list(descriptor.get("keywords", [])),
        "license": [item["path"] for item in descriptor.get("licenses", []) if item.get("path")],
        "isAccessibleForFree": True,
        "inLanguage": ["zh-CN", "en"],
        "creator": [{"@type": "Organization", "name": name} for name in _people(descriptor, "dataCurator")],
        "isBasedOn": {key: value for key, value in policy.items() if value},
        "spatialCoverage": {"@type": "Place", "name": "Chongqing, China 中国重庆"},
        "temporalCoverage": document.get("date_written"),
        "citation": citation_text(descriptor),
        "distribution": [
            {
                "@type": "DataDownload",
                "name": resource["name"],
                "contentUrl": resource["path"],
                "encodingFormat": resource.get("mediatype", ""),
            }
            for resource in resources
            if isinstance(resource.get("path"), str)
        ],
        "variableMeasured": variables,
    }


def citation_text(descriptor: dict[str, Any]) -> str:
    """The citation a reader copies, as the README's "Cite this package" shows it."""
    authors = ", ".join(_people(descriptor, "dataCurator"))
    facts = expected_facts(descriptor)
    return (
        f"{authors} ({facts.released[:4]}). {descriptor['title']} (Version {facts.version}) "
        f"[Data package, released {facts.released}]. {descriptor['homepage']}"
    )


def json_text(data: dict[str, Any]) -> str:
    """JSON as the build writes it for people: UTF-8, indented, LF, final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def citation_files(descriptor: dict[str, Any]) -> dict[str, bytes]:
    """Every citation record, as ``{path relative to the package: bytes}``."""
    return {
        CFF_FILE: citation_cff(descriptor).encode("utf-8"),
        ZENODO_FILE: json_text(zenodo_record(descriptor)).encode("utf-8"),
        JSONLD_FILE: json_text(dataset_jsonld(descriptor)).encode("utf-8"),
    }


def facts_of(name: str, data: bytes) -> CitationFacts:
    """Read back what a citation record says (``name`` is one of :data:`CITATION_FILES`).

    Raises:
        ValueError: the file is not YAML/JSON or lacks a property (the message says which).
    """
    if name == CFF_FILE:
        import yaml

        record = yaml.safe_load(data.decode("utf-8"))
        keys = ("version", "title", "license", "date-released")
    else:
        record = json.loads(data.decode("utf-8"))
        keys = (
            ("version", "title", "license", "publication_date")
            if name == ZENODO_FILE
            else ("version", "name", "license", "datePublished")
        )
    if not isinstance(record, dict):
        raise ValueError("it does not hold an object")
    missing = [key for key in keys if key not in record]
    if missing:
        raise ValueError(f"it has no {', '.join(missing)}")
    version, title, licence, released = (record[key] for key in keys)
    if isinstance(licence, list):  # CFF may list several; schema.org lists URLs
        licence = " ".join(str(item) for item in licence)
    return CitationFacts(str(version), str(title), str(licence), str(released))
