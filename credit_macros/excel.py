"""Excel entry points: one function per button of the 信用台账 ribbon (xlwings).

Each button of ``addin/credit_macros.xlam`` runs
``RunPython "import credit_macros.excel as m; m.<function>()"``; the function works on the
workbook in front of the user, ``xw.Book.caller()``. Tests pass a book instead — one built by
xlwings' remote engine from the JSON payload Excel sends (``xw.Book(json=...)``) — and read
back the actions the function queued.

The logic lives in the core (``validate``, ``deadlines``, ``workdays`` …); this module only
reads and writes, in bulk:

* each sheet is read with one call (its used range from A1);
* colours are written as one grid per sheet (the mark layer, ``marklayer``), never cell by cell;
* notes only where a cell is flagged and has no note of the user's;
* the number of Excel calls does not grow with the number of rows read.

Validation and deadline marks are a layer, not a repaint (``marklayer``): "清除标记" empties
it, the user's own fills and notes stay.

Errors never reach the user as a Python traceback: a ``UserError`` becomes a message box with
its Chinese text, anything else a message box saying what failed and where the details are
logged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import tempfile
import traceback
from pathlib import Path

import xlwings as xw

from credit_macros import catalogue, deadlines
from credit_macros import marklayer as ml
from credit_macros import report as reportlib
from credit_macros.build import calendar_sheet, styles, tracking
from credit_macros.build.unit_book import write_unit_books
from credit_macros.catalogue.sheets import (
    CALENDAR_SHEET,
    DUE_PREFIX,
    FINDINGS_SHEET,
    HISTORY_HEADERS,
    HISTORY_SHEET,
    KEY_TASK_SHEET,
    LAYER_PREFIX,
    OFFICE_SHEETS,
    OWN_SHEETS,
    RECEIPTS_SHEET,
    RESULT_SHEET,
    STATUS_SHEET,
)
from credit_macros.catalogue.timelimit import Rule
from credit_macros.collect import collect
from credit_macros.config import resolve_config
from credit_macros.errors import UserError
from credit_macros.io.collect_master import require_master
from credit_macros.io.intake import gather
from credit_macros.remind import plan_reminders, write_drafts
from credit_macros.safeio import exclusive
from credit_macros.plans import Plan, collect_plan, refuse_overflow, status_plan
from credit_macros.submissions import counts, submission_rows
from credit_macros.table import col_letter
from credit_macros.tasks import status_counts
from credit_macros.validate import ERROR, WARNING, Report, validate_grids
from credit_macros.validate.values import parse_date
from credit_macros.workdays import Calendar, coverage_lines

LOG_FILE = Path(tempfile.gettempdir()) / "credit_macros_excel.log"


def _caller(book):
    return book if book is not None else xw.Book.caller()


def _config(book):
    """The settings by the CLI's rule (``config.resolve_config``): config.toml beside the workbook,
    else the current folder's, else the embedded default; the file used is shown in the status bar."""
    config = resolve_config(None, book.fullname)
    _status(book, config.notice)
    return config


def _status(book, text) -> None:
    """Progress in Excel's status bar (engines without one, like the remote engine, skip it)."""
    try:
        book.app.status_bar = text
    except NotImplementedError:
        pass


def _alert(book, text: str, title: str, critical: bool = False) -> None:
    book.app.alert(text, title=title, buttons="ok", mode="critical" if critical else "info")


def _writer_lock(book):
    """The workbook's writer lock while a button works on it (none for an unsaved workbook)."""
    path = Path(book.fullname)
    return exclusive(path, command=f"Excel 加载项（{book.name}）") if path.is_absolute() and path.parent.is_dir() \
        else contextlib.nullcontext()


