"""The 半月通报 as a workbook (openpyxl adapter): 通报, 单位得分, 指标, 指标趋势, with native charts.

Every string goes through ``masking.mask`` (``_put``). Charts read their data from cells, so a
user who corrects a number in Excel sees the chart follow.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from credit_macros.build import page, styles
from credit_macros.build.cells import put
from credit_macros.catalogue.sheets import INDICATOR_SHEET
from credit_macros.masking import mask
from credit_macros.report import indicators as indlib
from credit_macros.report.result import ReportResult

SUMMARY_SHEET, SCORE_SHEET, FIGURES_SHEET, TREND_SHEET = "通报", "单位得分", "指标", "指标趋势"  # the 通报 file's own
PERCENT, COUNT, SCORE = "0.0%", "#,##0", "0.0"
SCORE_HEADERS = [("排名", 6), ("成员单位", 40), ("简称", 16), ("应报事项", 9), ("按时", 7), ("逾期", 7), ("未报", 7),
                 ("按时率", 9), ("报送行数", 9), ("校验错误", 9), ("错误率", 9), ("得分", 8), ("备注", 30)]
INDICATOR_HEADERS = [("指标", 26), ("数据月份", 14), ("实际值", 12), ("目标", 22), ("状态", 9), ("说明", 40), ("方案依据", 60)]
URGE_HEADERS = [("成员单位", 40), ("类别", 10), ("事项", 70), ("联系人", 10), ("电话", 16)]
RED_FONT = Font(name="宋体", size=11, bold=True, color="C00000")
TITLE_FONT = Font(name="宋体", size=16, bold=True, color="C00000")
STATUS_COLORS = {indlib.MISSED: "error", indlib.MET: "done", indlib.NO_DATA: "warning"}
CHART_WIDTH, CHART_HEIGHT, CHART_ROWS = 16, 7.5, 16


def _put(ws, row: int, col: int, value, number_format: str | None = None, border: bool = True):
    cell = put(ws, row, col, mask(value))
    cell.font = styles.BODY_FONT
    cell.alignment = styles.WRAP_TOP
    if border:
        cell.border = styles.BORDER
    if number_format:
        cell.number_format = number_format
    return cell


def _header(ws, row: int, headers: list[tuple[str, int]], config) -> None:
    for c, (name, width) in enumerate(headers, start=1):
        styles.style_header(ws.cell(row, c, name), config.color("header"))
        if ws.column_dimensions[get_column_letter(c)].width < width:
            ws.column_dimensions[get_column_letter(c)].width = width


def _line(ws, row: int, text: str, font=styles.BODY_FONT, span: int = 5, height: float | None = None) -> None:
    cell = _put(ws, row, 1, text, border=False)
    cell.font = font
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
    if height:
        ws.row_dimensions[row].height = height


def _summary_sheet(ws, result: ReportResult, config) -> None:
    ws.title = SUMMARY_SHEET
    _line(ws, 1, result.title, TITLE_FONT, height=30)
    _line(ws, 2, f"{result.office}    {result.as_of.year}年{result.as_of.month}月{result.as_of.day}日")
    _line(ws, 3, f"通报期间：{result.period.label}（{result.period.start.year}年第{result.period.issue}期）")
    _line(ws, 4, f"数据来源：{result.master.name}")
    _line(ws, 6, "一、总体情况", styles.HEADER_FONT)
    _line(ws, 7, result.summary, height=110)
    row = 9
    _line(ws, row, "二、需督促的单位", styles.HEADER_FONT)
    _header(ws, row + 1, URGE_HEADERS, config)
    row += 2
    for values in result.urged:
        for c, value in enumerate(values, start=1):
            _put(ws, row, c, value)
        row += 1
    if not result.urged:
        _put(ws, row, 1, "本期无需督促的单位。")
        row += 1
    row += 1
    _line(ws, row, "三、未达标指标", styles.HEADER_FONT)
    row += 1
    missed = [i for i in result.indicators if i.missed]
    for item in missed:
        _line(ws, row, f"{item.indicator.name}：{item.month}实际 {indlib.format_value(item.actual, item.indicator.format)}，"
                       f"目标 {indlib.target_text(item.indicator, item.target)}")
        row += 1
    if not missed:
        _line(ws, row, "本期无未达标指标。")
        row += 1
    for note in result.notes:
        _line(ws, row + 1, f"说明：{note}")
        row += 1
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width, 40)


def _score_sheet(ws, result: ReportResult, config) -> None:
    _header(ws, 1, SCORE_HEADERS, config)
    red = styles.fill(config.color("error"))
    for r, unit in enumerate(result.units, start=2):
        note = "本期无到期事项" if unit.score is None else ("得分偏低，需督促" if unit in result.low else "")
        values = [unit.rank, unit.unit, unit.short, unit.due, unit.on_time, unit.late, unit.missing,
                  unit.on_time_rate, unit.rows, unit.errors, unit.error_rate, unit.score, note]
        formats = [None, None, None, COUNT, COUNT, COUNT, COUNT, PERCENT, COUNT, COUNT, PERCENT, SCORE, None]
        for c, (value, fmt) in enumerate(zip(values, formats), start=1):
            _put(ws, r, c, value, fmt)
        if unit in result.low:
            ws.cell(r, 12).fill = red
            ws.cell(r, 12).font = RED_FONT
    ws.freeze_panes = "C2"
    scored = len(result.scored)
    if scored:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "各成员单位按时报送率"
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.x_axis.scaling.orientation = "maxMin"  # rank 1 on top
        chart.legend = None
        chart.add_data(Reference(ws, min_col=8, min_row=1, max_row=scored + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=3, min_row=2, max_row=scored + 1))
        chart.width, chart.height = CHART_WIDTH, max(CHART_HEIGHT, 0.6 * scored + 3)
        ws.add_chart(chart, "O2")


def _indicator_sheet(ws, trend_ws, result: ReportResult, config) -> None:
    _header(ws, 1, INDICATOR_HEADERS, config)
    for r, item in enumerate(result.indicators, start=2):
        ind = item.indicator
        fmt = PERCENT if ind.format == "percent" else COUNT
        values = [ind.name, item.month, item.actual, indlib.target_text(ind, item.target), item.status, item.note, ind.basis]
        for c, value in enumerate(values, start=1):
            _put(ws, r, c, value, fmt if c == 3 else None)
        color = STATUS_COLORS.get(item.status)
        if color:
            for c in (3, 5):
                ws.cell(r, c).fill = styles.fill(config.color(color))
        if item.missed:
            for c in (3, 5):
                ws.cell(r, c).font = RED_FONT
    ws.freeze_panes = "B2"
    _trend_charts(ws, trend_ws, result, len(result.indicators) + 3)


def _no_chart(ws, anchor: str, item) -> None:
    """The sentence shown where an indicator's chart would be when there is nothing to draw."""
    cell = ws[anchor]
    cell.value = mask(f"{item.indicator.name}：无数据，不绘制趋势图。{item.note or f'请在“{INDICATOR_SHEET}”表填写本指标所需各列'}，填写后重新生成通报。")
    cell.font, cell.alignment = RED_FONT, styles.WRAP_TOP


