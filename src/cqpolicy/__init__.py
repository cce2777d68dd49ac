"""cqpolicy: the open-data package of 渝府〔2022〕5号 and the toolkit that builds, validates and diffs it.

For researchers, ``cqpolicy.load()`` reads the package's tables into typed pandas
DataFrames (see :mod:`cqpolicy.load`). Importing ``cqpolicy`` imports no heavy library.
"""

from __future__ import annotations

from cqpolicy.load import load

__all__ = ["__version__", "load"]

__version__ = "1.1.0"