def button(label: str):
    """Wrap a ribbon function: resolve the caller's workbook, hold its writer lock (the one the
    CLI commands take, ``safeio.exclusive``), show progress, turn errors into Chinese message boxes."""

    def wrap(func):
        @functools.wraps(func)
        def run(book=None):
            book = _caller(book)
            _status(book, f"信用台账助手：{label}……")
            try:
                with _writer_lock(book):
                    return func(book)
            except UserError as exc:
                _alert(book, exc.message, f"{label}：无法完成", critical=True)
            except Exception:  # noqa: BLE001 - the user must see a message box, not a traceback
                with open(LOG_FILE, "a", encoding="utf-8") as log:
                    log.write(f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} {label} 出错\n{traceback.format_exc()}\n")
                _alert(book, f"“{label}”运行时出错，没有完成。本工具不会替您保存工作簿：如工作表上已有部分改动，"
                             f"可关闭工作簿且不保存，再重新打开。详细信息已记录在 {LOG_FILE}，请把该文件发给信用办或技术支持。", f"{label}：程序出错", critical=True)
            finally:
                _status(book, False)
            return None

        return run

    return wrap


# ---------------------------------------------------------------- reading


def _grids(book, names: list[str]) -> dict[str, list[list]]:
    """The sheets' values, one call each, with progress in the status bar."""
    grids = {}
    for i, name in enumerate(names, start=1):
        _status(book, f"信用台账助手：正在读取「{name}」（{i}/{len(names)}）……")
        grids[name] = ml.read_grid(book.sheets[name])
    return grids


def _user_sheets(book) -> list[str]:
    return [s.name for s in book.sheets
            if s.name not in OWN_SHEETS and not s.name.startswith((LAYER_PREFIX, DUE_PREFIX))]


def _check(book, names: list[str], label: str) -> Report:
    ml.our_results(book)  # a user's sheet named 校验结果: refused before anything is painted
    config = _config(book)
    grids = _grids(book, names)
    _status(book, f"信用台账助手：{label}，正在校验 {len(names)} 个工作表……")
    report = validate_grids(grids, dt.date.today(), config, source=book.name)
    _status(book, f"信用台账助手：{label}，正在标记 {len(report.findings)} 处问题……")
    freed = {name: ml.clear_layer(book, name)[1] for name in names}
    ml.paint(book, report, config, freed)
    ml.write_results(book, report)
    counts = report.counts
    if report.ok:
        _alert(book, f"{label}完成：{'、'.join(report.sheets)} 未发现问题。", label)
    else:
        _alert(book, f"{label}完成：错误 {counts[ERROR]} 处、警告 {counts[WARNING]} 处，问题单元格已标色并加批注，"
                     f"明细见「{RESULT_SHEET}」工作表（点击单元格地址可跳转）。", label)
    return report


@button("校验本表")
def check_sheet(book):
    """Validate the sheet the user is looking at."""
    name = book.sheets.active.name
    if name in OWN_SHEETS or name.startswith((LAYER_PREFIX, DUE_PREFIX)):
        raise UserError(f"「{name}」是校验结果表，请先切换到要校验的数据工作表。")
    return _check(book, [name], "校验本表")


@button("校验全部")
def check_all(book):
    """Validate every template sheet of the workbook."""
    return _check(book, _user_sheets(book), "校验全部")


@button("清除标记")
def clear_marks(book):
    """Remove our marks (validation and overdue) and notes and the 校验结果 sheet; the user's
    data and formats stay."""
    removed = sum(ml.clear_layer(book, name, prefix)[0] for name in _user_sheets(book) for prefix in (LAYER_PREFIX, DUE_PREFIX))
    kept = ml.delete_results(book)
    _alert(book, f"已清除 {removed} 处校验标记。" + (f"「{RESULT_SHEET}」工作表不是本工具生成的，已保留。" if kept else ""), "清除标记")
    return removed


# ---------------------------------------------------------------- deadlines


@button("逾期标色")
def mark_overdue(book):
    """On the active sheet, colour each deadline cell: overdue red, due soon amber, done green.

    Works on any ledger with a deadline column (``deadlines.ledger_status``). The colours are a
    layer (see the module docstring): "清除标记" removes them, the cells' own formats stay.
    """
    config = _config(book)
    today = dt.date.today()
    sheet = book.sheets.active
    words = deadlines.ledger_status(ml.read_grid(sheet), today, Calendar.from_config(config), config, f"工作表「{sheet.name}」")
    cells = {f"{col_letter(c)}{r + 1}": word for (r, c), word in words.items() if word != deadlines.NOT_DUE}
    ml.clear_layer(book, sheet.name, DUE_PREFIX)
    ml.write_layer(book, sheet, cells, ml.due_colours(config), DUE_PREFIX)
    tally = {word: sum(1 for w in cells.values() if w == word) for word in ml.due_colours(config)}
    _alert(book, f"「{sheet.name}」按今天（{today.isoformat()}）标色：逾期 {tally[deadlines.OVERDUE]} 项（红）、"
                 f"临近 {tally[deadlines.DUE_SOON]} 项（黄）、已完成 {tally[deadlines.DONE]} 项（绿）。", "逾期标色")
    return cells


