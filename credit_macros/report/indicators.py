"""The plan's quantified targets (指标), declared in ``indicators.toml`` and evaluated on plain values.

Inputs are the master's 指标数据 sheet (one row per month, filled by the 信用办; the columns
are declared in the same TOML) and a few constants: 辖区企业数 (config ``office.enterprise_count``,
0 = not filled) and the counts derived from collected data (五类合规行数 / 五类信息行数).

An indicator's ``formula`` and ``target`` are arithmetic over those names (+ - * / and
brackets), parsed with ``ast`` once per formula text (cached) — no ``eval``. A blank input, a division by zero or an
unfilled 辖区企业数 make the value ``None``: the indicator is shown as 无数据 with what to fill.

Which month counts: the latest 指标数据 row whose month is not after the month the report's
half-month ends in. ``period = "month"`` takes that month's row; ``"quarter"`` adds the rows of
that month's quarter up to it (a quarterly target is missed only once the quarter's last month is
in); ``"current"`` uses only the constants (no trend).

>>> ind = Indicator("及时率", "双公示按时数 / 双公示报送数", ">", 0.9, "percent", "month", "")
>>> rows = [MonthRow((2026, 9), {"双公示按时数": 45, "双公示报送数": 50}, 2),
...         MonthRow((2026, 10), {"双公示按时数": 40, "双公示报送数": 50}, 3)]
>>> r = evaluate_one(ind, rows, (2026, 10), {})
>>> r.actual, r.status, r.trend
(0.8, '未达标', [('2026-09', 0.9), ('2026-10', 0.8)])
>>> format_value(0.8, "percent"), target_text(ind, r.target)
('80.0%', '> 90.0%')
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from credit_macros.catalogue import normalize_header
from credit_macros.catalogue.sheets import INDICATOR_SHEET
from credit_macros.errors import UserError
from credit_macros.submissions import month_label, quarter_label
from credit_macros.table import col_letter, is_blank

ENTERPRISES = "辖区企业数"
CLEAN_ROWS = "五类合规行数"
ALL_ROWS = "五类信息行数"
CONSTANT_NOTES = {
    ENTERPRISES: "config.toml [office] enterprise_count 未填写辖区企业数",
    CLEAN_ROWS: "总台账五类行政管理信息工作表暂无数据",
    ALL_ROWS: "总台账五类行政管理信息工作表暂无数据",
}
MET, MISSED, OPEN, NO_DATA = "达标", "未达标", "进行中", "无数据"
COMPARE = {">=": operator.ge, ">": operator.gt, "<": operator.lt, "<=": operator.le}
COMPARE_SIGNS = {">=": "≥", ">": ">", "<": "<", "<=": "≤"}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_MONTH_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月|[-/.]\s*\d{1,2}\s*日?)?")

Month = tuple[int, int]


@dataclass(frozen=True)
class DataColumn:
    name: str
    kind: str  # month / count
    help: str


@dataclass(frozen=True)
class Indicator:
    name: str
    formula: str
    compare: str
    target: float | str
    format: str  # percent / count
    period: str  # month / quarter / current
    basis: str

    @property
    def names(self) -> set[str]:
        return _names(self.formula) | (_names(self.target) if isinstance(self.target, str) else set())


@dataclass
class MonthRow:
    month: Month
    values: dict[str, float | None]
    sheet_row: int


@dataclass
class IndicatorResult:
    indicator: Indicator
    actual: float | None
    target: float | None
    status: str
    month: str  # label of the month (or quarter) the value belongs to; "" for current values
    trend: list[tuple[str, float | None]] = field(default_factory=list)
    note: str = ""

    @property
    def missed(self) -> bool:
        return self.status == MISSED


@lru_cache(maxsize=None)
def _parse(text: str) -> ast.expr:
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise UserError(f"indicators.toml 中的公式“{text}”写法有误，只能使用列名、数字、+ - * / 和括号。")
    for node in ast.walk(tree):
        if not isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, ast.USub, *_BINARY)):
            raise UserError(f"indicators.toml 中的公式“{text}”含有不支持的写法，只能使用列名、数字、+ - * / 和括号。")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise UserError(f"indicators.toml 中的公式“{text}”含有非数字常量。")
    return tree


def _names(text: str) -> set[str]:
    return {node.id for node in ast.walk(_parse(text)) if isinstance(node, ast.Name)}


def _evaluate(node: ast.expr, values: dict) -> float | None:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        return None if value is None else float(value)
    if isinstance(node, ast.UnaryOp):
        inner = _evaluate(node.operand, values)
        return None if inner is None else -inner
    left, right = _evaluate(node.left, values), _evaluate(node.right, values)
    if left is None or right is None or (isinstance(node.op, ast.Div) and right == 0):
        return None
    return _BINARY[type(node.op)](left, right)


def compute(expression: float | str, values: dict) -> float | None:
    """Value of a formula (or a plain number) given name → value."""
    if isinstance(expression, str):
        return _evaluate(_parse(expression), values)
    return float(expression)


@lru_cache(maxsize=1)
def _data() -> dict:
    return tomllib.loads(resources.files("credit_macros.catalogue").joinpath("indicators.toml").read_text("utf-8"))


@lru_cache(maxsize=1)
def data_columns() -> tuple[DataColumn, ...]:
    return tuple(DataColumn(c["name"], c["kind"], c["help"]) for c in _data()["column"])


@lru_cache(maxsize=1)
def indicators() -> tuple[Indicator, ...]:
    found = tuple(
        Indicator(i["name"], i["formula"], i["compare"], i["target"], i["format"], i["period"], i["basis"])
        for i in _data()["indicator"]
    )
    known = {c.name for c in data_columns()} | set(CONSTANT_NOTES)
    for ind in found:
        unknown = ind.names - known
        if unknown or ind.compare not in COMPARE or ind.period not in ("month", "quarter", "current"):
            raise UserError(f"indicators.toml 中指标“{ind.name}”的公式、比较符或周期有误（未知名称：{'、'.join(sorted(unknown)) or '无'}）。")
    return found


# --- the 指标数据 sheet -------------------------------------------------------------------------

def _quarter_of(month: Month) -> str:
    return quarter_label(month[0], (month[1] - 1) // 3 + 1)


def parse_month(value) -> Month | None:
    """(year, month) of a 月份 cell: a date, or text like 2026-10, 2026/10/1, 2026年10月; None if not."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year, value.month
    match = _MONTH_TEXT.fullmatch(str(value).strip())
    if match and 1 <= int(match.group(2)) <= 12:
        return int(match.group(1)), int(match.group(2))
    return None


