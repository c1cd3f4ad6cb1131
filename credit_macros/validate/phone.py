"""电话号码 (a contact telephone number in mainland China).

Standard: 工业和信息化部《电信网编号计划（2017年版）》: mobile
numbers are 11 digits starting 13–19; fixed lines are a long-distance code (0 + 2–3 digits,
029 for 西安) and a 7- or 8-digit subscriber number, an extension after "-", "转" or "ext"
allowed. python-stdnum has no Chinese telephone module; the shape is checked here.

One exception, one rule code (``CODES``):

>>> validate("029-88886666"), validate("13912345678"), validate("0291-8888666-123")
('029-88886666', '13912345678', '0291-8888666-123')
>>> problems("12345678")
(('phone', '「12345678」不是有效的电话号码，手机填11位（如 13912345678），座机带区号（如 029-88886666），请核对'),)
"""

from __future__ import annotations

import re

from stdnum.exceptions import InvalidFormat

from credit_macros.validate.standard import Problem, caught

CODES = {InvalidFormat: "phone"}
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(?:(?:-|转|ext\.?)\d{1,6})?")


def validate(number: str) -> str:
    """``number`` (already cleaned) if it is a mobile or fixed-line number, else ``InvalidFormat``."""
    if _MOBILE.fullmatch(number) or _LANDLINE.fullmatch(number):
        return number
    raise InvalidFormat(f"「{number}」不是有效的电话号码，手机填11位（如 13912345678），座机带区号（如 029-88886666），请核对")


def problems(number: str) -> tuple[Problem, ...]:
    return caught(validate, CODES, number)
