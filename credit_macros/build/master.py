"""Build the master tracker (信用体系建设台账) and the blank templates a unit fills.

``build_master(config)`` returns an openpyxl Workbook; ``write_build(out, config)`` writes the
master and the nine blank templates atomically. The master's deadline parts (重点任务 status
columns, 事项台账, hidden 日历) come from ``credit_macros.build.tracking``, and their formula
cells carry today's results as cached values. The content is a pure function of the
catalogue and the config, so the committed files under ``workbooks/`` can be checked for
staleness by rebuilding.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from credit_macros import catalogue
from credit_macros.build import live_check, page, styles, tracking
from credit_macros.build.cells import put
from credit_macros.build.indicator_sheet import write_indicator_sheet
from credit_macros.build.submissions_sheet import add_office_sheets
from credit_macros.build.template_sheet import ListSheet, write_template_sheet
from credit_macros.catalogue import tasks as tasklib
from credit_macros.catalogue import units as unitlib
from credit_macros.catalogue.sheets import GUIDE_SHEET, KEY_TASK_SHEET, MAIN_TASK_SHEET, PROVENANCE, UNIT_SHEET
from credit_macros.safeio import atomic_write
from credit_macros.workdays import Calendar

MASTER_NAME = "信用体系建设台账.xlsx"
# PROVENANCE: where each merged row came from (来源单位, 报送期, 来源文件, 收到时间); appended after
# the template's columns on master sheets only (``collect`` fills them; ``find_table`` still
# recognises the template by its own columns).


def blank_name(template: catalogue.Template) -> str:
    return f"附件{template.number} {template.title}.xlsx"


def guide_lines(config, template: catalogue.Template | None = None) -> list[str]:
    office = config["office"]
    day = config["deadlines"]["monthly_due_day"]
    lines = [
        f"{office['district']}社会信用体系建设台账" if template is None else template.label,
        "",
        "填写说明",
        "1. 每行填写一条信息；表头请勿修改、删除或调换顺序。",
        "2. 选中表头或单元格会出现填写提示；带下拉箭头的列请从列表中选择。",
        "3. 统一社会信用代码、身份证号、文书号、户号等列已设为文本格式，请直接输入，不要粘贴为数字，"
        "否则18位号码会变成 6.1E+17 且末几位丢失。",
        "4. 日期请填写为 2023-06-01 这样的日期。",
        f"5. 每月{day}日前将上月数据报送{office['host_unit']}（{office['office_name']}）；"
        "遇节假日顺延至下一个工作日。季度事项于每季度最后一个月月底前报送。",
        "6. 报送时请直接回复邮件并附上本工作簿，文件名保留单位名称和所属月份。",
    ]
    if office.get("contact") or office.get("phone"):
        lines.append(f"联系人：{office.get('contact', '')}  电话：{office.get('phone', '')}  邮箱：{office.get('email', '')}")
    return lines


GUIDE_WIDTH = 96  # one column across an A4 portrait page


def _write_guide(ws, lines: list[str]) -> None:
    ws.column_dimensions["A"].width = GUIDE_WIDTH
    for r, line in enumerate(lines, start=1):
        cell = put(ws, r, 1, line)
        cell.alignment = styles.WRAP_TOP
        cell.font = styles.TITLE_FONT if r == 1 else (styles.HEADER_FONT if line == "填写说明" else styles.BODY_FONT)


def _write_table(ws, headers: list[tuple[str, int]], rows: list[list], config) -> None:
    for c, (name, width) in enumerate(headers, start=1):
        styles.style_header(ws.cell(1, c, name), config.color("header"))
        ws.column_dimensions[get_column_letter(c)].width = width
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = put(ws, r, c, value)
            cell.alignment = styles.WRAP_TOP
            cell.border = styles.BORDER
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"


KEY_TASK_HEADERS = [("编号", 8), ("一级指标", 22), ("二级指标", 22), ("具体措施", 60), ("责任部门", 40), ("完成时限", 22)]
MAIN_TASK_HEADERS = [("序号", 6), ("类别", 24), ("任务", 50), ("责任单位", 36), ("配合单位", 24), ("完成时限", 36)]
UNIT_HEADERS = [("序号", 6), ("成员单位", 40), ("简称", 16), ("负责报送的模板", 40), ("联系人", 10), ("电话", 16), ("邮箱", 28)]


def key_task_rows() -> list[list]:
    return [
        [t.id, t.level1, t.level2, t.measure, "、".join(t.units) + ("；另：" + "、".join(t.unknown_units) if t.unknown_units else ""), t.time_limit_text]
        for t in tasklib.key_tasks()
    ]


unit_templates = tasklib.unit_templates  # kept here for existing callers


def add_provenance(ws, template: catalogue.Template, config) -> None:
    """Header cells of the ``PROVENANCE`` columns after the template's last column."""
    top = 2 if template.unit_line else 1
    last = top + template.header_rows - 1
    first = len(template.columns) + 1
    for c, name in enumerate(PROVENANCE, start=first):
        for r in range(top, last + 1):
            styles.style_header(ws.cell(r, c, name if r == top else None), config.color("header"))
        if last > top:
            ws.merge_cells(start_row=top, start_column=c, end_row=last, end_column=c)
        dims = ws.column_dimensions[get_column_letter(c)]
        dims.width = styles.header_width(name, minimum=18)
        dims.alignment = styles.TOP
        dims.number_format = styles.DATETIME_FORMAT if name == "收到时间" else styles.TEXT_FORMAT
    ws.auto_filter.ref = f"A{last}:{get_column_letter(first + len(PROVENANCE) - 1)}{last}"


