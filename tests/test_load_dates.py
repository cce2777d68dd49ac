"""Dates have one type: date32 in every Parquet file, DATE_DTYPE from load(), and the two agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cqpolicy
from cqpolicy.package import DATE_DTYPE


def date_columns(package: Path) -> dict[str, list[str]]:
    """Every ``date`` field of the descriptor, by table (found there, not listed here)."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for resource in descriptor["resources"]:
        if resource.get("format") == "csv":
            names = [f["name"] for f in resource["schema"]["fields"] if f["type"] == "date"]
            if names:
                out[resource["name"]] = names
    return out


def test_the_package_has_date_columns(built_package: Path) -> None:
    assert date_columns(built_package)  # else the tests below would pass on nothing


def test_every_date_column_is_date32_in_parquet(built_package: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    for table, names in date_columns(built_package).items():
        schema = pq.read_schema(built_package / "data" / f"{table}.parquet")
        for name in names:
            assert schema.field(name).type == pa.date32(), (table, name)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_load_gives_every_date_column_one_dtype_equal_to_read_parquet(built_package: Path, fmt: str) -> None:
    import pandas as pd

    tables = cqpolicy.load(built_package, format=fmt)  # type: ignore[arg-type]
    for table, names in date_columns(built_package).items():
        raw = pd.read_parquet(built_package / "data" / f"{table}.parquet")
        for name in names:
            loaded = tables[table][name]
            assert str(loaded.dtype) == DATE_DTYPE, (table, name)
            # same days, same missing values, as pandas reads the Parquet file
            assert loaded.equals(raw[name].astype(DATE_DTYPE)), (table, name)
            assert loaded.isna().tolist() == raw[name].isna().tolist()
