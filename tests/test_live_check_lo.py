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
import io
import random
import re

import openpyxl
import pytest
import stdnum.cn.ric as ric
import stdnum.cn.uscc as uscc
from lo import first_sheet_fills, needs_soffice, recalculated_sheets, text_at
from openpyxl.utils import get_column_letter

from credit_macros import catalogue
from credit_macros.build import live_check
from credit_macros.build.master import build_blank
from credit_macros.config import load_config
from credit_macros.io.read import read_grids
from credit_macros.validate import validate_grids

CONFIG = load_config(None)
RNG = random.Random()
ROWS = live_check.BLANK_ROWS  # every sampled row carries the layer
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


def _filled_blank(template, folder, rng_seed):
    """A blank template with random rows (a blank row every ninth), saved; returns (path, first row)."""
    wb = build_blank(template, CONFIG)
    ws = wb[template.sheet]
    first = 2 + template.header_rows - 1 + (1 if template.unit_line else 0)
    RNG.seed(rng_seed)
    for i in range(ROWS):
        if i % 9 == 4:
            continue  # a blank row between
        for c, column in enumerate(template.columns, start=1):
            ws.cell(first + i, c, _value(template, column, i))
    path = folder / f"{template.key}.xlsx"
    wb.save(path)
    return path, first


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """template key → (its filled blank, the sheet's cells as LibreOffice computed them, first row)."""
    folder = tmp_path_factory.mktemp("live")
    filled = {template: _filled_blank(template, folder, 20261201 + n) for n, template in enumerate(catalogue.templates())}
    computed = recalculated_sheets({path: [template.sheet] for template, (path, _) in filled.items()}, folder / "lo")
    return {template.key: (path, computed[path][template.sheet], first) for template, (path, first) in filled.items()}


def _live_verdicts(rows, template, first):
    """(row, column number) → "error" / "warning" from the 本行问题 texts of the computed sheet ``rows``."""
    col = len(template.columns) + 1
    out = {}
    for r in range(first, first + ROWS):
        text = text_at(rows, r, col)
        for c, column in enumerate(template.columns, start=1):
            if f"「{column.name}」：" in text:
                out[(r, c)] = "error"
            elif f"「{column.name}」（提醒）：" in text:
                out[(r, c)] = "warning"
    return out


def _check_findings(path, template):
    """(row, column number) → the rules ``check`` reports there, among those the layer claims."""
    report = validate_grids(read_grids(path), TODAY, CONFIG, only_sheet=template.sheet)
    names = {col.name: c for c, col in enumerate(template.columns, start=1)}
    out = {}
    for f in report.findings:
        if f.rule in live_check.LIVE_RULES:
            out.setdefault((f.row, names[f.column]), []).append(f)
    return out


def _check_verdicts(findings):
    return {key: "error" if any(f.severity == "error" for f in found) else "warning" for key, found in findings.items()}


def disagreements(source, result, template, first):
    """Cells where the recalculated layer (``result``: the sheet's computed rows) and ``check``
    differ: cell → (check, live)."""
    live = _live_verdicts(result, template, first)
    python = _check_verdicts(_check_findings(source, template))
    assert python, "the sample must contain findings"
    return {k: (python.get(k, "ok"), live.get(k, "ok")) for k in set(live) | set(python) if live.get(k) != python.get(k)}


@needs_soffice
@pytest.mark.parametrize("key", [t.key for t in catalogue.templates()])
def test_live_layer_agrees_with_check(recalculated, key):
    template = catalogue.template(key)
    source, result, first = recalculated[key]
    wrong = disagreements(source, result, template, first)
    assert not wrong, f"{len(wrong)} cells differ (check, live): {sorted(wrong.items())[:10]}"


@needs_soffice
def test_cells_are_coloured_as_check_judges_them(tmp_path):
    """The conditional formats, as LibreOffice shows them: every template cell of the random rows
    has the error colour where ``check`` finds an error, the warning colour where only a warning,
    and no colour where neither (a clerk sees the bad cell itself, not only 本行问题)."""
    template = catalogue.template("行政强制")
    source, first = _filled_blank(template, tmp_path, 20261203)
    fills = first_sheet_fills(source, tmp_path / "html")
    expected = _check_verdicts(_check_findings(source, template))
    colour = {"error": CONFIG.color("error").upper(), "warning": CONFIG.color("warning").upper()}
    assert set(expected.values()) == {"error", "warning"}
    shown = {(r, c): fills[r - 1][c - 1] for r in range(first, first + ROWS) for c in range(1, len(template.columns) + 1)}
    wrong = {cell: (expected.get(cell), fill) for cell, fill in shown.items() if fill != (colour[expected[cell]] if cell in expected else None)}
    assert not wrong, sorted(wrong.items())[:10]