def _trend_charts(ws, trend_ws, result: ReportResult, first_row: int) -> None:
    """One block per indicator on 指标趋势 (期间 | 实际 | 目标) and a line chart of it on 指标:
    straight lines, a marker on every actual point, the target dashed grey without markers, axis
    titles in Chinese. An indicator without a single actual value (no 指标数据, or 辖区企业数
    missing) gets one sentence saying what to fill instead of a chart of its target alone."""
    row, placed = 1, 0
    for item in result.indicators:
        if item.indicator.period == "current":
            continue
        anchor = f"{'A' if placed % 2 == 0 else 'E'}{first_row + placed // 2 * CHART_ROWS}"
        placed += 1
        if all(value is None for _, value in item.trend):
            _no_chart(ws, anchor, item)
            continue
        ind = item.indicator
        fmt = PERCENT if ind.format == "percent" else COUNT
        for c, title in enumerate([ind.name, "实际", "目标"], start=1):
            _put(trend_ws, row, c, title).font = styles.HEADER_FONT
        for i, (label, value) in enumerate(item.trend, start=row + 1):
            _put(trend_ws, i, 1, label)
            _put(trend_ws, i, 2, value, fmt)
            _put(trend_ws, i, 3, item.target, fmt)
        last = row + len(item.trend)
        chart = LineChart()
        chart.title = mask(ind.name)
        chart.y_axis.number_format = "0%" if ind.format == "percent" else "#,##0"
        chart.y_axis.title = "比例（%）" if ind.format == "percent" else "数量（个）"
        chart.x_axis.title = "季度" if ind.period == "quarter" else "月份"
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.add_data(Reference(trend_ws, min_col=2, max_col=3, min_row=row, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(trend_ws, min_col=1, min_row=row + 1, max_row=last))
        actual, target = chart.series
        for series in chart.series:
            series.smooth = False
        actual.marker.symbol, actual.marker.size = "circle", 7
        actual.graphicalProperties.line.solidFill = "1F4E79"
        actual.graphicalProperties.line.width = 28575  # 2.25 pt
        target.marker.symbol = "none"
        target.graphicalProperties.line.solidFill = "808080"
        target.graphicalProperties.line.dashStyle = "dash"
        chart.width, chart.height = CHART_WIDTH, CHART_HEIGHT
        ws.add_chart(chart, anchor)
        row = last + 2
    for letter, width in (("A", 26), ("B", 14), ("C", 14)):
        trend_ws.column_dimensions[letter].width = width


def build_workbook(result: ReportResult, config) -> Workbook:
    wb = Workbook()
    _summary_sheet(wb.active, result, config)
    _score_sheet(wb.create_sheet(SCORE_SHEET), result, config)
    _indicator_sheet(wb.create_sheet(FIGURES_SHEET), wb.create_sheet(TREND_SHEET), result, config)
    page.setup_book(wb, config)
    return wb


def write_xlsx(result: ReportResult, config, path) -> None:
    build_workbook(result, config).save(path)
