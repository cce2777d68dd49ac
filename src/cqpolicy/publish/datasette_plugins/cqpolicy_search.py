"""Datasette plugin loaded by ``cqpolicy serve`` (``--plugins-dir``): search, bounds, and JSON-LD.

- Search: the search box (``?_search=``) of the tables the metadata lists under
  ``plugins.cqpolicy_search.search`` runs :func:`cqpolicy.build.database.search_where`: the
  trigram index for words of three or more characters, ``LIKE`` for shorter ones. Datasette's
  own search (``MATCH escape_fts(...)``) would find no word under three characters, so the
  metadata names no ``fts_table`` and this hook, running last, shows the search box.
- Bounds: every connection gets :func:`cqpolicy.publish.serve.bound_connection` (longest string,
  SQL text, heap, and no pointer-returning functions), so a query stays within Datasette's time
  limit and a bounded amount of memory.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from datasette import hookimpl
from datasette.filters import FilterArguments

from cqpolicy.build.database import search_where
from cqpolicy.publish.serve import PLUGIN, bound_connection


@hookimpl  # type: ignore[untyped-decorator]  # datasette is untyped
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    bound_connection(conn)


@hookimpl(trylast=True)  # type: ignore[untyped-decorator]  # runs after Datasette's search, so its context wins
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    config = (datasette.plugin_config(PLUGIN, database=database) or {}).get("search", {})
    spec = config.get(table)
    if not spec:
        return None
    search = request.args.get("_search") or ""
    context = {"supports_search": True, "search": search}
    if not search.strip():
        return FilterArguments([], extra_context=context)
    where, params = search_where(table, spec["key"], list(spec["columns"]), search)
    return FilterArguments([where], params, [f'search matches "{search}"'], context)


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
