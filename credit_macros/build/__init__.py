"""Workbooks we hand out, built with openpyxl: the master tracker, the blank templates and the
units' workbooks, with the hidden 日历 and the formulas of 重点任务 / 事项台账.

Everything here is driven by the catalogue; the sheets keep working in Excel, WPS or
LibreOffice with no Python (lists, formats, formulas, conditional colours).
"""
