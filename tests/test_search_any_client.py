"""Search the database as a user of any SQLite client would: plain SQL, the ``sqlite3`` module, no toolkit.

Every full-text table of the built database (found in ``sqlite_master``, not listed here) must
give exactly the rows whose indexed text contains the word, compared with a Python substring
scan over the same table; words of one or two characters through the form the zip's README
gives. The README's examples are run as written.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

DATABASE = "data/cqpolicy-guangyang-bay.sqlite"
#: The words of the issue (and shorter ones), as a journalist would type them.
WORDS = ["碳达峰", "金融科技", "智创生态城", "广阳岛", "零碳", "绿色", "碳", "green development", "Guiding"]
_CONTENT = re.compile(r"content='([^']+)', content_rowid='([^']+)'")


@pytest.fixture(scope="module")
def db(built_package: Path) -> Iterator[sqlite3.Connection]:
    # as a client opens a downloaded file: the sqlite3 module, nothing registered on the connection
    connection = sqlite3.connect(built_package / DATABASE)
    yield connection
    connection.close()


def fts_tables(db: sqlite3.Connection) -> dict[str, tuple[str, str, list[str]]]:
    """Each full-text table: its content table, that table's key, and the columns it indexes."""
    out = {}
    for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"):
        found = _CONTENT.search(sql)
        assert found, sql  # every index names its table: MATCH must be joinable to the rows
        columns = [row[1] for row in db.execute(f"PRAGMA table_info('{name}')")]
        out[name] = (found[1], found[2], columns)
    return out


def containing(db: sqlite3.Connection, fts: str, word: str) -> list[int]:
    """The keys of the rows whose indexed text contains ``word`` (letters in any case), by a scan."""
    table, key, columns = fts_tables(db)[fts]
    rows = db.execute(f"SELECT {key}, {', '.join(columns)} FROM {table} ORDER BY {key}").fetchall()
    return [row[0] for row in rows if any(word.lower() in (text or "").lower() for text in row[1:])]


def test_every_table_with_text_has_a_trigram_index(db: sqlite3.Connection) -> None:
    tables = fts_tables(db)
    assert {"tasks_fts", "clauses_fts"} <= set(tables)
    for name in tables:
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        assert "tokenize='trigram'" in sql, name


@pytest.mark.parametrize("word", ["碳达峰", "金融科技", "智创生态城", "广阳岛"])
def test_plain_match_finds_exactly_the_rows_holding_the_word(db: sqlite3.Connection, word: str) -> None:
    found_somewhere = False
    for fts in fts_tables(db):
        sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH '{word}' ORDER BY rowid"  # as a person types it
        got = [row[0] for row in db.execute(sql)]
        assert got == containing(db, fts, word), fts
        found_somewhere = found_somewhere or bool(got)
    assert found_somewhere, word  # the word is in the policy: a search that finds nothing is a failure


def test_a_short_word_is_found_with_like_on_the_table(db: sqlite3.Connection) -> None:
    for fts, (table, key, columns) in fts_tables(db).items():
        for word in ("零碳", "绿色", "碳"):
            where = " OR ".join(f"{c} LIKE '%{word}%'" for c in columns)
            got = [row[0] for row in db.execute(f"SELECT {key} FROM {table} WHERE {where} ORDER BY {key}")]
            assert got == containing(db, fts, word), (fts, word)
            # MATCH alone finds nothing under three characters: why the README gives LIKE
            assert db.execute(f"SELECT count(*) FROM {fts} WHERE {fts} MATCH '\"{word}\"'").fetchone() == (0,)


@st.composite
def substrings(draw: st.DrawFn, texts: list[tuple[str, str]]) -> tuple[str, str]:
    fts, text = draw(st.sampled_from(texts))
    start = draw(st.integers(0, len(text) - 3))
    end = draw(st.integers(start + 3, min(len(text), start + 12)))
    return fts, text[start:end]


def test_any_substring_of_three_or_more_characters_is_found(db: sqlite3.Connection) -> None:
    texts = []
    for fts, (table, _, columns) in fts_tables(db).items():
        for row in db.execute(f"SELECT {', '.join(columns)} FROM {table}"):
            texts += [(fts, text) for text in row if text and len(text) >= 3]

    @settings(max_examples=60, deadline=None)
    @given(substrings(texts))
    def check(drawn: tuple[str, str]) -> None:
        fts, word = drawn
        got = [
            row[0]
            for row in db.execute(
                f"SELECT rowid FROM {fts} WHERE {fts} MATCH '\"' || replace(?, '\"', '\"\"') || '\"' "
                "ORDER BY rowid",
                (word,),
            )
        ]
        assert got == containing(db, fts, word)
        assert got  # drawn from a row, so at least that row

    check()


def _readme_queries(text: str) -> list[str]:
    """The SQL of the search examples in a README: the sql blocks that query a full-text table or LIKE."""
    blocks = re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    return [block for block in blocks if "_fts" in block or "LIKE" in block]


def _check_example(db: sqlite3.Connection, sql: str) -> None:
    word = re.search(r"MATCH '([^']+)'|LIKE '%([^%']+)%'", sql)
    assert word, sql
    term = word[1] or word[2]
    table = re.search(r"FROM (\w+)", sql)
    assert table
    keys = sorted(row[0] for row in db.execute(sql))
    if word[1]:
        want = containing(db, f"{table[1]}_fts", term)
    else:  # LIKE on the columns it names (ASCII letters in any case, as LIKE compares them)
        columns = re.findall(r"(\w+) LIKE", sql)
        _, key, _ = fts_tables(db)[f"{table[1]}_fts"]
        rows = db.execute(f"SELECT {key}, {', '.join(columns)} FROM {table[1]} ORDER BY {key}")
        want = [row[0] for row in rows if any(term.lower() in (v or "").lower() for v in row[1:])]
    assert keys == want, sql
    assert keys, sql


def test_the_zip_readme_search_examples_work_as_written(built_package: Path, db: sqlite3.Connection) -> None:
    import json

    from cqpolicy.publish.download import download_readme

    descriptor = json.loads((built_package / "datapackage.json").read_text(encoding="utf-8"))
    readme = download_readme(descriptor, {DATABASE})
    queries = _readme_queries(readme)
    assert any("MATCH" in q for q in queries) and any("LIKE" in q for q in queries)
    for sql in queries:
        _check_example(db, sql)


def test_the_readme_search_examples_work_as_written(db: sqlite3.Connection) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Browse and search") : readme.index("## For researchers")]
    queries = _readme_queries(section)
    assert any("MATCH" in q for q in queries) and any("LIKE" in q for q in queries)
    for sql in queries:
        _check_example(db, sql)
