"""cqpolicy: the open-data package of 渝府〔2022〕5号 and the toolkit that builds, validates and diffs it.

For researchers, ``cqpolicy.load()`` reads the package's tables into typed pandas
DataFrames (see :mod:`cqpolicy.load`). Importing ``cqpolicy`` imports no heavy library.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from cqpolicy.load import load

__all__ = ["__version__", "load"]

try:  # the toolkit's version has one home, pyproject.toml; the data's is in datapackage.json
    __version__ = version("cqpolicy")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
