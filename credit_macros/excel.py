"""Excel entry points: one function per button of the 信用台账 ribbon (xlwings).

Each button of ``addin/credit_macros.xlam`` runs
``RunPython "import credit_macros.excel as m; m.<function>()"``; the function works on the
workbook in front of the user, ``xw.Book.caller()``. Tests pass a book instead — one built by
xlwings' remote engine from the JSON payload Excel sends (``xw.Book(json=...)``) — and read
back the actions the function queued.

The logic lives in the core (``validate``, ``deadlines``, ``workdays`` …); this module only
reads and writes, in bulk:

* each sheet is read with one call (its used range from A1);
* colours are written by coalesced ranges, never cell by cell;
* notes only where a cell is flagged and has no note of the user's;
* the number of Excel calls does not grow with the number of rows read.

Validation marks in the live workbook are a layer, not a repaint: a hidden sheet
``_标记_<sheet>`` mirrors the flagged cells (``错误`` / ``警告``) and two conditional-format
rules on the checked sheet colour a cell when its mirror cell says so. The user's own fills and
notes are never overwritten, "清除标记" just empties the mirror (and removes the notes we added),
and the workbook still shows the marks in Excel, WPS or LibreOffice without Python.

Errors never reach the user as a Python traceback: a ``UserError`` becomes a message box with
its Chinese text, anything else a message box saying what failed and where the details are
logged.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import traceback
from pathlib import Path

import xlwings as xw

from credit_macros.config import load_config
from credit_macros.errors import UserError
from credit_macros.table import col_letter
from credit_macros.validate import ERROR, WARNING, Report, validate_grids
from credit_macros.validate.findings import SEVERITY_LABELS
from credit_macros.validate.marks import coalesce, marks_from
from credit_macros.validate.rules import OWN_SHEETS
from credit_macros.workdays import Calendar, coverage_lines

LAYER_PREFIX = "_标记_"
RESULT_SHEET = OWN_SHEETS[0]
NOTE_TAG = "【信用台账助手"
LOG_FILE = Path(tempfile.gettempdir()) / "credit_macros_excel.log"
RESULT_HEADER = ["序号", "工作表", "单元格", "行", "列", "级别", "规则", "说明"]


def _caller(book):
    return book if book is not None else xw.Book.caller()


def _config(book):
    """config.toml beside the workbook when there is one, else the embedded default."""
    folder = Path(book.fullname).parent
    candidate = folder / "config.toml"
    return load_config(candidate if candidate.exists() else None)


def _status(book, text) -> None:
    """Progress in Excel's status bar (engines without one, like the remote engine, skip it)."""
    try:
        book.app.status_bar = text
    except NotImplementedError:
        pass


def _alert(book, text: str, title: str, critical: bool = False) -> None:
    book.app.alert(text, title=title, buttons="ok", mode="critical" if critical else "info")


def button(label: str):
    """Wrap a ribbon function: resolve the caller's workbook, show progress, turn errors into
    Chinese message boxes."""

    def wrap(func):
        @functools.wraps(func)
        def run(book=None):
            book = _caller(book)
            _status(book, f"信用台账助手：{label}……")
            try:
                return func(book)
            except UserError as exc:
                _alert(book, exc.message, f"{label}：无法完成", critical=True)
            except Exception:  # noqa: BLE001 - the user must see a message box, not a traceback
                with open(LOG_FILE, "a", encoding="utf-8") as log:
                    log.write(f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} {label} 出错\n{traceback.format_exc()}\n")
                _alert(book, f"“{label}”运行时出错，没有完成。单元格里的数据没有被改动；如已出现部分标记，"
                             f"可点“清除标记”去掉。详细信息已记录在 {LOG_FILE}，请把该文件发给信用办或技术支持。", f"{label}：程序出错", critical=True)
            finally:
                _status(book, False)
            return None

        return run

    return wrap


# ---------------------------------------------------------------- reading

def _grid(sheet) -> list[list]:
    """The sheet's values from A1 to the end of its used range, in one call."""
    used = sheet.used_range
    last = used.last_cell
    if last.row == 1 and last.column == 1 and used.value in (None, ""):
        return [[None]]
    return sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value


def _grids(book, names: list[str]) -> dict[str, list[list]]:
    return {name: _grid(book.sheets[name]) for name in names}


def _user_sheets(book) -> list[str]:
    return [s.name for s in book.sheets if s.name not in OWN_SHEETS and not s.name.startswith(LAYER_PREFIX)]


# ---------------------------------------------------------------- validation marks

def _layer_name(sheet: str) -> str:
    return (LAYER_PREFIX + sheet)[:31]


def _sheet(book, name: str):
    for sheet in book.sheets:
        if sheet.name == name:
            return sheet
    return None


def _layer(book, sheet, rows: int, cols: int, config):
    """The hidden mirror sheet of ``sheet``, created with its conditional formats on first use."""
    layer = _sheet(book, _layer_name(sheet.name))
    if layer is None:
        layer = book.sheets.add(_layer_name(sheet.name), after=book.sheets[len(book.sheets) - 1])
        layer.visible = False
        whole = sheet.range((1, 1), (1048576, 16384))
        for word, colour in ((SEVERITY_LABELS[ERROR], config.color("error")), (SEVERITY_LABELS[WARNING], config.color("warning"))):
            whole.conditional_formats.add_custom(f"=LEFT('{layer.name}'!A1,2)=\"{word}\"", fill_color=f"#{colour}")
    return layer