def build_master(config, today: dt.date | None = None) -> Workbook:
    """The master tracker as of ``today`` (default: the real today; it sets the 日历 span)."""
    today = today or dt.date.today()
    wb = Workbook()
    _write_guide(wb.active, guide_lines(config))
    wb.active.title = GUIDE_SHEET
    _write_table(wb.create_sheet(KEY_TASK_SHEET), KEY_TASK_HEADERS, key_task_rows(), config)
    lists = ListSheet(wb)
    for template in catalogue.templates():
        ws = wb.create_sheet(template.sheet)
        write_template_sheet(ws, template, config, lists)
        add_provenance(ws, template, config)
    main_rows = [
        [t.no, t.section, t.title, "、".join(t.lead_units), t.support_text, t.time_limit_text] for t in tasklib.main_tasks()
    ] + [  # 四、工作要求: the duties every member unit has towards the 信用办
        [f"要求{r.no}", "四、工作要求", r.text, "各成员单位" if len(r.units) == len(unitlib.names()) else "、".join(r.units),
         "", "；".join(rule.text for rule in r.rules)]
        for r in tasklib.requirements()
    ]
    _write_table(wb.create_sheet(MAIN_TASK_SHEET), MAIN_TASK_HEADERS, main_rows, config)
    unit_rows = []
    for unit in unitlib.all_units():
        contact = config.unit_contact(unit.name)
        unit_rows.append([unit.order, unit.name, unit.short, "、".join(unit_templates(unit.name)),
                          contact["contact"], contact["phone"], contact["email"]])
    _write_table(wb.create_sheet(UNIT_SHEET), UNIT_HEADERS, unit_rows, config)
    add_office_sheets(wb, config)  # 报送情况, 收文记录, 退回修改, 历史版本 (filled by collect)
    write_indicator_sheet(wb.create_sheet(), config)  # 指标数据: filled monthly by the 信用办, read by report
    wb.move_sheet(lists.sheet, offset=len(wb.sheetnames))
    tracking.install(wb, config, Calendar.from_config(config), today, today=today)
    page.setup_book(wb, config)
    return wb


def build_blank(template: catalogue.Template, config, unit: str = "", live_rows: int = live_check.BLANK_ROWS) -> Workbook:
    """A workbook with one template sheet (and its hidden lists), for a unit to fill: the live
    check layer on its first ``live_rows`` rows (0: none), counted on the 说明 sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = template.sheet
    lists = ListSheet(wb)
    first = write_template_sheet(ws, template, config, lists, unit=unit)
    guide = wb.create_sheet(GUIDE_SHEET)
    lines = guide_lines(config, template)
    _write_guide(guide, lines)
    if live_rows:
        problems = live_check.add_live_layer(ws, template, config, lists.ranges, first, live_rows)
        live_check.write_summary(guide, len(lines) + 2, {template.sheet: problems}, live_rows)
    page.setup_book(wb, config)
    return wb


def write_build(out: Path, config, blanks_dir: Path | None = None, today: dt.date | None = None) -> list[Path]:
    """Write the master to ``out`` and the blank templates to ``blanks_dir``; returns the paths."""
    written = [out]
    today = today or dt.date.today()
    atomic_write(out, lambda tmp: tracking.save(build_master(config, today), tmp, config, Calendar.from_config(config), today))
    if blanks_dir is not None:
        for template in catalogue.templates():
            path = blanks_dir / "空白模板" / blank_name(template)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, lambda tmp, t=template: build_blank(t, config).save(tmp))
            written.append(path)
    return written
