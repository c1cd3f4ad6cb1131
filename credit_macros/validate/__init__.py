"""数据校验: validate template rows where they are, without Excel.

``validate_grids(grids, as_of, config)`` recognises each sheet's template by its headers and
returns a ``Report`` of ``Finding`` objects; ``validate_table`` does one table (the scan engine,
``rules``). The code standards are ``uscc`` (GB 32100), ``idcard`` (GB 11643) and ``phone``; every
code a finding carries is registered in ``catalogue/rules.toml`` (severity, Chinese name, fix). ``marks`` turns
findings into cell marks (colour + note) for the file adapter (``credit_macros.io.filemarks``) and the
ribbon. Nothing here imports openpyxl or xlwings.
"""

from credit_macros.validate.findings import ERROR, WARNING, Finding, Report
from credit_macros.validate.rules import validate_grids, validate_table

__all__ = ["ERROR", "WARNING", "Finding", "Report", "validate_grids", "validate_table"]
