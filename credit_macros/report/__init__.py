"""半月通报: the 信用办's half-monthly circular on the member units' work, scores and indicators.

``make_report(master_path, as_of, config, out_path=None)`` reads the master tracker, scores the
member units for the last complete half-month before ``as_of`` (``scoring``: the half-month rule
and the score formula), evaluates the plan's indicators (``indicators``: declared in
``indicators.toml``, filled in the master's 指标数据 sheet) and writes two files:

* ``.xlsx`` (default ``通报/半月通报_YYYYMMDD.xlsx`` beside the master): sheets 通报 (summary and
  the units to be urged), 单位得分 (ranked, with a bar chart of the on-time rate), 指标 (target
  beside actual, missed ones filled red, a line chart per indicator against its target) and
  指标趋势 (the charts' data);
* ``.docx`` with the same name: the circular laid out for printing (A4, 红头 title).

Statuses are taken as of ``as_of`` (a report received after the half-month but before the report
date counts as 逾期, not 未报). Every string written passes through ``masking.mask``. The ribbon's
生成通报 button (``credit_macros.excel.make_report``) and ``credit-macros report`` call this.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from credit_macros import catalogue
from credit_macros.catalogue.sheets import INDICATOR_SHEET
from credit_macros.errors import UserError
from credit_macros.io.collect_master import read_master
from credit_macros.report import indicators as indlib
from credit_macros.report.indicators import format_value
from credit_macros.report.render_docx import write_docx
from credit_macros.report.render_xlsx import write_xlsx
from credit_macros.report.result import ReportResult
from credit_macros.report.scoring import UnitScore, half_month, items_text, low_scorers, score_units, weights
from credit_macros.safeio import outputs, refuse_if_locked
from credit_macros.submissions import submission_rows
from credit_macros.table import find_table
from credit_macros.validate import ERROR
from credit_macros.validate.rules import data_rows, validate_table
from credit_macros.workdays import Calendar

REPORT_FOLDER = "通报"
FIVE_KINDS = tuple(t.key for t in catalogue.templates() if t.number <= 5)  # 附件1–5: 五类行政管理信息


def urge_rows(units: list[UnitScore], low: list[UnitScore], low_score: float, config) -> list[tuple[str, str, str, str, str]]:
    """(单位, 类别, 事项, 联系人, 电话) of every unit to be urged — 逾期, 未报, 得分偏低 — in rank order."""
    out = []
    for unit in units:
        contact = config.unit_contact(unit.unit)
        entries = [("逾期报送", items_text(unit.late_items)), ("未报送", items_text(unit.missing_items)),
                   ("得分偏低", f"得分 {unit.score:g} 分，低于 {low_score:g} 分" if unit in low else "")]
        out += [(unit.unit, kind, items, contact["contact"], contact["phone"]) for kind, items in entries if items]
    return out


def default_out(master: Path, as_of: dt.date) -> Path:
    return master.parent / REPORT_FOLDER / f"半月通报_{as_of:%Y%m%d}.xlsx"


def five_kinds_counts(grids: dict[str, list[list]], as_of: dt.date, config) -> dict[str, float | None]:
    """五类合规行数 (data rows without a validation error) and 五类信息行数 over the master's 附件1–5 sheets."""
    clean = total = 0
    for key in FIVE_KINDS:
        table = find_table(key, grids[key], only=catalogue.template(key)) if key in grids else None
        if table is None:
            continue
        rows = data_rows(table)
        bad = {f.row for f in validate_table(table, as_of, config) if f.severity == ERROR and f.row > table.header_row}
        total += rows
        clean += rows - len(bad)
    return {indlib.CLEAN_ROWS: clean if total else None, indlib.ALL_ROWS: total or None}


def _percent(part: int, whole: int) -> str:
    return format_value(part / whole if whole else None, "percent")


