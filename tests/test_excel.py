"""The ribbon functions, run through xlwings' remote engine on real workbooks.

Each test turns a workbook into the JSON payload Excel sends, calls the very function behind a
ribbon button and checks the actions it queued: which cells get marked, which notes are added,
what the message box says — and that the number of actions does not grow with the rows.
"""

from __future__ import annotations

import copy
import datetime as dt
import email
import email.policy
import re
import shutil
from collections import Counter

import openpyxl
import pytest
import xlwings as xw
from remote import actions, book, payload
from runcli import DEFAULT_CONFIG, run

from credit_macros import catalogue, excel, marklayer
from credit_macros.config import load_config
from credit_macros.io.read import read_grids
from credit_macros.validate import validate_grids
from credit_macros.validate.findings import RESULT_HEADER, RESULT_TITLE
from credit_macros.validate.marks import marks_from


def _by(acts, func):
    return [a for a in acts if a["func"] == func]


def _layer_marks(acts, sheet_positions):
    """(sheet, cell) → word, from the setValues actions on our hidden layer sheets."""
    found = {}
    for a in _by(acts, "setValues"):
        name = sheet_positions.get(a["sheet_position"], "")
        if not name.startswith(excel.LAYER_PREFIX):
            continue
        for r, row in enumerate(a["values"]):
            for c, value in enumerate(row):
                if value:
                    cell = f"{openpyxl.utils.get_column_letter(a['start_column'] + c + 1)}{a['start_row'] + r + 1}"
                    found[(name[len(excel.LAYER_PREFIX):], cell)] = value
    return found


def _positions(wb_payload, acts):
    """Sheet position → name, including the sheets the actions add (always at the end here)."""
    names = [s["name"] for s in wb_payload["sheets"]]
    for a in _by(acts, "addSheet"):
        if a["args"][1] not in names:
            names.insert(a["args"][0], a["args"][1])
    return dict(enumerate(names))


def test_check_all_marks_exactly_the_findings(messy):
    data = payload(messy.path)
    wb = xw.Book(json=copy.deepcopy(data))
    report = excel.check_all(wb)
    acts = actions(wb)
    expected = validate_grids(read_grids(messy.path), dt.date.today(), load_config())
    assert {(f.sheet, f.cell, f.rule) for f in report.findings} == {(f.sheet, f.cell, f.rule) for f in expected.findings}
    marks = {(m.sheet, m.cell): m for m in marks_from(expected.findings)}
    layer = _layer_marks(acts, _positions(data, acts))
    assert set(layer) == set(marks)
    user_notes = {(s["name"], n["address"]) for s in data["sheets"] for n in s["notes"]}
    for key, word in layer.items():
        assert word.rstrip("*") == ("错误" if marks[key].severity == "error" else "警告")
        assert word.endswith("*") == (key not in user_notes)  # never overwrite the user's own note
    notes = {(a["sheet_position"], a["args"][0]): a["args"][1] for a in _by(acts, "addNote")}
    assert len(notes) == sum(1 for k in marks if k not in user_notes)
    assert all(text.startswith("【信用台账助手") for text in notes.values())
    # values of the user's sheets are never written
    positions = _positions(data, acts)
    written = {positions.get(a["sheet_position"]) for a in _by(acts, "setValues")}
    assert written <= {excel.RESULT_SHEET} | {n for n in positions.values() if n.startswith(excel.LAYER_PREFIX)}
    assert _by(acts, "setRangeColor") == []
    alert = _by(acts, "alert")[-1]["args"][0]
    assert f"错误 {report.counts['error']} 处" in alert and "校验结果" in alert


def test_results_sheet_links_every_finding(messy):
    wb = book(messy.path)
    report = excel.check_all(wb)
    result = [a for a in _by(actions(wb), "setValues") if list(RESULT_HEADER) in a["values"]][0]
    first = result["values"].index(list(RESULT_HEADER)) + 1
    rows = result["values"][first: first + len(report.findings)]
    assert [(r[1], r[7]) for r in rows] == [(f.sheet, f.message) for f in report.findings]
    assert rows[0][2] == f"=HYPERLINK(\"#'{report.findings[0].sheet}'!{report.findings[0].cell}\",\"{report.findings[0].cell}\")"


