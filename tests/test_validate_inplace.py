"""``check --in-place`` and ``clear`` on the messy workbook: marks where the findings are and
nowhere else; the user's values, formulas, fills, notes, validations, widths and formats kept;
repeated runs idempotent; clear restores the original."""

from __future__ import annotations

from messy import USER_FILL, snapshot
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.xml.functions import tostring

from credit_macros.config import load_config
from credit_macros.io.filemarks import BOOK_SHEET, EARLIER_HEADER, ORIGINAL_NOTE, RESULT_SHEET, apply_marks, clear_marks
from credit_macros.io.read import read_book
from credit_macros.validate import validate_grids
from credit_macros.validate.marks import AUTHOR

CONFIG = load_config()
OURS = {CONFIG["colors"]["error"], CONFIG["colors"]["warning"]}


def check_in_place(path, as_of):
    grids, merged = read_book(path)
    report = validate_grids(grids, as_of, CONFIG, merged=merged, source=path.name)
    apply_marks(path, report, CONFIG)
    return report


def marks_of(path) -> dict:
    """(sheet, cell) → (colour, note) of every cell carrying our mark."""
    wb = load_workbook(path)
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                colour = (c.fill.fgColor.rgb or "")[-6:] if c.fill.fill_type == "solid" else None
                ours = c.comment is not None and c.comment.author == AUTHOR
                assert ours == (colour in OURS), (ws.title, c.coordinate)
                if ours:
                    found[(ws.title, c.coordinate)] = (colour, c.comment.text)
    return found


def results_of(path) -> list[tuple]:
    wb = load_workbook(path)
    ws = wb[RESULT_SHEET]
    return [tuple(c.value for c in row) + (row[2].hyperlink.location if row[2].hyperlink else None,)
            for row in ws.iter_rows()]


def test_marks_exactly_the_bad_cells_and_keeps_everything_else(messy):
    before = snapshot(messy.path)
    report = check_in_place(messy.path, messy.as_of)
    marks = marks_of(messy.path)
    # the lower half of the merged 行政强制理由 (I19:I20) is marked on its top-left cell
    anchored = {(s, "I19" if (s, c) == ("强制台账", "I20") else c) for s, c, _ in messy.expected}
    assert set(marks) == anchored
    assert marks[("强制台账", "C11")][0] == CONFIG["colors"]["warning"]  # full-width only
    assert marks[("强制台账", "T3")][0] == CONFIG["colors"]["error"]
    assert "第20行「行政强制理由」：必填" in marks[("强制台账", "I19")][1]
    # the user's note on a bad cell is shown under ours
    assert marks[("强制台账", "T3")][1].endswith("——原批注——\n请复核")

    after = snapshot(messy.path)
    assert after["sheets"] == before["sheets"] + [BOOK_SHEET, RESULT_SHEET]
    for sheet in before["sheets"]:
        old, new = before[sheet], after[sheet]
        assert {k: v for k, v in old.items() if k != "cells"} == {k: v for k, v in new.items() if k != "cells"}
        for ref, (value, kind, fill, note, fmt) in old["cells"].items():
            new_value, new_kind, new_fill, new_note, new_fmt = new["cells"][ref]
            assert (new_value, new_kind, new_fmt) == (value, kind, fmt), (sheet, ref)
            if (sheet, ref) not in marks:
                assert (new_fill, new_note) == (fill, note), (sheet, ref)
    cells = after["强制台账"]["cells"]
    assert cells["N21"][:2] == ("=不是公式，是文字", "s") and cells["W21"][:2] == ("=1+1", "f")
    assert cells["B2"][2] == USER_FILL.fgColor.rgb

    wb = load_workbook(messy.path)
    assert wb[BOOK_SHEET].sheet_state == "hidden"
    assert wb.active.title == "填表说明"
    rows = results_of(messy.path)
    table = rows[rows.index(("序号", "工作表", "单元格", "行", "列", "级别", "规则", "说明", "规则代码", None)) + 1:]
    assert [(r[1], r[2], r[6], r[8]) for r in table] == [(f.sheet, f.cell, f.title, f.rule) for f in report.findings]
    assert ("强制台账", "T3", "统一社会信用代码校验位错误", "uscc-checksum") in [(r[1], r[2], r[6], r[8]) for r in table]
    assert all(r[9] == f"'{r[1]}'!{r[2]}" for r in table)
    assert ("强制台账", "附件2 行政强制信息模板", 21, 19, 4, None, None, None, None, None) in rows


