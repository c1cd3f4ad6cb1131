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
    assert dict(repo) == dict(load_config(REPO / "does-not-exist.toml"))


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
