"""``credit-macros status``: deadlines of 重点任务 and 事项台账 recomputed in place, nothing else touched."""

import datetime as dt
import io
import shutil
import zipfile

import openpyxl
import pytest
import runcli
from fingerprint import diff, fingerprint
from openpyxl.utils import get_column_letter

from credit_macros import deadlines, tasks
from credit_macros.build import ledger_sheet, task_status
from credit_macros.build.master import MASTER_NAME, write_build
from credit_macros.catalogue.sheets import CALENDAR_SHEET, KEY_TASK_SHEET, LEDGER_SHEET
from credit_macros.catalogue.tasks import key_tasks
from credit_macros.cli import main
from credit_macros.config import load_config
from credit_macros.io import cached
from credit_macros.io.cached import sheet_parts
from credit_macros.io.read import read_grids
from credit_macros.submissions import STATUS_SHEET, status_grid, submission_rows
from credit_macros.workdays import Calendar

CONFIG = load_config()
CALENDAR = Calendar.from_config(CONFIG)
TASKS, LEDGER = KEY_TASK_SHEET, LEDGER_SHEET


def run(*argv):
    return runcli.run("--config", runcli.DEFAULT_CONFIG, *argv)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("status") / MASTER_NAME
    write_build(path, CONFIG)
    return path


@pytest.fixture
def master(built, tmp_path):
    path = tmp_path / MASTER_NAME
    shutil.copy(built, path)
    return path


def status(path, as_of=None):
    code, out, err = run("status", str(path), *(["--as-of", as_of] if as_of else []))
    assert code == 0, err
    return out


def sheet_values(ws):
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row}


