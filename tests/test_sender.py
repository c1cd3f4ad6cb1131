"""17.8: a mail from one unit's address carrying another unit's workbook is not merged unless the
office confirms it (``collect --accept-sender-mismatch``). Real .eml files (Python's email package)."""

import datetime as dt

from runcli import run
from test_collect import AS_OF, PERIOD, UNITS, collect, eml, master_rows, office, rows_for  # noqa: F401  (the fixture)

from credit_macros.build.master import MASTER_NAME
from credit_macros.demo import demo_email, unit_workbook

BUILD, FINANCE = UNITS[0], UNITS[1]  # 开发建设部, 财政金融部: both have an address in the test's config.toml


def finance_book(config, seed) -> bytes:
    return unit_workbook(FINANCE, PERIOD, config, {"行政奖励": rows_for(FINANCE, "行政奖励", 2, seed)})


def test_workbook_from_another_units_address_is_refused_then_merged_when_confirmed(office):
    folder, config = office
    own = eml(folder, "own.eml", FINANCE, "财政金融部_2026-01.xlsx", finance_book(config, 1), dt.datetime(2026, 2, 1, 9))
    first = collect(folder, own)
    assert [a["unit"] for a in first["accepted"]] == [FINANCE]
    earlier = master_rows(folder, "行政奖励")
    assert len(earlier) == 2
    before = (folder / MASTER_NAME).read_bytes()

    # 开发建设部's address sends a workbook whose metadata says 财政金融部
    spoof = eml(folder, "spoof.eml", FINANCE, "财政金融部_2026-01.xlsx", finance_book(config, 2), dt.datetime(2026, 2, 2, 9),
                sender=demo_email(BUILD))
    refused = collect(folder, spoof)
    reason = (f"{spoof} 的附件 财政金融部_2026-01.xlsx（{FINANCE} {PERIOD}）发件人与报送单位不符：发件人 {demo_email(BUILD)} 是 config.toml 中"
              f"{BUILD}的邮箱，文件却是{FINANCE}的报送（单位:报送信息；报送期:报送信息），未汇总，也未替换{FINANCE}之前报送的数据。"
              f"请向{FINANCE}核实这封邮件；确属该单位报送时，用 credit-macros collect --accept-sender-mismatch 再汇总一次。")
    assert refused["accepted"] == [] and [r["reason"] for r in refused["rejected"]] == [reason]
    assert refused["exit_code"] == 3 and (folder / MASTER_NAME).read_bytes() == before  # nothing replaced
    code, out, _ = run("--config", folder / "config.toml", "collect", folder / MASTER_NAME, spoof, "--as-of", AS_OF)
    assert code == 3 and f"  [未接收] 财政金融部_2026-01.xlsx：{reason}" in out.splitlines()

    # confirmed by the office: merged, replacing the earlier rows, and the receipt says so
    code, out, err = run("--config", folder / "config.toml", "collect", folder / MASTER_NAME, spoof, "--as-of", AS_OF,
                         "--accept-sender-mismatch")
    assert code == 0 and not err, err
    assert f"  [接收] {FINANCE} {PERIOD}｜财政金融部_2026-01.xlsx：" in out and "替换了之前报送的 行政奖励 2 行" in out
    now = master_rows(folder, "行政奖励")
    assert len(now) == 2 and {r["行政相对人名称"] for r in now} != {r["行政相对人名称"] for r in earlier}
    [receipt] = [r for r in master_rows(folder, "收文记录") if r["发件人"] == demo_email(BUILD) and r["模板"] == "行政奖励"]
    assert receipt["说明"] == (f"发件人与报送单位不符：发件人 {demo_email(BUILD)} 是 config.toml 中{BUILD}的邮箱，"
                             f"文件却是{FINANCE}的报送，已按 --accept-sender-mismatch 确认后汇总。")


def test_unknown_or_matching_sender_is_merged_as_before(office):
    """Only an address config.toml gives to another unit refuses: an address not in config (a
    colleague's own mailbox) or the unit's own is merged without a word."""
    folder, config = office
    unknown = eml(folder, "a.eml", FINANCE, "财政金融部_2026-01.xlsx", finance_book(config, 3), dt.datetime(2026, 2, 1, 9),
                  sender="zhang.san@private.example.com")
    own = eml(folder, "b.eml", BUILD, "开发建设部_2026-01.xlsx",
              unit_workbook(BUILD, PERIOD, config, {"水费": rows_for(BUILD, "水费", 2, 4)}), dt.datetime(2026, 2, 1, 10))
    result = collect(folder, unknown, own)
    assert [(a["unit"], a["note"]) for a in result["accepted"]] == [(FINANCE, ""), (BUILD, "")] and not result["rejected"]
