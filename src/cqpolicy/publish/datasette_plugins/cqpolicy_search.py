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
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> str | None:
    """Booleans as ``true``/``false``, as the CSV files write them (SQLite stores 1/0)."""
    if table is None or value not in (0, 1) or isinstance(value, float):
        return None
    booleans = (datasette.plugin_config(PLUGIN, database=database) or {}).get("booleans", {})
    if column in booleans.get(table, ()):
        return "true" if value else "false"
    return None


#: Results first: the column descriptions go below the results, in a closed <details>.
_DESCRIPTIONS_BELOW = """(function(){
var dl=document.querySelector('dl.column-descriptions');if(!dl)return;
var d=document.createElement('details');d.className='column-descriptions-details';
var s=document.createElement('summary');s.textContent='Column descriptions / 列说明';
d.appendChild(s);dl.parentNode.insertBefore(d,dl);d.appendChild(dl);
var t=document.querySelector('.table-wrapper')||document.querySelector('p.zero-results');
if(t){t.parentNode.insertBefore(d,t.nextSibling);}
})();"""


def _row_link(link: dict[str, str]) -> str:
    text = json.dumps(link["text"], ensure_ascii=False).replace("</", "<\\/")
    view, column = json.dumps(link["view"]), json.dumps(link["column"])
    return (
        "(function(){var key=location.pathname.split('/').pop();"
        "var p=document.createElement('p');var a=document.createElement('a');"
        f"a.href='../'+{view}+'?'+{column}+'='+key+'&_sort=task_no';a.textContent={text};"
        "p.appendChild(a);var t=document.querySelector('table.rows-and-columns');"
        "if(t){t.parentNode.insertBefore(p,t.nextSibling);}})();"
    )


@hookimpl  # type: ignore[untyped-decorator]  # datasette is untyped
def extra_body_script(view_name: str, table: str | None, database: str | None, datasette: Any) -> str:
    """Results before the column descriptions; a unit's page links its tasks; the JSON-LD record.

    ``cqpolicy serve`` puts the record (:func:`cqpolicy.build.citation.dataset_jsonld`) in the
    plugin configuration; data catalogues and Google Dataset Search read it from the home and
    database pages.
    """
    if view_name == "table":
        return _DESCRIPTIONS_BELOW
    if view_name == "row" and database:
        links = (datasette.plugin_config(PLUGIN, database=database) or {}).get("links", [])
        return "".join(_row_link(link) for link in links if link.get("table") == table)
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