def _replace_rows(sheet, grid: list[list], old_height: int, first_row: int = 1) -> None:
    """Write ``grid`` from ``first_row`` in one call and empty the rows it no longer covers."""
    width = max((len(r) for r in grid), default=1)
    if grid:
        sheet.range((first_row, 1)).value = [[ml.text_safe(v) for v in r] + [None] * (width - len(r)) for r in grid]
    end = first_row + len(grid)
    if old_height >= end:
        sheet.range((end, 1), (old_height, width)).clear_contents()


def apply_plan(book, plan: Plan) -> None:
    """The ribbon engine of a write plan (``plans.Plan``, the same one the file engine writes):
    one ``range.value = rows`` per block, the rows it no longer covers emptied, then the single cells."""
    for name, block in plan.blocks.items():
        _replace_rows(book.sheets[name], block.rows, block.end, first_row=block.start)
    for name, cells in plan.cells.items():
        for cell, value in cells.items():
            if value is None:
                book.sheets[name].range(cell).clear_contents()
            else:
                book.sheets[name].range(cell).value = ml.text_safe(value)


def _runs(pairs) -> list[list[int]]:
    """``(source, destination)`` pairs as ``[source, destination, length]`` runs of consecutive rows."""
    runs: list[list[int]] = []
    for source, destination in pairs:
        if runs and runs[-1][0] + runs[-1][2] == source and runs[-1][1] + runs[-1][2] == destination:
            runs[-1][2] += 1
        else:
            runs.append([source, destination, 1])
    return runs


def follow_records(book, outcome, plan: Plan) -> int:
    """Make the office's fills and notes follow their records before ``apply_plan`` writes the
    collected values, as the file engine does (``io.collect_master.carried``). The remote engine
    cannot read fills or notes, so Excel moves them: a row replacing one of the same natural key
    gets a copy of that row (cells, fills, notes) below the data, where the plan writes it once
    the replaced rows are gone; a record the unit no longer sends is copied into its 历史版本 row;
    then the replaced rows are deleted (the cells below shift up), so every surviving row keeps its
    own marks and lands where the plan writes it. One call per run of consecutive rows. Returns the
    number of records whose marks went to 历史版本."""
    history = book.sheets[HISTORY_SHEET] if HISTORY_SHEET in plan.blocks else None
    moved = 0
    for key, state in outcome.sheets.items():
        if not state.removed:
            continue
        sheet, first = book.sheets[state.table.sheet], state.table.first_row
        width = max([state.width, *(c + 1 for c in state.office.values())])
        kept = [(state.source(i), i) for i in range(state.existing, len(state.rows)) if state.alive[i]]
        for source, destination, n in _runs([(s, i) for s, i in kept if s is not None]):
            sheet.range((first + source, 1), (first + source + n - 1, width)).copy(sheet.range((first + destination, 1)))
        columns = [state.table.columns[c.name] for c in state.table.template.columns]
        if history is not None and columns == list(range(columns[0], columns[0] + len(columns))):
            sources = {s for s, _ in kept}
            dropped = [(state.source(i) if i >= state.existing else i, h) for h, (k, i) in enumerate(outcome.history_of) if k == key]
            dropped = [(i, h) for i, h in dropped if i is not None and i not in sources]
            for source, h, n in _runs(dropped):
                sheet.range((first + source, columns[0] + 1), (first + source + n - 1, columns[-1] + 1)).copy(
                    history.range((plan.blocks[HISTORY_SHEET].start + h, len(HISTORY_HEADERS) + 1)))
                moved += n
        for start, _, n in reversed(_runs((i, i) for i in state.removed)):
            sheet.range((first + start, 1), (first + start + n - 1, width)).delete("up")
    return moved