def test_second_run_is_idempotent_and_fixing_a_value_removes_its_mark(messy):
    check_in_place(messy.path, messy.as_of)
    first_marks, first_results = marks_of(messy.path), results_of(messy.path)
    check_in_place(messy.path, messy.as_of)
    assert marks_of(messy.path) == first_marks
    assert results_of(messy.path) == first_results

    wb = load_workbook(messy.path)  # the clerk fixes two cells, one of which had her own note
    wb["强制台账"]["T3"].value = wb["强制台账"]["T2"].value
    wb["水费"]["E4"].value = 12
    wb.save(messy.path)
    check_in_place(messy.path, messy.as_of)
    marks = marks_of(messy.path)
    assert set(first_marks) - set(marks) == {("强制台账", "T3"), ("水费", "E4")}
    original = snapshot(messy.path)["强制台账"]["cells"]["T3"]
    assert original[2:4] == ("0000B0F0", ("请复核", "王五"))  # her fill and note are back


def test_clear_restores_the_original(messy):
    before = snapshot(messy.path)
    check_in_place(messy.path, messy.as_of)
    check_in_place(messy.path, messy.as_of)
    assert clear_marks(messy.path) is not None
    assert snapshot(messy.path) == before
    data = messy.path.read_bytes()
    assert clear_marks(messy.path) is None  # nothing of ours left: the file is not rewritten
    assert messy.path.read_bytes() == data


def test_a_clean_file_gets_no_marks_and_loses_stale_ones(messy, tmp_path):
    check_in_place(messy.path, messy.as_of)
    wb = load_workbook(messy.path)
    for name in ["强制台账", "水费", "信用修复"]:
        del wb[name]
    wb["行政奖励"].delete_rows(3)  # the only bad row of the sheet
    wb.save(messy.path)
    report = check_in_place(messy.path, messy.as_of)
    assert report.findings == [] and marks_of(messy.path) == {}
    assert results_of(messy.path)[3][:5] == ("行政奖励", "附件5 行政奖励信息模板", 1, 0, 0)



def test_marks_of_the_earlier_openpyxl_writer_are_cleared_too(messy):
    """Files marked before the streaming writer carry its record (a fill's XML and a note's text
    per cell, no marker): clear and check take those marks out, too."""
    before = snapshot(messy.path)
    wb = load_workbook(messy.path)
    cell = wb["强制台账"]["T3"]
    original_fill = tostring(cell.fill.to_tree()).decode()
    cell.fill = PatternFill("solid", fgColor=CONFIG["colors"]["error"])
    cell.comment = Comment("【信用台账助手·错误】\n第3行：代码错误" + ORIGINAL_NOTE + cell.comment.text, AUTHOR)
    book = wb.create_sheet(BOOK_SHEET)
    book.sheet_state = "hidden"
    book.append(EARLIER_HEADER)
    book.append(["强制台账", "T3", CONFIG["colors"]["error"], original_fill, "请复核", "王五", 144, 79])
    wb.create_sheet(RESULT_SHEET)["A1"] = "信用台账助手 校验结果：错误 1 处，警告 0 处。"
    wb.save(messy.path)
    assert clear_marks(messy.path) is not None
    assert snapshot(messy.path)["强制台账"]["cells"]["T3"] == before["强制台账"]["cells"]["T3"]
    assert snapshot(messy.path)["sheets"] == before["sheets"]
