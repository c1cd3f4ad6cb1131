"""17.6: a resubmission keeps the 信用办's own marks — a 核查意见 typed in a column it added, a
fill, a comment — on the replacing row of the same natural key; marks of a record the unit no
longer sends go to 历史版本 with the old row; the summary lists what happened."""

import datetime as dt
import json
import shutil

import openpyxl
import remote
from lo import convert
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from runcli import run
from test_collect import AS_OF, PERIOD, UNITS, eml, master_rows, office, rows_for  # noqa: F401  (the fixture)

from credit_macros import excel
from credit_macros.build.master import MASTER_NAME
from credit_macros.demo import unit_workbook
from credit_macros.io.read import read_grids

BUILD = UNITS[0]
KEY = "水用户信息(户名 户号)"  # 水费's natural key, column C
YELLOW = "FFFFFF00"


def send(folder, config, name, rows, when):
    return eml(folder, name, BUILD, f"开发建设部_{PERIOD}.xlsx", unit_workbook(BUILD, PERIOD, config, {"水费": rows}), when)


def history_rows(folder) -> list[list]:
    """历史版本's rows below the header, trailing empty cells dropped."""
    out = []
    for row in read_grids(folder / MASTER_NAME)["历史版本"][1:]:
        row = list(row)
        while row and row[-1] in ("", None):
            row.pop()
        if row:
            out.append(row)
    return out


def collected_and_annotated(folder, config, rows, annotate):
    """The master after the unit's first submission of ``rows``, then ``annotate(水费 sheet)`` saved by the office."""
    collect_json(folder, send(folder, config, "1.eml", rows, dt.datetime(2026, 2, 1, 9)))
    master = folder / MASTER_NAME
    wb = openpyxl.load_workbook(master)
    annotate(wb["水费"])
    wb.save(master)
    return master


def collect_json(folder, *sources):
    code, out, err = run("--config", folder / "config.toml", "collect", folder / MASTER_NAME, *sources, "--as-of", AS_OF, "--json")
    assert code == 0 and not err, err
    return json.loads(out)


def test_office_marks_follow_the_record_on_resubmission(office, tmp_path):
    folder, config = office
    first = rows_for(BUILD, "水费", 3, seed=5)

    def annotate(ws):  # in Excel: a column 核查意见 right of the provenance, a fill, comments
        assert [ws.cell(r, 3).value for r in (2, 3, 4)] == [row[2] for row in first]
        ws["L1"], ws["L2"], ws["L3"] = "核查意见", "已电话核实", "户号待核"
        ws["C2"].fill = PatternFill("solid", fgColor=YELLOW)
        ws["D3"].comment = Comment("请核对缴费明细", "信用办")
        ws["D4"].comment = Comment("该户已销户？", "信用办")
    master = collected_and_annotated(folder, config, first, annotate)

    # resubmission: the first two records again (other order, corrected values), the third one gone, a new one
    again = rows_for(BUILD, "水费", 2, seed=6)
    second = [[*again[0][:2], first[1][2], *again[0][3:]], [*again[1][:2], first[0][2], *again[1][3:]],
              rows_for(BUILD, "水费", 1, seed=7)[0]]
    result = collect_json(folder, send(folder, config, "2.eml", second, dt.datetime(2026, 2, 2, 9)))

    wb = openpyxl.load_workbook(master)
    ws = wb["水费"]
    assert [[ws.cell(r, c).value for c in range(1, 8)] for r in (2, 3, 4)] == second
    assert [ws.cell(r, 12).value for r in (1, 2, 3, 4)] == ["核查意见", "户号待核", "已电话核实", None]
    assert [ws.cell(r, 3).fill.fgColor.rgb for r in (2, 3, 4)] == ["00000000", YELLOW, "00000000"]
    assert {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment} == {"D2": "请核对缴费明细"}
    # 历史版本: A–G who and when, H–N the old row's 7 template values, O the marks that did not follow it
    assert [h[:7] + [h[7:14]] + h[14:] for h in history_rows(folder)] == [
        ["水费", BUILD, PERIOD, f"开发建设部_{PERIOD}.xlsx", dt.datetime(2026, 2, 1, 9), dt.datetime(2026, 2, 2, 9),
         f"开发建设部_{PERIOD}.xlsx", old] + (["信用办标注：D4 批注“该户已销户？”"] if i == 2 else []) for i, old in enumerate(first)]
    assert [(n["row"], n["marks"], n["kept"]) for n in result["annotations"]] == [
        (2, ["核查意见：已电话核实", "C2 单元格底色"], True),
        (3, ["核查意见：户号待核", "D3 批注“请核对缴费明细”"], True),
        (4, ["D4 批注“该户已销户？”"], False)]
    assert result["annotations"][2]["key"] == f"「{KEY}」{first[2][2]}"

    # LibreOffice finds the moved comment where openpyxl does (comments part and VML drawing agree)
    lo = openpyxl.load_workbook(convert(master, "xlsx", tmp_path / "lo"))["水费"]
    assert {c.coordinate: c.comment.text.strip() for row in lo.iter_rows() for c in row if c.comment} == {"D2": "请核对缴费明细"}