def test_check_sheet_only_the_active_sheet(messy):
    wb = book(messy.path, active="水费")
    report = excel.check_sheet(wb)
    assert set(report.sheets) == {"水费"}
    assert {f.sheet for f in report.findings} == {"水费"}


def test_conditional_format_layer_created_once_per_sheet(messy):
    wb = book(messy.path)
    excel.check_all(wb)
    cfs = _by(actions(wb), "addConditionalFormat")
    sheets_marked = {f.sheet for f in excel.check_all(book(messy.path)).findings}
    assert len(cfs) == 2 * len(sheets_marked)
    assert {cf["args"][0]["fill_color"].lower() for cf in cfs} == {"#ffc7ce", "#ffeb9c"}
    assert all("LEFT('_标记_" in cf["args"][0]["formula"] for cf in cfs)


def _enforcement_book(tmp_path, rows: int):
    """A 行政强制 sheet with ``rows`` rows, of which the same three carry errors."""
    t = catalogue.template("行政强制")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "行政强制"
    ws.append([c.name for c in t.columns])
    from messy import GOV_CODE, ORG_CODE
    for i in range(rows):
        row = {c.name: "" for c in t.columns}
        row.update({"行政相对人名称": f"公司{i}", "行政相对人代码": ORG_CODE, "行政相对人类别": "法人及非法人组织",
                    "法定代表人姓名": "张三", "行政强制决定文书名称": "查封决定书", "行政强制决定文书号": f"沣西强〔2023〕{i}号",
                    "行政强制理由": "违法", "行政强制依据": "某法", "行政强制种类": "行政强制执行", "行政强制执行类型": "代履行",
                    "行政强制内容": "代履行", "行政强制决定日期": dt.date(2023, 6, 1), "行政强制执行时间": dt.date(2023, 6, 2),
                    "行政机关名称": "某局", "行政机关代码": GOV_CODE, "数据来源单位名称": "某局", "数据来源单位代码": GOV_CODE})
        if i in (3, 40, 77):
            row["行政机关代码"] = GOV_CODE[:-1] + ("0" if GOV_CODE[-1] != "0" else "1")
        ws.append([row[c.name] for c in t.columns])
    path = tmp_path / f"强制{rows}.xlsx"
    wb.save(path)
    return path


def test_action_count_does_not_grow_with_rows(tmp_path):
    counts = {}
    for rows in (100, 10_000):
        wb = book(_enforcement_book(tmp_path, rows))
        report = excel.check_all(wb)
        assert {f.cell for f in report.findings} == {"U5", "U42", "U79"}
        counts[rows] = Counter(a["func"] for a in actions(wb))
    assert counts[100] == counts[10_000]
    assert sum(counts[10_000].values()) < 20


def test_second_check_and_clear(messy):
    """A second run removes our earlier notes first; clear empties the layer and drops 校验结果."""
    data = payload(messy.path)
    first = xw.Book(json=copy.deepcopy(data))  # the engine updates the payload it is given
    excel.check_all(first)
    # what the workbook looks like after the first run: layer sheets hold the marks
    marks = _layer_marks(actions(first), _positions(data, actions(first)))
    for name in {s for s, _ in marks}:
        cells = {c: w for (s, c), w in marks.items() if s == name}
        height = max(int("".join(filter(str.isdigit, c))) for c in cells)
        width = max(openpyxl.utils.column_index_from_string("".join(filter(str.isalpha, c))) for c in cells)
        grid = [[""] * width for _ in range(height)]
        for c, w in cells.items():
            col = openpyxl.utils.column_index_from_string("".join(filter(str.isalpha, c)))
            grid[int("".join(filter(str.isdigit, c))) - 1][col - 1] = w
        data["sheets"].append({"name": excel.LAYER_PREFIX + name, "values": grid, "pictures": [], "tables": [],
                               "notes": [], "notes_supported": True})
        sheet = next(s for s in data["sheets"] if s["name"] == name)
        sheet["notes"] += [{"address": c} for c, w in cells.items() if w.endswith("*")]
    data["sheets"].append({"name": excel.RESULT_SHEET, "values": [[RESULT_TITLE + "错误 1 处"], [], list(RESULT_HEADER)],
                           "pictures": [], "tables": [], "notes": [], "notes_supported": True})
    second = xw.Book(json=copy.deepcopy(data))
    excel.check_all(second)
    acts = actions(second)
    ours = sum(1 for w in marks.values() if w.endswith("*"))
    assert len(_by(acts, "deleteNote")) == ours
    assert len(_by(acts, "addNote")) == ours  # the same notes again, none lost, none doubled
    assert _by(acts, "addConditionalFormat") == []  # layers exist already
    cleared = xw.Book(json=copy.deepcopy(data))
    removed = excel.clear_marks(cleared)
    acts = actions(cleared)
    assert removed == len(marks)
    assert len(_by(acts, "deleteNote")) == ours
    assert len(_by(acts, "rangeClearContents")) == len({s for s, _ in marks})
    assert len(_by(acts, "sheetDelete")) == 1