def cached_rows(path, sheet, max_col=None):
    """One sheet's cached values, row by row; a read-only load parses only that sheet."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return list(wb[sheet].iter_rows(max_col=max_col, values_only=True))
    finally:
        wb.close()


def cached_cells(path, sheet):
    return {f"{get_column_letter(c)}{r}": v
            for r, row in enumerate(cached_rows(path, sheet), start=1) for c, v in enumerate(row, start=1)}


def task_rows(path) -> dict[str, list]:
    """{编号: [周期, 本期期限, 完成, 状态]} of every 重点任务 row (the first row of an 编号), from one read."""
    rows: dict[str, list] = {}
    for row in cached_rows(path, TASKS, max_col=10)[2:]:
        rows.setdefault(row[0], list(row[6:10]))
    return rows


def task_row(path, task_id):
    return task_rows(path)[task_id]


def fill_ledger(path, rows):
    wb = openpyxl.load_workbook(path)
    ws = wb[LEDGER]
    for r, (kind, unit, start, done) in enumerate(rows, start=ledger_sheet.FIRST_ROW):
        ws[f"A{r}"], ws[f"B{r}"], ws[f"D{r}"], ws[f"E{r}"] = kind, unit, start, done
    wb.save(path)


def without(fp, cells, rows_of: str | None = None):
    """A fingerprint without the given (sheet, coordinate) cells, and without the data rows (row 2
    on) of sheet ``rows_of`` — 报送情况, which ``status`` rewrites as of the date."""
    def keep(sheet, cell):
        return (sheet, cell) not in cells and not (sheet == rows_of and int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) > 1)

    return {k: (dict(v, cells={c: x for c, x in v["cells"].items() if keep(k[6:], c)}) if k.startswith("sheet:") else v)
            for k, v in fp.items()}


# ----------------------------------------------------------------------------- the rules, in the core
# What status writes into each task row (周期, 本期期限, 状态) is decided by ``tasks.task_period`` and
# ``tasks.task_status``; the rules are checked there, in milliseconds, and one status run per behaviour
# below checks that the file carries the core's results.
TASKS_BY_ID = {task.id: task for task in key_tasks()}


def core_task_row(task_id, as_of, ticked=False):
    """[周期, 本期期限, 状态] of a task as of a date, as the core decides them."""
    period = tasks.task_period(TASKS_BY_ID[task_id], as_of, CALENDAR, CONFIG)
    return [period.cycle, period.due, tasks.task_status(period, ticked, as_of, CALENDAR, CONFIG)]


@pytest.mark.parametrize("as_of, task_id, ticked, expected", [
    # September's data is due 2 October, a holiday: rolled to Thursday 8 October, one working day away
    ("2026-10-01", "1-1-1", False, ["每月", dt.date(2026, 10, 8), "临近"]),
    ("2026-10-01", "1-6-1", False, ["每季", dt.date(2026, 12, 31), "未到期"]),
    ("2026-10-01", "1-8-2", False, ["一次性", dt.date(2023, 11, 30), "逾期"]),
    ("2026-10-01", "1-1-2", False, ["事项", None, "未到期"]),
    ("2026-10-01", "1-8-1", False, ["持续", None, "未到期"]),
    ("2026-10-01", "4-3-1", False, ["每年", dt.date(2027, 6, 30), "未到期"]),
    ("2026-10-09", "1-1-1", False, ["每月", dt.date(2026, 11, 2), "未到期"]),  # October's data, due Monday 2 November
    # one-off dates before a recurring rule: 1-4-1's 2023/12/31 comes before January's report (due 2024-01-02)
    ("2023-12-20", "1-4-1", False, ["一次性", dt.date(2023, 12, 31), "未到期"]),
    ("2023-12-28", "1-4-1", False, ["一次性", dt.date(2023, 12, 31), "临近"]),
    ("2024-01-01", "1-4-1", False, ["每月", dt.date(2024, 1, 2), "临近"]),
    # 4-2-1: two one-off dates, the next one counts; then the last stays overdue
    ("2023-07-15", "4-2-1", False, ["一次性", dt.date(2023, 8, 31), "未到期"]),
    ("2024-07-15", "4-2-1", False, ["一次性", dt.date(2023, 8, 31), "逾期"]),
    # December's data due 2 January 2027 (Saturday) → Monday 4 January, 2027 not yet announced
    ("2026-12-31", "1-1-1", False, ["每月", dt.date(2027, 1, 4), "临近（暂定）"]),
    ("2026-10-01", "1-8-2", True, ["一次性", dt.date(2023, 11, 30), "已完成"]),  # ticked: this period done
])
def test_task_period_and_status(as_of, task_id, ticked, expected):
    assert core_task_row(task_id, dt.date.fromisoformat(as_of), ticked) == expected


@pytest.mark.parametrize("kind, start, done, as_of, expected", [
    ("双公示", dt.date(2026, 9, 28), False, "2026-10-12", (dt.date(2026, 10, 13), "临近")),  # 7 working days
    ("双公示", dt.date(2026, 9, 28), False, "2026-10-14", (dt.date(2026, 10, 13), "逾期")),
    ("异议核实", dt.date(2026, 10, 9), True, "2026-10-12", (dt.date(2026, 10, 12), "已完成")),  # Saturday 10 October works
    ("信用承诺上传", dt.date(2026, 12, 18), False, "2026-10-12", (dt.date(2027, 1, 18), "未到期（暂定）")),  # into 2027
])
def test_event_due_and_status(kind, start, done, as_of, expected):
    due, provisional = deadlines.event_due(kind, start, CALENDAR, CONFIG)
    assert (due, deadlines.row_status(due, provisional, done, dt.date.fromisoformat(as_of), CALENDAR, CONFIG)) == expected


# ----------------------------------------------------------------------------- the file carries them
def test_status_writes_the_task_rows(master):
    out = status(master, "2026-10-01")
    assert "已更新" in out and "基准日期 2026-10-01" in out
    written = task_rows(master)
    for task_id in ("1-1-1", "1-6-1", "1-8-2", "1-1-2", "1-8-1", "4-3-1"):
        cycle, due, state = core_task_row(task_id, dt.date(2026, 10, 1))
        assert written[task_id] == [cycle, due and dt.datetime.combine(due, dt.time()), None, state], task_id
    assert written["1-1-1"] == ["每月", dt.datetime(2026, 10, 8), None, "临近"]
    ws = openpyxl.load_workbook(master)[TASKS]
    assert ws["B1"].value == dt.datetime(2026, 10, 1) and ws["D1"].value == '=IF(B1="",TODAY(),INT(B1))'
    assert ws["G4"].value == "事项" and ws["G4"].hyperlink.location == "'事项台账'!A1"


def test_provisional_year_is_marked(master):
    out = status(master, "2026-12-31")
    assert task_row(master, "1-1-1") == ["每月", dt.datetime(2027, 1, 4), None, "临近（暂定）"]
    assert "（暂定）" in out and "[calendar.years.YYYY]" in out


def test_tick_means_this_period_done(master):
    wb = openpyxl.load_workbook(master)
    ws = wb[TASKS]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == "1-8-2")
    ws[f"I{row}"] = task_status.TICK
    wb.save(master)
    status(master, "2026-10-01")
    assert task_row(master, "1-8-2") == ["一次性", dt.datetime(2023, 11, 30), "✓", "已完成"]


def test_event_ledger(master):
    fill_ledger(master, [
        ("双公示", "开发建设部", dt.date(2026, 9, 28), None),             # 7 working days: 13 October
        ("异议核实", "安全监管部", dt.date(2026, 10, 9), dt.date(2026, 10, 12)),
        ("信用承诺上传", "财政金融部", dt.date(2026, 12, 18), None),       # reaches into 2027: provisional
        (None, None, None, dt.date(2026, 10, 1)),                          # no event yet: nothing computed
    ])
    out = status(master, "2026-10-12")
    assert "事项台账：临近 1、未到期 1、已完成 1" in out
    values = cached_cells(master, LEDGER)
    assert [values[f"{c}3"] for c in "FG"] == [dt.datetime(2026, 10, 13), "临近"]
    assert [values[f"{c}4"] for c in "FG"] == [dt.datetime(2026, 10, 12), "已完成"]  # 10 October (Saturday) is a working day
    assert [values[f"{c}5"] for c in "FG"] == [dt.datetime(2027, 1, 18), "未到期（暂定）"]
    assert [values[f"{c}6"] for c in "FG"] == [None, None]  # cached as empty text


def test_ledger_formulas_follow_the_rows_staff_use(master):
    last = ledger_sheet.FIRST_ROW + ledger_sheet.MIN_ROWS + 9
    wb = openpyxl.load_workbook(master)
    wb[LEDGER][f"A{last}"], wb[LEDGER][f"D{last}"] = "行业协会检查", dt.date(2026, 9, 30)
    wb.save(master)
    status(master, "2026-10-01")
    ws = openpyxl.load_workbook(master)[LEDGER]
    assert ws[f"F{last}"].value.startswith("=IF(OR(A") and ws.auto_filter.ref == f"A2:H{last}"
    assert cached_cells(master, LEDGER)[f"F{last}"] == dt.datetime(2026, 10, 10)  # 国庆 8, 9 and Saturday 10 October


# ----------------------------------------------------------------------------- nothing else changes
def test_status_touches_only_as_of_cells_and_cached_results(built, master):
    status(master, "2025-03-03")
    as_of_cells = {(TASKS, "B1"), (LEDGER, "B1")}
    assert not diff(without(fingerprint(built), as_of_cells, STATUS_SHEET), without(fingerprint(master), as_of_cells, STATUS_SHEET))
    assert openpyxl.load_workbook(master)[TASKS]["B1"].value == dt.datetime(2025, 3, 3)
    before, after = (openpyxl.load_workbook(p, data_only=True) for p in (built, master))
    for name in before.sheetnames:
        if name not in (TASKS, LEDGER, STATUS_SHEET):
            assert sheet_values(before[name]) == sheet_values(after[name]), name
    old, new = sheet_values(before[TASKS]), sheet_values(after[TASKS])
    changed = {c for c, v in new.items() if old[c] != v}
    assert changed and {c.rstrip("0123456789") for c in changed} <= {"B", "D", "H", "J"}


def test_status_is_idempotent_and_today_clears_the_as_of(built, master):
    status(master, "2027-02-03")
    first = fingerprint(master), cached_cells(master, TASKS), cached_cells(master, LEDGER)
    status(master, "2027-02-03")
    assert not diff(first[0], fingerprint(master))
    assert (cached_cells(master, TASKS), cached_cells(master, LEDGER)) == first[1:]
    out = status(master)
    assert "，今天" in out
    assert not diff(without(fingerprint(built), set(), STATUS_SHEET), without(fingerprint(master), set(), STATUS_SHEET))
    assert cached_cells(master, TASKS)["D1"] == dt.datetime.combine(dt.date.today(), dt.time())


def test_a_status_that_changes_nothing_leaves_the_file_byte_identical(master):
    status(master, "2026-10-08")
    before, backups = master.read_bytes(), sorted(master.parent.glob("*.bak*.xlsx"))
    out = status(master, "2026-10-08")
    assert "无需改动（文件未改动）" in out and "重点任务：" in out
    assert master.read_bytes() == before and sorted(master.parent.glob("*.bak*.xlsx")) == backups


def test_status_rewrites_only_its_own_parts(built, master):
    """The weekly run streams: every part but 重点任务, 事项台账 (基准日期 and cached results) and
    报送情况 is copied as it was, still compressed (same CRC, same compressed size)."""
    status(master, "2026-10-08")
    with zipfile.ZipFile(built) as old, zipfile.ZipFile(master) as new:
        parts = cached.sheet_parts(new)
        assert sorted(old.namelist()) == sorted(new.namelist())  # styles.xml is written last by the stream writer
        changed = {i.filename for i in new.infolist()
                   if (i.CRC, i.compress_size) != (old.getinfo(i.filename).CRC, old.getinfo(i.filename).compress_size)}
    assert changed == {parts[TASKS], parts[LEDGER], parts[STATUS_SHEET]}


def test_status_refreshes_submissions(master):
    """报送情况 is rewritten as of the date: with nothing received, last month's reports are 未报."""
    out = status(master, "2026-11-10")
    rows = submission_rows(read_grids(master), dt.date(2026, 11, 10), Calendar.from_config(CONFIG), CONFIG)
    assert [list(r) for r in openpyxl.load_workbook(master)[STATUS_SHEET].iter_rows(min_row=2, values_only=True)] == \
        [[dt.datetime.combine(v, dt.time()) if type(v) is dt.date else v for v in r] for r in status_grid(rows)[1:]]
    october = [r for r in rows if r.period == "2026-10"]
    assert october and all(r.status == "未报" and r.due == dt.date(2026, 11, 2) for r in october)
    assert f"未报 {sum(1 for r in rows if r.status == '未报')}" in out