def _count(value, where: str) -> float | None:
    if is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UserError(f"{where}应为不小于0的数字，现在是“{value}”，请修改。")
    try:
        number = float(str(value).strip().replace(",", "")) if isinstance(value, str) else float(value)
    except ValueError:
        raise UserError(f"{where}应为不小于0的数字，现在是“{value}”，请修改。")
    if number < 0:
        raise UserError(f"{where}应为不小于0的数字，现在是 {value}，请修改。")
    return number


def read_indicator_data(grid: list[list], source: str = "总台账") -> list[MonthRow]:
    """The month rows of the 指标数据 sheet (header in row 1), sorted by month.

    Columns are found by header text (any order, extra columns ignored); a missing column reads as
    blank. Raises ``UserError`` naming the cell for a bad month, a bad number or a repeated month.
    """
    header = {normalize_header(v): c for c, v in enumerate(grid[0] if grid else []) if not is_blank(v)}
    month_col = header.get(normalize_header("月份"))
    if month_col is None:
        raise UserError(f"{source}的“{INDICATOR_SHEET}”工作表第1行缺少“月份”列，请用 credit-macros build 生成的总台账中的表头。")
    rows: dict[Month, MonthRow] = {}
    for r, line in enumerate(grid[1:], start=2):
        cell = line[month_col] if month_col < len(line) else None
        if all(is_blank(v) for v in line):
            continue
        where = f"{source}“{INDICATOR_SHEET}”工作表 {col_letter(month_col)}{r}（月份）"
        month = None if is_blank(cell) else parse_month(cell)
        if month is None:
            raise UserError(f"{where}应填写月份，如 2026-10，现在是“{cell or '空白'}”，请修改。")
        if month in rows:
            raise UserError(f"{where}的月份 {month_label(*month)} 与第 {rows[month].sheet_row} 行重复，每月只填一行，请合并。")
        values = {}
        for column in data_columns():
            c = header.get(normalize_header(column.name))
            if column.kind == "count":
                value = line[c] if c is not None and c < len(line) else None
                values[column.name] = _count(value, f"{source}“{INDICATOR_SHEET}”工作表 {col_letter(c or 0)}{r}（{column.name}）")
        rows[month] = MonthRow(month, values, r)
    return [rows[m] for m in sorted(rows)]


