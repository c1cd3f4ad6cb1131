"""The live summary (报送信息 of a unit workbook, 说明 of a blank template), recalculated by
LibreOffice headless: errors and warnings left per sheet, then "可以报送" or
"还有 N 处错误，请先修改" — exact texts for workbooks with known bad cells, and the same counts
``check`` gives for the same file."""

import datetime as dt
from pathlib import Path

from livebook import CODE, WRONG, good_row, put_row, with_value
from lo import needs_soffice, recalculated_sheets, text_at

from credit_macros import catalogue
from credit_macros.build import live_check
from credit_macros.build.master import GUIDE_SHEET, build_blank
from credit_macros.build.unit_book import build_unit_book
from credit_macros.catalogue.sheets import META_VISIBLE_SHEET
from credit_macros.config import load_config
from credit_macros.io.read import read_grids
from credit_macros.validate import validate_grids

CONFIG = load_config(None)
UNIT = "发展和经济运行部"  # reports 行政裁决, 行政强制, 行政确认, 行政检查, 行政奖励


def _summary(path, sheet, outdir) -> tuple[list[list], list[str]]:
    """The summary block of ``sheet`` as LibreOffice computes it (its CSV, values as text): from its
    工作表 header to the verdict line; and column A of the whole sheet."""
    computed = recalculated_sheets({path: [sheet]}, outdir)[path][sheet]
    rows = [[text_at(computed, r, c) for c in (1, 2, 3)] for r in range(1, len(computed) + 1)]
    top = rows.index(["工作表", "错误（处）", "提醒（处）"])
    end = next(i for i in range(top, len(rows)) if rows[i][1] == "")
    return rows[top:end + 1], [row[0] for row in rows]


def _check_counts(path, sheet) -> tuple[int, int]:
    findings = [f for f in validate_grids(read_grids(path), dt.date.today(), CONFIG, only_sheet=sheet).findings
                if f.rule in live_check.LIVE_RULES]
    cells = {}
    for f in findings:
        cells[f.cell] = "error" if f.severity == "error" or cells.get(f.cell) == "error" else "warning"
    return list(cells.values()).count("error"), list(cells.values()).count("warning")


@needs_soffice
def test_unit_book_summary_counts_the_bad_cells(tmp_path):
    wb = build_unit_book(UNIT, "2026-01", CONFIG)
    ruling = catalogue.template("行政裁决")
    ws = wb[ruling.sheet]
    good = good_row(ruling, CONFIG)
    put_row(ws, 2, good)
    put_row(ws, 3, with_value(ruling, good, "裁决机关代码", WRONG))  # 1 error
    put_row(ws, 4, with_value(ruling, good, "数据来源单位代码", " " + CODE))  # 1 warning
    wb["行政检查"].cell(7, 1, "只填了名称")  # 10 required cells empty
    path = tmp_path / "unit.xlsx"
    wb.save(path)
    summary, _ = _summary(path, META_VISIBLE_SHEET, tmp_path / "lo")
    assert summary == [["工作表", "错误（处）", "提醒（处）"],
                       ["行政裁决", "1", "1"], ["行政强制", "0", "0"], ["行政确认", "0", "0"], ["行政检查", "10", "0"],
                       ["行政奖励", "0", "0"], ["还有 11 处错误，请先修改", "", ""]]
    assert _check_counts(path, "行政裁决") == (1, 1) and _check_counts(path, "行政检查") == (10, 0)


@needs_soffice
def test_blank_summary_says_ready_when_only_warnings_are_left(tmp_path):
    template = catalogue.template("科技研发")
    wb = build_blank(template, CONFIG)
    ws = wb[template.sheet]
    put_row(ws, 2, good_row(template, CONFIG))
    put_row(ws, 3, ["某某", CODE.replace("9", "９", 1), "否", None])  # full-width digit: a warning
    path = tmp_path / "blank.xlsx"
    wb.save(path)
    summary, guide = _summary(path, GUIDE_SHEET, tmp_path / "lo")
    assert summary == [["工作表", "错误（处）", "提醒（处）"], ["科技研发", "0", "1"], ["可以报送", "", ""]]
    assert _check_counts(path, template.sheet) == (0, 1)
    while guide and guide[-1] == "":
        guide.pop()
    assert f"校验情况（公式实时统计各表前 {live_check.BLANK_ROWS} 行的「本行问题」）" in guide
    assert live_check.rule_lines() == guide[-2:]
    assert guide[-2].startswith("实时校验（公式）：必填、下拉取值、真实日期、") and "统一社会信用代码校验位" in guide[-2]
    assert guide[-1] == "仅由信用办汇总时校验（credit-macros check）：内容超过单元格字数上限、含不可见的控制字符、身份证号行政区划代码不存在、身份证号区划代码出生前已撤销、按月金额的格式不对、重复行、缺少必填列、缺少模板列、不是模板中的列、数据区有合并单元格。"


def test_every_registered_rule_is_said_live_or_python_only():
    """The two lists come from the registry: a new code lands in one of them without a second edit."""
    from credit_macros.catalogue.rules import registry
    assert set(live_check.LIVE_RULES) <= set(registry())
    assert len(live_check.python_only()) == len(set(registry()) - set(live_check.LIVE_RULES)) > 0


def test_readme_lists_the_same_rules():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert all(f"- {line}\n" in readme for line in live_check.rule_lines())