def test_summary_lists_the_marks_kept_and_moved(office):
    folder, config = office
    first = rows_for(BUILD, "水费", 2, seed=8)

    def annotate(ws):
        ws["L1"], ws["L2"], ws["L3"] = "核查意见", "属实", "不属实"
    master = collected_and_annotated(folder, config, first, annotate)
    second = [[*rows_for(BUILD, "水费", 1, seed=9)[0][:2], first[0][2], *first[0][3:]]]
    code, out, err = run("--config", folder / "config.toml", "collect", master, send(folder, config, "2.eml", second,
                                                                                    dt.datetime(2026, 2, 2, 9)), "--as-of", AS_OF)
    assert code == 0, err
    lines = out.splitlines()
    assert f"    [信用办标注] 水费 原第2行（「{KEY}」{first[0][2]}）：核查意见：属实 —— 已随同一记录的新行保留" in lines
    assert f"    [信用办标注] 水费 原第3行（「{KEY}」{first[1][2]}）：核查意见：不属实 —— 新报送中没有同一记录，已随旧行移入“历史版本”" in lines
    assert [r["核查意见"] for r in master_rows(folder, "水费")] == ["属实"]
    assert [h[14:] for h in history_rows(folder)] == [[], ["信用办标注：核查意见：不属实"]]


def test_marks_of_other_units_rows_move_with_them(office):
    """When 开发建设部 resubmits 行政奖励, the rows of 财政金融部 below its rows move up: their fill
    and comment move with them, never staying on the row that now holds another record."""
    folder, config = office
    finance = UNITS[1]
    mine, theirs = rows_for(BUILD, "行政奖励", 2, seed=10), rows_for(finance, "行政奖励", 2, seed=11)

    def book(unit, rows):
        return unit_workbook(unit, PERIOD, config, {"行政奖励": rows})
    collect_json(folder, eml(folder, "1.eml", BUILD, "开发建设部.xlsx", book(BUILD, mine), dt.datetime(2026, 2, 1, 9)))
    collect_json(folder, eml(folder, "2.eml", finance, "财政金融部.xlsx", book(finance, theirs), dt.datetime(2026, 2, 1, 10)))
    master = folder / MASTER_NAME
    wb = openpyxl.load_workbook(master)
    ws = wb["行政奖励"]
    assert [ws.cell(r, 7).value for r in (2, 3, 4, 5)] == [row[6] for row in mine + theirs]  # G: 认定文书号
    ws["A4"].fill = PatternFill("solid", fgColor=YELLOW)
    ws["B5"].comment = Comment("代码已核", "信用办")
    wb.save(master)
    collect_json(folder, eml(folder, "3.eml", BUILD, "开发建设部.xlsx", book(BUILD, rows_for(BUILD, "行政奖励", 2, seed=12)),
                             dt.datetime(2026, 2, 2, 9)))
    ws = openpyxl.load_workbook(master)["行政奖励"]
    assert [ws.cell(r, 7).value for r in (2, 3)] == [row[6] for row in theirs]
    assert [ws.cell(r, 1).fill.fgColor.rgb for r in (2, 3, 4, 5)] == [YELLOW, "00000000", "00000000", "00000000"]
    assert {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment} == {"B3": "代码已核"}


