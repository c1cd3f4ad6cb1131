"""``credit-macros deadline`` and ``credit-macros calendar`` through the real CLI entry point.

Calendar facts: 国庆节 2026 10月1日-7日 off, Saturday 10月10日 working (chinese-calendar 1.11.0);
2027 not yet published: provisional, 元旦 1月1日 from the holidays package.
"""

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from credit_macros.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cli(tmp_path):
    """Run the CLI with a config file of the given text; returns (exit code, stdout, stderr)."""
    def run(*args, config=""):
        path = tmp_path / "config.toml"
        path.write_text(config, "utf-8")
        out, err = io.StringIO(), io.StringIO()
        code = main(["--config", str(path), *args], out=out, err=err)
        return code, out.getvalue(), err.getvalue()
    return run


def test_deadline_json(cli):
    code, out, err = cli("deadline", "2026-09-28", "7", "--json")
    assert (code, err) == (0, "")
    assert out == '{"start": "2026-09-28", "workdays": 7, "due": "2026-10-13", "provisional": false}\n'


def test_deadline_text(cli):
    code, out, _ = cli("deadline", "2026/9/28", "7")
    assert code == 0
    assert out == "2026-09-28（星期一）之后第 7 个工作日（当日不计）是 2026-10-13（星期二）。\n"
    assert cli("deadline", "2026年10月3日", "0")[1] == "2026-10-03（星期六）当日或其后的第一个工作日是 2026-10-08（星期四）。\n"


def test_deadline_provisional(cli):
    code, out, _ = cli("deadline", "2026-12-18", "20")
    assert code == 0
    assert out.startswith("2026-12-18（星期五）之后第 20 个工作日（当日不计）是 2027-01-18（星期一）。（暂定：2027 年放假安排尚未发布")
    assert "[calendar.years.2027]" in out
    assert json.loads(cli("deadline", "2026-12-18", "20", "--json")[1]) == {
        "start": "2026-12-18", "workdays": 20, "due": "2027-01-18", "provisional": True}


def test_deadline_with_config_year_and_local_days(cli):
    config = ('[calendar]\nextra_holidays = ["2026-12-31"]\n'
              '[calendar.years.2027]\nholidays = ["2027-01-01"]\nworkdays = []\n')
    # 2026-12-21..30: 8; 2027-01-04..08: 13; 11..15: 18; 18, 19: 20
    code, out, _ = cli("deadline", "2026-12-18", "20", "--json", config=config)
    assert json.loads(out) == {"start": "2026-12-18", "workdays": 20, "due": "2027-01-19", "provisional": False}
    assert "暂定" not in cli("deadline", "2026-12-18", "20", config=config)[1]


@pytest.mark.parametrize("args, message", [
    (["2026-02-30", "1"], "错误：日期“2026-02-30”无法识别，请写成 YYYY-MM-DD，如 2026-09-28。\n"),
    (["明天", "1"], "错误：日期“明天”无法识别，请写成 YYYY-MM-DD，如 2026-09-28。\n"),
    (["2026-09-28", "七"], "错误：工作日天数“七”应为 0 到 2500 之间的整数。\n"),
    (["2026-09-28", "3000"], "错误：工作日天数“3000”应为 0 到 2500 之间的整数。\n"),
    (["2026-09-28", "1.5"], "错误：工作日天数“1.5”应为 0 到 2500 之间的整数。\n"),
])
def test_deadline_bad_input(cli, args, message):
    assert cli("deadline", *args) == (2, "", message)


def test_calendar_one_year(cli):
    code, out, _ = cli("calendar", "2026")
    assert code == 0
    assert ("2026 年：国家放假安排（chinese-calendar 程序包）；周一至周五放假 19 天，周末调休上班 6 天，"
            "全年工作日 248 天。") in out
    assert "暂定" not in out


def test_calendar_json_and_config_source(cli):
    config = '[calendar.years.2027]\nholidays = ["2027-01-01", "2027-02-08"]\nworkdays = ["2027-02-20"]\n'
    code, out, _ = cli("calendar", "2027", "--json", config=config)
    assert json.loads(out) == [{"year": 2027, "source": "config", "holidays": 2, "workdays_on_weekend": 1,
                                "workdays": 260, "provisional": False}]


def test_calendar_default_years(cli):
    code, out, _ = cli("calendar", "--json", config="[office]\nplan_year = 2024\n")
    rows = json.loads(out)
    next_year = dt.date.today().year + 1
    assert [r["year"] for r in rows] == list(range(2023, next_year + 1))
    assert [r["source"] for r in rows if r["year"] <= 2026] == ["package"] * 4


def test_calendar_text_marks_provisional_years_and_local_days(cli):
    code, out, _ = cli("calendar", "2027", config='[calendar]\nextra_workdays = ["2027-01-02"]\n')
    assert "2027 年：暂定（仅周末和法定节假日，未含调休）；周一至周五放假 13 天，周末调休上班 1 天，全年工作日 249 天。" in out
    assert "本地调整（config.toml [calendar]）：额外放假 0 天，额外上班 1 天，已计入上表。" in out
    assert "请在 config.toml 的 [calendar.years.2027] 中填写" in out


def test_calendar_bad_year(cli):
    assert cli("calendar", "27") == (2, "", "错误：年份“27”应为 1950 到 2099 之间的四位数字，如 2027。\n")


def test_module_entry_point(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "credit_macros", "deadline", "2026-09-28", "7", "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, encoding="utf-8", timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"start": "2026-09-28", "workdays": 7, "due": "2026-10-13", "provisional": False}


def test_calendar_year_before_the_package_says_it_covers_2004_onward(cli):
    code, out, _ = cli("calendar", "1999")
    assert code == 0
    assert out.splitlines()[-1] == (
        "涉及这些年份的期限均标为暂定。（暂定：1999 年早于日历程序包的范围（chinese-calendar 收录 2004 年起的放假安排），"
        "按周末和法定节假日推算，未含调休；如需准确的期限，请在 config.toml 的 [calendar.years.1999] 中填写当年的放假日和调休上班日。）")
    assert "尚未发布" not in out