def _extend_calendar(book, calendar, config, today: dt.date) -> list[str]:
    """Rewrite the hidden 日历 when it ends before next year (as ``credit-macros status`` does),
    so the deadline formulas keep computing; returns what to tell the user."""
    sheet = book.sheets[CALENDAR_SHEET]
    listed = ml.read_grid(sheet)
    first = parse_date(listed[1][0]) if len(listed) > 1 else None
    last = parse_date(listed[-1][0]) if len(listed) > 1 else None
    if first is not None and last is not None and last.year >= today.year + 1:
        return []
    first_year = first.year if first else calendar_sheet.default_years(config, today)[0]
    last_year = calendar_sheet.default_years(config, today)[1]
    _replace_rows(sheet, calendar_sheet.sheet_values(calendar, config, first_year, last_year), len(listed))
    for column in ("A:A", "F:F"):
        sheet.range(column).number_format = styles.DATE_FORMAT
    return [f"隐藏的“{CALENDAR_SHEET}”表已延长到 {last_year} 年（含 config.toml 中的放假安排），期限公式可继续计算。"]


@button("刷新期限与状态")
def refresh_status(book):
    """Make the master follow today: clear 基准日期, recalculate the deadline formulas and rewrite
    报送情况 from 收文记录 — the plan ``credit-macros status`` writes into the file (``plans.status_plan``)."""
    config = _config(book)
    today = dt.date.today()
    calendar = Calendar.from_config(config)
    names = {s.name for s in book.sheets}
    if KEY_TASK_SHEET not in names:
        raise UserError(f"工作簿「{book.name}」没有「{KEY_TASK_SHEET}」工作表，不是总台账。"
                        "请打开 credit-macros build 生成的《信用体系建设台账》后再点“刷新期限与状态”。")
    office = _grids(book, [RECEIPTS_SHEET, STATUS_SHEET]) if {RECEIPTS_SHEET, STATUS_SHEET} <= names else None
    plan, rows = status_plan(office, None, today, calendar, config, [c for c in tracking.AS_OF_CELLS if c[0] in names])
    apply_plan(book, plan)
    tasks = status_counts(ml.read_grid(book.sheets[KEY_TASK_SHEET]), today, calendar, config)
    extended = _extend_calendar(book, calendar, config, today) if CALENDAR_SHEET in names else []
    book.app.calculate()
    lines = [f"已按今天（{today.isoformat()}）重新计算期限和状态。",
             "重点任务：" + ("、".join(f"{w} {n}" for w, n in tasks.items()) or "无")]
    if rows:
        tally = counts(rows)
        lines.append("报送情况：" + "、".join(f"{w} {n}" for w, n in tally.items() if n))
    lines += extended
    _alert(book, "\n".join(lines), "刷新期限与状态")
    return tasks


# ---------------------------------------------------------------- the monthly cycle

def _saved_path(book) -> Path:
    path = Path(book.fullname)
    if not path.is_absolute() or not path.parent.is_dir():
        raise UserError(f"工作簿「{book.name}」还没有保存到文件夹中，请先“另存为”总台账再点此按钮。")
    return path


@button("拆分下发")
def split_out(book):
    """One workbook per member unit for the month being reported next, in 报送表_YYYY-MM beside the master."""
    config = _config(book)
    master = _saved_path(book)
    calendar = Calendar.from_config(config)
    period = deadlines.current_period(Rule("monthly"), dt.date.today(), calendar, config).start.strftime("%Y-%m")
    out = master.parent / f"报送表_{period}"
    out.mkdir(exist_ok=True)
    written, skipped = write_unit_books(period, out, config)
    _alert(book, f"已为 {len(written)} 个成员单位生成 {period} 报送表，保存在 {out}。"
                 + (f"\n{len(skipped)} 个单位不负责报送模板，未生成文件。" if skipped else ""), "拆分下发")
    return written


def _inbox(master: Path) -> Path:
    inbox = master.parent / "收件箱"
    if not inbox.is_dir():
        inbox.mkdir()
        raise UserError(f"已在总台账旁建立“收件箱”文件夹 {inbox}：请把各单位发来的邮件（.eml、.msg）"
                        "或工作簿放进去，再点“汇总导入”。")
    return inbox