def summary_text(result: ReportResult) -> str:
    """The summary paragraph of the circular (every number in it comes from ``result``)."""
    scored = result.scored
    parts = []
    if scored:
        due, on, late, missing = (sum(getattr(u, k) for u in scored) for k in ("due", "on_time", "late", "missing"))
        rows, errors = sum(u.rows for u in scored), sum(u.errors for u in scored)
        top = [u for u in scored if u.rank == 1]
        parts.append(
            f"本期（{result.period.label}）共有{len(scored)}个成员单位有到期报送事项{due}项，其中按时报送{on}项、"
            f"逾期报送{late}项、未报送{missing}项，按时报送率{_percent(on, due)}；共报送数据{rows}行，"
            f"校验发现错误{errors}处，错误率{_percent(errors, rows)}。"
            f"得分最高的是{'、'.join(u.unit for u in top)}（{top[0].score:g}分）；"
            + (f"得分低于{result.low_score:g}分的有{'、'.join(u.unit for u in result.low)}。" if result.low
               else f"各单位得分均不低于{result.low_score:g}分。")
        )
    else:
        parts.append(f"本期（{result.period.label}）各成员单位均无到期报送事项。")
    counts = {s: sum(1 for i in result.indicators if i.status == s) for s in (indlib.MET, indlib.MISSED, indlib.OPEN, indlib.NO_DATA)}
    missed = [i.indicator.name for i in result.indicators if i.missed]
    parts.append(
        f"指标方面，{len(result.indicators)}项指标中达标{counts[indlib.MET]}项、未达标{counts[indlib.MISSED]}项、"
        f"进行中{counts[indlib.OPEN]}项、无数据{counts[indlib.NO_DATA]}项"
        + (f"，未达标的是{'、'.join(missed)}。" if missed else "。")
    )
    return "".join(parts)


def build_report(master: Path, grids: dict[str, list[list]], as_of: dt.date, config) -> ReportResult:
    """Scores, indicators and summary from the master's grids (no files written)."""
    period = half_month(as_of)
    rows = submission_rows(grids, as_of, Calendar.from_config(config), config)
    units = score_units(rows, period, config)
    notes = []
    if INDICATOR_SHEET in grids:
        month_rows = indlib.read_indicator_data(grids[INDICATOR_SHEET], f"总台账 {master.name} ")
    else:
        month_rows = []
        notes.append(f"总台账 {master.name} 中没有“{INDICATOR_SHEET}”工作表，指标按无数据处理；请用 credit-macros build 生成的新版总台账填写指标数据。")
    enterprises = config["office"]["enterprise_count"]
    constants = {indlib.ENTERPRISES: enterprises or None, **five_kinds_counts(grids, as_of, config)}
    results = indlib.evaluate(month_rows, (period.end.year, period.end.month), constants)
    office = config["office"]
    low, low_score = low_scorers(units, config), weights(config)[3]
    result = ReportResult(master, as_of, period, units, low, low_score, results, office["district"],
                          f"{office['office_name']}（{office['host_unit']}）", notes=notes,
                          urged=urge_rows(units, low, low_score, config))
    result.summary = summary_text(result)
    return result


def make_report(master_path, as_of: dt.date, config, out_path=None, grids=None) -> ReportResult:
    """Build the half-month report for ``as_of`` from the master and write the .xlsx and .docx.

    ``grids``: the master's values when the caller has them already (the ribbon reads the open
    workbook); by default the saved file is read.
    ``out_path``: the .xlsx to write (the .docx goes beside it with the same name); default
    ``通报/半月通报_YYYYMMDD.xlsx`` in the master's folder. Raises ``UserError`` for a bad master,
    bad 指标数据 cells, a wrong extension, a missing folder or an output file open in Excel/Word;
    nothing is written then.
    """
    master = Path(master_path)
    out = Path(out_path) if out_path else default_out(master, as_of)
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"通报输出文件 {out} 的扩展名应为 .xlsx（同名 .docx 会写在旁边）。")
    result = build_report(master, read_master(master) if grids is None else grids, as_of, config)
    docx = out.with_suffix(".docx")
    refuse_if_locked(out)
    refuse_if_locked(docx)
    if out_path is None:
        out.parent.mkdir(exist_ok=True)
    result.xlsx, result.docx = out, docx
    with outputs() as files:   # both or neither
        files.write(out, lambda tmp: write_xlsx(result, config, tmp))
        files.write(docx, lambda tmp: write_docx(result, config, tmp))
    return result