def test_a_users_own_sheet_named_like_ours_is_never_touched(messy):
    """17.5 in the ribbon: a sheet the user made and called 校验结果 is neither overwritten by a
    check nor deleted by 清除标记; our own (its A1 is our title) is replaced and deleted."""
    data = payload(messy.path)
    data["sheets"].append({"name": excel.RESULT_SHEET, "values": [["我的汇总"], ["张三", 3]], "pictures": [],
                           "tables": [], "notes": [], "notes_supported": True})
    checked = xw.Book(json=copy.deepcopy(data))
    assert excel.check_all(checked) is None
    acts = actions(checked)
    alert = _by(acts, "alert")[0]["args"]
    assert alert[0] == (f"工作簿 {messy.path.name} 中已有名为「校验结果」的工作表，但不是信用台账助手生成的（A1 不是校验结果的标题）。"
                        "为免覆盖您的内容，没有校验：请把该表改名后再点“校验”。") and alert[3] == "critical"
    assert _by(acts, "setValues") == [] and _by(acts, "addNote") == [] and _by(acts, "rangeClearContents") == []
    cleared = xw.Book(json=copy.deepcopy(data))
    assert excel.clear_marks(cleared) == 0
    acts = actions(cleared)
    assert _by(acts, "sheetDelete") == []
    assert _by(acts, "alert")[0]["args"][0] == "已清除 0 处校验标记。「校验结果」工作表不是本工具生成的，已保留。"


