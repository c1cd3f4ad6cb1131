"""Workbooks we hand out: the master tracker and the blank templates (openpyxl adapter).

Everything here is driven by the catalogue; the sheets keep working in Excel, WPS or
LibreOffice with no Python (lists, formats, formulas, conditional colours).
"""
