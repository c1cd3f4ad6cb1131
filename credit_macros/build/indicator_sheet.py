"""The master's 指标数据 sheet: one row per month, filled by the 信用办, read by the 半月通报.

Columns, their input help and kinds come from ``credit_macros/report/indicators.toml``; the
月份 column takes dates shown as yyyy-mm, the others whole numbers ≥ 0.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from credit_macros.build import styles
from credit_macros.build.template_sheet import LAST_ROW
from credit_macros.catalogue.sheets import INDICATOR_SHEET
from credit_macros.report.indicators import data_columns

MONTH_FORMAT = "yyyy-mm"
COUNT_FORMAT = "#,##0"


def write_indicator_sheet(ws, config) -> None:
    """Lay the 指标数据 headers, input help, validations and formats out on the empty sheet ``ws``."""
    ws.title = INDICATOR_SHEET
    for c, column in enumerate(data_columns(), start=1):
        letter = get_column_letter(c)
        head = ws.cell(1, c, column.name)
        styles.style_header(head, config.color("header"))
        if column.kind == "month":
            dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
            dv.error = "「月份」请填写日期，如 2026-10。"
            ws.column_dimensions[letter].number_format = MONTH_FORMAT
        else:
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            dv.error = f"「{column.name}」请填写不小于0的整数。"
            ws.column_dimensions[letter].number_format = COUNT_FORMAT
        dv.errorTitle = "输入有误"
        dv.promptTitle = column.name[:32]
        dv.prompt = column.help
        dv.showInputMessage = True
        dv.showErrorMessage = True
        dv.add(f"{letter}1:{letter}{LAST_ROW}")
        ws.add_data_validation(dv)
        ws.column_dimensions[letter].width = styles.header_width(column.name, minimum=12)
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "B2"
