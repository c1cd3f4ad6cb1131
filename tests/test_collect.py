import datetime as dt
import io
import json
import os
import random
import re
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from fingerprint import diff, fingerprint
from lo import convert, needs_soffice
from mailfixtures import msg_bytes
from runcli import run

import credit_macros.catalogue.tasks  # noqa: F401  (catalogue.tasks.unit_templates)
from credit_macros import catalogue
from credit_macros.build.master import MASTER_NAME, write_build
from credit_macros.config import load_config
from credit_macros.demo import RowMaker, demo_config_text, demo_email, mail, unit_workbook
from credit_macros.io.cached import sheet_parts
from credit_macros.io.read import read_grids
from credit_macros.ribbon.vbaproject import build_vba_project, document_module, write_compound_file
from credit_macros.submissions import LATE, MISSING, NOT_DUE, ON_TIME

PERIOD = "2026-01"
AS_OF = "2026-02-10"
CHINA = dt.timezone(dt.timedelta(hours=8))
UNITS = ["开发建设部", "财政金融部", "秦创原创新驱动发展（沣西）工作部"]


@pytest.fixture
def office(tmp_path, built_master):
    (tmp_path / "config.toml").write_text(demo_config_text(UNITS), "utf-8")
    config = load_config(tmp_path / "config.toml")
    shutil.copy(built_master(config), tmp_path / MASTER_NAME)
    (tmp_path / "in").mkdir()
    return tmp_path, config


def collect(folder, *sources, as_of=AS_OF):
    code, out, err = run("--config", str(folder / "config.toml"), "collect", str(folder / MASTER_NAME),
                         *map(str, sources), "--as-of", as_of, "--json")
    result = json.loads(out)
    assert code == result["exit_code"] == expected_exit(result), err
    return result


def expected_exit(result) -> int:
    """collect's documented exit code: 0 all merged (or collected before), 1 some refused, 3 none merged."""
    if result["accepted"]:
        return 1 if result["rejected"] else 0
    return 0 if result["duplicates"] and not result["rejected"] else 3


def filled(accepted) -> dict:
    """Sheets with rows (the unit's book also carries its other templates, empty = nothing new this month)."""
    return {k: n for k, n in accepted["sheets"].items() if n}


def rows_for(unit, key, n, seed=1):
    return RowMaker(catalogue.template(key), unit, PERIOD, random.Random(seed)).rows(n)


def eml(folder, name, unit, attachment, data, when, subject=None, sender=None):
    path = folder / "in" / name
    path.write_bytes(mail(sender or demo_email(unit), "xyb@fengxi.example.gov.cn", subject or f"{unit} 报送", "见附件", when, [(attachment, data)]))
    return path


def master_rows(folder, sheet):
    grid = read_grids(folder / MASTER_NAME)[sheet]
    head = grid[0] if sheet not in ("信用修复告知书",) else grid[1]
    return [dict(zip(head, r)) for r in grid[1:] if any(v not in ("", None) for v in r)]


def test_eml_with_metadata_merges_rows_with_provenance(office):
    folder, config = office
    data = unit_workbook("开发建设部", PERIOD, config, {"水费": rows_for("开发建设部", "水费", 3)})
    when = dt.datetime(2026, 2, 2, 9, 30)
    result = collect(folder, eml(folder, "a.eml", "开发建设部", "kf.xlsx", data, when))
    [accepted] = result["accepted"]
    assert accepted["unit"] == "开发建设部" and accepted["period"] == PERIOD
    assert accepted["identified_by"] == "单位:报送信息；报送期:报送信息"
    assert filled(accepted) == {"水费": 3} and accepted["errors"] == 0
    assert set(accepted["sheets"]) == set(catalogue.tasks.unit_templates("开发建设部"))
    rows = master_rows(folder, "水费")
    assert len(rows) == 3
    assert {(r["来源单位"], r["报送期"], r["来源文件"], r["收到时间"]) for r in rows} == {("开发建设部", PERIOD, "kf.xlsx", when)}
    receipts = read_grids(folder / MASTER_NAME)["收文记录"]
    assert ["开发建设部", PERIOD, "水费", "接收", 3] in [r[1:6] for r in receipts]


