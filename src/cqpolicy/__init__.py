"""cqpolicy: the open-data package of 渝府〔2022〕5号 and the toolkit that builds, validates and diffs it."""

from __future__ import annotations

__version__ = "1.0.0"