@button("汇总导入")
def collect_in(book):
    """Merge the mails and workbooks in 收件箱 (beside the master) into the open master.

    The same plan as ``credit-macros collect`` (``plans.collect_plan``), applied by ``apply_plan``:
    each changed sheet is written with one call.
    """
    config = _config(book)
    master = _saved_path(book)
    today = dt.date.today()
    calendar = Calendar.from_config(config)
    items = gather([_inbox(master)])
    require_master(master, {s.name for s in book.sheets})
    grids = _grids(book, [t.sheet for t in catalogue.templates()] + list(OFFICE_SHEETS))
    outcome = collect(grids, items, today, config)
    plan, rows = collect_plan(outcome, grids, today, calendar, config)
    refuse_overflow(plan, book.name)
    moved = follow_records(book, outcome, plan)
    apply_plan(book, plan)
    lines = ["汇总完成：", *outcome.summary_lines(rows, today)]
    if any(state.removed for state in outcome.sheets.values()):
        lines.append("重报替换的记录：信用办加在旧行上的底色、批注和自加列已随同一记录移到新行"
                     + (f"；新报送中没有的 {moved} 条记录连同底色、批注移入“{HISTORY_SHEET}”" if moved else "") + "。")
    lines.append("检查无误后请保存总台账。")
    _alert(book, "\n".join(lines), "汇总导入")
    return outcome


@button("催报")
def remind(book):
    """Reminder mails (.eml drafts) for units with something due or overdue, in 催报_YYYYMMDD beside the master."""
    config = _config(book)
    master = _saved_path(book)
    today = dt.date.today()
    calendar = Calendar.from_config(config)
    grids = _grids(book, [n for n in (RECEIPTS_SHEET, STATUS_SHEET, FINDINGS_SHEET) if n in {s.name for s in book.sheets}])
    reminders = plan_reminders(submission_rows(grids, today, calendar, config), grids, today, config, calendar)
    if not reminders:
        _alert(book, f"截至 {today.isoformat()}，没有需要提醒的单位。", "催报")
        return []
    outbox = master.parent / f"催报_{today:%Y%m%d}"
    outbox.mkdir(exist_ok=True)
    drafted, warnings = write_drafts(reminders, outbox, today, config)
    _alert(book, f"已生成 {len(drafted)} 封提醒邮件草稿，保存在 {outbox}，双击即可用邮件程序打开发送。"
                 + "".join(f"\n注意：{w}" for w in warnings), "催报")
    return drafted


@button("生成通报")
def make_report(book):
    """The 半月通报 (.xlsx and .docx) from the open master, in 通报 beside it."""
    config = _config(book)
    master = _saved_path(book)
    result = reportlib.make_report(master, dt.date.today(), config, grids=_grids(book, _user_sheets(book)))
    _alert(book, f"已生成《{result.title}》：\n{result.xlsx}\n{result.docx}", "生成通报")
    return result


# ---------------------------------------------------------------- calendar and help

@button("日历状态")
def calendar_status(book):
    """Which years the working-day calendar knows and where from (package / config / provisional)."""
    config = _config(book)
    today = dt.date.today()
    years = range(config["office"]["plan_year"] - 1, today.year + 2)
    text = "\n".join(coverage_lines(Calendar.from_config(config), years, config))
    _alert(book, text, "日历状态")
    return text


def help_text() -> str:
    """What every button does, from the ribbon's own description (addin/buttons.toml)."""
    from credit_macros.ribbon.xlam import load_ribbon

    ribbon = load_ribbon()
    lines = [f"信用台账助手 — “{ribbon.tab_label}”选项卡", ""]
    for group in ribbon.groups:
        lines.append(f"【{group.label}】")
        lines += [f"{b.label}：{b.supertip}" for b in group.buttons if b.label != "帮助"]
    lines += ["", "没有安装本加载项的同事也能正常打开和填写台账：下拉列表、格式、期限公式和颜色都保存在工作簿里。",
              "问题请联系新城信用办（发展和经济运行部）。"]
    return "\n".join(lines)


@button("帮助")
def show_help(book):
    text = help_text()
    _alert(book, text, "信用台账助手 帮助")
    return text
