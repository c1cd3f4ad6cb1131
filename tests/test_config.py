import datetime as dt
import io
from pathlib import Path

import pytest

from credit_macros.cli import main
from credit_macros.config import load_config
from credit_macros.errors import UserError

REPO = Path(__file__).resolve().parents[1]


def test_embedded_default_and_notice(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.source is None
    assert config["office"]["district"] == "沣西新城"
    assert config["deadlines"]["event_workdays"]["信用承诺上传"] == 20
    assert "内置默认配置" in config.notice


def test_repo_config_equals_default():
    repo = load_config(REPO / "config.toml")
    assert repo.source == REPO / "config.toml"
    assert dict(repo) == dict(load_config())


def _write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_values_override(tmp_path):
    path = _write(tmp_path, '[office]\nenterprise_count = 5200\n[units."综合执法支队"]\nemail = "zf@example.cn"\n'
                            '[calendar.years.2027]\nholidays = ["2027-01-01"]\nworkdays = []\n')
    config = load_config(path)
    assert config["office"]["enterprise_count"] == 5200
    assert config["office"]["plan_year"] == 2023
    assert config.unit_contact("综合行政执法支队")["email"] == "zf@example.cn"
    assert config["calendar"]["years"]["2027"]["holidays"] == ["2027-01-01"]


@pytest.mark.parametrize("text, line, words", [
    ('[office]\ndistrict = "沣西新城"\nplan_yaer = 2023\n', 3, "plan_yaer"),
    ('[deadlines]\nmonthly_due_day = "2日"\n', 2, "整数"),
    ('[calendar]\nextra_holidays = ["2026-13-01"]\n', 2, "不是日期"),
    ('[office\ndistrict = 1\n', 1, "格式错误"),
    ('[units."不存在的部门"]\nemail = "a@b.c"\n', 1, "不是成员单位"),
    ('[calendar.years.2027]\nholidays = ["2026-10-01"]\n', 2, "不属于 2027 年"),
])
def test_bad_config_names_key_and_line(tmp_path, text, line, words):
    path = _write(tmp_path, text)
    with pytest.raises(UserError) as err:
        load_config(path)
    assert f"第 {line} 行" in err.value.message
    assert words in err.value.message
    assert str(path) in err.value.message


def test_cli_bad_config_exits_nonzero(tmp_path):
    path = _write(tmp_path, "[office]\nplan_yaer = 1\n")
    err = io.StringIO()
    code = main(["--config", str(path), "build", "--out", str(tmp_path / "m.xlsx")], out=io.StringIO(), err=err)
    assert code == 2
    assert "plan_yaer" in err.getvalue() and err.getvalue().startswith("错误：")
    assert not (tmp_path / "m.xlsx").exists()


# ---- 11.3: one rule for where the settings come from (CLI and ribbon)

def _folder_with_config(tmp_path, text='[office]\ndistrict = "旁边的配置"\n'):
    from credit_macros.build.master import MASTER_NAME, write_build

    folder = tmp_path / "demo-output"
    folder.mkdir()
    _write(folder, text)
    write_build(folder / MASTER_NAME, load_config())
    return folder / MASTER_NAME


def test_cli_reads_config_beside_the_workbook_not_the_current_folder(tmp_path, monkeypatch):
    master = _folder_with_config(tmp_path, "[office]\nplan_yaer = 1\n")  # a broken config beside the master
    (tmp_path / "config.toml").write_text("", "utf-8")  # a harmless one in the current folder
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    code = main(["status", "demo-output/" + master.name, "--as-of", "2026-02-10"], out=io.StringIO(), err=err)
    assert code == 2
    assert "demo-output" in err.getvalue() and "plan_yaer" in err.getvalue()


def test_the_file_used_is_printed_once(tmp_path, monkeypatch):
    master = _folder_with_config(tmp_path)
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    assert main(["status", str(master), "--as-of", "2026-02-10"], out=io.StringIO(), err=err) == 0
    used = master.resolve().parent / "config.toml"
    assert err.getvalue() == f"使用配置文件 {used}。\n"
    monkeypatch.chdir(master.parent)  # the current folder's own config.toml is not announced
    err = io.StringIO()
    assert main(["status", master.name, "--as-of", "2026-02-10"], out=io.StringIO(), err=err) == 0
    assert err.getvalue() == ""


def test_current_folder_then_embedded_default(tmp_path, monkeypatch):
    from credit_macros.config import resolve_config

    monkeypatch.chdir(tmp_path)
    config = resolve_config(None, tmp_path / "elsewhere" / "x.xlsx")
    assert config.source is None and config.notice == "提示：工作簿旁和当前目录都没有 config.toml，使用内置默认配置。"
    _write(tmp_path, '[office]\ndistrict = "当前目录"\n')
    assert resolve_config(None, tmp_path / "elsewhere" / "x.xlsx")["office"]["district"] == "当前目录"
    assert resolve_config(None, None).source == tmp_path / "config.toml"


def test_explicit_config_missing_is_an_error(tmp_path):
    err = io.StringIO()
    code = main(["--config", str(tmp_path / "没有.toml"), "build", "--out", str(tmp_path / "m.xlsx")],
                out=io.StringIO(), err=err)
    assert code == 2
    assert err.getvalue() == (f"错误：--config 指定的配置文件 {tmp_path / '没有.toml'} 不存在，请检查路径"
                              "（不写 --config 时，使用工作簿旁或当前目录的 config.toml）。\n")
    assert not (tmp_path / "m.xlsx").exists()


def test_config_accepted_after_the_sub_command(tmp_path):
    path = _write(tmp_path, "[office]\nplan_yaer = 1\n")
    err = io.StringIO()
    code = main(["build", "--out", str(tmp_path / "m.xlsx"), "--config", str(path)], out=io.StringIO(), err=err)
    assert code == 2 and "plan_yaer" in err.getvalue()


def test_ribbon_uses_the_same_rule(tmp_path, monkeypatch):
    from remote import book

    from credit_macros import excel

    master = _folder_with_config(tmp_path)
    monkeypatch.chdir(tmp_path)
    config = excel._config(book(master, saved=True))
    assert config["office"]["district"] == "旁边的配置"
    assert config.source == master.parent / "config.toml"


# ---- 11.4 / 17.13: every value of the default config refused when wrong (cases generated from it)

def _leaves(node, path=()):
    for key, value in node.items():
        if isinstance(value, dict):
            yield from _leaves(value, path + (key,))
        else:
            yield path + (key,), value


def _toml_value(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _wrong_values(value) -> list:
    """Wrong values for a key holding ``value``: another type, and a hostile value of its own type."""
    if isinstance(value, bool):
        return ["yes", 1]
    if isinstance(value, (int, float)):
        return ["12", 10 ** 15, -(10 ** 15)]
    if isinstance(value, str):
        return [7, "a\r\nBcc: victim@example.com", "x" * 5000]
    if isinstance(value, list):
        return [1, ["a\nb"]]
    raise AssertionError(value)


def _default_cases():
    import tomllib

    from credit_macros.config import default_text

    default = tomllib.loads(default_text())
    default["units"] = {"开发建设部": {"contact": "张三", "phone": "029-1", "email": "kf@example.gov.cn"}}
    for path, value in _leaves(default):
        for wrong in _wrong_values(value):
            yield pytest.param(path, wrong, id=f"{'.'.join(path)}={str(wrong)[:20]!r}")


@pytest.mark.parametrize("path, wrong", list(_default_cases()))
def test_a_wrong_value_in_every_key_is_refused_naming_key_and_line(tmp_path, path, wrong):
    table, key = path[:-1], path[-1]
    header = ".".join(f'"{p}"' for p in table)
    text = f"# 第 1 行是注释\n\n[{header}]\n\"{key}\" = {_toml_value(wrong)}\n"
    config = _write(tmp_path, text)
    err = io.StringIO()
    code = main(["--config", str(config), "deadline", "2026-09-28", "1"], out=io.StringIO(), err=err)
    assert code == 2, (text, err.getvalue())
    message = err.getvalue()
    assert message.startswith(f"错误：配置文件 {config} 第 4 行的“{'.'.join(path)}”"), message
    assert "Traceback" not in message and "\n" not in message.rstrip("\n")


@pytest.mark.parametrize("key, value, words", [
    ("colors", 'error = "red"', "六位十六进制颜色"),
    ("colors", 'header = "#DDEBF7"', "六位十六进制颜色"),
    ("mail", 'sender = "xyb@example.gov.cn>\\r\\nBcc: a@b.c"', "控制字符"),
    ("office", 'email = "不是地址"', "不是有效的邮箱地址"),
    ("deadlines", "monthly_due_day = 32", "应在 1 到 31 之间"),
    ("mail", "smtp_port = 99999999999999", "应在 1 到 65535 之间"),
    ("tracking", 'start = "2023年6月"', "应为月份，写成 \"YYYY-MM\""),
    ("tracking", 'start = "2023-13"', "应为月份"),
    ("print", 'wide_paper = "A5"', "应为 \"A4\" 或 \"A3\"，现在是 'A5'"),
])
def test_hostile_values_named(tmp_path, key, value, words):
    path = _write(tmp_path, f"[{key}]\n{value}\n")
    with pytest.raises(UserError) as err:
        load_config(path)
    assert "第 2 行" in err.value.message and words in err.value.message


def test_colour_error_no_longer_a_traceback_in_build(tmp_path):
    path = _write(tmp_path, '[colors]\nerror = "red"\n')
    err = io.StringIO()
    code = main(["--config", str(path), "build", "--out", str(tmp_path / "m.xlsx")], out=io.StringIO(), err=err)
    assert code == 2 and not (tmp_path / "m.xlsx").exists()
    assert err.getvalue() == (f"错误：配置文件 {path} 第 2 行的“colors.error”应为六位十六进制颜色（RRGGBB，如 \"FFC7CE\"），"
                              "现在是 'red'。\n")


def test_unit_name_with_a_line_break_is_refused(tmp_path):
    path = _write(tmp_path, '[units."开发建设部\\r\\nBcc: a@b.c"]\nemail = "kf@example.gov.cn"\n')
    with pytest.raises(UserError) as err:
        load_config(path)
    assert "控制字符" in err.value.message and "开发建设部" in err.value.message


def test_reminder_headers_cannot_be_injected():
    """Even a value that bypassed the config check could not add a header: the mail library refuses it."""
    from credit_macros.remind import Reminder, message

    hostile = Reminder("开发建设部", "kf@example.gov.cn\r\nBcc: victim@example.com", "提醒", "正文", [], 0)
    with pytest.raises(ValueError):
        message(hostile, load_config(), dt.date(2026, 2, 10))


def test_tracking_start_default_is_the_plans_month():
    """The plan (沣西党政办字〔2023〕17号) was issued on 2023-06-01: its June data is the first report."""
    assert load_config(None)["tracking"]["start"] == "2023-06"
