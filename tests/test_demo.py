
from fingerprint import diff, fingerprint
from runcli import DEFAULT_CONFIG, run

from credit_macros.build.master import MASTER_NAME


def test_demo_plays_a_month_deterministically(tmp_path):
    folder = tmp_path / "demo"
    code, first, err = run("--config", DEFAULT_CONFIG, "demo", "--out", str(folder))
    assert code == 0, err
    assert "演示：2026-01 报送期，截至 2026-02-10" in first
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
