"""The live check layer, recalculated by LibreOffice, gives the verdicts ``check`` gives.

For every template a blank template (with its live layer) is filled with random rows — valid
values, every kind of error the layer claims, edge cases (X check digits, leap days, 调休 dates,
full-width digits, codes stored as numbers, blank rows in between) — and recalculated by
LibreOffice headless. Each template cell's verdict read from 本行问题 (「列」： error,
「列」（提醒）： warning, else ok) must equal the worst severity ``check`` finds for that cell,
restricted to the rules the layer claims (``live_check.LIVE_RULES``).

Not sampled: TRUE/FALSE in a date cell (LibreOffice has no boolean type, a TRUE reads as the
number 1 there; Excel and WPS tell it apart with ISLOGICAL).
"""

import datetime as dt
import random
import re

import openpyxl
import pytest
import stdnum.cn.ric as ric
import stdnum.cn.uscc as uscc
from lo import convert, needs_soffice

from credit_macros import catalogue
from credit_macros.build import live_check
from credit_macros.build.master import build_blank
from credit_macros.config import load_config
from credit_macros.io.read import read_grids
from credit_macros.validate import validate_grids

CONFIG = load_config(None)
RNG = random.Random(20261201)
ROWS = 40
TODAY = dt.date.today()


def _uscc(good=True):
    body = "9161" + "".join(RNG.choice("0123456789") for _ in range(4)) + "".join(RNG.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    check = uscc.calc_check_digit(body)
    return body + (check if good else RNG.choice([c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != check]))


def _ric(good=True, day=None):
    day = day or dt.date(1950, 1, 1) + dt.timedelta(days=RNG.randrange(25000))
    body = "610102" + day.strftime("%Y%m%d") + f"{RNG.randrange(1000):03d}"
    check = ric.calc_check_digit(body + "0")
    return body + (check if good else RNG.choice([c for c in "0123456789X" if c != check]))


def _ric_x():
    while True:
        code = _ric()
        if code.endswith("X"):
            return code


def _full(text):
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in text)


def _code_value(kind):
    options = [
        lambda: _uscc(), lambda: _uscc(False), lambda: _uscc()[:17], lambda: _uscc()[:8] + "IOZSV" + _uscc()[13:],
        lambda: _ric(), lambda: _ric(False), _ric_x, lambda: _ric()[:6] + "19900230" + "1234",
        lambda: _ric(day=dt.date(2024, 2, 29)), lambda: "610102900101123", lambda: 6.10102199001011e17,
        lambda: _full(_uscc()), lambda: " " + _uscc(), lambda: _uscc()[:9] + "\n" + _uscc()[9:], lambda: _uscc().lower(),
        lambda: 123456, lambda: "E12345678", lambda: "H12345678", lambda: "12345678", lambda: "ABC123456789012", lambda: "x",
    ]
    return RNG.choice(options)()


def _date_value(future_ok):
    day = dt.date(2020, 1, 1) + dt.timedelta(days=RNG.randrange(2200))
    return RNG.choice([
        lambda: day, lambda: day.isoformat(), lambda: f"{day.year}.{day.month}.{day.day}", lambda: f"{day.year}/{day.month}/{day.day}",
        lambda: f"{day.year}年{day.month}月{day.day}日", lambda: day.strftime("%Y%m%d"), lambda: int(day.strftime("%Y%m%d")),
        lambda: _full(day.isoformat()), lambda: "2023-02-30", lambda: "2024-02-29", lambda: "2023-02-29",
        lambda: dt.date(2026, 9, 27), lambda: dt.date(2026, 10, 10), lambda: TODAY + dt.timedelta(days=RNG.randrange(1, 400)),
        lambda: "六月一日", lambda: "2023-13-01", lambda: 45078, lambda: TODAY,
    ])()


