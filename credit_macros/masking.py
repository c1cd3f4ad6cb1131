"""Mask personal numbers in text a report shows: 居民身份证号码 and mobile phone numbers.

Everything the 半月通报 writes (cells, chart titles, Word paragraphs and tables) passes through
``mask``. Masking is by pattern, so an ID typed inside a sentence is caught too:

* an 18-character ID (17 digits + digit or X) keeps its first 4 and last 4 characters:
  ``610102199001011234`` → ``6101**********1234``; an all-digit 18-character code (rare
  government 统一社会信用代码) is masked the same way — showing too little is the safe side;
* an old 15-digit ID (6-digit region, yymmdd birth date, 3-digit sequence) keeps 4 + 3;
* a mobile number (1[3-9] + 9 digits, optionally written 139 1234 5678 / 139-1234-5678,
  optionally +86) keeps its first 3 and last 4 digits: ``13912342235`` → ``139****2235``.

A number only counts when no letter or digit touches it, so 统一社会信用代码 with letters,
文书号 and amounts stay as they are. Landline numbers with an area code (029-12345678) are
office numbers and stay visible.

>>> mask("法定代表人证件号码 61010219900101123x，电话 13912342235")
'法定代表人证件号码 6101**********123x，电话 139****2235'
>>> mask("联系电话：+86 139-1234-2235；办公室 029-12345678")
'联系电话：+86 139****2235；办公室 029-12345678'
>>> mask("旧证 610102900101123 与注册号 610000100012345")
'旧证 6101********123 与注册号 610000100012345'
>>> mask("统一社会信用代码 91610000MA6TXXXX0X")
'统一社会信用代码 91610000MA6TXXXX0X'
>>> mask(12), mask(None)
(12, None)
"""

from __future__ import annotations

import datetime as dt
import re

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
ID18 = re.compile(_EDGE_BEFORE + r"(\d{4})(\d{10})(\d{3}[\dXx])" + _EDGE_AFTER)
ID15 = re.compile(_EDGE_BEFORE + r"(\d{4})(\d{2}(\d{6})\d{3})" + _EDGE_AFTER)
MOBILE = re.compile(_EDGE_BEFORE + r"(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})" + _EDGE_AFTER)


def _id15(match: re.Match) -> str:
    try:
        dt.datetime.strptime("19" + match.group(3), "%Y%m%d")
    except ValueError:
        return match.group(0)  # no birth date: a registration number, not an ID
    digits = match.group(0)
    return digits[:4] + "*" * 8 + digits[-3:]


def mask(value):
    """``value`` with every ID and mobile number masked; non-strings are returned as they are."""
    if not isinstance(value, str):
        return value
    value = ID18.sub(lambda m: m.group(1) + "*" * 10 + m.group(3), value)
    value = ID15.sub(_id15, value)
    return MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), value)