def test_old_master_is_brought_up_to_date(built, master, tmp_path):
    """A master built before the status columns: header in row 1, no 事项台账, no 日历."""
    wb = openpyxl.load_workbook(master)
    for name in (LEDGER, CALENDAR_SHEET):
        del wb[name]
    ws = wb[TASKS]
    ws.delete_rows(1)
    ws.delete_cols(7, 4)
    ws.data_validations.dataValidation = []
    ws.conditional_formatting = type(ws.conditional_formatting)()
    ws.freeze_panes, ws.auto_filter.ref = "A2", "A1:F36"
    wb.save(master)
    status(master, "2026-10-01")
    fresh = tmp_path / "fresh.xlsx"
    shutil.copy(built, fresh)
    status(fresh, "2026-10-01")
    assert not diff(fingerprint(fresh), fingerprint(master))
    assert cached_cells(fresh, TASKS) == cached_cells(master, TASKS)


# ----------------------------------------------------------------------------- refusals
def test_refusals_leave_the_file_untouched(master, tmp_path):
    original = master.read_bytes()
    cases = [
        (["--as-of", "2026-13-01"], "无法识别"),
        (["--as-of", "2062-01-01"], "不在"),
    ]
    for extra, words in cases:
        code, _, err = run("status", str(master), *extra)
        assert code == 2 and words in err and "错误：" in err, err
    fill_ledger(master, [("双公式", "开发建设部", dt.date(2026, 9, 28), None)])
    typo = master.read_bytes()
    code, _, err = run("status", str(master))
    assert code == 2 and "第 3 行 A 列（事项类型）“双公式”" in err and "双公示" in err
    assert master.read_bytes() == typo
    fill_ledger(master, [("双公示", "开发建设部", "9月28日", None)])
    code, _, err = run("status", str(master))
    assert code == 2 and "第 3 行 D 列（开始日期）“9月28日”不是日期" in err
    (tmp_path / f"~${MASTER_NAME}").write_bytes(b"lock")
    code, _, err = run("status", str(master))
    assert code == 2 and "正在被 Excel 或 WPS 打开" in err
    assert original != typo  # the ledger edits above were ours, not the command's