def test_msg_attachment_identified_by_file_name(office):
    folder, config = office
    data = unit_workbook("财政金融部", PERIOD, config, {"行政奖励": rows_for("财政金融部", "行政奖励", 2)}, with_metadata=False)
    sent = dt.datetime(2026, 2, 3, 16, 5, tzinfo=CHINA)
    path = folder / "in" / "b.msg"
    path.write_bytes(msg_bytes("someone@other.example.com", "报送", "见附件", sent, [("财政金融部2026年1月信用信息.xlsx", data)]))
    import extract_msg
    message = extract_msg.openMsg(str(path))
    assert message.attachments[0].longFilename == "财政金融部2026年1月信用信息.xlsx" and message.attachments[0].data == data
    message.close()
    result = collect(folder, path)
    [accepted] = result["accepted"]
    assert (accepted["unit"], accepted["period"], accepted["identified_by"]) == ("财政金融部", PERIOD, "单位:文件名；报送期:文件名")
    assert accepted["received"] == "2026-02-03 16:05:00"
    assert len(master_rows(folder, "行政奖励")) == 2


def test_unit_identified_by_sender_address_and_period_by_subject(office):
    folder, config = office
    unit = "秦创原创新驱动发展（沣西）工作部"
    data = unit_workbook(unit, PERIOD, config, {"科技研发": rows_for(unit, "科技研发", 4)}, with_metadata=False)
    path = eml(folder, "c.eml", unit, "报送表.xlsx", data, dt.datetime(2026, 2, 2, 8, 0), subject="2026年1月 报送")
    [accepted] = collect(folder, path)["accepted"]
    assert (accepted["unit"], accepted["period"]) == (unit, PERIOD)
    assert accepted["identified_by"] == "报送期:邮件主题；单位:发件人地址"


def test_resubmission_replaces_audits_and_recollect_is_a_no_op(office):
    folder, config = office
    first = rows_for("开发建设部", "燃气费", 3, seed=1)
    second = rows_for("开发建设部", "燃气费", 2, seed=2)
    other = unit_workbook("财政金融部", PERIOD, config, {"行政检查": rows_for("财政金融部", "行政检查", 2)})
    a = eml(folder, "1.eml", "开发建设部", "kf.xlsx", unit_workbook("开发建设部", PERIOD, config, {"燃气费": first}), dt.datetime(2026, 2, 1, 9))
    b = eml(folder, "2.eml", "财政金融部", "cz.xlsx", other, dt.datetime(2026, 2, 1, 10))
    collect(folder, a, b)
    c = eml(folder, "3.eml", "开发建设部", "kf-v2.xlsx", unit_workbook("开发建设部", PERIOD, config, {"燃气费": second}), dt.datetime(2026, 2, 4, 9))
    result = collect(folder, folder / "in")
    assert [d["file"] for d in result["duplicates"]] == ["kf.xlsx", "cz.xlsx"]
    assert result["replaced"] == [{"file": "kf-v2.xlsx", "unit": "开发建设部", "period": PERIOD, "sheet": "燃气费", "rows": 3, "files": ["kf.xlsx"]}]
    rows = master_rows(folder, "燃气费")
    assert [r["行政相对人名称"] for r in rows] == [r[0] for r in second]
    assert {r["来源文件"] for r in rows} == {"kf-v2.xlsx"}
    history = read_grids(folder / MASTER_NAME)["历史版本"]
    assert [h[0:4] for h in history[1:]] == [["燃气费", "开发建设部", PERIOD, "kf.xlsx"]] * 3
    assert [h[7] for h in history[1:]] == [r[0] for r in first]  # the old rows are kept, in template order
    assert len(master_rows(folder, "行政检查")) == 2  # other units untouched
    # timeliness follows the first submission: the corrected resubmission after the due date stays 按时
    status = {(r["成员单位"], r["报送事项"], r["报送期"]): r["状态"] for r in master_rows(folder, "报送情况")}
    assert status[("开发建设部", "燃气费", PERIOD)] == ON_TIME
    before = fingerprint(folder / MASTER_NAME)
    raw = (folder / MASTER_NAME).read_bytes()
    again = collect(folder, a, b, c)
    assert again["accepted"] == [] and len(again["duplicates"]) == 3
    assert (folder / MASTER_NAME).read_bytes() == raw
    assert diff(before, fingerprint(folder / MASTER_NAME)) == []


