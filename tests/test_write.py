"""read_csv_value reads back exactly what csv_bytes writes, for every Table Schema type the build uses."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqpolicy.build.write import csv_bytes, read_csv_value

VALUES = {
    "integer": st.integers(min_value=-(10**12), max_value=10**12),
    "number": st.floats(allow_nan=False, allow_infinity=False),
    "boolean": st.booleans(),
    "date": st.dates(min_value=dt.date(1900, 1, 1)),
    "string": st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1),
}


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_a_cell_reads_back_as_the_value_written(kind: str) -> None:
    @given(value=st.one_of(st.none(), VALUES[kind]))
    def round_trip(value: Any) -> None:
        data = csv_bytes([{"v": value}], [{"name": "v", "type": kind}]).decode("utf-8")
        cell = list(csv.reader(io.StringIO(data)))[1][0]
        assert read_csv_value(cell, kind) == value

    round_trip()


@pytest.mark.parametrize(("text", "kind"), [("yes", "boolean"), ("1.5", "integer"), ("2022-13-01", "date")])
def test_a_cell_of_the_wrong_type_is_refused(text: str, kind: str) -> None:
    with pytest.raises(ValueError):
        read_csv_value(text, kind)
