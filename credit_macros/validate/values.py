"""Cell values as clerks type them: dates, codes, monthly series.

Pure functions on one value each; the rule engine calls them once per distinct value.

Dates come as real dates, as Excel serial numbers (a date typed into a cell not formatted as a
date) or as text in the forms clerks use:

>>> import datetime as dt
>>> [parse_date(v) for v in ("2023.6.1", "2023/6/1", "2023年6月1日", "2023-06-01", "２０２３-6-1")]
[datetime.date(2023, 6, 1), datetime.date(2023, 6, 1), datetime.date(2023, 6, 1), datetime.date(2023, 6, 1), datetime.date(2023, 6, 1)]
>>> parse_date(45078.0), parse_date(dt.datetime(2023, 6, 1, 9, 30)), parse_date("20230601")
(datetime.date(2023, 6, 1), datetime.date(2023, 6, 1), datetime.date(2023, 6, 1))
>>> parse_date("2023-02-30") is None, parse_date("六月一日") is None
(True, True)

Codes are compared after removing what does not belong in them; ``odd_characters`` says what
that was, so the clerk can fix the cell:

>>> odd_characters("91610000ＭA6TXXXX0X")
'全角字符「Ｍ」（第9位）'
>>> odd_characters("9161 0000\\nMA6T")
'空格（第5位）、换行（第10位）'
>>> odd_problem("９１610000MA6T"), odd_problem("9161 0000\\nMA6T")
('含全角字符「９」（第1位）、全角字符「１」（第2位），请改为半角字符', '含空格（第5位）、换行（第10位），请删除空格和换行')
>>> clean_code(" 9161 0000ＭA6T ")
'91610000MA6T'

An 18-digit code typed into a General cell is stored as a float and its last digits are gone:

>>> lost_precision(6.10102199001011e+17), lost_precision(13912345678)
(True, False)
>>> number_text(13912345678.0), number_text(6.10102199001011e+17)
('13912345678', '6.10102199001011E+17')

The monthly amount series of 附件6/7:

>>> parse_series("2022-01: 0; 2022-02: 15288.8")
[((2022, 1), 0.0), ((2022, 2), 15288.8)]
>>> series_problem("2022-02: 1; 2022-01: 2")
'月份应从早到晚排列，2022-01 排在了 2022-02 之后'
>>> series_problem("2022年1月：-5")
'2022-01 的金额 -5 不能为负数'
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from credit_macros.table import EXCEL_EPOCH
MAX_SERIAL = 2958465  # 9999-12-31
PRECISION_LIMIT = 1e15  # Excel keeps 15 significant digits

_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?"
    r"(?:[\sT]*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})秒?)?)?"
)
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")


def text_of(value) -> str:
    """The text a cell shows, for messages (numbers without a needless ".0")."""
    if value is None:
        return ""
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def number_text(value: float | int) -> str:
    """A number as Excel shows it in a General cell: integers in full up to 15 digits, else E+."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value == int(value) and abs(value) < PRECISION_LIMIT:
        return str(int(value))
    if abs(value) >= PRECISION_LIMIT:
        mantissa, exponent = f"{value:.14E}".split("E")
        return f"{mantissa.rstrip('0').rstrip('.')}E+{int(exponent):02d}"
    return repr(value)