# --- evaluation --------------------------------------------------------------------------------

def _missing_note(indicator: Indicator, values: dict, label: str) -> str:
    blanks = sorted(n for n in indicator.names if values.get(n) is None)
    constants = [CONSTANT_NOTES[n] for n in blanks if n in CONSTANT_NOTES]
    columns = [n for n in blanks if n not in CONSTANT_NOTES]
    parts = list(dict.fromkeys(constants))
    if columns:
        parts.append(f"“{INDICATOR_SHEET}”{label or ''}未填写{'、'.join(columns)}")
    return "；".join(parts) or "分母为0，无法计算"


def _quarter_end(month: Month) -> Month:
    return month[0], (month[1] - 1) // 3 * 3 + 3


def _quarter_sum(rows: list[MonthRow], month: Month) -> dict[str, float | None]:
    first = (month[0], _quarter_end(month)[1] - 2)
    inside = [row for row in rows if first <= row.month <= month]
    sums: dict[str, float | None] = {}
    for column in data_columns():
        present = [row.values.get(column.name) for row in inside if row.values.get(column.name) is not None]
        sums[column.name] = sum(present) if present else None
    return sums


def _status(indicator: Indicator, actual, target, complete: bool) -> str:
    if actual is None or target is None:
        return NO_DATA
    if COMPARE[indicator.compare](actual, target):
        return MET
    return MISSED if complete else OPEN


def evaluate_one(indicator: Indicator, rows: list[MonthRow], month: Month | None, constants: dict) -> IndicatorResult:
    """``indicator`` at ``month`` (the latest data month) with its trend over ``rows``."""
    values, label, trend, complete = dict(constants), "", [], True
    if month is not None and indicator.period == "quarter":
        upto = [row for row in rows if row.month <= month]
        ends = sorted({_quarter_end(row.month) for row in upto})
        trend = [(_quarter_of(end), compute(indicator.formula, {**constants, **_quarter_sum(upto, end)})) for end in ends]
        values, label = {**constants, **_quarter_sum(upto, month)}, _quarter_of(month)
        complete = month == _quarter_end(month)
    elif month is not None and indicator.period == "month":
        by_month = {row.month: row for row in rows}
        trend = [(month_label(*r.month), compute(indicator.formula, {**constants, **r.values})) for r in rows if r.month <= month]
        values, label = {**constants, **by_month[month].values}, month_label(*month)
    actual = compute(indicator.formula, values)
    target = compute(indicator.target, values)
    status = _status(indicator, actual, target, complete)
    note = _missing_note(indicator, values, label) if status == NO_DATA else ""
    if status == OPEN:
        note = f"{label}尚未结束"
    return IndicatorResult(indicator, actual, target, status, label, trend, note)


def latest_month(rows: list[MonthRow], last: Month) -> Month | None:
    """The latest data month not after ``last``."""
    months = [row.month for row in rows if row.month <= last]
    return months[-1] if months else None


def evaluate(rows: list[MonthRow], last: Month, constants: dict) -> list[IndicatorResult]:
    month = latest_month(rows, last)
    return [evaluate_one(ind, rows, month, constants) for ind in indicators()]


def format_value(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%" if kind == "percent" else f"{value:,.0f}"


def target_text(indicator: Indicator, target: float | None) -> str:
    sign = COMPARE_SIGNS[indicator.compare]
    shown = format_value(target, indicator.format)
    if isinstance(indicator.target, str):
        return f"{sign} {indicator.target}（{shown}）"
    return f"{sign} {shown}"
