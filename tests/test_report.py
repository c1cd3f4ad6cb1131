"""End to end: a master with known receipts, 五类 rows and 指标数据 → the 半月通报 .xlsx and .docx."""

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import stdnum.cn.ric as ric
import stdnum.cn.uscc as uscc
from lo import convert, needs_soffice
from runcli import run

from credit_macros.build.master import build_master
from credit_macros.catalogue import template
from credit_macros.config import load_config
from credit_macros.report import make_report
from credit_macros.submissions import RECEIPT_HEADERS, RECEIPTS_SHEET

AS_OF = dt.date(2026, 11, 16)  # covers 2026-11-01 … 2026-11-15; period 2026-10 is due 2026-11-02
ID = "61010219900101123" + ric.calc_check_digit("61010219900101123" + "0")
MOBILE = "13912342235"
MASTER = f"台账_{MOBILE}.xlsx"  # a file name is shown in the report, so it must be masked too
FIVE = ["行政裁决", "行政强制", "行政确认", "行政检查", "行政奖励"]
ON, LATE = dt.datetime(2026, 11, 2, 10), dt.datetime(2026, 11, 5, 9)
# unit → [(template, received, rows, errors)]; templates not listed are 未报
RECEIPTS = {
    "发展和经济运行部": [(t, ON, 2, 0) for t in FIVE],                                   # 5/5 on time: 100
    "财政金融部": [(t, ON, 2, 0) for t in FIVE + ["信用修复告知书"]],                   # 6/6 on time: 100
    "开发建设部": [(t, ON, 5, 1) for t in FIVE] + [("水费", LATE, 10, 1), ("燃气费", LATE, 5, 0)],
    "安全监管部": [(t, ON, 10, 1) for t in FIVE[:3]],                                   # 3 on time, 3 未报
    "综合行政执法支队": [(t, LATE, 2, 0) for t in FIVE + ["信用修复告知书"]],           # 6 late: 70
}
ALL_MISSING = ["西咸新区自然资源和规划局（沣西）工作部", "西咸新区生态环境局（沣西）工作部", "秦创原创新驱动发展（沣西）工作部",
               "西咸新区政务服务（沣西）中心", "西咸新区市场监督管理局沣西新城分局", "国家税务总局西咸新区沣西新城税务局",
               "西咸新区消防救援支队沣西新城大队"]
INDICATOR_ROWS = [  # 月份, 应报, 报送, 合规, 按时, 有效异议, 严重失信, 市场主体, 退出, 应退出, 承诺累计, 新注册, 新实名, 累计注册, 累计实名, 宣传
    [dt.datetime(2026, 8, 1), 100, 95, 95, 90, 5, 80, 10000, 10, 10, 9000, 250, 120, 1800, 900, 0],
    ["2026年9月", 100, 100, 100, 95, 3, 100, 10000, 11, 12, 9800, 200, 100, 1950, 920, 1],
    [dt.datetime(2026, 10, 1), 100, 92, 90, 85, 7, 120, 10000, 12, None, 10500, 150, 110, 2100, 950, 0],
]
CONFIG_TEXT = f"""
[office]
enterprise_count = 10000
[units."开发建设部"]
contact = "李四（身份证 {ID}）"
phone = "{MOBILE}"
"""


def with_uscc(first17):
    return first17 + uscc.calc_check_digit(first17)


def award(number, **changes):
    row = {"行政相对人名称": "西安某某科技有限公司", "行政相对人类别": "法人及非法人组织", "行政相对人代码": with_uscc("91611104MA6TG1234"),
           "法定代表人姓名": "张三", "法定代表人证件类型": "身份证", "法定代表人证件号码": ID, "认定文书号": f"沣西奖〔2026〕{number}号",
           "奖励名称": "诚信示范企业", "奖励事项": "诚信经营", "奖励级别": "区级", "奖励授予日期": dt.datetime(2026, 10, 10),
           "授予机构名称": "沣西新城管委会", "授予机构代码": with_uscc("11610000MB2968123"), "数据来源单位名称": "财政金融部",
           "数据来源单位代码": with_uscc("11610000MB2968123")}
    row.update(changes)
    return [row.get(c.name) for c in template("行政奖励").columns]


