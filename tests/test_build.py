import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest
from fingerprint import diff, fingerprint
from lo import convert, needs_soffice
from runcli import DEFAULT_CONFIG, run

from credit_macros import catalogue
from credit_macros.build.master import MASTER_NAME, blank_name, write_build
from credit_macros.config import load_config

REPO = Path(__file__).resolve().parents[1]
DEFAULT = load_config()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("build")
    code, out, err = run("--config", DEFAULT_CONFIG, "build", "--out", str(folder / MASTER_NAME))
    assert code == 0, err
    assert "已生成总台账" in out and "重点任务" in out
    return folder


def test_master_sheets(built):
    wb = openpyxl.load_workbook(built / MASTER_NAME)
    expected = ["说明", "重点任务", "事项台账"] + [t.sheet for t in catalogue.templates()] + ["主要任务", "成员单位"]
    assert wb.sheetnames[: len(expected)] == expected
    assert wb.sheetnames[-2:] == ["_选项", "日历"]
    assert wb["_选项"].sheet_state == "hidden" and wb["日历"].sheet_state == "hidden"
    assert wb["成员单位"].max_row == 22
    assert wb["主要任务"].max_row == 1 + 26 + 3  # 26 主要任务 and the 3 duties of 四、工作要求
    assert [c.value for c in wb["主要任务"][30]][:2] == ["要求3", "四、工作要求"]


def _validations(ws):
    found = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            found[rng] = dv
    return found


@pytest.mark.parametrize("template", catalogue.templates(), ids=lambda t: t.key)
def test_template_sheet_headers_validations_formats(built, template):
    ws = openpyxl.load_workbook(built / MASTER_NAME)[template.sheet]
    top = 2 if template.unit_line else 1
    header_row = top + template.header_rows - 1
    # two-row headers: grouped columns carry their name on the lower row, the others on the merged upper one
    names = [ws.cell(header_row if col.group else top, c + 1).value for c, col in enumerate(template.columns)]
    assert names == [c.name for c in template.columns]
    assert ws.freeze_panes == f"A{header_row + 1}"
    validations = _validations(ws)
    for i, column in enumerate(template.columns):
        letter = openpyxl.utils.get_column_letter(i + 1)
        head = validations[f"{letter}{header_row if column.group else top}"]
        assert head.prompt and ("必填" in head.prompt or "选填" in head.prompt)
        data = validations[f"{letter}{header_row + 1}:{letter}1048576"]
        values = catalogue.enum_values(column.enum, DEFAULT) if column.type == "enum" else None
        if column.type == "yesno" or values:
            assert data.type == "list" and data.formula1.startswith("'_选项'!")
        elif column.type == "date":
            assert data.type == "date"
        if column.text:
            assert ws.column_dimensions[letter].number_format == "@", column.name
        assert ws.column_dimensions[letter].width >= 10


def test_list_sources_hold_the_enumerations(built):
    wb = openpyxl.load_workbook(built / MASTER_NAME)
    ws = wb["行政强制"]
    dv = _validations(ws)["L2:L1048576"]  # 行政强制措施类型
    sheet, ref = dv.formula1[1:].split("!")
    cells = wb[sheet.strip("'")][ref.replace("$", "")]
    assert [c[0].value for c in cells] == catalogue.enum_values("行政强制措施类型")


def test_repair_ledger_layout(built):
    ws = openpyxl.load_workbook(built / MASTER_NAME)["信用修复告知书"]
    assert ws["A1"].value == "单位："
    assert ws["G2"].value == "信用修复告知书记录情况"
    assert "G2:K2" in {str(r) for r in ws.merged_cells.ranges}
    assert "A2:A3" in {str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(3, c).value for c in range(7, 12)] == ["送达日期", "送达方式", "送达人", "签收人", "联系电话"]


def test_key_tasks_sheet(built):
    ws = openpyxl.load_workbook(built / MASTER_NAME)["重点任务"]
    assert [c.value for c in ws[2]] == ["编号", "一级指标", "二级指标", "具体措施", "责任部门", "完成时限",
                                        "周期", "本期期限", "完成", "状态"]
    assert ws.max_row - 2 == len(catalogue.tasks.key_tasks())


def test_blank_templates(built):
    for template in catalogue.templates():
        wb = openpyxl.load_workbook(built / "空白模板" / blank_name(template))
        assert wb.sheetnames[0] == template.sheet


@needs_soffice
def test_libreoffice_opens_master_and_blank(built, tmp_path):
    out = convert(built / MASTER_NAME, "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(out)
    assert "行政强制" in wb.sheetnames and wb["行政强制"]["H1"].value == "行政强制决定文书号"
    convert(built / "空白模板" / blank_name(catalogue.template("水费")), "xlsx", tmp_path / "lo2")


def test_committed_workbooks_are_current(tmp_path):
    """The committed workbooks equal a fresh build — made as of the year they were built in (the
    hidden 日历 spans plan year − 1 to that year + 2), so the test does not expire on 1 January."""
    committed = REPO / "workbooks"
    assert (committed / MASTER_NAME).exists(), f"{MASTER_NAME} 未提交：请运行 credit-macros build"
    listed = openpyxl.load_workbook(committed / MASTER_NAME)["日历"]
    built_in = listed.cell(listed.max_row, 1).value.year - 2
    write_build(tmp_path / MASTER_NAME, DEFAULT, blanks_dir=tmp_path, today=dt.date(built_in, 7, 1))
    for rel in [Path(MASTER_NAME)] + [Path("空白模板") / blank_name(t) for t in catalogue.templates()]:
        assert (committed / rel).exists(), f"{rel} 未提交：请运行 credit-macros build"
        problems = diff(fingerprint(committed / rel), fingerprint(tmp_path / rel))
        assert not problems, f"workbooks/{rel} 已过期，请运行 credit-macros build：{problems[:3]}"


def test_output_held_open_by_excel(tmp_path):
    target = tmp_path / MASTER_NAME
    target.write_bytes(b"old")
    (tmp_path / f"~${MASTER_NAME}").write_bytes(b"lock")
    code, _, err = run("build", "--out", str(target))
    assert code == 2
    assert "正在被 Excel 或 WPS 打开" in err and MASTER_NAME in err
    assert target.read_bytes() == b"old"


def test_unwritable_or_missing_output_folder(tmp_path):
    code, _, err = run("build", "--out", str(tmp_path / "no" / "such" / "m.xlsx"))
    assert code == 0, err  # a missing output folder is created, parents too
    assert (tmp_path / "no" / "such" / "m.xlsx").exists()
    locked = tmp_path / "ro"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a path that cannot be a folder
            target = tmp_path / "file-not-folder"
            target.write_text("x")
            code, _, err = run("build", "--out", str(target / "m.xlsx"))
        else:
            code, _, err = run("build", "--out", str(locked / "m.xlsx"))
    finally:
        os.chmod(locked, 0o700)
    assert code == 2 and err.startswith("错误：")


def test_rebuild_keeps_backup(tmp_path):
    target = tmp_path / MASTER_NAME
    assert run("build", "--out", str(target))[0] == 0
    first = target.read_bytes()
    assert run("build", "--out", str(target))[0] == 0
    assert (tmp_path / "信用体系建设台账.bak.xlsx").read_bytes() == first
