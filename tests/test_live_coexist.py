"""The live check layer lives beside everything else: ``check``, ``check --in-place``, ``clear``
and ``collect`` (all through the CLI) treat the 本行问题 column and its hidden helper columns as
ours — no extra-column finding, never marked, never merged into the master — the clerk's values
are never changed, the headers stay protected, and the layer survives rows inserted in the middle
and a block pasted from another workbook."""

import json

import openpyxl
from livebook import CODE, WRONG, good_row, put_row, with_value
from lo import convert, needs_soffice, recalculated_sheets, text_at
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter
from runcli import DEFAULT_CONFIG, run

from credit_macros import catalogue
from credit_macros.build import live_check
from credit_macros.build.master import MASTER_NAME, build_master
from credit_macros.build.unit_book import build_unit_book, unit_book_name
from credit_macros.catalogue.sheets import OWN_SHEETS, PROVENANCE
from credit_macros.catalogue.tasks import unit_templates
from credit_macros.config import load_config
from credit_macros.demo import demo_config_text
from credit_macros.validate.rules import LIVE_COLUMN

CONFIG = load_config(None)
UNIT, PERIOD = "开发建设部", "2026-01"
RULING = catalogue.template("行政裁决")
WIDTH = len(RULING.columns)
BAD_CELL = f"{get_column_letter([c.name for c in RULING.columns].index('裁决机关代码') + 1)}3"


def _book(path):
    """The unit's workbook: row 2 good, row 3 a wrong 裁决机关代码 check character, row 4 a space
    before 数据来源单位代码 (a warning)."""
    wb = build_unit_book(UNIT, PERIOD, CONFIG)
    ws = wb[RULING.sheet]
    good = good_row(RULING, CONFIG)
    put_row(ws, 2, with_value(RULING, good, "行政相对人名称", "甲公司"))
    put_row(ws, 3, with_value(RULING, with_value(RULING, good, "行政相对人名称", "乙公司"), "裁决机关代码", WRONG))
    put_row(ws, 4, with_value(RULING, with_value(RULING, good, "行政相对人名称", "丙公司"), "数据来源单位代码", " " + CODE))
    path.parent.mkdir(exist_ok=True)
    wb.save(path)
    return path


def _values(wb) -> dict:
    """Every template sheet's template-column values (what the clerk typed) in a loaded workbook."""
    out = {}
    for key in unit_templates(UNIT):
        template = catalogue.template(key)
        ws = wb[template.sheet]
        out[template.sheet] = [[ws.cell(r, c).value for c in range(1, len(template.columns) + 1)] for r in range(1, 210)]
    return out


def _layer(wb, first=2, rows=live_check.UNIT_ROWS) -> list[list[str]]:
    """行政裁决's layer formulas in a loaded workbook, row by row, each as its own text (openpyxl
    expands shared ones)."""
    ws = wb[RULING.sheet]
    count = next(i for i in range(WIDTH + 1, ws.max_column + 2) if ws.cell(first, i).value is None) - WIDTH - 1
    return [[ws.cell(r, WIDTH + 1 + i).value for i in range(count)] for r in range(first, first + rows)]


def _built_layer(tmp_path, first, rows) -> list[list[str]]:
    """The builder's own formulas for sheet rows ``first`` … (a book built with the layer that deep)."""
    path = tmp_path / "reference.xlsx"
    build_unit_book(UNIT, PERIOD, CONFIG, live_rows=first + rows).save(path)
    return _layer(openpyxl.load_workbook(path), first, rows)


def _check(path, *extra):
    code, out, err = run("--config", DEFAULT_CONFIG, "check", path, "--json", "--as-of", "2026-02-10", *extra)
    return code, [(f["sheet"], f["cell"], f["rule"]) for f in json.loads(out)["findings"]], err


def test_check_sees_only_the_clerks_problems(tmp_path):
    book = _book(tmp_path / unit_book_name(UNIT, PERIOD))
    code, findings, _ = _check(book)
    assert (code, findings) == (1, [("行政裁决", BAD_CELL, "uscc-checksum"), ("行政裁决", "P4", "fullwidth")])


@needs_soffice
def test_in_place_and_clear_keep_values_layer_and_protection(tmp_path):
    book = _book(tmp_path / unit_book_name(UNIT, PERIOD))
    wb = openpyxl.load_workbook(book)
    typed, layer = _values(wb), _layer(wb)
    assert layer == _built_layer(tmp_path, 2, live_check.UNIT_ROWS)
    code, findings, err = _check(book, "--in-place")
    assert code == 1 and len(findings) == 2, err
    wb = openpyxl.load_workbook(book)
    ws = wb[RULING.sheet]
    noted = [c.coordinate for ws_ in wb.worksheets for row in ws_.iter_rows() for c in row if c.comment]
    assert noted == [BAD_CELL, "P4"]  # the clerk's cells carry the notes, never 本行问题 or a helper cell
    assert ws.protection.sheet and ws["A1"].protection.locked and ws.cell(1, WIDTH + 1).value == LIVE_COLUMN
    assert (_values(wb), _layer(wb)) == (typed, layer)
    recalculated = recalculated_sheets({book: [RULING.sheet]}, tmp_path / "lo")[book][RULING.sheet]
    assert [text_at(recalculated, r, WIDTH + 1) for r in (2, 3, 4, 5)] == [
        "", f"「裁决机关代码」：校验位错误，应为 {CODE[-1]}；", "「数据来源单位代码」（提醒）：含全角字符、空格或换行，请改为半角并删除空格；", ""]
    assert run("--config", DEFAULT_CONFIG, "clear", book)[0] == 0
    wb = openpyxl.load_workbook(book)
    assert not set(OWN_SHEETS) & set(wb.sheetnames)
    assert wb[RULING.sheet].protection.sheet and wb[RULING.sheet]["A1"].protection.locked
    assert (_values(wb), _layer(wb)) == (typed, layer)