def _value(template, column, row):
    if RNG.random() < 0.12:
        return None
    kind = column.type
    if kind in ("uscc", "party_code", "id_number"):
        return _code_value(kind)
    if kind == "phone":
        return RNG.choice(["13912345678", "029-88886666", "02988886666", "0291-8888666", "12345678", "1391234567", "139１2345678"])
    if kind == "date":
        return _date_value(column.future_ok)
    if kind in ("enum", "yesno"):
        values = ["是", "否"] if kind == "yesno" else (catalogue.enum_values(column.enum, CONFIG) or ["随便"])
        return RNG.choice(values + [values[0] + "x", " " + values[0], 5])
    if kind == "number":
        return RNG.choice([0, 12.5, -3, "15", "1,000", "abc", "-1", 7])
    if column.text:
        return RNG.choice([f"文号{row}", 1234567890123456789, 123, "陕2023-01"])
    return RNG.choice([f"值{row}", "某某", 5])


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    books = {}
    for template in catalogue.templates():
        wb = build_blank(template, CONFIG)
        ws = wb[template.sheet]
        first = 2 + template.header_rows - 1 + (1 if template.unit_line else 0)
        for i in range(ROWS):
            if i % 9 == 4:
                continue  # a blank row between
            for c, column in enumerate(template.columns, start=1):
                ws.cell(first + i, c, _value(template, column, i))
        path = folder / f"{template.key}.xlsx"
        wb.save(path)
        books[template.key] = (path, convert(path, "xlsx", folder / "lo"), first)
    return books


def _live_verdicts(path, template, first):
    ws = openpyxl.load_workbook(path, data_only=True)[template.sheet]
    col = len(template.columns) + 1
    out = {}
    for r in range(first, first + ROWS):
        text = ws.cell(r, col).value or ""
        for c, column in enumerate(template.columns, start=1):
            if f"「{column.name}」：" in text:
                out[(r, c)] = "error"
            elif f"「{column.name}」（提醒）：" in text:
                out[(r, c)] = "warning"
    return out


def _check_verdicts(path, template):
    report = validate_grids(read_grids(path), TODAY, CONFIG, only_sheet=template.sheet)
    names = {col.name: c for c, col in enumerate(template.columns, start=1)}
    out = {}
    for f in report.findings:
        if f.rule not in live_check.LIVE_RULES:
            continue
        key = (f.row, names[f.column])
        if out.get(key) != "error":
            out[key] = f.severity
    return out


@needs_soffice
@pytest.mark.parametrize("key", [t.key for t in catalogue.templates()])
def test_live_layer_agrees_with_check(recalculated, key):
    template = catalogue.template(key)
    source, result, first = recalculated[key]
    live = _live_verdicts(result, template, first)
    python = _check_verdicts(source, template)
    wrong = {k: (python.get(k, "ok"), live.get(k, "ok")) for k in set(live) | set(python) if live.get(k) != python.get(k)}
    assert python, "the sample must contain findings"
    assert not wrong, f"{len(wrong)} cells differ (check, live): {sorted(wrong.items())[:10]}"


def test_formulas_use_only_portable_functions_and_fit_excel():
    used = set()
    for template in catalogue.templates():
        wb = build_blank(template, CONFIG)
        ws = wb[template.sheet]
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    assert len(cell.value) < 8192, (template.key, cell.coordinate, len(cell.value))
                    used |= set(re.findall(r"([A-Z]+)\(", re.sub(r'"[^"]*"', "", cell.value)))
    assert used <= set(live_check.FUNCTIONS), used - set(live_check.FUNCTIONS)
    assert used == {"AND", "ASC", "CHAR", "COUNTA", "DATE", "DAY", "EXACT", "FIND", "IF", "INT", "ISERROR", "ISLOGICAL",
                    "ISNUMBER", "LEFT", "LEN", "MATCH", "MID", "MOD", "MONTH", "NA", "NOT", "OR", "RIGHT", "SUBSTITUTE",
                    "SUMPRODUCT", "TODAY", "TRIM", "UPPER", "VALUE", "ABS"}, used