def _clear_layer(book, name: str) -> tuple[int, set[str]]:
    """Empty the mirror of sheet ``name`` and delete the notes we added.

    Returns the number of marks removed and the cells whose (our) notes were deleted.
    """
    layer = _sheet(book, _layer_name(name))
    if layer is None:
        return 0, set()
    grid = _grid(layer)
    sheet = book.sheets[name]
    removed, deleted = 0, set()
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row):
            if value:
                removed += 1
                if str(value).endswith("*"):
                    cell = f"{col_letter(c)}{r}"
                    sheet.range(cell).note.delete()
                    deleted.add(cell)
    layer.range((1, 1), (len(grid), len(grid[0]))).clear_contents()
    return removed, deleted


def _paint(book, report: Report, config, freed: dict[str, set[str]]) -> None:
    marks = marks_from(report.findings)
    by_sheet: dict[str, list] = {}
    for mark in marks:
        by_sheet.setdefault(mark.sheet, []).append(mark)
    for name, sheet_marks in by_sheet.items():
        sheet = book.sheets[name]
        freed_here = freed.get(name, set())
        cells = []
        for mark in sheet_marks:
            letters = "".join(ch for ch in mark.cell if ch.isalpha())
            row = int(mark.cell[len(letters):])
            cells.append((row, mark, letters))
        height = max(r for r, _, _ in cells)
        width = max(_col_number(letters) for _, _, letters in cells)
        mirror = [[None] * width for _ in range(height)]
        for row, mark, letters in cells:
            # a cell with a note of the user's keeps it; the message is in 校验结果
            ours = mark.cell in freed_here or sheet.range(mark.cell).note is None
            mirror[row - 1][_col_number(letters) - 1] = SEVERITY_LABELS[mark.severity] + ("*" if ours else "")
            if ours:
                sheet.range(mark.cell).add_note(mark.note)
        layer = _layer(book, sheet, height, width, config)
        layer.range((1, 1), (height, width)).value = mirror


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _write_results(book, report: Report) -> None:
    """The 校验结果 sheet: one row per finding with a link to the cell, then counts per sheet."""
    sheet = _sheet(book, RESULT_SHEET)
    if sheet is None:
        sheet = book.sheets.add(RESULT_SHEET, after=book.sheets[len(book.sheets) - 1])
    else:
        sheet.clear_contents()
    rows = [RESULT_HEADER]
    for i, f in enumerate(report.findings, start=1):
        link = f"=HYPERLINK(\"#'{f.sheet}'!{f.cell}\",\"{f.cell}\")"
        rows.append([i, f.sheet, link, f.row, f.column, SEVERITY_LABELS[f.severity], f.rule, f.message])
    rows.append([None] * len(RESULT_HEADER))
    rows.append(["工作表", "识别为模板", "数据行数", "错误", "警告", None, None, None])
    for name, counts in report.counts["sheets"].items():
        rows.append([name, report.sheets.get(name, ""), report.rows.get(name, 0), counts[ERROR], counts[WARNING], None, None, None])
    sheet.range("A1").value = rows


def _check(book, names: list[str], label: str) -> Report:
    config = _config(book)
    grids = _grids(book, names)
    report = validate_grids(grids, dt.date.today(), config, source=book.name)
    freed = {name: _clear_layer(book, name)[1] for name in names}
    _paint(book, report, config, freed)
    _write_results(book, report)
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
    if name in OWN_SHEETS or name.startswith(LAYER_PREFIX):
        raise UserError(f"「{name}」是校验结果表，请先切换到要校验的数据工作表。")
    return _check(book, [name], "校验本表")


@button("校验全部")
def check_all(book):
    """Validate every template sheet of the workbook."""
    return _check(book, _user_sheets(book), "校验全部")


@button("清除标记")
def clear_marks(book):
    """Remove our marks and notes and the 校验结果 sheet; the user's data and formats stay."""
    removed = sum(_clear_layer(book, name)[0] for name in _user_sheets(book))
    results = _sheet(book, RESULT_SHEET)
    if results is not None:
        results.delete()
    _alert(book, f"已清除 {removed} 处校验标记。", "清除标记")
    return removed


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


HELP_TEXT = """信用台账助手 — “信用台账”选项卡

校验本表 / 校验全部：按报送模板检查必填项、统一社会信用代码和身份证号校验位、日期、下拉取值、重复记录等，问题单元格标色并加批注，明细列在「校验结果」表。
清除标记：去掉校验加上的颜色和批注，不改动数据。
刷新期限与状态：按工作日日历（含调休）重新计算期限和状态。
逾期标色：把已逾期、临近期限的任务标出来。
日历状态：查看各年份放假安排是否已收录（未收录的年份期限为“暂定”）。

没有安装本加载项的同事也能正常打开和填写台账：下拉列表、格式、期限公式和颜色都保存在工作簿里。
问题请联系新城信用办（发展和经济运行部）。"""


@button("帮助")
def show_help(book):
    _alert(book, HELP_TEXT, "信用台账助手 帮助")
    return HELP_TEXT