def lost_precision(value) -> bool:
    """True for a number too long for Excel's 15 significant digits (a code typed as a number)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= PRECISION_LIMIT


def parse_date(value, with_time: bool = False) -> dt.date | None:
    """A date from a cell value (date, Excel serial or text), or None if it is no date.

    ``with_time`` keeps a time of day (``datetime``); otherwise the date part is returned.
    """
    if isinstance(value, dt.datetime):
        return value if with_time else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if value == int(value) and 19000101 <= value <= 99991231:
            return _parse_date_text(str(int(value)), with_time)
        if not 1 <= value <= MAX_SERIAL:
            return None
        stamp = dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=value)
        return stamp if with_time else stamp.date()
    if isinstance(value, str):
        return _parse_date_text(unicodedata.normalize("NFKC", value).strip(), with_time)
    return None


def _parse_date_text(text: str, with_time: bool) -> dt.date | None:
    match = _DATE_TEXT.fullmatch(text) or _DATE_DIGITS.fullmatch(text)
    if not match:
        return None
    parts = [int(p) if p else 0 for p in match.groups()]
    try:
        stamp = dt.datetime(*parts)
    except ValueError:
        return None
    return stamp if with_time else stamp.date()


EXCEL_CELL_LIMIT = 32767  # characters Excel keeps in one cell
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_characters(text: str) -> list[str]:
    """The control characters of ``text`` (other than tab and line breaks), as U+XXXX, each once.

    >>> control_characters("a\\x01b\\tc\\x1f\\x01"), control_characters("正常 文本\\n")
    (['U+0001', 'U+001F'], [])
    """
    return list(dict.fromkeys(f"U+{ord(ch):04X}" for ch in _CONTROL.findall(text)))


def visible(text: str) -> str:
    """``text`` with its control characters written out (``[U+0001]``), for messages and notes:
    they are invisible on screen and cannot be stored in a worksheet.

    >>> visible("西安\\x01某公司\\t")
    '西安[U+0001]某公司\\t'
    """
    return _CONTROL.sub(lambda m: f"[U+{ord(m.group()):04X}]", text) if _CONTROL.search(text) else text


_NAMED = {" ": "空格", "\u3000": "全角空格", "\n": "换行", "\r": "换行", "\t": "制表符",
          "\u00a0": "不间断空格", "\u200b": "零宽空格", "\ufeff": "零宽空格"}


def odd_characters(text: str) -> str | None:
    """Describe full-width characters, spaces and line breaks inside ``text`` (None if none).

    Leading and trailing ones count too: they are invisible in the cell but break look-ups.
    """
    if text.isascii() and text.isalnum():
        return None  # the usual code: nothing to look at character by character
    found = []
    for position, ch in enumerate(text, start=1):
        if ch in _NAMED:
            found.append(f"{_NAMED[ch]}（第{position}位）")
        elif "\uff01" <= ch <= "\uff5e":
            found.append(f"全角字符「{ch}」（第{position}位）")
        elif ch.isspace():
            found.append(f"空白字符（第{position}位）")
    return "、".join(found[:5]) + ("等" if len(found) > 5 else "") if found else None


def odd_problem(text: str) -> str | None:
    """What ``odd_characters`` found and exactly what to do about it (None if nothing)."""
    found = odd_characters(text)
    if not found:
        return None
    remedies = []
    if any("\uff01" <= ch <= "\uff5e" for ch in text):
        remedies.append("改为半角字符")
    spaces = [ch for ch in text if (ch.isspace() or ch in _NAMED) and ch not in "\n\r\t"]
    breaks = [_NAMED[ch] for ch in text if ch in "\n\r\t"]
    removed = (["空格"] if spaces else []) + list(dict.fromkeys(breaks))
    if removed:
        remedies.append("删除" + "和".join(removed))
    return f"含{found}，请{'，'.join(remedies)}"


def clean_code(text: str) -> str:
    """Full-width → half-width, without spaces or line breaks, upper case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).replace("\u200b", "").replace("\ufeff", "").upper()


_MONTH = re.compile(r"(\d{4})\s*(?:[-./年])\s*(\d{1,2})\s*月?\s*[:：]\s*(-?[\d,]*\.?\d+)\s*元?")
_SERIES_SEP = re.compile(r"[;；\n\r]+|[,，、](?=\s*\d{4})")


def parse_series(text: str) -> list[tuple[tuple[int, int], float]]:
    """``"2022-01: 0; 2022-02: 15288.8"`` → ``[((2022, 1), 0.0), ((2022, 2), 15288.8)]``.

    Raises ValueError (message in Chinese) naming the part that is not "年-月: 金额".
    """
    items = []
    for part in _SERIES_SEP.split(unicodedata.normalize("NFKC", text)):
        if not part.strip():
            continue
        match = _MONTH.fullmatch(part.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"「{part.strip()}」不是“年-月: 金额”的写法")
        items.append(((int(match.group(1)), int(match.group(2))), float(match.group(3).replace(",", ""))))
    if not items:
        raise ValueError("没有任何“年-月: 金额”")
    return items


def series_problem(text: str) -> str | None:
    """What is wrong with a monthly series (months ascending, no repeats, amounts ≥ 0), or None."""
    try:
        items = parse_series(text)
    except ValueError as exc:
        return str(exc)
    for (month, amount) in items:
        if amount < 0:
            return f"{month[0]}-{month[1]:02d} 的金额 {amount:g} 不能为负数"
    for (before, _), (month, _) in zip(items, items[1:]):
        if month == before:
            return f"月份 {month[0]}-{month[1]:02d} 重复出现"
        if month < before:
            return f"月份应从早到晚排列，{month[0]}-{month[1]:02d} 排在了 {before[0]}-{before[1]:02d} 之后"
    return None


# 证件类型 other than 身份证: pattern checks (no public check digit).
ID_PATTERNS = {
    "护照号": (re.compile(r"[A-Z0-9]{5,17}"), "5–17位字母或数字，如 E12345678"),
    "港澳居民来往内地通行证": (re.compile(r"[HM]\d{8}(\d{2})?"), "H或M开头加8位或10位数字，如 H12345678"),
    "台湾居民来往大陆通行证": (re.compile(r"\d{8}(\d{2})?"), "8位或10位数字，如 12345678"),
    "外国人永久居留身份证": (re.compile(r"[A-Z]{3}\d{12}|9\d{17}"), "3位字母加12位数字，或9开头的18位数字"),
}