def test_errors_become_chinese_message_boxes(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "随便"
    wb.active["A1"] = "不是模板"
    path = tmp_path / "x.xlsx"
    wb.save(path)
    b = book(path)
    assert excel.check_all(b) is None
    alert = _by(actions(b), "alert")[0]["args"]
    assert "都不是报送模板" in alert[0] and alert[3] == "critical"
    b = book(path, active="随便")
    excel.calendar_status(b)
    text = _by(actions(b), "alert")[0]["args"][0]
    assert "工作日历" in text and "2026 年" in text


def test_unexpected_error_is_logged_not_shown_as_traceback(messy, tmp_path, monkeypatch):
    """A bug (here injected into the core) shows a Chinese message box; the traceback goes to a log."""
    def broken(*args, **kwargs):
        raise RuntimeError("injected fault")

    monkeypatch.setattr(excel, "validate_grids", broken)
    monkeypatch.setattr(excel, "LOG_FILE", tmp_path / "log.txt")
    b = book(messy.path)
    assert excel.check_all(b) is None
    acts = actions(b)
    alert = _by(acts, "alert")[0]["args"]
    assert "运行时出错，没有完成。本工具不会替您保存工作簿" in alert[0] and str(tmp_path / "log.txt") in alert[0] and alert[3] == "critical"
    assert "Traceback" not in alert[0]
    assert "RuntimeError: injected fault" in (tmp_path / "log.txt").read_text(encoding="utf-8")
    assert _by(acts, "setValues") == [] and _by(acts, "addNote") == []


# ---------------------------------------------------------------- deadlines and the monthly cycle

from credit_macros import deadlines  # noqa: E402
from credit_macros.build import task_status, tracking  # noqa: E402
from credit_macros.catalogue.sheets import CALENDAR_SHEET  # noqa: E402
from credit_macros.build.master import MASTER_NAME, build_master  # noqa: E402
from credit_macros.cli import main  # noqa: E402
from credit_macros.demo import mail, write_inbox  # noqa: E402
from credit_macros.workdays import Calendar  # noqa: E402


@pytest.fixture(scope="module")
def tracked(tmp_path_factory):
    path = tmp_path_factory.mktemp("excel") / MASTER_NAME
    config = load_config()
    tracking.save(build_master(config), path, config, Calendar.from_config(config), dt.date.today())
    return path


@pytest.fixture()
def master(tracked, tmp_path):
    """The tracked master (built once for the module) as this test's own file."""
    path = tmp_path / MASTER_NAME
    shutil.copy(tracked, path)
    return path


def test_refresh_status_follows_today(master):
    wb = book(master, saved=True)
    tally = excel.refresh_status(wb)
    acts = actions(wb)
    cleared = {(a["sheet_position"], a["start_row"], a["start_column"]) for a in _by(acts, "rangeClearContents")}
    names = [s.name for s in wb.sheets]
    assert {(names.index("重点任务"), 0, 1), (names.index("事项台账"), 0, 1)} <= cleared  # the two B1 cells
    assert len(_by(acts, "calculate")) == 1
    # the same words the sheet's formulas show, as `status` stores them for today
    config = load_config()
    ws = openpyxl.load_workbook(master)["重点任务"]
    cached = tracking.cached_values(openpyxl.load_workbook(master), dt.date.today(), Calendar.from_config(config), config)["重点任务"]
    status_col = task_status.columns(ws).status
    assert ws[f"{status_col}2"].value == "状态"
    words = Counter(str(v).replace("（暂定）", "") for c, v in cached.items() if c.startswith(status_col) and c != "D1")
    assert tally == dict(words)
    assert f"{list(tally)[0]} {tally[list(tally)[0]]}" in _by(acts, "alert")[0]["args"][0]


def test_refresh_status_refuses_other_workbooks(messy):
    wb = book(messy.path)
    assert excel.refresh_status(wb) is None
    assert "不是总台账" in _by(actions(wb), "alert")[0]["args"][0]


def test_mark_overdue_colours_deadline_cells(tmp_path):
    today = dt.date.today()
    calendar = Calendar()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "双公示台账"
    ws.append(["事项", "办理期限", "完成日期"])
    soon = calendar.add_workdays(today, 1)
    ws.append(["已逾期", today - dt.timedelta(days=3), None])
    ws.append(["临近", soon, None])
    ws.append(["已办结", today - dt.timedelta(days=3), today - dt.timedelta(days=4)])
    ws.append(["未到期", today + dt.timedelta(days=60), None])
    ws.append(["无期限", "待定", None])
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    b = book(path)
    cells = excel.mark_overdue(b)
    assert cells == {"B2": deadlines.OVERDUE, "B3": deadlines.DUE_SOON, "B4": deadlines.DONE}
    acts = actions(b)
    cfs = _by(acts, "addConditionalFormat")
    assert [cf["args"][0]["fill_color"].lower() for cf in cfs] == ["#ff9999", "#ffd966", "#c6efce"]
    assert "逾期 1 项" in _by(acts, "alert")[0]["args"][0]
    assert _by(acts, "setRangeColor") == []


def test_split_out_writes_unit_books_beside_the_master(master):
    excel.split_out(book(master, saved=True))
    folders = list(master.parent.glob("报送表_*"))
    assert len(folders) == 1
    period = folders[0].name.split("_")[1]
    config = load_config()
    expected = deadlines.current_period(excel.Rule("monthly"), dt.date.today(), Calendar.from_config(config), config).start
    assert period == expected.strftime("%Y-%m")
    reporting = [u for u in catalogue.units.all_units() if catalogue.tasks.unit_templates(u.name)]
    assert len(list(folders[0].glob("*.xlsx"))) == len(reporting)


def test_collect_in_matches_the_cli(master, tmp_path):
    """The ribbon merges the inbox into the open master exactly as `credit-macros collect` does to the file."""
    inbox = master.parent / "收件箱"
    inbox.mkdir()
    config = load_config()
    period = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    write_inbox(inbox, period, config, seed=7)
    first = email.message_from_bytes(sorted(inbox.glob("*.eml"))[0].read_bytes(), policy=email.policy.default)
    sent = next(first.iter_attachments())  # sent again later, now with a scanned PDF beside it
    again = mail(first["From"], "xyb@x", "补发", "见附件", dt.datetime.now(),
                 [(sent.get_filename(), sent.get_content()), ("处罚决定书.pdf", b"%PDF-1.4\n%\xe2\xe3\n")])
    inbox.joinpath("99_补发.eml").write_bytes(again)
    wb = book(master, saved=True)
    outcome = excel.collect_in(wb)
    acts = actions(wb)
    cli_copy = tmp_path / "cli" / MASTER_NAME
    cli_copy.parent.mkdir()
    cli_copy.write_bytes(master.read_bytes())
    code, out, _ = run("--config", DEFAULT_CONFIG, "collect", cli_copy, inbox)
    assert code == 1  # one attachment is broken
    cli = read_grids(cli_copy)
    names = [s.name for s in wb.sheets]
    merged = 0
    for state in outcome.sheets.values():
        if not state.changed:
            continue
        write = [a for a in _by(acts, "setValues") if a["sheet_position"] == names.index(state.table.sheet)][0]
        first = state.table.first_row
        cli_rows = cli[state.table.sheet][first - 1:]
        while cli_rows and all(v in ("", None) for v in cli_rows[-1]):
            cli_rows.pop()
        width = len(write["values"][0])
        assert [[_norm(v) for v in r] for r in write["values"]] == [[_norm(v) for v in r[:width]] for r in cli_rows]
        merged += len(write["values"])
    assert merged > 0
    assert len(outcome.accepted) > 0 and len(outcome.rejected) >= 1
    alert = _by(acts, "alert")[0]["args"][0].split("\n")
    # the message box says what the CLI prints, line for line: every file, every refusal, every other attachment
    printed = [line.strip() for line in out.splitlines()[1:-1]]
    assert alert == ["汇总完成：", *printed, "检查无误后请保存总台账。"]
    assert f"接收 {len(outcome.accepted)} 个文件" in alert[1]
    assert sum(line.startswith("[未接收]") for line in alert) == len(outcome.rejected) >= 2
    assert f"[重复] {sent.get_filename()}：与已收文件内容相同（收文记录中已有），未重复汇总" in alert
    assert "[其他附件] 99_补发.eml 的附件 处罚决定书.pdf：不是 Excel 工作簿，未汇总（随邮件保存，请信用办自行查阅）" in alert


def _norm(value):
    """A cell value as both writers store it: the remote engine sends dates as ISO text (the
    Office.js client turns them into dates), text written with a leading apostrophe is text."""
    if value in (None, ""):
        return ""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?", value):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def test_collect_in_creates_the_inbox_first(master):
    wb = book(master, saved=True)
    assert excel.collect_in(wb) is None
    assert (master.parent / "收件箱").is_dir()
    assert "收件箱" in _by(actions(wb), "alert")[0]["args"][0]


def test_formula_looking_text_is_written_as_text():
    assert marklayer.text_safe("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert marklayer.text_safe("-1") == "'-1" and marklayer.text_safe(-1) == -1 and marklayer.text_safe("正常") == "正常"


def test_unsaved_workbook_is_refused(master):
    wb = book(master)  # named without a folder, like a new workbook Excel has not saved
    assert excel.split_out(wb) is None
    assert "还没有保存" in _by(actions(wb), "alert")[0]["args"][0]


def test_remind_and_report_write_beside_the_master(master):
    reminders = excel.remind(book(master, saved=True))
    drafts = list(master.parent.glob("催报_*/*.eml"))
    assert len(drafts) == len(reminders)
    result = excel.make_report(book(master, saved=True))
    assert result.xlsx.exists() and result.docx.exists() and result.xlsx.parent == master.parent / "通报"


def test_help_lists_every_ribbon_button(master):
    """帮助 names every button of the ribbon the add-in is built from."""
    from credit_macros.ribbon import xlam

    wb = book(master)
    excel.show_help(wb)
    text = _by(actions(wb), "alert")[0]["args"][0]
    for button in xlam.load_ribbon(xlam.BUTTONS_TOML).buttons:
        assert button.label in text, button.label
        assert button.label == "帮助" or button.supertip in text


def test_refresh_status_extends_a_calendar_that_ends_too_early(tmp_path):
    """A master built two years ago: its hidden 日历 ends before next year, so the button
    rewrites it as far as `credit-macros status` would, in one call."""
    from credit_macros.build import calendar_sheet

    config = load_config()
    calendar = Calendar.from_config(config)
    old = dt.date(dt.date.today().year - 2, 6, 1)
    path = tmp_path / MASTER_NAME
    tracking.save(build_master(config, today=old), path, config, calendar, old)
    wb = book(path, saved=True)
    excel.refresh_status(wb)
    acts = actions(wb)
    names = [s.name for s in wb.sheets]
    [write] = [a for a in _by(acts, "setValues") if a["sheet_position"] == names.index(CALENDAR_SHEET)]
    expected = calendar_sheet.sheet_values(calendar, config, config["office"]["plan_year"] - 1, dt.date.today().year + 2)
    assert [[_norm(v) for v in r] for r in write["values"]] == [[_norm(v) for v in r] for r in expected]
    assert "已延长到" in _by(acts, "alert")[0]["args"][0]


def test_refresh_status_leaves_a_current_calendar_alone(master):
    from credit_macros.build import calendar_sheet

    wb = book(master, saved=True)
    excel.refresh_status(wb)
    names = [s.name for s in wb.sheets]
    assert not [a for a in _by(actions(wb), "setValues") if a["sheet_position"] == names.index(CALENDAR_SHEET)]


def _replayed(grids: dict[str, list[list]], names: list[str], acts) -> dict[str, list[list]]:
    """The workbook's values once Excel has run the queued setValues / rangeClearContents actions."""
    out = {name: [list(r) for r in grid] for name, grid in grids.items()}
    for a in acts:
        if a["func"] not in ("setValues", "rangeClearContents"):
            continue
        grid = out[names[a["sheet_position"]]]
        for r in range(a["row_count"]):
            while len(grid) <= a["start_row"] + r:
                grid.append([])
            row = grid[a["start_row"] + r]
            for c in range(a["column_count"]):
                while len(row) <= a["start_column"] + c:
                    row.append(None)
                row[a["start_column"] + c] = a["values"][r][c] if a["func"] == "setValues" else None
    return out


def _cells(grid: list[list]) -> dict[tuple[int, int], object]:
    return {(r, c): _norm(v) for r, row in enumerate(grid) for c, v in enumerate(row) if _norm(v) != ""}


def test_one_collect_plan_gives_the_same_cells_in_both_engines(master, tmp_path):
    """A plan with replaced submissions (rows removed and re-added), appended 收文记录 and 历史版本,
    退回修改, 报送情况 and a 基准日期 cell: the file engine's result read back with calamine and the
    ribbon's actions replayed on the open workbook hold the same values in the same cells."""
    from credit_macros.collect import collect
    from credit_macros.io.intake import gather
    from credit_macros.io.xlsxstream import apply
    from credit_macros.plans import collect_plan

    config = load_config()
    period = "2026-01"
    for seed in (7, 8):
        (tmp_path / f"in{seed}").mkdir()
        write_inbox(tmp_path / f"in{seed}", period, config, seed=seed)
    assert main(["--config", DEFAULT_CONFIG, "collect", str(master), str(tmp_path / "in7"), "--as-of", "2026-02-10"]) == 1
    grids = read_grids(master)
    outcome = collect(grids, gather([tmp_path / "in8"]), dt.date(2026, 2, 12), config)
    plan, _ = collect_plan(outcome, grids, dt.date(2026, 2, 12), Calendar.from_config(config), config)
    plan.cells["重点任务"] = {"B1": dt.date(2026, 2, 12)}
    shrunk = [name for name, b in plan.blocks.items() if b.end >= b.last + 1]
    assert {"历史版本", "收文记录", "退回修改", "报送情况"} <= set(plan.blocks) and shrunk  # a replacement with fewer rows
    written = tmp_path / "file.xlsx"
    apply(master, written, plan)
    wb = book(master, saved=True)
    excel.apply_plan(wb, plan)
    ribbon = _replayed(grids, [s.name for s in wb.sheets], actions(wb))
    files = read_grids(written)
    for name in [*plan.blocks, *plan.cells]:
        assert _cells(files[name]) == _cells(ribbon[name]), name
    assert files["重点任务"][0][1] == dt.date(2026, 2, 12)