@needs_soffice
def test_collect_merges_the_template_columns_only(tmp_path):
    """The clerk saved the workbook in a spreadsheet program (LibreOffice here), so 本行问题 holds
    its text; the master gets the template's values and the provenance, nothing of the layer."""
    (tmp_path / "config.toml").write_text(demo_config_text([UNIT]), "utf-8")
    config = load_config(tmp_path / "config.toml")
    build_master(config).save(tmp_path / MASTER_NAME)
    saved = convert(_book(tmp_path / "src" / unit_book_name(UNIT, PERIOD)), "xlsx", tmp_path / "in")
    assert openpyxl.load_workbook(saved, data_only=True)[RULING.sheet].cell(3, WIDTH + 1).value.startswith("「裁决机关代码」：")
    code, out, err = run("--config", tmp_path / "config.toml", "collect", tmp_path / MASTER_NAME, saved, "--as-of", "2026-02-10", "--json")
    [accepted] = json.loads(out)["accepted"]
    assert code == 0 and accepted["sheets"]["行政裁决"] == 3 and accepted["errors"] == 1, err
    ws = openpyxl.load_workbook(tmp_path / MASTER_NAME)[RULING.sheet]
    assert [c.value for c in ws[1]] == [c.name for c in RULING.columns] + list(PROVENANCE)
    merged = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_row=ws.max_row)]
    code_at = [c.name for c in RULING.columns].index("裁决机关代码")
    assert [(row[0], row[code_at], row[WIDTH]) for row in merged] == [("甲公司", CODE, UNIT), ("乙公司", WRONG, UNIT), ("丙公司", CODE, UNIT)]
    assert ws.max_column == WIDTH + len(PROVENANCE)
    assert all(LIVE_COLUMN not in str(c.value) and "「" not in str(c.value) for row in ws.iter_rows() for c in row)


@needs_soffice
def test_layer_survives_inserted_rows_and_a_pasted_block(tmp_path):
    """Insert: openpyxl ``insert_rows`` plus openpyxl's formula ``Translator`` moving each formula
    below the insertion down by the inserted rows — what Excel, WPS and LibreOffice do to
    relative references on 插入行 (a column's formulas are one shared formula: its first moved
    cell's formula is translated to each moved cell of the column, as the programs move the
    shared formula) — then LibreOffice recalculates: every moved row's formulas are
    exactly the builder's formulas for its new row, so they still read their own row, and the
    moved bad row still reports its own problem. (The inserted rows carry no formula, as in
    Excel; 本行问题 stays empty there.) Paste: a block of values from another workbook written
    over template columns A:Q of rows 20–22 (what a paste of values does): the layer formulas
    of those rows are untouched and report the pasted rows' problems."""
    book = _book(tmp_path / "b.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb[RULING.sheet]
    ws.insert_rows(3, 2)
    moving = {}  # column → its first moved formula, from its old place (each layer column is one shared formula)
    for row in ws.iter_rows(min_row=5):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                if cell.column not in moving:
                    moving[cell.column] = Translator(cell.value, origin=f"{cell.column_letter}{cell.row - 2}")
                cell.value = moving[cell.column].translate_formula(cell.coordinate)
    other = openpyxl.Workbook().active
    good = good_row(RULING, CONFIG)
    pasted = [good, with_value(RULING, good, "裁决日期", "2023-02-30"), with_value(RULING, good, "是否终局裁决", "也许")]
    for r, (name, values) in enumerate(zip(("丁公司", "戊公司", "己公司"), pasted), start=1):
        put_row(other, r, with_value(RULING, values, "行政相对人名称", name))
    for r, row in enumerate(other.iter_rows(values_only=True), start=20):
        put_row(ws, r, list(row))
    wb.save(book)
    wb = openpyxl.load_workbook(book)
    assert _layer(wb, 5, live_check.UNIT_ROWS - 3) == _built_layer(tmp_path, 5, live_check.UNIT_ROWS - 3)
    assert all(v is None for r in (3, 4) for v in _layer(wb, r, 1)[0])
    recalculated = recalculated_sheets({book: [RULING.sheet]}, tmp_path / "lo")[book][RULING.sheet]
    problems = {r: text_at(recalculated, r, WIDTH + 1) for r in range(2, 24)}
    assert {r: p for r, p in problems.items() if p} == {
        5: f"「裁决机关代码」：校验位错误，应为 {CODE[-1]}；",
        6: "「数据来源单位代码」（提醒）：含全角字符、空格或换行，请改为半角并删除空格；",
        21: "「裁决日期」：不是有效的日期（如 2023-06-01），请改为真实日期；",
        22: "「是否终局裁决」：不是可选值，应为 是、否 之一，请从下拉列表选择；",
    }
    code, findings, _ = _check(book)
    assert findings == [("行政裁决", BAD_CELL.replace("3", "5"), "uscc-checksum"), ("行政裁决", "P6", "fullwidth"),
                        ("行政裁决", "L21", "date-invalid"), ("行政裁决", "H22", "enum")]