@needs_soffice
def test_a_broken_rule_formula_is_caught(tmp_path, monkeypatch):
    """The comparison can fail: with the GB 32100 check-character test broken (the residue times 0:
    every check character accepted, a character not allowed still an error), exactly the cells ``check`` finds a wrong check character in — or,
    for a 行政相对人代码 of no class, a code that is no valid USCC then — disagree, and all of them do."""
    real = live_check.uscc_residue  # 0 for a valid check character: made 0 for every one
    monkeypatch.setattr(live_check, "uscc_residue", lambda c: f"0*{real(c)}")
    template = catalogue.template("行政裁决")
    source, first = _filled_blank(template, tmp_path, 20261201)
    wrong = disagreements(source, recalculated_sheets({source: [template.sheet]}, tmp_path / "lo")[source][template.sheet],
                          template, first)
    findings = _check_findings(source, template)
    checksum = {k for k, found in findings.items() if any(f.rule == "uscc-checksum" for f in found)}
    assert checksum, "the sample must contain wrong check characters"
    assert checksum <= set(wrong)
    for cell, (python, live) in wrong.items():
        assert python == "error" and live != "error", (cell, python, live)
        assert {f.rule for f in findings[cell]} & {"uscc-checksum", "party-code"}, (cell, findings[cell])


def _formulas(ws):
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value.text if isinstance(cell.value, live_check.SharedFormula) else cell.value
            if isinstance(value, str) and value.startswith("="):
                yield cell.coordinate, value
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            for formula in rule.formula:
                yield str(cf.sqref), "=" + formula


def test_formulas_use_only_portable_functions_and_fit_excel():
    used = set()
    for template in catalogue.templates():
        for ws in build_blank(template, CONFIG).worksheets:
            for coordinate, formula in _formulas(ws):
                assert len(formula) < 8192, (template.key, ws.title, coordinate, len(formula))
                used |= set(re.findall(r"([A-Z]+)\(", re.sub(r'"[^"]*"', "", formula)))
    assert used <= set(live_check.FUNCTIONS), used - set(live_check.FUNCTIONS)
    assert used == {"AND", "ASC", "IFERROR", "ISTEXT", "CHOOSE", "COLUMN", "CHAR", "COUNTA", "DATE", "DAY", "EXACT", "FIND", "IF", "INT", "ISERROR", "ISLOGICAL",
                    "ISNUMBER", "LEFT", "LEN", "MID", "MOD", "MONTH", "NA", "NOT", "OR", "RIGHT", "SUBSTITUTE",
                    "SUMPRODUCT", "TODAY", "TRIM", "UPPER", "VALUE", "ABS", "SUM"}, used


def test_a_long_or_barred_choice_list_is_matched_on_the_list_sheet():
    """A choice is looked up between bars in one text; a list whose text would pass Excel's 255
    characters a literal, or with a bar in a value, is MATCHed on the list sheet instead."""
    cells = "'_lists'!$A$2:$A$4"
    assert live_check._not_listed("B2", ["是", "否"], cells) == 'OR(ISNUMBER(FIND("|",B2)),ISERROR(FIND("|"&TRIM(B2)&"|","|是|否|")))'
    for values in (["甲" * 200, "乙" * 60], ["a|b", "c"]):
        assert live_check._not_listed("B2", values, cells) == f"ISERROR(MATCH(TRIM(B2),{cells},0))"


def test_each_layer_column_is_one_shared_formula():
    """The layer's formulas are stored once per column (``<f t="shared">``): the first row
    carries the text and the covered range, every other row only the group index."""
    template = catalogue.template("行政强制")
    ws = build_blank(template, CONFIG)[template.sheet]
    first, last = 2, 1 + live_check.BLANK_ROWS
    col = len(template.columns) + 1
    while isinstance(ws.cell(first, col).value, live_check.SharedFormula):
        letter, i = get_column_letter(col), col - len(template.columns) - 1
        top = ws[f"{letter}{first}"].value
        assert (top.si, top.ref) == (i, f"{letter}{first}:{letter}{last}") and top.text.startswith("=")
        assert all((ws[f"{letter}{r}"].value.si, ws[f"{letter}{r}"].value.text) == (i, None) for r in range(first + 1, last + 1))
        assert ws[f"{letter}{last + 1}"].value is None
        col += 1
    # 本行问题, 8 cleaned codes and date serials, 4 date texts, 4 date numbers, 5 code verdicts (行政相对人代码
    # as USCC and as 身份证号, 法定代表人证件号码, 2 agency codes)
    assert col - len(template.columns) - 1 == 22


def _size(wb):
    out = io.BytesIO()
    wb.save(out)
    return len(out.getvalue())


@pytest.mark.parametrize("key", [t.key for t in catalogue.templates()])
def test_blank_template_stays_within_twice_the_layer_free_size(key):
    """Shared formulas, segments packed into few cells and ``BLANK_ROWS`` rows keep a blank at most
    2x the same blank without the layer (行政强制, the widest: 9.3 KB → 18.5 KB)."""
    template = catalogue.template(key)
    bare, live = _size(build_blank(template, CONFIG, live_rows=0)), _size(build_blank(template, CONFIG))
    assert bare < live <= 2 * bare, (bare, live)
