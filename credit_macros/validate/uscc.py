"""统一社会信用代码 (USCC, Unified Social Credit Code of legal persons and other organisations).

Standard: GB 32100-2015《法人和其他组织统一社会信用代码编码规则》. Eighteen characters: 登记管理部门码 (1), 机构类别码 (1),
登记管理机关行政区划码 (6 digits, GB/T 2260), 主体标识码 (9, GB 11714), 校验码 (1, ISO 7064
MOD 31-3 over the alphabet 0–9 and the capital letters without I, O, Z, S, V). Length,
alphabet and check character are python-stdnum's (``stdnum.cn.uscc``); the messages are ours.

The usual code — 8 ASCII digits and 10 characters of the alphabet (``PLAIN``) — goes straight to
stdnum's check character: ``uscc.validate`` would first ``compact`` it, which leaves such a string
as it is (its separators and Unicode look-alikes are none of these characters), and then accept
its length and alphabet, so only ``uscc.calc_check_digit`` is left to decide. Anything else is
``uscc.validate``'s to judge, as before (``tests/test_validate_codes.py`` compares the verdicts
with stdnum's on near-misses of every kind).

More information:

* GB 32100-2015 (国家标准全文公开系统, openstd.samr.gov.cn)
* https://zh.wikipedia.org/wiki/统一社会信用代码

Each exception is one rule code (``CODES``):

>>> validate("91610000MA6TXXXX00")
'91610000MA6TXXXX00'
>>> validate("9161")
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: 统一社会信用代码应为18位，现为4位（9161），请核对后重新录入
>>> problems("9161000OMA6TXXXX00")[0][0], problems("91610000MA6TXXXX0X")
('uscc-format', (('uscc-checksum', '统一社会信用代码 91610000MA6TXXXX0X 校验位错误，按前17位应为 0，请核对后重新录入'),))
>>> problems("91610000MA6TXXXX00")
()
"""

from __future__ import annotations

import re
from functools import lru_cache

import stdnum.cn.uscc as uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from credit_macros.validate.standard import Problem, caught

CODES = {InvalidLength: "uscc-length", InvalidFormat: "uscc-format", InvalidChecksum: "uscc-checksum"}
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100's 31 characters (stdnum's ``_alphabet``)
PLAIN = re.compile(f"[0-9]{{8}}[{ALPHABET}]{{10}}")


def validate(number: str) -> str:
    """``number`` (already cleaned) if it is a valid USCC, else the exception saying why."""
    if PLAIN.fullmatch(number):  # length and alphabet as stdnum accepts them, nothing to compact
        if number[-1] == uscc.calc_check_digit(number):
            return number
        raise _checksum(number)
    try:
        return uscc.validate(number)
    except InvalidLength:
        raise InvalidLength(f"统一社会信用代码应为18位，现为{len(number)}位（{number}），请核对后重新录入") from None
    except InvalidFormat:
        raise InvalidFormat(f"统一社会信用代码 {number} 含不允许的字符（前8位为数字，其余为数字或除 I、O、Z、S、V 外的大写字母），"
                            "请核对后重新录入") from None
    except InvalidChecksum:
        raise _checksum(number) from None


def _checksum(number: str) -> InvalidChecksum:
    return InvalidChecksum(f"统一社会信用代码 {number} 校验位错误，按前17位应为 {uscc.calc_check_digit(number)}，请核对后重新录入")


@lru_cache(maxsize=1 << 16)
def problems(number: str) -> tuple[Problem, ...]:
    return caught(validate, CODES, number)
