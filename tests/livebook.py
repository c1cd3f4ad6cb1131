"""Rows with known verdicts for the live layer's tests: a row ``check`` and the layer find nothing
in, and the codes that make one cell an error (a wrong check character) or a warning."""

from __future__ import annotations

import datetime as dt

import stdnum.cn.ric as ric
import stdnum.cn.uscc as uscc

from credit_macros import catalogue

CODE = "91610000" + "MA6TG1234"
CODE += uscc.calc_check_digit(CODE)
WRONG = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")  # uscc-checksum: one error
PERSON = "61010219900101123"
PERSON += ric.calc_check_digit(PERSON + "0")


def good_row(template, config) -> list:
    """One row ``check`` and the layer find nothing in."""
    values = {"text": "某某", "uscc": CODE, "party_code": CODE, "id_number": PERSON, "yesno": "是", "number": 3,
              "date": dt.date(2025, 3, 3), "phone": "13912345678"}
    row = []
    for column in template.columns:
        if column.type == "enum":
            row.append({"行政相对人类别": "法人及非法人组织", "证件类型": "身份证"}.get(column.enum)
                       or (catalogue.enum_values(column.enum, config) or ["自由填写"])[0])
        else:
            row.append(values[column.type])
    return row


def with_value(template, row: list, column: str, value) -> list:
    """``row`` with ``column``'s value replaced."""
    return [value if c.name == column else v for c, v in zip(template.columns, row)]


def put_row(ws, row: int, values: list) -> None:
    for c, value in enumerate(values, start=1):
        ws.cell(row, c, value)
