"""What validation finds: ``Finding`` (one problem in one cell) and ``Report`` (all of them).

A finding names the sheet, the cell, the row, the column header, a short stable rule code (its
severity, Chinese name and fix are the registry's, ``catalogue/rules.toml``) and a Chinese
message a clerk understands. A report counts them per sheet and severity, serialises to JSON
(``to_dict``) and renders as Chinese text (``render``), ending with how to fix each kind found.

>>> f = Finding("行政强制", "B5", 5, "行政相对人代码", "uscc-checksum", ERROR,
...             "第5行「行政相对人代码」：统一社会信用代码校验位错误，应为 X，请核对后重新录入")
>>> r = Report([f], sheets={"行政强制": "附件2 行政强制信息模板"}, rows={"行政强制": 3}, source="a.xlsx")
>>> r.counts
{'error': 1, 'warning': 0, 'sheets': {'行政强制': {'error': 1, 'warning': 0}}}
>>> print(r.render())
文件 a.xlsx：
  工作表「行政强制」识别为 附件2 行政强制信息模板，3 行数据：错误 1 处，警告 0 处
共发现错误 1 处、警告 0 处：
  [错误] 「行政强制」B5 第5行「行政相对人代码」：统一社会信用代码校验位错误，应为 X，请核对后重新录入
改正方法：
  统一社会信用代码校验位错误（uscc-checksum，1 处）：多是某一位录错，对照营业执照逐位核对后重新录入
"""

from __future__ import annotations

from dataclasses import dataclass, field

from credit_macros.catalogue.rules import Rule, rule
from credit_macros.catalogue.sheets import FIX_HEADER, RESULT_HEADER, SUMMARY_HEADER

ERROR = "error"
WARNING = "warning"
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告"}
RESULT_TITLE = "信用台账助手 校验结果："  # how A1 of every 校验结果 we write starts: a sheet of that name without it is the user's


def is_our_results(first_cell) -> bool:
    """Whether a sheet named 校验结果 is ours, by its A1 (the ribbon, which keeps no record sheet,
    must never overwrite or delete a sheet of the user's that happens to have the name).

    >>> is_our_results("信用台账助手 校验结果：错误 0 处，警告 0 处。"), is_our_results("我的汇总"), is_our_results(None)
    (True, False, False)
    """
    return isinstance(first_cell, str) and first_cell.startswith(RESULT_TITLE)


@dataclass(frozen=True, slots=True)
class Finding:
    sheet: str
    cell: str  # A1 style
    row: int  # 1-based sheet row
    column: str  # template column name (or the header text of an extra column)
    rule: str  # short stable code: required, uscc-checksum, date-future, ...
    severity: str  # ERROR or WARNING
    message: str  # Chinese, names row and column and says what to do

    @property
    def title(self) -> str:
        """The rule's Chinese name (``catalogue/rules.toml``)."""
        return rule(self.rule).title

    def to_dict(self) -> dict:
        return {"sheet": self.sheet, "cell": self.cell, "row": self.row, "column": self.column,
                "rule": self.rule, "title": self.title, "severity": self.severity, "message": self.message}

    def render(self) -> str:
        return f"[{SEVERITY_LABELS[self.severity]}] 「{self.sheet}」{self.cell} {self.message}"


@dataclass
class Report:
    """Findings of one workbook (or of the sheets asked for).

    ``sheets`` maps each checked sheet to the template it was recognised as, ``rows`` to its
    number of data rows; ``skipped`` lists sheets that are no template.
    """

    findings: list[Finding]
    sheets: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    source: str | None = None

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def counts(self) -> dict:
        per_sheet = {s: {ERROR: 0, WARNING: 0} for s in self.sheets}
        for f in self.findings:
            per_sheet.setdefault(f.sheet, {ERROR: 0, WARNING: 0})[f.severity] += 1
        return {
            ERROR: sum(c[ERROR] for c in per_sheet.values()),
            WARNING: sum(c[WARNING] for c in per_sheet.values()),
            "sheets": per_sheet,
        }

    def to_dict(self) -> dict:
        return {
            "file": self.source,
            "findings": [f.to_dict() for f in self.findings],
            "counts": self.counts,
            "sheets": [{"sheet": s, "template": t, "rows": self.rows.get(s, 0)} for s, t in self.sheets.items()],
            "skipped": list(self.skipped),
        }

    def by_rule(self) -> dict[Rule, int]:
        """Each rule found → how many findings, in the order first found."""
        counted: dict[str, int] = {}
        for f in self.findings:
            counted[f.rule] = counted.get(f.rule, 0) + 1
        return {rule(code): n for code, n in counted.items()}

    def summary_lines(self) -> list[str]:
        counts = self.counts["sheets"]
        lines = [
            f"工作表「{s}」识别为 {t}，{self.rows.get(s, 0)} 行数据：错误 {counts[s][ERROR]} 处，警告 {counts[s][WARNING]} 处"
            for s, t in self.sheets.items()
        ]
        lines += [f"工作表「{s}」不是报送模板（表头不符），未检查" for s in self.skipped]
        return lines

    def render(self) -> str:
        head = [f"文件 {self.source}：" if self.source else "校验结果："]
        head += ["  " + line for line in self.summary_lines()]
        if self.ok:
            return "\n".join(head + ["未发现问题。"])
        c = self.counts
        head.append(f"共发现错误 {c[ERROR]} 处、警告 {c[WARNING]} 处：")
        fixes = ["改正方法："] + [f"  {r.title}（{r.code}，{n} 处）：{r.fix}" for r, n in self.by_rule().items()]
        return "\n".join(head + ["  " + f.render() for f in self.findings] + fixes)


def result_rows(report: Report) -> tuple[list[list], int]:
    """The 校验结果 sheet as rows of values (the file adapter and the ribbon write the same), and
    the 0-based index of the first finding row: a title line, the sheets checked, each kind of
    problem found with its fix, then one row per finding — the rule's Chinese name in 规则, its
    stable code in the last column. Column C of a finding row is its cell address, which the
    adapters turn into a link. Every value from the user's file (sheet names, headers, the values
    quoted in messages) is plain text here; the adapters write strings as text, never formulas."""
    c = report.counts
    rows: list[list] = [
        [f"{RESULT_TITLE}错误 {c[ERROR]} 处，警告 {c[WARNING]} 处。点击“单元格”可跳到该处；"
         "改正后再校验一次，本表和标记会自动更新；“清除标记”按钮或 credit-macros clear 可清除全部标记。"],
        [],
        list(SUMMARY_HEADER),
    ]
    rows += [[sheet, template, report.rows.get(sheet, 0), c["sheets"][sheet][ERROR], c["sheets"][sheet][WARNING]]
             for sheet, template in report.sheets.items()]
    rows += [[sheet, "不是报送模板，未检查"] for sheet in report.skipped]
    if report.findings:
        rows += [[], list(FIX_HEADER)]
        rows += [[r.title, SEVERITY_LABELS[r.severity], n, r.fix, r.code] for r, n in report.by_rule().items()]
    rows += [[], list(RESULT_HEADER)]
    first = len(rows)
    rows += [[n, f.sheet, f.cell, f.row, f.column, SEVERITY_LABELS[f.severity], f.title, f.message, f.rule]
             for n, f in enumerate(report.findings, start=1)]
    return rows, first
