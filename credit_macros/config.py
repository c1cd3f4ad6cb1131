"""Settings that differ per office, read from ``config.toml``.

The package embeds ``default_config.toml``; a user file overrides it key by key. Every key a
user writes must exist in the default (except inside the open tables listed in ``OPEN_TABLES``)
and have the default's type, so a typo stops with a Chinese message naming key and line.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import sys
import tomllib
from importlib import resources
from pathlib import Path

from credit_macros.catalogue.sheets import UNIT_SHEET
from credit_macros.errors import UserError, os_reason

DEFAULT_NAME = "config.toml"
# Tables whose keys the user chooses (unit names, years, enumeration names, event types).
OPEN_TABLES = {
    ("units",),
    ("calendar", "years"),
    ("enumerations",),
    ("deadlines", "event_workdays"),
}
DATE_LISTS = {("calendar", "extra_holidays"), ("calendar", "extra_workdays")}


def default_text() -> str:
    return resources.files("credit_macros").joinpath("default_config.toml").read_text("utf-8")


class Config(dict):
    """The merged settings (a plain nested dict) plus where they came from."""

    def __init__(self, data: dict, source: Path | None, notice: str | None = None):
        super().__init__(data)
        self.source = source
        self.notice = notice
        self.calendar_cache = None  # (key, Calendar) of workdays.Calendar.from_config: one calendar per loaded config

    @property
    def source_label(self) -> str:
        return str(self.source) if self.source else "内置默认配置"

    def unit_contact(self, unit: str) -> dict:
        """Contact settings of a member unit (empty strings where not configured)."""
        entry = self["units"].get(unit, {})
        return {k: entry.get(k, "") for k in ("contact", "phone", "email")}

    @property
    def office_title(self) -> str:
        """District and office as one name, without saying the overlap twice: 沣西新城 +
        新城信用办 → 沣西新城信用办 (not 沣西新城新城信用办).

        >>> Config({"office": {"district": "沣西新城", "office_name": "新城信用办"}}, None).office_title
        '沣西新城信用办'
        >>> Config({"office": {"district": "沣西新城", "office_name": "信用办"}}, None).office_title
        '沣西新城信用办'
        """
        district, name = self["office"]["district"], self["office"]["office_name"]
        overlap = next((n for n in range(min(len(district), len(name)), 0, -1) if district.endswith(name[:n])), 0)
        return district + name[overlap:]

    def color(self, name: str) -> str:
        return self["colors"][name]


def resolve_config(explicit: str | Path | None = None, workbook: str | Path | None = None) -> Config:
    """The settings a command uses — the ONE rule of the CLI and of the ribbon (``excel.py``).

    1. ``explicit`` (``--config PATH``): that file; a missing one is an error (exit 2);
    2. else ``config.toml`` beside ``workbook``, the workbook the command works on;
    3. else ``config.toml`` in the current folder;
    4. else the embedded default.

    ``notice`` names the file found beside a workbook in another folder, or says the default is
    used (shown once by the caller); none for 1 or for the current folder's own config.toml.
    """
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise UserError(f"--config 指定的配置文件 {path} 不存在，请检查路径"
                            f"（不写 --config 时，使用工作簿旁或当前目录的 {DEFAULT_NAME}）。")
        config = load_config(path)
        config.notice = None  # named by the user: nothing to say
        return config
    beside = Path(workbook).resolve().parent / DEFAULT_NAME if workbook else None
    for candidate in (beside, Path.cwd() / DEFAULT_NAME):
        if candidate is not None and candidate.is_file():
            config = load_config(candidate)
            if candidate.parent.resolve() == Path.cwd().resolve():
                config.notice = None  # the current folder's own config.toml: nothing surprising to say
            return config
    where = "工作簿旁和当前目录都" if workbook else "当前目录"
    config = load_config(None)
    config.notice = f"提示：{where}没有 {DEFAULT_NAME}，使用内置默认配置。"
    return config


def load_config(path: str | Path | None = None) -> Config:
    """Load the file ``path`` over the embedded default (``None``: the embedded default alone).

    Which file a command uses is decided by ``resolve_config``.
    """
    default = tomllib.loads(default_text())
    if path is None:
        return Config(default, None, "提示：使用内置默认配置。")
    candidate = Path(path)
    if not candidate.is_file():
        raise UserError(f"配置文件 {candidate} 不存在，请检查路径。")
    try:
        text = candidate.read_text("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"配置文件 {candidate} 不是 UTF-8 编码，请用记事本“另存为 UTF-8”后重试。")
    except OSError as exc:
        raise UserError(f"无法读取配置文件 {candidate}：{os_reason(exc)}。")
    try:
        user = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = "末尾" if "end of document" in str(exc) else f"第 {_line_from_message(str(exc))} 行"
        reason = next((chinese for english, chinese in TOML_REASONS if str(exc).startswith(english)), "写法不对")
        raise UserError(f"配置文件 {candidate} {where}格式错误：{reason}。请对照 config.toml 中的示例修改。",
                        detail=str(exc))
    merged = copy.deepcopy(default)
    _merge(merged, user, (), candidate, text)
    _check_values(merged, (), candidate, text)
    _check_units(merged, candidate, text)
    return Config(merged, candidate, f"使用配置文件 {candidate}。")


TOML_REASONS = (  # tomllib's messages, said for the user
    ("Expected '=' after a key", "键名后面缺少“=”"),
    ("Invalid value", "值的写法不对（文字要用英文双引号括起来，如 \"开发建设部\"；列表写成 [\"a\", \"b\"]）"),
    ("Unclosed array", "方括号 [ ] 没有配对"),
    ("Unclosed inline table", "花括号 { } 没有配对"),
    ("Unterminated string", "引号没有配对"),
    ("Illegal character", "含有不允许的字符（如制表符以外的控制字符）"),
    ("Cannot overwrite a value", "同一个设置写了两次"),
    ("Cannot declare", "同一个 [节] 写了两次"),
    ("Expected newline or end of document", "一行里写了多个设置，或值后面多了文字"),
    ("Invalid initial character for a key part", "键名写法不对"),
    ("Invalid statement", "这一行不是“键 = 值”或 [节] 的写法"),
    ("Invalid date or datetime", "日期写法不对（如 2026-01-01）"),
)


def _line_from_message(message: str) -> str:
    m = re.search(r"line (\d+)", message)
    return m.group(1) if m else "?"


def _key_line(text: str, path: tuple[str, ...]) -> int | str:
    """Best-effort line number of the last key of ``path`` in the TOML text."""
    key = path[-1]
    pattern = re.compile(r'^\s*(\[+\s*)?("?)' + re.escape(key) + r'\2\s*(=|\]|\.)')
    dotted = re.compile(r"\.\s*\"?" + re.escape(key) + r"\"?\s*(=|\]|\.)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line) or dotted.search(line):
            return number
    return "?"


def _where(path: tuple[str, ...], file: Path, text: str) -> str:
    return f"配置文件 {file} 第 {_key_line(text, path)} 行的“{'.'.join(path)}”"


_TYPE_NAMES = {bool: "true/false", int: "整数", float: "数字", str: "带引号的文字", list: "列表 [...]", dict: "表 [...]"}


def _merge(base: dict, user: dict, path: tuple[str, ...], file: Path, text: str) -> None:
    for key, value in user.items():
        here = path + (key,)
        if key not in base and here in OPEN_TABLES:
            base[key] = {}
        if key not in base:
            if path in OPEN_TABLES:
                if isinstance(value, dict) and path != ("enumerations",):
                    base[key] = {}
                    _merge_open(base[key], value, here, file, text)
                else:
                    _check_open_scalar(value, here, file, text)
                    base[key] = value
                continue
            known = "、".join(base) or "（无）"
            raise UserError(f"{_where(here, file, text)}不是可用的设置项，可用的有：{known}。请检查拼写。")
        expected = base[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise UserError(f"{_where(here, file, text)}应为一个表（[{'.'.join(here)}]）。")
            _merge(expected, value, here, file, text)
            continue
        if not _same_type(expected, value):
            raise UserError(
                f"{_where(here, file, text)}应为{_TYPE_NAMES.get(type(expected), type(expected).__name__)}，"
                f"现在是 {value!r}。"
            )
        if here in DATE_LISTS:
            _check_dates(value, here, file, text)
        base[key] = value


def _merge_open(base: dict, value: dict, path: tuple[str, ...], file: Path, text: str) -> None:
    """Entries of open tables: units.<name> {contact, phone, email}; calendar.years.<year> {holidays, workdays}."""
    allowed = {
        ("units",): {"contact": str, "phone": str, "email": str},
        ("calendar", "years"): {"holidays": list, "workdays": list},
    }[path[:-1]]
    if path[:-1] == ("calendar", "years") and not re.fullmatch(r"\d{4}", path[-1]):
        raise UserError(f"{_where(path, file, text)}应为四位年份，如 [calendar.years.2027]。")
    for key, item in value.items():
        here = path + (key,)
        if key not in allowed:
            raise UserError(f"{_where(here, file, text)}不是可用的设置项，可用的有：{'、'.join(allowed)}。")
        if not isinstance(item, allowed[key]):
            raise UserError(f"{_where(here, file, text)}应为{_TYPE_NAMES[allowed[key]]}。")
        if allowed[key] is list:
            _check_dates(item, here, file, text, year=int(path[-1]) if path[0] == "calendar" else None)
        base[key] = item


def _check_open_scalar(value, path, file, text) -> None:
    if path[:-1] == ("deadlines", "event_workdays"):
        if not (isinstance(value, int) and not isinstance(value, bool) and 0 < value < 400):
            raise UserError(f"{_where(path, file, text)}应为 1 到 399 之间的工作日天数。")
    elif path[:-1] == ("enumerations",):
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise UserError(f"{_where(path, file, text)}应为文字列表，如 [\"市级\", \"区级\"]。")
    else:
        raise UserError(f"{_where(path, file, text)}应为一个表（[{'.'.join(path)}]）。")


def _same_type(expected, value) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(expected, bool) and isinstance(value, bool)
    if isinstance(expected, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(expected))


def _check_dates(values: list, path, file, text, year: int | None = None) -> None:
    for item in values:
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            day = item
        else:
            try:
                day = dt.date.fromisoformat(str(item))
            except ValueError:
                raise UserError(f"{_where(path, file, text)}中的 {item!r} 不是日期，请写成 \"YYYY-MM-DD\"。")
        if year is not None and day.year != year:
            raise UserError(f"{_where(path, file, text)}中的 {item} 不属于 {year} 年。")


# Allowed ranges of the numbers (every number key has one, so a huge or negative value stops at load).
RANGES = {
    ("office", "plan_year"): (2000, 2100),
    ("office", "enterprise_count"): (0, 10_000_000),
    ("deadlines", "monthly_due_day"): (1, 31),  # 29-31: the month's last day in shorter months
    ("deadlines", "due_soon_workdays"): (0, 60),
    ("deadlines", "remind_workdays"): (0, 60),
    ("mail", "smtp_port"): (1, 65535),
    ("report", "on_time_weight"): (0, 100),
    ("report", "quality_weight"): (0, 100),
    ("report", "late_penalty"): (0, 1),
    ("report", "low_score"): (0, 100),
    ("deadlines", "event_workdays", "*"): (1, 399),
}
EMAIL_KEYS = {("office", "email"), ("mail", "sender"), ("units", "*", "email")}
REQUIRED_TEXT = {("office", "district"), ("office", "office_name"), ("office", "host_unit")}
COLOR = re.compile(r"[0-9A-Fa-f]{6}")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_TEXT = 200
MONTH_KEYS = {("tracking", "start")}
CHOICES = {("print", "wide_paper"): ("A4", "A3")}


def _month(value: str) -> bool:
    m = re.fullmatch(r"(\d{4})-(\d{2})", value)
    return bool(m) and 2004 <= int(m[1]) <= 2100 and 1 <= int(m[2]) <= 12


def _generic(path: tuple[str, ...]) -> tuple[str, ...]:
    """``path`` with the key the user chose inside an open table written ``*`` (units.*.email)."""
    for table in OPEN_TABLES:
        if path[:len(table)] == table and len(path) > len(table):
            return table + ("*",) + path[len(table) + 1:]
    return path


def _check_values(node: dict, path: tuple[str, ...], file: Path, text: str) -> None:
    """Range, format and text checks of every merged value (types were checked by ``_merge``).

    Text never holds control characters (a CR/LF in an address or a name would reach a mail
    header), nor more than ``MAX_TEXT`` characters; addresses look like ``name@host.domain``;
    colours are six hex digits; every number lies in its ``RANGES``.
    """
    for key, value in node.items():
        here = path + (key,)
        generic = _generic(here)
        where = _where(here, file, text)
        if CONTROL.search(key):
            raise UserError(f"配置文件 {file} 中的名称 {key!r} 含有换行或其他控制字符，请删去（写在一行之内）。")
        if isinstance(value, dict):
            _check_values(value, here, file, text)
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                if CONTROL.search(item):
                    raise UserError(f"{where}含有换行或其他控制字符，请删去（写在一行之内）。")
                if len(item) > MAX_TEXT:
                    raise UserError(f"{where}过长（{len(item)} 个字符，最多 {MAX_TEXT} 个），请改短。")
        if generic in RANGES and not isinstance(value, bool):
            low, high = RANGES[generic]
            if not low <= value <= high:
                raise UserError(f"{where}应在 {low} 到 {high} 之间，现在是 {value!r}。")
        if path == ("colors",) and not COLOR.fullmatch(value):
            raise UserError(f"{where}应为六位十六进制颜色（RRGGBB，如 \"FFC7CE\"），现在是 {value!r}。")
        if generic in EMAIL_KEYS and value and not EMAIL.fullmatch(value):
            raise UserError(f"{where}不是有效的邮箱地址（如 xinyongban@example.gov.cn），现在是 {value!r}。")
        if here in REQUIRED_TEXT and not value.strip():
            raise UserError(f"{where}不能为空。")
        if here in CHOICES and value not in CHOICES[here]:
            raise UserError(f"{where}应为 " + " 或 ".join(f'"{c}"' for c in CHOICES[here]) + f"，现在是 {value!r}。")
        if here in MONTH_KEYS and not _month(value):
            raise UserError(f"{where}应为月份，写成 \"YYYY-MM\"（2004 年以后），如 \"2023-06\"，现在是 {value!r}。")


def _check_units(merged: dict, file: Path, text: str) -> None:
    from credit_macros.catalogue import units as unitlib

    for name in list(merged["units"]):
        resolved = unitlib.resolve(name)
        if len(resolved) != 1:
            raise UserError(
                f"{_where(('units', name), file, text)}不是成员单位名称，请使用“{UNIT_SHEET}”表中的规范名称。"
            )
        canonical = resolved[0]
        if canonical != name:
            merged["units"][canonical] = merged["units"].pop(name)


def parse_date_list(values) -> list[dt.date]:
    """Dates of a validated date list (TOML may give date objects or strings)."""
    return [v if isinstance(v, dt.date) else dt.date.fromisoformat(v) for v in values]


def print_notice_once(config: Config, stream=sys.stderr) -> None:
    if config.notice:
        print(config.notice, file=stream)
        config.notice = None