@needs_soffice
def test_formula_looking_text_stays_text(office, tmp_path):
    folder, config = office
    rows = rows_for("开发建设部", "水费", 4)
    for row, text in zip(rows, ("=1+1", "+8613912345678", "-已注销", "@某公司")):
        row[0] = text
    data = unit_workbook("开发建设部", PERIOD, config, {"水费": rows})
    collect(folder, eml(folder, "a.eml", "开发建设部", "kf.xlsx", data, dt.datetime(2026, 2, 1, 9)))
    with zipfile.ZipFile(folder / MASTER_NAME) as z:
        names = openpyxl.load_workbook(folder / MASTER_NAME).sheetnames
        sheet_xml = z.read(f"xl/worksheets/sheet{names.index('水费') + 1}.xml").decode()
    assert "<f>" not in sheet_xml
    assert [r["行政相对人名称"] for r in master_rows(folder, "水费")] == ["=1+1", "+8613912345678", "-已注销", "@某公司"]
    round_trip = convert(folder / MASTER_NAME, "xlsx", tmp_path / "lo")
    ws = openpyxl.load_workbook(round_trip)["水费"]
    assert [ws.cell(r, 1).value for r in range(2, 6)] == ["=1+1", "+8613912345678", "-已注销", "@某公司"]


def _xlsm(xlsx: bytes, marker: Path) -> bytes:
    """Turn an .xlsx into an .xlsm whose Workbook_Open would write ``marker`` if anything ran it."""
    code = f'Private Sub Workbook_Open()\r\n    Open "{marker}" For Output As #1\r\n    Print #1, "ran"\r\n    Close #1\r\nEnd Sub\r\n'
    module = document_module("ThisWorkbook", "0{00020819-0000-0000-C000-000000000046}")
    vba = build_vba_project([replace(module, source=module.source + code)])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                data = data.replace(b"<Default ", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ', 1)
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/'
                                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", vba)
    return out.getvalue()


def _children() -> set[int]:
    me = str(os.getpid())
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == me:
            found.add(int(pid))
    return found


def test_xlsm_attachment_is_read_as_data_and_its_macro_never_runs(office):
    folder, config = office
    marker = folder / "macro-ran.txt"
    rows = rows_for("开发建设部", "水费", 2)
    data = _xlsm(unit_workbook("开发建设部", PERIOD, config, {"水费": rows}), marker)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "xl/vbaProject.bin" in z.namelist()
    path = folder / "in" / "开发建设部_2026-01.xlsm"
    path.write_bytes(data)
    files_before = {p for p in folder.rglob("*")}
    children_before = _children()
    [accepted] = collect(folder, path)["accepted"]
    assert accepted["file"] == path.name and filled(accepted) == {"水费": 2}
    assert [r["行政相对人名称"] for r in master_rows(folder, "水费")] == [r[0] for r in rows]
    assert not marker.exists()
    assert {p for p in folder.rglob("*")} - files_before == {folder / "信用体系建设台账.bak.xlsx", folder / ".信用体系建设台账.xlsx.lock"}
    assert _children() <= children_before


def test_encrypted_broken_and_unknown_files_are_rejected_and_master_untouched(office):
    folder, config = office
    good = unit_workbook("开发建设部", PERIOD, config, {"水费": rows_for("开发建设部", "水费", 1)})
    collect(folder, eml(folder, "ok.eml", "开发建设部", "kf.xlsx", good, dt.datetime(2026, 2, 1, 9)))
    raw = (folder / MASTER_NAME).read_bytes()
    bad = folder / "bad"
    bad.mkdir()
    (bad / "开发建设部_2026-01_加密.xlsx").write_bytes(write_compound_file({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 60,
                                                                      "EncryptedPackage": b"\1" * 600}))
    (bad / "开发建设部_2026-01_损坏.xlsx").write_bytes(good[: len(good) // 2])
    blank = openpyxl.Workbook()
    blank.active.append(["姓名", "电话"])
    blank.save(bad / "开发建设部_2026-01_非模板.xlsx")
    (bad / "空文件_2026-01.xlsx").write_bytes(b"")
    for seed, name in enumerate(("报送表.xlsx", "开发建设部_无月份.xlsx"), start=5):
        nameless = unit_workbook("开发建设部", PERIOD, config, {"水费": rows_for("开发建设部", "水费", 1, seed)}, with_metadata=False)
        (bad / name).write_bytes(nameless)
    eml(folder, "no-attachment.eml", "开发建设部", "说明.txt", b"text", dt.datetime(2026, 2, 1, 9)).rename(bad / "无附件.eml")
    result = collect(folder, bad)
    reasons = {r["file"]: r["reason"] for r in result["rejected"]}
    assert result["accepted"] == []
    assert "密码" in reasons["开发建设部_2026-01_加密.xlsx"]
    assert "损坏" in reasons["开发建设部_2026-01_损坏.xlsx"]
    assert "没有可识别的报送模板" in reasons["开发建设部_2026-01_非模板.xlsx"]
    assert "无法确定报送单位" in reasons["报送表.xlsx"]
    assert "无法确定报送期" in reasons["开发建设部_无月份.xlsx"]
    assert "没有 Excel 附件" in reasons["无附件.eml"]
    assert "不是有效的 Excel 工作簿" in reasons["空文件_2026-01.xlsx"]
    assert (folder / MASTER_NAME).read_bytes() == raw


def test_validation_errors_are_merged_and_listed_for_correction(office):
    folder, config = office
    rows = rows_for("开发建设部", "水费", 3)
    rows[1][1] = rows[1][1][:-1] + ("0" if rows[1][1][-1] != "0" else "1")
    data = unit_workbook("开发建设部", PERIOD, config, {"水费": rows})
    [accepted] = collect(folder, eml(folder, "a.eml", "开发建设部", "kf.xlsx", data, dt.datetime(2026, 2, 1, 9)))["accepted"]
    assert accepted["errors"] == 1 and filled(accepted) == {"水费": 3}
    [finding] = master_rows(folder, "退回修改")
    assert (finding["单位"], finding["工作表"], finding["单元格"], finding["类别"]) == ("开发建设部", "水费", "B3", "错误")
    assert "校验位" in finding["问题"]
    assert (finding["规则"], finding["规则代码"]) == ("统一社会信用代码校验位错误", "uscc-checksum")


def test_findings_of_a_master_built_before_the_rule_columns_stay_under_their_headers(office):
    """规则 / 规则代码 were appended after 问题: in an older master (its 退回修改 header ends at
    问题) the message is still read as 问题, by collect and remind alike."""
    folder, config = office
    wb = openpyxl.load_workbook(folder / MASTER_NAME)
    ws = wb["退回修改"]
    assert [c.value for c in ws[1]][-3:] == ["问题", "规则", "规则代码"]
    ws.delete_cols(ws.max_column - 1, 2)
    wb.save(folder / MASTER_NAME)
    rows = rows_for("开发建设部", "水费", 2)
    rows[0][1] = rows[0][1][:-1] + ("0" if rows[0][1][-1] != "0" else "1")
    data = unit_workbook("开发建设部", PERIOD, config, {"水费": rows})
    collect(folder, eml(folder, "a.eml", "开发建设部", "kf.xlsx", data, dt.datetime(2026, 2, 1, 9)))
    [header, row] = [r for r in read_grids(folder / MASTER_NAME)["退回修改"] if any(v not in ("", None) for v in r)]
    assert header[:9] == ["单位", "报送期", "模板", "来源文件", "内容哈希", "工作表", "单元格", "类别", "问题"]
    assert row[7] == "错误" and "校验位错误" in row[8] and row[9:11] == ["统一社会信用代码校验位错误", "uscc-checksum"]
    [finding] = master_rows(folder, "退回修改")
    assert "校验位错误" in finding["问题"]


def test_submission_status_for_a_fixed_as_of(office):
    folder, config = office
    on_time = unit_workbook("开发建设部", PERIOD, config, {k: rows_for("开发建设部", k, 1) for k in ("水费", "燃气费")})
    late = unit_workbook("财政金融部", PERIOD, config, {"行政检查": rows_for("财政金融部", "行政检查", 1)})
    collect(folder, eml(folder, "a.eml", "开发建设部", "kf.xlsx", on_time, dt.datetime(2026, 2, 2, 17, 59)),
            eml(folder, "b.eml", "财政金融部", "cz.xlsx", late, dt.datetime(2026, 2, 3, 8, 0)))
    rows = master_rows(folder, "报送情况")
    status = {(r["成员单位"], r["报送事项"], r["报送期"]): r for r in rows}
    assert status[("开发建设部", "水费", PERIOD)]["状态"] == ON_TIME
    assert status[("开发建设部", "水费", PERIOD)]["期限"] == dt.date(2026, 2, 2)
    assert status[("开发建设部", "行政强制", PERIOD)]["状态"] == ON_TIME  # an empty sheet in the book = nothing new, reported
    assert status[("秦创原创新驱动发展（沣西）工作部", "科技研发", PERIOD)]["状态"] == MISSING
    assert status[("财政金融部", "行政检查", PERIOD)]["状态"] == LATE
    assert status[("开发建设部", "水费", "2026-02")]["状态"] == NOT_DUE  # February's data, due 2 March
    assert status[("开发建设部", "1-7-1 信用分级分类监管", "2026年第1季度")]["期限"] == dt.date(2026, 3, 31)
    # the status column is coloured by conditional formatting with the configured colours
    ws = openpyxl.load_workbook(folder / MASTER_NAME)["报送情况"]
    rules = {r.formula[0]: r.dxf.fill.fgColor.rgb for rng in ws.conditional_formatting for r in rng.rules}
    assert rules == {'"按时"': "00" + config.color("done"), '"逾期"': "00" + config.color("warning"), '"未报"': "00" + config.color("overdue")}


def test_collect_rewrites_only_the_changed_sheets(office):
    """The other parts of the master — 重点任务 with its cached formula values, styles, lists, the
    hidden 日历 — are copied unchanged; the changed sheets keep their header rows byte for byte."""
    folder, config = office
    write_build(folder / MASTER_NAME, config)

    def members():
        with zipfile.ZipFile(folder / MASTER_NAME) as z:
            return {n: z.read(n) for n in z.namelist()}, sheet_parts(z)

    before, parts = members()
    data = unit_workbook("开发建设部", PERIOD, config, {"水费": rows_for("开发建设部", "水费", 3)})
    collect(folder, eml(folder, "a.eml", "开发建设部", "kf.xlsx", data, dt.datetime(2026, 2, 2, 9, 30)))
    after, _ = members()
    assert after.keys() == before.keys()
    changed = {n for n in before if before[n] != after[n]}
    assert changed == {parts[s] for s in ("水费", "收文记录", "报送情况")}
    for sheet in ("水费", "收文记录", "报送情况"):
        header = re.search(rb'<row r="1".*?</row>', before[parts[sheet]], re.S).group(0)
        assert header in after[parts[sheet]]
    assert len(master_rows(folder, "水费")) == 3


def test_master_without_office_sheets_is_refused_untouched(office):
    folder, config = office
    wb = openpyxl.load_workbook(folder / MASTER_NAME)
    del wb["收文记录"]
    wb.save(folder / MASTER_NAME)
    raw = (folder / MASTER_NAME).read_bytes()
    data = unit_workbook("开发建设部", PERIOD, config, {"水费": rows_for("开发建设部", "水费", 1)})
    path = eml(folder, "a.eml", "开发建设部", "kf.xlsx", data, dt.datetime(2026, 2, 2, 9, 30))
    code, _, err = run("--config", str(folder / "config.toml"), "collect", str(folder / MASTER_NAME), str(path))
    assert code == 2 and "缺少工作表 收文记录" in err and "credit-macros status" in err
    assert (folder / MASTER_NAME).read_bytes() == raw
    assert run("--config", str(folder / "config.toml"), "status", str(folder / MASTER_NAME))[0] == 0
    collect(folder, path)
    assert len(master_rows(folder, "水费")) == 1


@needs_soffice
def test_xls_workbook_saved_by_an_old_excel_is_collected(office, tmp_path):
    """A unit that still saves as .xls (Excel 97-2003): read with calamine, merged like any other."""
    folder, config = office
    xlsx = tmp_path / "kf_2026-01.xlsx"
    xlsx.write_bytes(unit_workbook("开发建设部", PERIOD, config, {"水费": rows_for("开发建设部", "水费", 3)}))
    xls = convert(xlsx, "xls", folder / "in")
    result = collect(folder, xls)
    [accepted] = result["accepted"]
    assert accepted["file"] == xls.name and accepted["unit"] == "开发建设部" and accepted["period"] == PERIOD
    assert filled(accepted) == {"水费": 3} and accepted["errors"] == 0
    assert [r["来源文件"] for r in master_rows(folder, "水费")] == [xls.name] * 3


def test_nothing_accepted_leaves_a_fresh_master_byte_identical_with_no_backup(office):
    folder, config = office
    raw = (folder / MASTER_NAME).read_bytes()
    (folder / "in" / "开发建设部_2026-01_损坏.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    code, out, err = run("--config", str(folder / "config.toml"), "collect", str(folder / MASTER_NAME),
                         str(folder / "in"), "--as-of", AS_OF)
    assert code == 3, err
    assert out.splitlines()[-1] == "  没有接收任何新文件，总台账未改动。"
    assert (folder / MASTER_NAME).read_bytes() == raw
    # no backup (the hidden lock file of safeio.exclusive aside)
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) == ["config.toml", "in", MASTER_NAME]
    result = collect(folder, folder / "in")  # --json: the same code, also in the JSON
    assert result["exit_code"] == 3 and result["written"] is False


def test_nothing_accepted_on_another_day_leaves_a_refreshed_master_alone(office):
    folder, config = office
    good = unit_workbook("开发建设部", PERIOD, config, {"水费": rows_for("开发建设部", "水费", 1)})
    first = collect(folder, eml(folder, "ok.eml", "开发建设部", "kf.xlsx", good, dt.datetime(2026, 2, 1, 9)))
    assert first["exit_code"] == 0 and first["written"] is True
    raw = (folder / MASTER_NAME).read_bytes()
    (folder / "in" / "开发建设部_2026-01_损坏.xlsx").write_bytes(good[: len(good) // 2])
    mixed = collect(folder, folder / "in", as_of="2026-03-20")  # ok.eml is a duplicate now, the other refused
    assert mixed["exit_code"] == 3 and mixed["written"] is False
    assert (folder / MASTER_NAME).read_bytes() == raw
    (folder / "in" / "开发建设部_2026-01_损坏.xlsx").unlink()
    again = collect(folder, folder / "in", as_of="2026-04-20")  # only already-collected mail: nothing new, code 0
    assert again["exit_code"] == 0 and again["written"] is False
    assert (folder / MASTER_NAME).read_bytes() == raw


def test_some_refused_is_exit_1(office):
    folder, config = office
    good = unit_workbook("开发建设部", PERIOD, config, {"水费": rows_for("开发建设部", "水费", 1)})
    eml(folder, "ok.eml", "开发建设部", "kf.xlsx", good, dt.datetime(2026, 2, 1, 9))
    (folder / "in" / "开发建设部_2026-01_损坏.xlsx").write_bytes(good[: len(good) // 2])
    code, out, err = run("--config", str(folder / "config.toml"), "collect", str(folder / MASTER_NAME),
                         str(folder / "in"), "--as-of", AS_OF)
    assert code == 1 and "[未接收] 开发建设部_2026-01_损坏.xlsx" in out


def test_collect_help_documents_the_exit_codes():
    import contextlib

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        run("collect", "-h")
    text = " ".join(out.getvalue().split())
    assert "退出码：0 全部接收（或此前已汇总）；1 部分接收、部分未接收；3 一个也未接收（总台账不变）；2 输入有误" in text