def build(folder: Path, config, indicator_rows=INDICATOR_ROWS) -> Path:
    wb = build_master(config)
    receipts = wb[RECEIPTS_SHEET]
    for unit, items in RECEIPTS.items():
        for key, received, rows, errors in items:
            record = {"收到时间": received, "单位": unit, "报送期": "2026-10", "模板": key, "结果": "接收",
                      "行数": rows, "错误": errors, "警告": 0, "来源文件": f"{unit}.xlsx"}
            receipts.append([record.get(h) for h in RECEIPT_HEADERS])
    rejected = {"收到时间": ON, "单位": "安全监管部", "报送期": "2026-10", "模板": "行政奖励", "结果": "未接收", "行数": 1}
    receipts.append([rejected.get(h) for h in RECEIPT_HEADERS])  # not accepted: still 未报
    awards = wb["行政奖励"]
    for row in (award(1), award(2), award(3, 认定文书号=None), award(4, 奖励授予日期="昨天", 奖励名称=None)):
        awards.append(row)
    sheet = wb["指标数据"]
    for row in indicator_rows:
        sheet.append(row)
    path = folder / MASTER
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_text(CONFIG_TEXT, "utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def report(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("report")
    return make_report(build(folder, config), AS_OF, config)


def test_paths_and_title(report):
    assert report.xlsx == report.master.parent / "通报" / "半月通报_20261116.xlsx"
    assert report.docx == report.xlsx.with_suffix(".docx")
    assert report.xlsx.exists() and report.docx.exists()
    assert report.title == "沣西新城社会信用体系建设工作通报（2026年第21期）"


EXPECTED_SCORES = [
    # rank, unit, 应报, 按时, 逾期, 未报, 按时率, 行数, 错误, 错误率, 得分
    (1, "发展和经济运行部", 5, 5, 0, 0, 1.0, 10, 0, 0.0, 100.0),
    (1, "财政金融部", 6, 6, 0, 0, 1.0, 12, 0, 0.0, 100.0),
    # 60 × (5 + 0.5 × 2)/8 + 40 × (1 − 6/40) = 45 + 34 = 79
    (3, "开发建设部", 8, 5, 2, 1, 0.625, 40, 6, 0.15, 79.0),
    (4, "综合行政执法支队", 6, 0, 6, 0, 0.0, 12, 0, 0.0, 70.0),
    # 60 × 3/6 + 40 × (1 − 3/30) = 30 + 36 = 66
    (5, "安全监管部", 6, 3, 0, 3, 0.5, 30, 3, 0.1, 66.0),
] + [(6, unit, due, 0, 0, due, 0.0, 0, 0, None, 0.0) for unit, due in zip(ALL_MISSING, [6, 6, 7, 5, 6, 6, 6])]


def test_unit_scores_sheet(report):
    ws = openpyxl.load_workbook(report.xlsx)["单位得分"]
    assert [c.value for c in ws[1]] == ["排名", "成员单位", "简称", "应报事项", "按时", "逾期", "未报", "按时率", "报送行数",
                                        "校验错误", "错误率", "得分", "备注"]
    got = [tuple(ws.cell(r, c).value for c in (1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12)) for r in range(2, 14)]
    assert got == EXPECTED_SCORES
    unscored = [ws.cell(r, 2).value for r in range(14, 23)]
    assert unscored == ["党政办公室", "组织和人力资源部", "招商一部", "招商二部", "创新港管理服务部",
                        "西咸新区沣西新城人工智能产业园发展中心", "西咸新区沣西新城数字经济产业园发展中心",
                        "西咸新区沣西新城文化创意产业园发展中心", "西咸新区沣西新城装备制造产业园发展中心"]
    assert all(ws.cell(r, 1).value is None and ws.cell(r, 13).value == "本期无到期事项" for r in range(14, 23))
    red = [ws.cell(r, 2).value for r in range(2, 23) if ws.cell(r, 12).fill.fgColor.rgb == "00FFC7CE"]
    assert red == ALL_MISSING  # below low_score = 60
    assert ws.cell(2, 8).number_format == "0.0%" and ws.cell(2, 12).number_format == "0.0"


EXPECTED_INDICATORS = [
    # name, 数据月份, actual, 目标, 状态
    ("“双公示”数据合规率", "2026-10", 90 / 92, "≥ 100.0%", "未达标"),
    ("“双公示”数据完整性", "2026-10", 0.92, "> 90.0%", "达标"),
    ("“双公示”数据及时率", "2026-10", 85 / 92, "> 90.0%", "达标"),
    ("“双公示”有效异议占比", "2026-10", 7 / 92, "< 7.0%", "未达标"),
    ("严重失信主体名单占比", "2026-10", 0.012, "< 1.0%", "未达标"),
    ("严重失信主体退出率", "2026-10", 12 / 132, "> 12.0%", "未达标"),
    ("到期主体退出比例", "2026-10", None, "≥ 100.0%", "无数据"),
    ("信用承诺累计报送数", "2026-10", 10500, "> 辖区企业数（10,000）", "达标"),
    ("秦信融月新增注册占比", "2026-10", 0.015, "≥ 2.0%", "未达标"),
    ("秦信融月新增实名占比", "2026-10", 0.011, "≥ 1.0%", "达标"),
    ("秦信融累计注册占比", "2026-10", 0.21, "≥ 20.0%", "达标"),
    ("秦信融累计实名占比", "2026-10", 0.095, "≥ 10.0%", "未达标"),
    ("诚信宣传活动（本季度）", "2026年第4季度", 0, "≥ 1", "进行中"),
    ("五类行政管理信息合规率", None, 2 / 4, "≥ 100.0%", "未达标"),  # 4 award rows, 2 with errors
]


def test_indicator_sheet_and_red_cells(report):
    ws = openpyxl.load_workbook(report.xlsx)["指标"]
    got = [tuple(ws.cell(r, c).value for c in (1, 2, 3, 4, 5)) for r in range(2, 16)]
    assert [g[:2] + g[3:] for g in got] == [e[:2] + e[3:] for e in EXPECTED_INDICATORS]
    for g, e in zip(got, EXPECTED_INDICATORS):
        assert g[2] == (None if e[2] is None else pytest.approx(e[2])), e[0]
    red_rows = [ws.cell(r, 1).value for r in range(2, 16)
                if ws.cell(r, 3).fill.fgColor.rgb == ws.cell(r, 5).fill.fgColor.rgb == "00FFC7CE"]
    assert red_rows == [e[0] for e in EXPECTED_INDICATORS if e[4] == "未达标"]
    assert ws.cell(8, 6).value == "“指标数据”2026-10未填写应退出数"
    assert ws.cell(14, 6).value == "2026年第4季度尚未结束"
    assert ws.cell(2, 3).number_format == "0.0%" and ws.cell(9, 3).number_format == "#,##0"


def chart_refs(ws) -> list[list[str]]:
    """The references of each chart on ``ws`` (reloaded by openpyxl): per series title, categories, values."""
    out = []
    for chart in ws._charts:
        refs = []
        for series in chart.series:
            cat = series.cat.strRef or series.cat.numRef
            refs += [series.tx.strRef.f, cat.f, series.val.numRef.f]
        out.append(refs)
    return out


def test_charts_data_ranges(report):
    wb = openpyxl.load_workbook(report.xlsx)
    assert chart_refs(wb["单位得分"]) == [["'单位得分'!H1", "'单位得分'!$C$2:$C$13", "'单位得分'!$H$2:$H$13"]]
    lines = chart_refs(wb["指标"])
    assert len(lines) == 13  # every indicator with a trend; 五类合规率 has none
    expected, row = [], 1
    for points in [3] * 12 + [2]:
        last = row + points
        expected.append([f"'指标趋势'!B{row}", f"'指标趋势'!$A${row + 1}:$A${last}", f"'指标趋势'!$B${row + 1}:$B${last}",
                         f"'指标趋势'!C{row}", f"'指标趋势'!$A${row + 1}:$A${last}", f"'指标趋势'!$C${row + 1}:$C${last}"])
        row = last + 2
    assert lines == expected
    trend = wb["指标趋势"]
    assert [[c.value for c in r] for r in trend.iter_rows(min_row=1, max_row=4, max_col=3)] == [
        ["“双公示”数据合规率", "实际", "目标"], ["2026-08", 1.0, 1.0], ["2026-09", 1.0, 1.0], ["2026-10", 90 / 92, 1.0]]
    assert [[c.value for c in r] for r in trend.iter_rows(min_row=61, max_row=63, max_col=3)] == [
        ["诚信宣传活动（本季度）", "实际", "目标"], ["2026年第3季度", 1, 1], ["2026年第4季度", 0, 1]]


SUMMARY = ("本期（2026年11月1日至11月15日）共有12个成员单位有到期报送事项73项，其中按时报送19项、逾期报送8项、未报送46项，"
           "按时报送率26.0%；共报送数据104行，校验发现错误9处，错误率8.7%。得分最高的是发展和经济运行部、财政金融部（100分）；"
           "得分低于60分的有" + "、".join(ALL_MISSING) + "。"
           "指标方面，14项指标中达标5项、未达标7项、进行中1项、无数据1项，未达标的是“双公示”数据合规率、“双公示”有效异议占比、"
           "严重失信主体名单占比、严重失信主体退出率、秦信融月新增注册占比、秦信融累计实名占比、五类行政管理信息合规率。")


def test_summary_sheet(report):
    assert report.summary == SUMMARY
    ws = openpyxl.load_workbook(report.xlsx)["通报"]
    assert ws["A1"].value == "沣西新城社会信用体系建设工作通报（2026年第21期）"
    assert ws["A2"].value == "新城信用办（发展和经济运行部）    2026年11月16日"
    assert ws["A3"].value == "通报期间：2026年11月1日至11月15日（2026年第21期）"
    assert ws["A4"].value == "数据来源：台账_139****2235.xlsx"
    assert ws["A7"].value == SUMMARY
    urged = [[ws.cell(r, c).value for c in range(1, 6)] for r in range(11, 29)]
    assert urged[0] == ["开发建设部", "逾期报送", "水费、燃气费（2026-10，应于11月2日前报送）",
                        "李四（身份证 6101**********1231）", "139****2235"]
    assert urged[1] == ["开发建设部", "未报送", "信用修复告知书（2026-10，应于11月2日前报送）",
                        "李四（身份证 6101**********1231）", "139****2235"]
    assert urged[2][:2] == ["综合行政执法支队", "逾期报送"] and urged[3][:2] == ["安全监管部", "未报送"]
    assert urged[3][2] == "行政检查、行政奖励、信用修复告知书（2026-10，应于11月2日前报送）"
    assert [u[:2] for u in urged[4:6]] == [[ALL_MISSING[0], "未报送"], [ALL_MISSING[0], "得分偏低"]]
    assert urged[5][2] == "得分 0 分，低于 60 分"
    assert [u[:2] for u in urged[6:]] == [[unit, kind] for unit in ALL_MISSING[1:] for kind in ("未报送", "得分偏低")]
    assert ws.cell(29, 1).value is None
    assert ws["A30"].value == "三、未达标指标"
    assert ws["A31"].value == "“双公示”数据合规率：2026-10实际 97.8%，目标 ≥ 100.0%"
    assert ws["A37"].value == "五类行政管理信息合规率：实际 50.0%，目标 ≥ 100.0%"
    assert ws["A38"].value is None


ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")


def test_no_unmasked_id_or_phone_anywhere(report):
    with zipfile.ZipFile(report.xlsx) as z:
        texts = {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}
    assert "xl/sharedStrings.xml" in texts or any("inlineStr" in t for t in texts.values())
    with zipfile.ZipFile(report.docx) as z:
        texts["word/document.xml"] = z.read("word/document.xml").decode("utf-8")
    wb = openpyxl.load_workbook(report.xlsx)
    texts["cells"] = "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    for name, text in texts.items():
        assert not ID18.search(text), name
        assert not PHONE.search(text), name
    assert "139****2235" in texts["cells"] and "6101**********1231" in texts["word/document.xml"]
    assert "139****2235" in texts["word/document.xml"]


def test_docx_layout(report):
    import docx

    doc = docx.Document(str(report.docx))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[:5] == ["沣西新城社会信用体系建设工作通报", "2026年第21期", "新城信用办（发展和经济运行部）\t2026年11月16日", "",
                              "关于2026年11月1日至11月15日\n成员单位信用信息报送情况的通报"]
    assert doc.paragraphs[0].runs[0].font.color.rgb == docx.shared.RGBColor(0xC0, 0, 0)
    assert 'w:color="C00000"' in doc.paragraphs[2]._p.pPr.xml  # the red rule under office and date
    assert SUMMARY in paragraphs
    scores, inds = doc.tables
    assert [c.text for c in scores.rows[1].cells] == ["1", "发展和经济运行部", "5", "5", "0", "0", "100.0%", "0.0%", "100.0"]
    assert [c.text for c in scores.rows[3].cells] == ["3", "开发建设部", "8", "5", "2", "1", "62.5%", "15.0%", "79.0"]
    assert len(scores.rows) == 13  # the 12 scored units; the 9 with nothing due are one sentence
    idle = next(p for p in paragraphs if p.startswith("以下9个单位本期无到期报送事项"))
    assert idle.endswith("西咸新区沣西新城装备制造产业园发展中心。")
    assert [c.text for c in inds.rows[8].cells] == ["信用承诺累计报送数", "2026-10", "10,500", "> 辖区企业数（10,000）", "达标"]
    shaded = [r.cells[0].text for r in inds.rows[1:] if 'w:fill="FFC7CE"' in r.cells[4]._tc.xml]
    assert shaded == [e[0] for e in EXPECTED_INDICATORS if e[4] == "未达标"]
    urge = paragraphs[paragraphs.index("四、需督促的单位") + 1:paragraphs.index("五、有关要求")]
    assert urge[0] == ("1. 开发建设部：逾期报送水费、燃气费（2026-10，应于11月2日前报送）；未报送信用修复告知书（2026-10，应于11月2日前报送）。"
                       "联系人：李四（身份证 6101**********1231），电话：139****2235。")
    assert urge[1] == "2. 综合行政执法支队：逾期报送行政裁决、行政强制、行政确认、行政检查、行政奖励、信用修复告知书（2026-10，应于11月2日前报送）。"
    assert urge[3].startswith(f"4. {ALL_MISSING[0]}：未报送") and urge[3].endswith("；得分 0 分，低于 60 分。")
    assert len(urge) == 3 + len(ALL_MISSING)  # one paragraph per unit
    assert paragraphs[-2:] == ["主送：新城社会信用体系建设工作领导小组各成员单位。", "新城信用办（发展和经济运行部）\t2026年11月16日印发"]
    footer = section.footer._element.xml
    assert 'w:fldCharType="begin"' in footer and "PAGE" in footer and "— " in footer
    xml = doc.element.xml
    assert 'w:eastAsia="仿宋"' in xml and 'w:eastAsia="黑体"' in xml and 'w:eastAsia="楷体"' in xml
    fonts = [rel.target_part.blob.decode() for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable")][0]
    assert '<w:font w:name="仿宋"><w:altName w:val="FangSong"/>' in fonts and '<w:altName w:val="SimHei"/>' in fonts


def test_docx_copy_to_from_config(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[report]\ncopy_to = "新城管委会分管领导"\n', "utf-8")
    master = build(tmp_path, load_config(cfg))
    import docx

    result = make_report(master, AS_OF, load_config(cfg), tmp_path / "r.xlsx")
    texts = [p.text for p in docx.Document(str(result.docx)).paragraphs]
    assert texts[-2] == "抄送：新城管委会分管领导。"


@needs_soffice
def test_libreoffice_opens_both_files(report, tmp_path):
    import subprocess

    pdf = convert(report.docx, "pdf", tmp_path)
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5000
    # the circular as printed: 期号 line, "— N —" at the foot of every page, no number split over two lines
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")[:-1]
    assert len(pages) >= 3 and "2026年第21期" in re.sub(r"\s+", "", pages[0])  # pdftotext spaces CJK from digits
    for n, page in enumerate(pages, start=1):
        assert [re.sub(r"\s+", "", line) for line in page.splitlines() if line.strip()][-1] == f"—{n}—"
    tokens = "".join(pages).split()
    assert "%" not in tokens and not [t for t in tokens if re.fullmatch(r"\.\d+%?|\d%", t)]
    for unit in report.scored:
        assert f"{unit.score:.1f}" in tokens and (unit.on_time_rate is None or f"{unit.on_time_rate:.1%}" in tokens)
    reopened = openpyxl.load_workbook(convert(report.xlsx, "xlsx", tmp_path / "xlsx"))
    assert reopened.sheetnames == ["通报", "单位得分", "指标", "指标趋势"]
    assert reopened["单位得分"]["L4"].value == 79


def test_cli(tmp_path, config):
    master = build(tmp_path, config)
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG_TEXT, "utf-8")
    out = tmp_path / "out.xlsx"
    code, text, err = run("--config", str(cfg), "report", str(master), "--as-of", "2026年11月16日", "--out", str(out))
    assert code == 0, err
    assert text.splitlines()[:3] == ["已生成沣西新城社会信用体系建设工作通报（2026年第21期）：", f"  {out}", f"  {out.with_suffix('.docx')}"]
    assert SUMMARY in text and "需督促：开发建设部（逾期报送）" in text and MOBILE not in text
    assert out.exists() and out.with_suffix(".docx").exists()


@pytest.mark.parametrize("args, words", [
    (["--as-of", "2026-11-16", "--out", "x.csv"], "扩展名应为 .xlsx"),
    (["--as-of", "明天"], "无法识别"),
    (["--as-of", "2026-11-16", "--out", "README.md/x.xlsx"], "无法创建输出目录"),  # a file in the way
    (["--as-of", "2026-11-16", "--out", "missing.xlsx", "--", "没有的台账.xlsx"], "找不到文件"),
])
def test_cli_bad_arguments(tmp_path, config, args, words):
    master = build(tmp_path, config)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = run("report", *args) if "--" in args else run("report", str(master), *args)
    assert code == 2 and words in err and err.startswith("错误：")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_bad_indicator_data_writes_nothing(tmp_path, config):
    master = build(tmp_path, config, INDICATOR_ROWS + [["2026-10", 1]])
    code, _, err = run("report", str(master), "--as-of", "2026-11-16")
    assert code == 2 and "“指标数据”工作表 A5（月份）的月份 2026-10 与第 4 行重复" in err
    assert not (tmp_path / "通报").exists()


def test_locked_output_is_refused(tmp_path, config):
    master = build(tmp_path, config)
    out = tmp_path / "r.xlsx"
    (tmp_path / "~$r.docx").write_text("")
    code, _, err = run("report", str(master), "--as-of", "2026-11-16", "--out", str(out))
    assert code == 2 and "r.docx 正在被" in err and not out.exists()


def test_charts_straight_with_markers_and_a_sentence_where_data_is_missing(report, tmp_path):
    with zipfile.ZipFile(report.xlsx) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    lines = [c for c in charts if "<lineChart>" in c]
    assert len(lines) == 13
    for xml in lines:  # two series each: actual (circle markers), target (dashed, no markers); never smoothed
        assert xml.count('<smooth val="0"/>') == 2 and '<smooth val="1"/>' not in xml
        assert xml.count('<symbol val="circle"/>') == 1 and xml.count('<symbol val="none"/>') == 1
        assert '<a:prstDash val="dash"/>' in xml and ("比例（%）" in xml or "数量（个）" in xml) and ("月份" in xml or "季度" in xml)
    # 辖区企业数 not filled: the three 秦信融 shares relative to it say so instead of drawing a target alone
    no_enterprises = load_config(None)
    result = make_report(build(tmp_path, no_enterprises), AS_OF, no_enterprises, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(result.xlsx)["指标"]
    sentences = [c.value for row in ws.iter_rows(min_row=17) for c in row if isinstance(c.value, str) and "无数据，不绘制趋势图" in c.value]
    assert len(ws._charts) + len(sentences) == 13
    assert any(s.startswith("秦信融累计实名占比：无数据，不绘制趋势图。config.toml [office] enterprise_count 未填写辖区企业数") for s in sentences), sentences


def test_xlsx_print_setup(report):
    """Landscape where the columns are wider than A4 portrait (通报 146, 单位得分 166, 指标 183 units;
    指标趋势's three columns, 54 units, print portrait)."""
    wb = openpyxl.load_workbook(report.xlsx)
    orientation = {"通报": "landscape", "单位得分": "landscape", "指标": "landscape", "指标趋势": "portrait"}
    for ws in wb:
        setup = ws.page_setup
        assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (9, orientation[ws.title], 1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.oddFooter.right.text == "第 &P 页 / 共 &N 页"
    assert wb["单位得分"].print_title_rows == "$1:$1" and wb["指标"].print_title_rows == "$1:$1"
