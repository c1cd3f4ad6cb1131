import email
import email.policy
import json
import socket

import pytest
from aiosmtpd.controller import Controller
from runcli import run

from credit_macros.build.master import MASTER_NAME, build_master
from credit_macros.config import load_config
from credit_macros.demo import demo_config_text, demo_email, write_inbox

PERIOD, AS_OF = "2026-01", "2026-02-10"
UNITS = ["开发建设部", "财政金融部", "安全监管部", "综合行政执法支队", "西咸新区自然资源和规划局（沣西）工作部",
         "西咸新区生态环境局（沣西）工作部", "秦创原创新驱动发展（沣西）工作部", "西咸新区政务服务（沣西）中心",
         "西咸新区市场监督管理局沣西新城分局", "国家税务总局西咸新区沣西新城税务局", "发展和经济运行部"]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """A month collected from the demo's inbox: late, missing, faulty and resubmitted units."""
    folder = tmp_path_factory.mktemp("remind")
    # tracked from 2025-10, so last quarter's cases (typed in by hand) are obligations too
    (folder / "config.toml").write_text(demo_config_text(UNITS, start="2025-10"), "utf-8")
    config = load_config(folder / "config.toml")
    build_master(config).save(folder / MASTER_NAME)
    (folder / "inbox").mkdir()
    write_inbox(folder / "inbox", PERIOD, config, seed=7)
    code, out, err = run("--config", str(folder / "config.toml"), "collect", str(folder / MASTER_NAME),
                         str(folder / "inbox"), "--as-of", AS_OF, "--json")
    assert code == 1, err  # the inbox holds one broken attachment: some merged, one refused
    return folder, json.loads(out)


def _smtp_config(folder, port):
    text = (folder / "config.toml").read_text("utf-8").replace(
        "[mail]\n", f'[mail]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n')
    path = folder / f"smtp-{port}.toml"
    path.write_text(text, "utf-8")
    return path


def test_send_reaches_a_real_smtp_server(collected):
    folder, result = collected
    inbox = Inbox()
    with socket.socket() as probe:  # a free ephemeral port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        code, out, err = run("--config", str(_smtp_config(folder, port)),
                             "remind", str(folder / MASTER_NAME), "--as-of", AS_OF, "--send")
    finally:
        controller.stop()
    assert code == 0, err
    received = {tuple(rcpt): msg for rcpt, msg in inbox.messages}
    # the demo's last two reporting units sent nothing; 税务局 has an address, 消防大队 none (not sent, warned)
    assert "注意：西咸新区消防救援支队沣西新城大队 没有登记邮箱，未发送" in out
    for unit in ["国家税务总局西咸新区沣西新城税务局"]:
        msg = received[(demo_email(unit),)]
        assert msg["Subject"].startswith("【沣西新城信用办】信用信息报送提醒：" + unit)  # before: 沣西新城新城信用办
        body = msg.get_body().get_content()
        assert "附件2 行政强制信息模板（2026-01 数据）：报送期限 2026-02-02（星期一），已逾期 6 个工作日" in body
        # the file name suggested is that of the oldest month owed (tracking starts 2025-10)
        assert "税务局_2025-10_信用信息报送.xlsx" in body and "回复本邮件" in body and "李信用" in body
    # units whose files had validation errors get the list to fix, with sheet, cell and message
    faulty = {a["unit"] for a in result["accepted"] if a["errors"]} - {r["unit"] for r in result["replaced"]}
    assert faulty
    for unit in faulty:
        body = received[(demo_email(unit),)].get_body().get_content()
        assert "退回修改" in body and "校验位错误" in body and "请在原文件中改正后重新报送" in body
    assert "已发送提醒邮件" in out
    # quarterly cases (typed in by hand) of last quarter are still open for every unit named in those tasks
    quarterly = received[(demo_email("发展和经济运行部"),)].get_body().get_content()
    assert "重点任务 1-6-1 信用报告应用（2025年第4季度）" in quarterly


def test_drafts_and_missing_smtp_settings(collected, tmp_path):
    folder, _ = collected
    code, out, err = run("--config", str(folder / "config.toml"), "remind", str(folder / MASTER_NAME), "--as-of", AS_OF,
                         "--out", str(tmp_path))
    assert code == 0, err
    drafts = sorted(tmp_path.glob("*.eml"))
    assert drafts and "已生成提醒邮件草稿" in out
    message = email.message_from_bytes(drafts[0].read_bytes(), policy=email.policy.default)
    assert message["From"] == "xyb@fengxi.example.gov.cn" and message.get_content_charset() == "utf-8"
    # a unit with something due but no address gets no draft with an empty To: the summary names it
    assert ("注意：西咸新区消防救援支队沣西新城大队 没有登记邮箱，未生成提醒草稿；"
            "请在 config.toml 的 [units.\"西咸新区消防救援支队沣西新城大队\"] 中填写 email") in out
    assert not any("消防" in d.name for d in drafts)
    assert all(email.message_from_bytes(d.read_bytes())["To"] for d in drafts)
    code, out, err = run("--config", str(folder / "config.toml"), "remind", str(folder / MASTER_NAME), "--as-of", AS_OF, "--send")
    assert code == 2 and "[mail] 中没有填写 smtp_host" in err
