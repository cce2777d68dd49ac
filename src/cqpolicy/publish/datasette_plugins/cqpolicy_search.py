"""Datasette plugin loaded by ``cqpolicy serve`` (``--plugins-dir``): Chinese-capable search, and JSON-LD.

On the connections of a database whose metadata sets ``plugins.cqpolicy_search.bigram_search``,
``escape_fts()`` (which Datasette's ``?_search=`` wraps around the search term) becomes
:func:`cqpolicy.build.database.fts_query`, which turns the term into the character-bigram
phrases the package's index holds; ``cqpolicy_fts_query()`` is the same function by a name
canned queries can use. Other databases keep Datasette's own ``escape_fts``.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from datasette import hookimpl

from cqpolicy.build.database import fts_query


@hookimpl(trylast=True)  # type: ignore[untyped-decorator]  # datasette is untyped; runs after its escape_fts
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    config = datasette.plugin_config("cqpolicy_search", database=database) or {}
    if not config.get("bigram_search"):
        return
    conn.create_function("escape_fts", 1, _query, deterministic=True)
    conn.create_function("cqpolicy_fts_query", 1, _query, deterministic=True)


def _query(search: str | None) -> str:
    return fts_query(search or "")


@hookimpl  # type: ignore[untyped-decorator]  # datasette is untyped
def extra_body_script(view_name: str, datasette: Any) -> str:
    """The package's schema.org ``Dataset`` record (JSON-LD) in the head of the home and database pages.

    ``cqpolicy serve`` puts the record (:func:`cqpolicy.build.citation.dataset_jsonld`) in the
    plugin configuration; data catalogues and Google Dataset Search read it from the page.
    """
    if view_name not in ("index", "database"):
        return ""
    record = (datasette.plugin_config("cqpolicy_jsonld") or {}).get("record")
    if not record:
        return ""
    text = json.dumps(json.dumps(record, ensure_ascii=False), ensure_ascii=False).replace("</", "<\\/")
    return (
        "(function(){var s=document.createElement('script');s.type='application/ld+json';"
        f"s.text={text};document.head.appendChild(s);}})();"
    )