def test_ribbon_moves_the_marks_as_the_file_engine_does(office, tmp_path):
    """The ribbon's 汇总导入 on the open master: Excel is told to copy a replaced row's cells to the
    row that replaces it and a dropped record's to its 历史版本 row, then to delete the replaced
    rows — replayed on the file, the fills, notes and 核查意见 end where `credit-macros collect` puts them."""
    folder, config = office
    first = rows_for(BUILD, "水费", 3, seed=5)

    def annotate(ws):
        ws["L1"], ws["L2"], ws["L3"] = "核查意见", "已电话核实", "户号待核"
        ws["C2"].fill = PatternFill("solid", fgColor=YELLOW)
        ws["D3"].comment = Comment("请核对缴费明细", "信用办")
        ws["D4"].comment = Comment("该户已销户？", "信用办")
    master = collected_and_annotated(folder, config, first, annotate)
    again = rows_for(BUILD, "水费", 2, seed=6)
    second = [[*again[0][:2], first[1][2], *again[0][3:]], [*again[1][:2], first[0][2], *again[1][3:]],
              rows_for(BUILD, "水费", 1, seed=7)[0]]
    (folder / "收件箱").mkdir()
    mail_file = send(folder, config, "2.eml", second, dt.datetime(2026, 2, 2, 9))
    shutil.copy(mail_file, folder / "收件箱" / "2.eml")
    before = tmp_path / "before.xlsx"
    shutil.copy(master, before)

    wb = remote.book(master, saved=True)
    excel.collect_in(wb)
    acts = remote.actions(wb)
    moves = [(a["func"], a["start_row"] + 1, a["row_count"], a["args"]) for a in acts if a["func"] in ("copyRange", "rangeDelete")]
    water, history = [s.name for s in wb.sheets].index("水费"), [s.name for s in wb.sheets].index("历史版本")
    assert moves == [("copyRange", 3, 1, [water, "$A$5"]), ("copyRange", 2, 1, [water, "$A$6"]),  # the replacing rows
                     ("copyRange", 4, 1, [history, "$H$4"]),  # the dropped record, to its 历史版本 row (H: its values)
                     ("rangeDelete", 2, 3, ["up"])]
    ribbon = tmp_path / "ribbon.xlsx"
    remote.replay(before, acts, ribbon)
    collect_json(folder, mail_file)  # the CLI on the file, for comparison

    def marks(path):
        ws = openpyxl.load_workbook(path)["水费"]
        return ([[ws.cell(r, c).value for c in (3, 12)] for r in range(1, 6)],
                {c.coordinate: c.fill.fgColor.rgb for row in ws.iter_rows(max_row=6) for c in row if c.fill.fill_type},
                {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment})
    assert marks(ribbon) == marks(master)
    assert marks(ribbon)[2] == {"D2": "请核对缴费明细"}
    history = openpyxl.load_workbook(ribbon)["历史版本"]
    assert {c.coordinate: c.comment.text for row in history.iter_rows() for c in row if c.comment} == {"K4": "该户已销户？"}
    alert = [a for a in acts if a["func"] == "alert"][0]["args"][0]
    assert "信用办加在旧行上的底色、批注和自加列已随同一记录移到新行；新报送中没有的 1 条记录连同底色、批注移入“历史版本”" in alert


def test_marks_follow_two_versions_sent_in_one_batch(office):
    """Two corrected versions of the same report collected in one run: the office's fill on the
    original row reaches the row of the last version (through the first version's row)."""
    folder, config = office
    first = rows_for(BUILD, "水费", 2, seed=13)

    def annotate(ws):
        ws["C2"].fill = PatternFill("solid", fgColor=YELLOW)
        ws["L1"], ws["L2"] = "核查意见", "待核"
    master = collected_and_annotated(folder, config, first, annotate)
    versions = [[[*rows_for(BUILD, "水费", 1, seed=seed)[0][:2], first[0][2], *first[0][3:]]] for seed in (14, 15)]
    mails = [send(folder, config, f"{n}.eml", rows, dt.datetime(2026, 2, 2, 9 + n)) for n, rows in enumerate(versions, 2)]
    collect_json(folder, *mails)
    ws = openpyxl.load_workbook(master)["水费"]
    assert [[ws.cell(2, c).value for c in range(1, 8)]] == versions[1] and ws.cell(3, 3).value is None
    assert ws["C2"].fill.fgColor.rgb == YELLOW and ws["L2"].value == "待核"


def test_ribbon_resubmission_of_rows_the_office_left_alone(office, tmp_path):
    """No column of the office's beside the template (the ribbon used to stop with an error here):
    the two old rows go to 历史版本 and are deleted, the one new row is written at row 2, as the CLI does."""
    folder, config = office
    first = rows_for(BUILD, "水费", 2, seed=16)
    collect_json(folder, send(folder, config, "1.eml", first, dt.datetime(2026, 2, 1, 9)))
    second = rows_for(BUILD, "水费", 1, seed=17)
    (folder / "收件箱").mkdir()
    mail_file = send(folder, config, "2.eml", second, dt.datetime(2026, 2, 2, 9))
    shutil.copy(mail_file, folder / "收件箱" / "2.eml")
    before = tmp_path / "before.xlsx"
    shutil.copy(folder / MASTER_NAME, before)
    wb = remote.book(folder / MASTER_NAME, saved=True)
    excel.collect_in(wb)
    acts = remote.actions(wb)
    assert [(a["func"], a["start_row"] + 1, a["row_count"], a["column_count"]) for a in acts
            if a["func"] in ("copyRange", "rangeDelete")] == [
        ("copyRange", 2, 2, 7),  # the two records the unit no longer sends, A–G, to their 历史版本 rows
        ("rangeDelete", 2, 2, 11)]  # A–K: the 7 template columns and the 4 of provenance
    remote.replay(before, acts, tmp_path / "ribbon.xlsx")
    collect_json(folder, mail_file)
    ribbon, cli = (openpyxl.load_workbook(p)["水费"] for p in (tmp_path / "ribbon.xlsx", folder / MASTER_NAME))
    assert [[c.value for c in row[:3]] for row in ribbon.iter_rows(min_row=2, max_row=3)] == [
        [c.value for c in row[:3]] for row in cli.iter_rows(min_row=2, max_row=3)] == [second[0][:3], [None] * 3]