def test_not_a_master(tmp_path):
    other = tmp_path / "其他.xlsx"
    openpyxl.Workbook().save(other)
    code, _, err = run("status", str(other))
    assert code == 2 and "没有“重点任务”工作表" in err and "其他.xlsx" in err
    code, _, err = run("status", str(tmp_path / "没有.xlsx"))
    assert code == 2 and "不存在" in err
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"not a zip")
    code, _, err = run("status", str(broken))
    assert code == 2 and "文件 坏.xlsx 不是有效的 Excel 工作簿" in err and "总台账损坏时可用同目录的备份 坏.bak.xlsx 恢复" in err
    assert broken.read_bytes() == b"not a zip" and "zip file" not in err


def test_a_damaged_status_sheet_is_refused_untouched(master, tmp_path):
    """报送情况 holding a cell that points past the shared strings (read with calamine, as collect
    reads it): a Chinese refusal naming the file and the backup, exit 2, the file unchanged."""
    damaged = tmp_path / "坏台账.xlsx"
    with zipfile.ZipFile(master) as src, zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as out:
        part = sheet_parts(src)["报送情况"]
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:  # a last header cell Z1 naming shared string 99999999
                data = data.replace(b"</row>", b'<c r="Z1" t="s"><v>99999999</v></c></row>', 1)
            out.writestr(info, data)
    before = damaged.read_bytes()
    code, out, err = run("status", str(damaged), "--as-of", "2026-10-14")
    assert code == 2 and "错误：无法打开 坏台账.xlsx：文件内部结构已损坏，未作任何修改；可用同目录的备份 坏台账.bak.xlsx 恢复" in err, err
    assert "Traceback" not in err and damaged.read_bytes() == before and not out


