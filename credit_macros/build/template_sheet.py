"""One attachment template as a worksheet: headers, input help, lists, formats, widths.

Used for the master tracker, the blank templates under ``workbooks/`` and the per-unit
workbooks ``split`` hands out, so all three look and validate the same.
"""

from __future__ import annotations

import math

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from credit_macros.build import styles
from credit_macros.build.cells import put
from credit_macros.catalogue import Column, Template, enum_values
from credit_macros.catalogue.sheets import LIST_SHEET

LAST_ROW = 1048576
YESNO = ["是", "否"]

TYPE_HELP = {
    "uscc": "18位统一社会信用代码，字母大写；本列为文本格式，请勿改为数字。",
    "party_code": "法人及非法人组织、个体工商户填18位统一社会信用代码；自然人填身份证号。文本格式。",
    "id_number": "按“证件类型”填写证件号码；身份证为18位（末位可为X）。文本格式。",
    "date": "日期，如 2023-06-01。",
    "datetime": "日期时间，如 2023-06-01 09:30。",
    "yesno": "从下拉列表选择“是”或“否”。",
    "enum": "从下拉列表选择。",
    "number": "数字，不带单位。",
    "series": "按月列出金额，格式：2022-01: 0; 2022-02: 15288.8",
    "phone": "手机号11位，或带区号的固定电话，如 029-12345678。",
}


def column_help(column: Column, config) -> str:
    """The input message staff see when they select a header or a cell of the column."""
    parts = ["必填。" if column.required else "选填。", TYPE_HELP.get(column.type, "")]
    if column.type == "enum" and enum_values(column.enum, config) is None:
        parts[1] = "自由填写（本单位未规定取值范围）。"
    elif column.text and column.type == "text":
        parts.append("文本格式，长编号不会变成科学计数。")
    if column.help:
        parts.append(column.help)
    return "".join(p for p in parts if p)[:250]


class ListSheet:
    """The hidden sheet holding every drop-down list, one list per column."""

    def __init__(self, workbook):
        self.sheet = workbook.create_sheet(LIST_SHEET)
        self.sheet.sheet_state = "hidden"
        self.ranges: dict[str, str] = {}

    def range_for(self, name: str, values: list[str]) -> str:
        if name not in self.ranges:
            col = len(self.ranges) + 1
            self.sheet.cell(1, col, name)
            for r, value in enumerate(values, start=2):
                put(self.sheet, r, col, value).number_format = styles.TEXT_FORMAT
            letter = get_column_letter(col)
            self.ranges[name] = f"'{LIST_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        return self.ranges[name]


def _validation_for(column: Column, values: list[str] | None, lists: ListSheet) -> DataValidation | None:
    if column.type == "yesno":
        values = YESNO
    if values:
        source = lists.range_for(column.enum or "是否", values)
        dv = DataValidation(type="list", formula1=source, allow_blank=True)
        dv.error = f"请从下拉列表中选择「{column.name}」的取值。"
    elif column.type in ("date", "datetime"):
        dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
        dv.error = f"「{column.name}」请填写日期，如 2023-06-01。"
    elif column.type == "number":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.error = f"「{column.name}」请填写不小于0的数字。"
    else:
        dv = DataValidation(allow_blank=True)  # input help only
    dv.errorTitle = "输入有误"
    dv.errorStyle = "stop"
    return dv


def write_template_sheet(ws, template: Template, config, lists: ListSheet, unit: str = "") -> int:
    """Lay ``template`` out on the empty sheet ``ws``; returns the first data row (1-based)."""
    header_rgb = config.color("header")
    top = 1
    if template.unit_line:
        ws.cell(1, 1, "单位：").font = styles.HEADER_FONT
        put(ws, 1, 2, unit).number_format = styles.TEXT_FORMAT
        ws.merge_cells(start_row=1, start_column=2, end_row=1, end_column=4)
        top = 2
    last_header = top + template.header_rows - 1
    first_data = last_header + 1
    group_start: dict[str, int] = {}
    for c, column in enumerate(template.columns, start=1):
        letter = get_column_letter(c)
        values = enum_values(column.enum, config) if column.type == "enum" else None
        if column.group and template.header_rows > 1:
            group_start.setdefault(column.group, c)
            styles.style_header(ws.cell(top, c, column.group if group_start[column.group] == c else None), header_rgb)
            head = ws.cell(last_header, c, column.name)
        else:
            head = ws.cell(top, c, column.name)
            if template.header_rows > 1:
                ws.merge_cells(start_row=top, start_column=c, end_row=last_header, end_column=c)
        styles.style_header(head, header_rgb)
        for r in range(top, last_header + 1):
            ws.cell(r, c).border = styles.BORDER
        help_text = column_help(column, config)
        header_dv = DataValidation(allow_blank=True, promptTitle=column.name[:32], prompt=help_text, showInputMessage=True)
        header_dv.add(head.coordinate)
        ws.add_data_validation(header_dv)
        dv = _validation_for(column, values, lists)
        dv.promptTitle = column.name[:32]
        dv.prompt = help_text
        dv.showInputMessage = True
        dv.showErrorMessage = dv.type is not None
        dv.add(f"{letter}{first_data}:{letter}{LAST_ROW}")
        ws.add_data_validation(dv)
        dims = ws.column_dimensions[letter]
        dims.width = styles.column_width(column, values)
        dims.alignment = styles.WRAP_TOP if column.type in styles.WRAPPED_TYPES else styles.TOP
        if column.text:
            dims.number_format = styles.TEXT_FORMAT
        elif column.type == "date":
            dims.number_format = styles.DATE_FORMAT
        elif column.type == "datetime":
            dims.number_format = styles.DATETIME_FORMAT
    for group, start in group_start.items():
        end = max(i for i, col in enumerate(template.columns, start=1) if col.group == group)
        ws.merge_cells(start_row=top, start_column=start, end_row=top, end_column=end)
    lines = max(math.ceil(styles.text_width(column.name) / (ws.column_dimensions[get_column_letter(c)].width - 1))
                for c, column in enumerate(template.columns, start=1))
    ws.row_dimensions[last_header].height = max(2, lines) * 15 + 6  # 15 pt per line of 11-point text
    ws.freeze_panes = ws.cell(first_data, 1)
    ws.auto_filter.ref = f"A{last_header}:{get_column_letter(len(template.columns))}{last_header}"
    return first_data
