"""居民身份证号码 (RIC No., the Chinese Resident Identity Card Number).

Standard: GB 11643-1999《公民身份号码》. Eighteen characters: 地址码 (6 digits, the county's code
in GB/T 2260 at first issue), 出生日期码 (8, YYYYMMDD), 顺序码 (3) and 校验码 (1, ISO 7064
MOD 11-2: a digit or X). The 15-digit numbers issued before 1999 are told apart (a warning).
Check character, birth date and the division table are python-stdnum's (``stdnum.cn.ric``,
``stdnum.numdb`` ``cn/loc``); the messages are ours.

``stdnum.cn.ric.validate`` is not called as a whole: it looks the region up for the birth year,
but a number keeps the region code of its first issue, which may postdate the birth (it would
reject most people born before their county got its present code), and that look-up is slow.
The region is looked up once per 6-digit prefix, for any year, and only warned about.

The birth date is stdnum's ``ric.get_birth_date`` too, asked once per distinct 出生日期码
(``_born``): it compacts the number (which leaves a string of ASCII digits and X as it is) and
reads only its 7th–14th characters, so every number with the same eight gets the same date —
and birth dates repeat far more than numbers do.

More information:

* GB 11643-1999 (国家标准全文公开系统, openstd.samr.gov.cn)
* https://zh.wikipedia.org/wiki/中华人民共和国公民身份号码

Each exception is one rule code (``CODES``); the region and the old 15-digit form are warnings:

>>> validate("610102199001011231", dt.date(2024, 1, 1))
'610102199001011231'
>>> validate("61010219900101123", dt.date(2024, 1, 1))
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: 身份证号应为18位，现为17位（61010219900101123），请核对后重新录入
>>> at = dt.date(2024, 1, 1)
>>> [problems(n, at)[0][0] for n in ("61010219900101123Y", "610102199001011232", "610102199002301230", "610102900101123")]
['id-format', 'id-checksum', 'id-birthdate', 'id-old']
>>> problems("999999199001011238", at)[0][0]
'id-region'
>>> problems("110201199312010077", at)[0][0]  # 昌平县 110201 until 1982
'id-region-abolished'
>>> problems("110201198012010070", at), problems("610102196001011238", at)  # born while 110201 existed; 新城区 got 610102 in 1983
((), ())
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import stdnum.cn.ric as ric
from stdnum import numdb
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from credit_macros.validate.standard import OK, Problem, caught

CODES = {InvalidLength: "id-length", InvalidFormat: "id-format", InvalidChecksum: "id-checksum",
         InvalidComponent: "id-birthdate"}


def validate(number: str, as_of: dt.date) -> str:
    """``number`` (already cleaned) if it is a valid 18-digit number of someone born by ``as_of``,
    else the exception saying why."""
    if len(number) != 18:
        raise InvalidLength(f"身份证号应为18位，现为{len(number)}位（{number}），请核对后重新录入")
    if not number[:17].isdigit() or number[17] not in "0123456789X":
        raise InvalidFormat(f"身份证号应为17位数字加1位数字或X，现为「{number}」，请核对后重新录入")
    if number[17] != ric.calc_check_digit(number):
        raise InvalidChecksum(f"身份证号 {number} 校验位错误，按前17位应为 {ric.calc_check_digit(number)}，请核对后重新录入")
    born = _birth_date(number)
    if born is None:
        raise InvalidComponent(f"身份证号 {number} 第7–14位 {number[6:14]} 不是真实的出生日期，请核对后重新录入")
    if born > as_of:
        raise InvalidComponent(f"身份证号 {number} 的出生日期 {born} 晚于今天，请核对后重新录入")
    return number


@lru_cache(maxsize=1 << 16)
def problems(number: str, as_of: dt.date) -> tuple[Problem, ...]:
    """The old 15-digit form, else ``validate``'s exception, else the region warnings."""
    if len(number) == 15 and number.isdigit():
        return (("id-old", f"{number} 是15位旧身份证号，请改填18位身份证号"),)
    return caught(validate, CODES, number, as_of) or _region_problems(number)


def _region_problems(number: str) -> tuple[Problem, ...]:
    if not _known_region(number[:6]):
        return (("id-region", f"身份证号 {number} 前6位 {number[:6]} 不是已知的行政区划代码，请核对"),)
    abolished = _abolished(number[:6])
    born = _birth_date(number)
    if abolished and abolished[1] < born.year:
        name, year = abolished
        return (("id-region-abolished", f"身份证号 {number} 前6位 {number[:6]}（{name}）在 {year} 年后已撤销，"
                 f"早于出生年份 {born.year}，这样的号码不会发放，请核对"),)
    return OK


def _birth_date(number: str) -> dt.date | None:
    """``ric.get_birth_date(number)``, None where it raises ``InvalidComponent`` (no real date);
    ``number``: 18 characters, the first 17 digits."""
    if number.isascii():
        return _born(number[6:14])
    try:
        return ric.get_birth_date(number)
    except InvalidComponent:
        return None


@lru_cache(maxsize=1 << 16)
def _born(digits: str) -> dt.date | None:
    """``ric.get_birth_date`` of any number whose 出生日期码 (7th–14th characters) is ``digits``."""
    try:
        return ric.get_birth_date(f"000000{digits}0000")
    except InvalidComponent:
        return None


@lru_cache(maxsize=None)
def _known_region(prefix: str) -> bool:
    """Whether stdnum's division table ever listed ``prefix`` (any year)."""
    return any(props for _, props in numdb.get("cn/loc").info(prefix))


@lru_cache(maxsize=None)
def _abolished(prefix: str) -> tuple[str, int] | None:
    """(county name, last year it existed) when every period stdnum's division table gives the
    county code ends (``[-1982]昌平县``), else None. A code newer than the birth year is fine: a
    number keeps the code of the place of its first issue."""
    county = next((props.get("county") for _, props in numdb.get("cn/loc").info(prefix) if props.get("county")), None)
    periods = re.findall(r"\[(\d*)-(\d*)\]([^,\[]*)", county or "")
    if not periods or any(end == "" for _, end, _ in periods):
        return None
    last = max(periods, key=lambda p: int(p[1]))
    return last[2].strip() or prefix, int(last[1])
