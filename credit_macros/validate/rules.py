"""The rule engine: every check follows from the catalogue's column types, never from a sheet.

Every code a check emits is registered in ``catalogue/rules.toml`` (severity, Chinese name, fix;
``tests/test_rule_registry.py`` holds both ways). Per column type (``templates.toml``):

========== =================================================================================
required   a required cell is blank                                      ``required``
text       a ``text`` column (文书号, 户号) holding a number ≥ 1e15      ``precision-lost``
uscc       GB 32100 (``validate/uscc.py``)          ``uscc-length`` ``uscc-format`` ``uscc-checksum``
party_code by 行政相对人类别: 组织 → USCC; 个体工商户 → USCC or a 15-digit 注册号
           (``party-regno``); 自然人 → 身份证号; unknown → either  (``party-code``)
id_number  by 证件类型: 身份证 → GB 11643 (``validate/idcard.py``: ``id-length``, ``id-format``,
           ``id-checksum``, ``id-birthdate``, ``id-region``, ``id-region-abolished``, ``id-old``);
           other types by pattern (``id-pattern``)
codes      uscc/party_code/id_number/phone: full-width characters, spaces, line breaks
           (``fullwidth``); a number ≥ 1e15 (``precision-lost``)
date       a real date, an Excel serial or typed text (``date-invalid``); after ``as_of``
           unless ``future_ok`` (``date-future``); template ``order`` (``date-order``)
yesno/enum one of the enumeration's values (``enum``); free-text enumerations only when the
           config gives a list
number     a number ≥ 0 (``number``)
series     "2022-01: 0; 2022-02: 15288.8" — months ascending, no repeats, amounts ≥ 0 (``series``)
phone      mobile or landline with area code (``validate/phone.py``: ``phone``)
========== =================================================================================

Every column: text over Excel's 32,767 characters per cell (``cell-too-long``; Excel cuts it when
the file is opened), control characters other than tab and line breaks (``control-char``:
invisible, and no worksheet can store them). Messages show such characters as ``[U+0001]``.

Per template: ``cross_rules`` (each with its own code from ``templates.toml``), ``natural_key``
(``duplicate``), missing columns (``missing-column`` / ``missing-optional-column``, one per
column), extra columns (``extra-column``), merged cells in the data area (``merged-cell``). Rows
blank in every template column are skipped.

The hot path codes each column once (``_Cells``: every cell → the first row holding its value),
checks each distinct value once (codes and dates repeat) and finds the rows of bad values by
their codes; cross, order and duplicate rules work on the codes too. ``Finding`` objects are made
only for bad cells.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import unicodedata
from itertools import compress, count
from operator import itemgetter, ne
from typing import Callable, Iterable

from credit_macros.catalogue import Column, Template, enum_values, provenance
from credit_macros.catalogue.rules import rule as registered
from credit_macros.catalogue.sheets import OWN_SHEETS
from credit_macros.errors import UserError
from credit_macros.table import Table, col_letter, find_table, is_blank
from credit_macros.validate import idcard, phone, uscc, values
from credit_macros.validate.findings import Finding, Report
from credit_macros.validate.standard import OK, Problem

Check = Callable[[object], tuple[Problem, ...]]

ORG, PERSON, INDIVIDUAL = "法人及非法人组织", "自然人", "个体工商户"
ID_CARD = "身份证"


def _problem(rule: str, detail: str) -> tuple[Problem, ...]:
    return ((rule, detail),)


def _finding(sheet: str, cell: str, row: int, column: str, rule: str, message: str) -> Finding:
    """A finding whose severity is the registry's (``catalogue/rules.toml``)."""
    return Finding(sheet, cell, row, column, rule, registered(rule).severity, message)


# --- codes: the standards are uscc.py, idcard.py and phone.py ----------------------------------

def _party_problems(kind: str, code: str, as_of: dt.date) -> tuple[Problem, ...]:
    """行政相对人代码 by 行政相对人类别."""
    if kind == ORG:
        return uscc.problems(code)
    if kind == PERSON:
        return idcard.problems(code, as_of)
    if kind == INDIVIDUAL and len(code) == 15 and code.isdigit():
        return _problem("party-regno", f"个体工商户填的是15位注册号 {code}，请改填18位统一社会信用代码")
    if kind == INDIVIDUAL:
        return uscc.problems(code)
    if not (uscc.problems(code) and idcard.problems(code, as_of)):
        return OK
    return _problem("party-code", f"「{code}」既不是有效的统一社会信用代码，也不是有效的身份证号，请核对；并填写“行政相对人类别”")


