
import pytest
from fingerprint import diff, fingerprint
from runcli import DEFAULT_CONFIG, run

from credit_macros.build.master import MASTER_NAME


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """One demo month played once per module: (its folder, what it printed); read by the tests below,
    played again by the last one."""
    folder = tmp_path_factory.mktemp("played") / "demo"
    code, out, err = run("--config", DEFAULT_CONFIG, "demo", "--out", str(folder))
    assert code == 0, err
    return folder, out


def test_demo_is_one_consistent_day_with_a_scored_circular(played):
    """Before: 报送情况 as of 2026-02-10 while 重点任务's 基准日期 was empty (today), and the 通报
    of that day said "各成员单位均无到期报送事项"; no indicator data."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    from credit_macros.build import calendar_sheet
    from credit_macros.catalogue.sheets import INDICATOR_SHEET, KEY_TASK_SHEET, LEDGER_SHEET

    folder, out = played
    assert "半月通报：沣西新城社会信用体系建设工作通报（2026年第3期），2026年2月1日至2月15日，12 个单位评分" in out
    assert "第 1名 发展和经济运行部" in out and "100.0 分" in out and " 0.0 分（应报 7，按时 0，逾期 0，未报 7）" in out
    assert (folder / "通报" / "半月通报_20260216.xlsx").exists() and (folder / "通报" / "半月通报_20260216.docx").exists()
    wb = openpyxl.load_workbook(folder / MASTER_NAME, read_only=True)
    for sheet in (KEY_TASK_SHEET, LEDGER_SHEET):
        assert wb[sheet][calendar_sheet.AS_OF_INPUT].value.date().isoformat() == "2026-02-16"
    months = [r[0] for r in CalamineWorkbook.from_path(str(folder / MASTER_NAME)).get_sheet_by_name(INDICATOR_SHEET).to_python()[1:]]
    assert [m.strftime("%Y-%m") for m in months] == ["2026-01"]
    text = (folder / "通报" / "半月通报_20260216.xlsx").read_bytes()
    assert b"\xe5\x90\x84\xe6\x88\x90\xe5\x91\x98\xe5\x8d\x95\xe4\xbd\x8d\xe5\x9d\x87\xe6\x97\xa0" not in text  # 各成员单位均无


def test_demo_plays_a_month_deterministically(played):
    """Plays the month again in the same folder (the master records where each mail lay), so it
    runs after the tests that read the first play."""
    folder, first = played
    assert "演示：2026-01 报送期，截至 2026-02-16" in first
    for line in ("收到邮件", "接收文件", "其中替换旧版", "未接收", "提醒邮件草稿"):
        assert line in first
    assert "未接收：秦创原工作部_2026-01_信用信息报送.xlsx：文件" in first
    inbox = sorted(p.name for p in (folder / "inbox").glob("*.eml"))
    assert len(inbox) == 11 and any("更正" in n for n in inbox) and any("附件损坏" in n for n in inbox)
    outbox = sorted((folder / "outbox").glob("*.eml"))
    assert outbox
    before = fingerprint(folder / MASTER_NAME)
    mails = {p.name: p.read_bytes() for p in outbox}
    code, second, err = run("--config", DEFAULT_CONFIG, "demo", "--out", str(folder))
    assert code == 0 and second == first
    assert diff(before, fingerprint(folder / MASTER_NAME)) == []
    assert {p.name: p.read_bytes() for p in (folder / "outbox").glob("*.eml")} == mails