def test_colours_follow_config(master, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[colors]\noverdue = "FF0000"\n', encoding="utf-8")
    code, _, err = main_with(config, "status", str(master))
    assert code == 0, err
    ws = openpyxl.load_workbook(master)[TASKS]
    rules = {r.formula[0]: r.dxf.fill.end_color.rgb for cf in ws.conditional_formatting for r in cf.rules}
    assert rules == {'LEFT($J3,2)="逾期"': "00FF0000", 'LEFT($J3,2)="临近"': "00FFD966", 'LEFT($J3,3)="已完成"': "00C6EFCE"}
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["A3:J37"]


def test_a_holiday_added_to_config_reaches_the_calendar_sheet(master, tmp_path):
    wednesday = dt.date(2026, 10, 14)
    at = 2 + (wednesday - dt.date(CONFIG["office"]["plan_year"] - 1, 1, 1)).days  # its row (the sheet starts on 1 January)

    def calendar_row():
        row = openpyxl.load_workbook(master)[CALENDAR_SHEET][at]
        return [c.value for c in row[:6]], row[0].number_format

    before = calendar_row()
    assert before == ([dt.datetime(2026, 10, 14), before[0][1], 1, 0, 0, dt.datetime(2026, 10, 14)], "yyyy-mm-dd")
    config = tmp_path / "config.toml"
    config.write_text('[calendar]\nextra_holidays = ["2026-10-14"]\n', encoding="utf-8")
    code, out, err = main_with(config, "status", str(master), "--as-of", "2026-10-08")
    assert code == 0 and out.startswith("已更新"), err
    assert calendar_row() == ([dt.datetime(2026, 10, 14), before[0][1] - 1, 0, 0, 0, dt.datetime(2026, 10, 15)], "yyyy-mm-dd")


@pytest.mark.parametrize("damage", ["none", "value", "format", "shown", "cell added"])
def test_install_notices_any_change_of_the_calendar_sheet(built, damage):
    """status compares the hidden 日历 cell by cell (type, value, format) instead of saving it
    twice; whatever a hand changed there is noticed (and then rewritten), an intact sheet is not."""
    from credit_macros.commands.status import _install

    wb = openpyxl.load_workbook(built)
    ws = wb[CALENDAR_SHEET]
    if damage == "value":
        ws["C300"].value = 7
    elif damage == "format":
        ws["A300"].number_format = "General"
    elif damage == "shown":
        ws.sheet_state = "visible"
    elif damage == "cell added":
        ws["M5"] = "备注"
    assert _install(wb, CONFIG, CALENDAR, dt.date(2026, 10, 8), "") is (damage != "none")


def main_with(config, *argv):
    out, err = io.StringIO(), io.StringIO()
    return main(["--config", str(config), *argv], out=out, err=err), out.getvalue(), err.getvalue()


# ----------------------------------------------------------------------------- cached values
def test_cached_patch(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表 & 1"
    ws["A1"], ws["B1"], ws["C1"], ws["D1"] = "=TODAY()", '="x"', "=1=1", 5
    path = tmp_path / "a.xlsx"
    wb.save(path)
    cached.patch(path, {"表 & 1": {"A1": dt.date(2027, 1, 4), "B1": "逾期 <1>", "C1": True}})
    values = openpyxl.load_workbook(path, data_only=True)["表 & 1"]
    assert [values[c].value for c in ("A1", "B1", "C1", "D1")] == [46391, "逾期 <1>", True, 5]
    assert openpyxl.load_workbook(path)["表 & 1"]["A1"].value == "=TODAY()"
    with zipfile.ZipFile(path) as z:
        assert b'fullCalcOnLoad="1"' in z.read("xl/workbook.xml")
    with pytest.raises(ValueError):
        cached.patch(path, {"表 & 1": {"D1": 6}})
    with pytest.raises(ValueError):
        cached.patch(path, {"表 & 1": {"Z9": 6}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx"]