def _id_problems(kind: str, code: str, as_of: dt.date) -> tuple[Problem, ...]:
    """证件号码 by 证件类型 (unknown or blank type: only the cleaning checks)."""
    if kind == ID_CARD:
        return idcard.problems(code, as_of)
    if kind in values.ID_PATTERNS:
        pattern, hint = values.ID_PATTERNS[kind]
        if not pattern.fullmatch(code):
            return _problem("id-pattern", f"「{code}」不符合{kind}的格式（应为{hint}），请核对证件类型和号码")
    return OK


def _code_check(column: Column, check_text: Callable[[str], tuple[Problem, ...]]) -> Check:
    """Cleaning checks shared by code columns, then ``check_text`` on the cleaned code."""

    def check(value) -> tuple[Problem, ...]:
        if value.__class__ is str and value.isascii() and value.isalnum():
            return check_text(value.upper())  # the usual code: nothing to clean, nothing odd (``values.clean_code``)
        if values.lost_precision(value):
            return _precision_lost(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = values.number_text(value)
        else:
            text = values.text_of(value)
        odd = values.odd_problem(text)
        found = _problem("fullwidth", f"「{text.strip()}」{odd}") if odd else OK
        return found + check_text(values.clean_code(text))

    return _blank_aware(column, check)


def _precision_lost(value) -> tuple[Problem, ...]:
    return _problem(
        "precision-lost",
        f"代码被 Excel 存成了数字 {values.number_text(value)}，末几位已变成 0，精度已丢失，"
        "请以文本格式重新录入（先把单元格格式设为“文本”，再输入完整代码）",
    )


# --- other column types ------------------------------------------------------------------------

def _blank_aware(column: Column, check: Check) -> Check:
    """Blank cells: ``required`` if the column is, else fine; other cells go to ``check``."""
    missing = _problem("required", "必填，不能为空，请补充") if column.required else OK

    def checked(value) -> tuple[Problem, ...]:
        if isinstance(value, str):
            return check(value) if value.strip() else missing
        return missing if value is None else check(value)

    return checked


def _text_check(column: Column, ctx: "_Context") -> Check:
    def check(value) -> tuple[Problem, ...]:
        return _precision_lost(value) if column.text and value.__class__ is not str and values.lost_precision(value) else OK

    return _blank_aware(column, check)


def _date_check(column: Column, ctx: "_Context") -> Check:
    with_time = column.type == "datetime"
    form = "日期时间（如 2023-06-01 09:30）" if with_time else "日期（如 2023-06-01）"

    def check(value) -> tuple[Problem, ...]:
        day = values.parse_date(value, with_time)
        if day is None:
            return _problem("date-invalid", f"「{values.text_of(value)}」不是有效的{form}，请改为真实日期")
        plain = day.date() if isinstance(day, dt.datetime) else day
        if plain > ctx.as_of and not column.future_ok:
            return _problem("date-future", f"日期 {plain} 晚于 {ctx.as_of}（尚未到来），请核对")
        return OK

    return _blank_aware(column, check)


def _enum_check(column: Column, ctx: "_Context") -> Check:
    allowed = ctx.enum(column)
    if allowed is None:
        return _blank_aware(column, lambda value: OK)
    listed = "、".join(allowed)

    def check(value) -> tuple[Problem, ...]:
        if isinstance(value, str) and value.strip() in allowed:
            return OK
        return _problem("enum", f"「{values.text_of(value)}」不是可选值，应为 {listed} 之一，请从下拉列表选择")

    return _blank_aware(column, check)


def _number_check(column: Column, ctx: "_Context") -> Check:
    def check(value) -> tuple[Problem, ...]:
        number = value
        if isinstance(value, str):
            try:
                number = float(values.clean_code(value).replace(",", ""))
            except ValueError:
                number = None
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return _problem("number", f"「{values.text_of(value)}」不是数字，请只填数字（不带单位）")
        if number < 0:
            return _problem("number", f"{values.text_of(value)} 不能为负数，请核对")
        return OK

    return _blank_aware(column, check)


def _series_check(column: Column, ctx: "_Context") -> Check:
    def check(value) -> tuple[Problem, ...]:
        problem = values.series_problem(values.text_of(value))
        if problem:
            return _problem("series", f"{problem}；应写成“2022-01: 0; 2022-02: 15288.8”（月份从早到晚，金额不为负），请修改")
        return OK

    return _blank_aware(column, check)


def _uscc_check(column: Column, ctx: "_Context") -> Check:
    return _code_check(column, uscc.problems)


def _phone_check(column: Column, ctx: "_Context") -> Check:
    return _code_check(column, phone.problems)


TYPE_CHECKS: dict[str, Callable[[Column, "_Context"], Check]] = {
    "text": _text_check,
    "uscc": _uscc_check,
    "phone": _phone_check,
    "date": _date_check,
    "datetime": _date_check,
    "yesno": _enum_check,
    "enum": _enum_check,
    "number": _number_check,
    "series": _series_check,
}
# Types whose check depends on another column of the same row: (enumeration of that column, check).
KEYED_CHECKS: dict[str, tuple[str, Callable[[str, str, dt.date], tuple[Problem, ...]]]] = {
    "party_code": ("行政相对人类别", _party_problems),
    "id_number": ("证件类型", _id_problems),
}


class _Context:
    def __init__(self, as_of: dt.date, config):
        self.as_of = as_of
        self.config = config

    def enum(self, column: Column) -> list[str] | None:
        return enum_values(column.enum or "是否", self.config)

    def keyed(self, column: Column, kind: str) -> Check:
        problems = KEYED_CHECKS[column.type][1]
        return _code_check(column, lambda code: problems(kind, code, self.as_of))


# --- the engine --------------------------------------------------------------------------------

class _Cells:
    """One column's cells as codes: ``codes[i]`` stands for row i's value, ``values`` maps each
    code to its value. A code is the first row holding the value, so every check runs once per
    distinct value and rows are then found by their code (a few shared ints), never by
    comparing cell values again.

    True == 1 and False == 0 share a hash, so where a column holds bools they are coded apart
    from the numbers.

    >>> cells = _Cells([["a"], [1], [True], ["a"], [1.0]], 0)
    >>> cells.codes, cells.values
    ([0, 1, 2, 0, 1], {0: 'a', 1: 1, 2: True})
    >>> cells.rows({1})
    [1, 4]
    """

    __slots__ = ("codes", "values")

    def __init__(self, rows: list, c: int):
        first: dict = {}
        self.codes = list(map(first.setdefault, map(itemgetter(c), rows), count()))
        if (0 in first or 1 in first) and bool in set(map(type, map(itemgetter(c), rows))):
            plain: dict = {}
            bools: dict = {}
            self.codes = [(bools if v.__class__ is bool else plain).setdefault(v, i) for i, v in enumerate(map(itemgetter(c), rows))]
            self.values = {code: v for d in (plain, bools) for v, code in d.items()}
            return
        self.values = {code: value for value, code in first.items()}

    def bad(self, check: Check) -> dict[int, tuple[Problem, ...]]:
        """Code → problems, for each distinct value ``check`` finds fault with."""
        return {code: found for code, value in self.values.items() if (found := check(value))}

    def where(self, predicate: Callable) -> set[int]:
        """Codes of the distinct values satisfying ``predicate``."""
        return {code for code, value in self.values.items() if predicate(value)}

    def rows(self, codes: set | dict) -> list[int]:
        """Rows holding one of ``codes``."""
        return list(compress(count(), map(codes.__contains__, self.codes))) if codes else []

    def value(self, i: int):
        return self.values[self.codes[i]]


def _text_limits(value) -> tuple[Problem, ...]:
    """``cell-too-long`` and ``control-char`` of one value (every column)."""
    if value.__class__ is not str or (len(value) <= values.EXCEL_CELL_LIMIT and value.isprintable()):
        return OK
    found = []
    if len(value) > values.EXCEL_CELL_LIMIT:
        found.append(("cell-too-long", f"内容有 {len(value):,} 个字符，超过 Excel 单元格上限 {values.EXCEL_CELL_LIMIT:,} 个字符，"
                                              "Excel 打开时会截断，请精简内容或分到几个单元格"))
    control = values.control_characters(value)
    if control:
        found.append(("control-char", f"含不可见的控制字符（{'、'.join(control[:5])}），"
                                               "通常是从其他系统复制时带入的，请删除后重新录入"))
    return tuple(found)


def _scan_limits(cells: _Cells, hits: list, c: int, name: str) -> None:
    """``_text_limits`` of a column's values, all at once when none can fail: no text longer than
    a cell holds, and all of them together printable (so each is)."""
    texts = [v for v in cells.values.values() if v.__class__ is str]
    if texts and (max(map(len, texts)) > values.EXCEL_CELL_LIMIT or not "".join(texts).isprintable()):
        _scan(cells, _text_limits, hits, c, name)


def _scan(cells: _Cells, check: Check, hits: list, c: int, name: str) -> None:
    """Append (row index, sheet column, column name, problem) for each bad cell."""
    bad = cells.bad(check)
    codes = cells.codes
    for i in cells.rows(bad):
        for problem in bad[codes[i]]:
            hits.append((i, c, name, problem))


def _companion(template: Template, enum: str, column: Column) -> Column | None:
    """The column saying which kind of code ``column`` holds (same name prefix preferred)."""
    candidates = [c for c in template.columns if c.enum == enum]
    prefix = column.name[:2]
    candidates.sort(key=lambda c: not c.name.startswith(prefix))
    return candidates[0] if candidates else None


def _scan_keyed(table: Table, cols: dict[str, _Cells], column: Column, ctx: _Context, hits: list) -> None:
    """Codes checked by the kind in their row's companion column: once per distinct (kind, code)."""
    enum, _ = KEYED_CHECKS[column.type]
    companion = _companion(table.template, enum, column)
    cells = cols[column.name]
    c = table.columns[column.name]
    if companion is None or companion.name not in table.columns:
        groups = {"": (cells.codes, None)}
    else:
        by = cols[companion.name]
        kinds: dict[str, set] = {}
        for code, k in by.values.items():
            kinds.setdefault(k.strip() if isinstance(k, str) else "", set()).add(code)
        groups = {kind: (compress(cells.codes, map(of.__contains__, by.codes)), of) for kind, of in kinds.items()}
    for kind, (codes, of) in groups.items():
        check = ctx.keyed(column, kind)
        bad = {code: found for code in set(codes) if (found := check(cells.values[code]))}
        for i in cells.rows(bad):
            if of is None or by.codes[i] in of:
                for problem in bad[cells.codes[i]]:
                    hits.append((i, c, column.name, problem))


def _scan_cross(table: Table, cols: dict[str, _Cells], hits: list) -> None:
    for rule in table.template.cross_rules:
        if rule.when_column not in table.columns:
            continue
        when = cols[rule.when_column]
        wanted = set(rule.equals)
        if rule.filled:
            active = when.where(lambda v: not is_blank(v))
        else:
            active = when.where(lambda v: isinstance(v, str) and v.strip() in wanted)
        for name in rule.require:
            column = table.template.column(name)
            if column.required or name not in table.columns:
                continue  # ``required`` / ``missing-column`` already say it
            c = table.columns[name]
            for i in cols[name].rows(cols[name].where(is_blank)):
                if when.codes[i] in active:
                    said = f"已填写「{rule.when_column}」" if rule.filled else f"「{rule.when_column}」为“{str(when.value(i)).strip()}”"
                    hits.append((i, c, name, (rule.code, f"{said}时必须填写「{name}」，请补充")))


def _scan_order(table: Table, cols: dict[str, _Cells], hits: list) -> None:
    """Each distinct pair of dates is compared once."""
    for earlier, later in table.template.order:
        if earlier not in table.columns or later not in table.columns:
            continue
        first, second = cols[earlier], cols[later]
        a_of = {code: _date_or_none(v) for code, v in first.values.items()}
        b_of = {code: _date_or_none(v) for code, v in second.values.items()}
        bad = {(x, y) for x, y in set(zip(first.codes, second.codes))
               if a_of[x] is not None and b_of[y] is not None and b_of[y] < a_of[x]}
        c = table.columns[later]
        for i in compress(count(), map(bad.__contains__, zip(first.codes, second.codes))) if bad else ():
            a, b = a_of[first.codes[i]], b_of[second.codes[i]]
            hits.append((i, c, later, ("date-order", f"{b} 早于「{earlier}」{a}，「{later}」不能早于「{earlier}」，请核对两个日期")))


def _date_or_none(value) -> dt.date | None:
    return None if value.__class__ is bool else values.parse_date(value)


def key_text(value, is_date: bool) -> str:
    """A natural-key part as meant: dates in any form alike, text without spaces or width
    ("" for a blank cell)."""
    if value.__class__ is str and not is_date:
        return "".join(unicodedata.normalize("NFKC", value).split()) if value.strip() else ""
    if is_blank(value):
        return ""
    day = values.parse_date(value) if is_date else None
    if day:
        return day.isoformat()
    return "".join(unicodedata.normalize("NFKC", value if value.__class__ is str else values.text_of(value)).split())


def _scan_duplicates(table: Table, cols: dict[str, _Cells], hits: list) -> None:
    names = [n for n in table.template.natural_key if n in table.columns]
    if not names or len(names) < len(table.template.natural_key):
        return
    parts = []
    for name in names:
        is_date = table.template.column(name).type in ("date", "datetime")
        cells = cols[name]
        key_of = {code: key_text(v, is_date) for code, v in cells.values.items()}
        parts.append(map(key_of.__getitem__, cells.codes))
    keys = list(zip(*parts))
    seen: dict[tuple, int] = {}
    firsts = list(map(seen.setdefault, keys, count()))
    c = table.columns[names[0]]
    label = "、".join(f"「{n}」" for n in names)
    for i in compress(count(), map(ne, firsts, count())):
        if "" not in keys[i]:
            hits.append((i, c, names[0], ("duplicate", f"与第{table.sheet_row(firsts[i])}行重复（{label}相同），请删除重复行或核对")))


def _header_findings(table: Table, merged: Iterable) -> list[Finding]:
    found = []
    row = table.header_row
    for name in table.missing:
        column = table.template.column(name)
        near = difflib.get_close_matches(name, list(table.extra), n=1, cutoff=0.5)
        hint = f"（可能是「{near[0]}」列改了名）" if near else ""
        rule, need = ("missing-column", "必填列") if column.required else ("missing-optional-column", "列")
        found.append(_finding(table.sheet, f"A{row}", row, name, rule,
                              f"第{row}行表头缺少{need}「{name}」{hint}，请按模板恢复该列（列名须与模板一致）"))
    master_columns = {*provenance(), LIVE_COLUMN}  # the master's 来源 columns, the live layer's 本行问题
    for header, c in table.extra.items():
        if header in master_columns:
            continue
        found.append(_finding(table.sheet, f"{col_letter(c)}{row}", row, header, "extra-column",
                              f"第{row}行「{values.visible(header)}」不是模板中的列，汇总时会被忽略；如是改名的模板列，请改回原名，否则可删除该列"))
    by_col = {c: n for n, c in table.columns.items()}
    for (r0, c0), (r1, c1) in merged:
        if r1 + 1 <= table.header_row:
            continue  # merged headers (group titles) are fine
        ref = f"{col_letter(c0)}{r0 + 1}:{col_letter(c1)}{r1 + 1}"
        name = by_col.get(c0, col_letter(c0))
        found.append(_finding(table.sheet, f"{col_letter(c0)}{r0 + 1}", r0 + 1, name, "merged-cell",
                              f"第{r0 + 1}行「{name}」：数据区有合并单元格 {ref}，合并后只有左上角有值，请取消合并并在每行填写完整"))
    return found


def validate_table(table: Table, as_of: dt.date, config, merged: Iterable = ()) -> list[Finding]:
    """All findings of one table, ordered by row and column.

    ``merged``: the sheet's merged ranges as ``((row0, col0), (row1, col1))``, 0-based inclusive
    (as python-calamine gives them).
    """
    ctx = _Context(as_of, config)
    rows = _padded(table)
    cols = {name: _Cells(rows, c) for name, c in table.columns.items()}
    hits: list = []
    for column in table.template.columns:
        if column.name not in table.columns:
            continue
        if column.type in KEYED_CHECKS:
            _scan_keyed(table, cols, column, ctx, hits)
        else:
            _scan(cols[column.name], TYPE_CHECKS[column.type](column, ctx), hits, table.columns[column.name], column.name)
        _scan_limits(cols[column.name], hits, table.columns[column.name], column.name)
    _scan_cross(table, cols, hits)
    _scan_order(table, cols, hits)
    _scan_duplicates(table, cols, hits)
    blank_rows = _blank_rows(rows, table.columns.values(), {i for i, _, _, (rule, _) in hits if rule == "required"})
    hits.sort(key=lambda h: (h[0], h[1]))
    findings = _header_findings(table, merged)
    letters = {c: col_letter(c) for c in table.columns.values()}
    for i, c, name, (rule, detail) in hits:
        if i in blank_rows:
            continue
        row = table.sheet_row(i)
        findings.append(_finding(table.sheet, f"{letters[c]}{row}", row, name, rule, f"第{row}行「{name}」：{values.visible(detail)}"))
    return findings


def _padded(table: Table) -> list[list]:
    """The table's rows, those shorter than its widest template column padded with None."""
    width = max(table.columns.values(), default=-1) + 1
    if min(map(len, table.rows), default=width) >= width:
        return table.rows
    return [row + [None] * (width - len(row)) if len(row) < width else row for row in table.rows]


def _blank_rows(rows: list[list], columns: Iterable[int], candidates: Iterable[int]) -> set[int]:
    """Rows (among ``candidates``) blank in every template column: spacing, not data."""
    return {i for i in candidates if all(is_blank(rows[i][c]) for c in columns)}


def data_rows(table: Table) -> int:
    """Rows with something in a template column (a blank row is blank in the first one, too)."""
    if not table.columns:
        return 0
    rows = _padded(table)
    first = _Cells(rows, min(table.columns.values()))
    return len(rows) - len(_blank_rows(rows, table.columns.values(), first.rows(first.where(is_blank))))


LIVE_COLUMN = "本行问题"  # the live check layer's column (``build/live_check.py``): ours, not data


def validate_grids(grids: dict[str, list[list]], as_of: dt.date, config, only_sheet: str | None = None,
                   merged: dict[str, list] | None = None, source: str | None = None) -> Report:
    """Recognise each sheet's template by its headers and validate it.

    ``grids``: sheet name → rows of values (as ``io.read.read_grids`` or xlwings give them);
    ``merged``: sheet name → merged ranges (see ``validate_table``); ``source``: the file name
    for messages. Raises ``UserError`` when ``only_sheet`` does not exist or is no template, or
    when no sheet is a template.
    """
    from credit_macros.catalogue import templates

    where = f"文件 {source} " if source else "工作簿"
    # our helper sheets (drop-down lists, split metadata, mark layers) all start with "_": not data
    names = [n for n in grids if n not in OWN_SHEETS and not n.startswith("_")]
    if only_sheet is not None:
        if only_sheet not in grids:
            raise UserError(f"{where}中没有名为「{only_sheet}」的工作表，现有工作表：{'、'.join(names)}。请检查 --sheet 的名称。")
        names = [only_sheet]
    report = Report([], source=source)
    paused = gc.isenabled()
    gc.disable()  # a grid is millions of objects: the cyclic GC would rescan them again and again
    try:
        for name in names:
            table = find_table(name, grids[name])
            if table is None:
                report.skipped.append(name)
                continue
            table = table.present()
            report.sheets[name] = table.template.label
            report.rows[name] = data_rows(table)
            report.findings.extend(validate_table(table, as_of, config, (merged or {}).get(name, ())))
    finally:
        if paused:
            gc.enable()
    if not report.sheets:
        expected = "；".join(f"{t.label}（如「{t.columns[0].name}」「{t.columns[1].name}」「{t.columns[2].name}」…）" for t in templates())
        checked = "、".join(f"「{n}」" for n in names) or "（无）"
        raise UserError(
            f"{where}的工作表 {checked} 都不是报送模板：表头至少要有模板一半的列名。可识别的模板：{expected}。"
            "请使用信用办下发的模板填写，不要改动表头。"
        )
    return report
