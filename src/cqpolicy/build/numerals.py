"""Numbers as Chinese documents write them: clause numerals, document numbers and dates.

Publications vary in how they print the same fact: ``渝府〔2022〕5号``, ``渝府﹝2022﹞5号``,
``渝府[2022]5 号``; ``2022年1月25日``, ``二〇二二年一月二十五日``, ``2022-01-25``. These
functions read every variant and give one canonical form, so that every form of the same
policy gives the same tables.
"""

from __future__ import annotations

import datetime as dt
import re

_NUMERALS = "一二三四五六七八九十"
_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}  # fmt: skip
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

#: A document number in any bracket style, with stray spaces: group ``org``, ``year``, ``n``.
DOC_NUMBER_PATTERN = (
    r"(?P<org>[\u4e00-\u9fff]{1,24})\s*[〔﹝\[【（(［]\s*(?P<year>[0-9０-９]{4})\s*[〕﹞\]】）)］]"
    r"\s*第?\s*(?P<n>[0-9０-９]{1,5})\s*号"
)
_DOC_NUMBER = re.compile(rf"^{DOC_NUMBER_PATTERN}$")
_CN = "〇○零Ｏ一二三四五六七八九十"
_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日$"),
    re.compile(r"^(?P<y>\d{4})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})$"),
    re.compile(rf"^(?P<y>[{_CN}]{{4}})\s*年\s*(?P<m>[{_CN}]{{1,3}})\s*月\s*(?P<d>[{_CN}]{{1,4}})\s*日$"),
)


def chinese_numeral(text: str) -> int:
    """Value of a Chinese numeral from 一 (1) to 九十九 (99).

    Raises:
        ValueError: if ``text`` is not such a numeral.
    """
    digits = {char: i for i, char in enumerate(_NUMERALS[:9], start=1)}
    if text and all(char in digits for char in text) and len(text) == 1:
        return digits[text]
    match = re.fullmatch(r"(?P<tens>[一二三四五六七八九]?)十(?P<units>[一二三四五六七八九]?)", text)
    if not match:
        raise ValueError(f"not a Chinese numeral from 1 to 99: {text!r}")
    tens = digits[match["tens"]] if match["tens"] else 1
    units = digits[match["units"]] if match["units"] else 0
    return tens * 10 + units


def to_chinese_numeral(value: int) -> str:
    """Inverse of :func:`chinese_numeral` for 1 to 99."""
    if not 1 <= value <= 99:
        raise ValueError(f"only 1 to 99 can be written, not {value}")
    tens, units = divmod(value, 10)
    digit = " 一二三四五六七八九"
    if tens == 0:
        return digit[units]
    prefix = "" if tens == 1 else digit[tens]
    return prefix + "十" + (digit[units] if units else "")


def document_number(text: str) -> str | None:
    """The canonical form ``渝府〔2022〕5号`` of a document number in any bracket style, or ``None``."""
    match = _DOC_NUMBER.match(text.strip())
    if not match:
        return None
    return canonical_number(match)


def canonical_number(match: re.Match[str]) -> str:
    """The canonical document number from a match of :data:`DOC_NUMBER_PATTERN`."""
    year = match["year"].translate(_FULLWIDTH_DIGITS)
    number = int(match["n"].translate(_FULLWIDTH_DIGITS))
    return f"{match['org']}〔{year}〕{number}号"


def _cn_value(text: str) -> int:
    """1 to 31 in Chinese numerals as dates write them (十五, 二十五, 三十一), or digit by digit."""
    if text.isascii() and text.isdigit():
        return int(text)
    if all(char in _DIGIT for char in text):
        return int("".join(str(_DIGIT[char]) for char in text))
    return chinese_numeral(text)


def looks_like_date(text: str) -> bool:
    """Whether ``text`` is a date line in one of the accepted forms (valid or not)."""
    text = text.strip().translate(_FULLWIDTH_DIGITS)
    return any(pattern.match(text) for pattern in _DATE_PATTERNS)


def parse_date(text: str) -> dt.date | None:
    """The date in a date line (``2024年3月15日``, ``二〇二四年三月十五日``, ``2024-03-15``), or ``None``.

    Raises:
        ValueError: if the line has a date's form but is not a real date (``2月30日``).
    """
    text = text.strip().translate(_FULLWIDTH_DIGITS)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (_cn_value(match[key]) for key in ("y", "m", "d"))
            return dt.date(year, month, day)
    return None
