import datetime as dt

import pytest

from credit_macros.config import load_config
from credit_macros.errors import UserError
from credit_macros.report.scoring import DueItem, half_month, items_text, low_scorers, score_units
from credit_macros.submissions import SubmissionRow

DEFAULT = load_config(None)
PERIOD = half_month(dt.date(2026, 11, 16))


@pytest.mark.parametrize("as_of, start, end, issue", [
    (dt.date(2026, 11, 16), dt.date(2026, 11, 1), dt.date(2026, 11, 15), 21),
    (dt.date(2026, 11, 30), dt.date(2026, 11, 1), dt.date(2026, 11, 15), 21),
    (dt.date(2026, 11, 15), dt.date(2026, 10, 16), dt.date(2026, 10, 31), 20),
    (dt.date(2026, 11, 1), dt.date(2026, 10, 16), dt.date(2026, 10, 31), 20),
    (dt.date(2026, 3, 1), dt.date(2026, 2, 16), dt.date(2026, 2, 28), 4),
    (dt.date(2024, 3, 10), dt.date(2024, 2, 16), dt.date(2024, 2, 29), 4),
    (dt.date(2026, 1, 3), dt.date(2025, 12, 16), dt.date(2025, 12, 31), 24),
    (dt.date(2026, 1, 16), dt.date(2026, 1, 1), dt.date(2026, 1, 15), 1),
])
def test_half_month(as_of, start, end, issue):
    period = half_month(as_of)
    assert (period.start, period.end, period.issue) == (start, end, issue)


def sub(unit, status, due=dt.date(2026, 11, 2), rows=0, errors=0, obligation="行政强制", period="2026-10"):
    received = {"按时": dt.datetime(2026, 11, 2, 9), "逾期": dt.datetime(2026, 11, 6, 9)}.get(status)
    return SubmissionRow(unit, obligation, period, due, received, status, errors, 0, rows, "")


ROWS = [
    sub("党政办公室", "按时", rows=6), sub("党政办公室", "按时", rows=4, obligation="行政奖励"),
    # 2 按时, 1 逾期, 1 未报; 20 rows, 5 errors: 60 × 2.5/4 + 40 × 0.75 = 67.5
    sub("组织和人力资源部", "按时", rows=10, errors=5), sub("组织和人力资源部", "按时", rows=5),
    sub("组织和人力资源部", "逾期", rows=5, obligation="行政奖励"), sub("组织和人力资源部", "未报", obligation="水费"),
    # 2 逾期 without rows and errors: 60 × 1/2 + 40 = 70
    sub("财政金融部", "逾期"), sub("财政金融部", "逾期", obligation="行政奖励"),
    sub("开发建设部", "未报"),  # nothing sent: 0
    sub("安全监管部", "按时", rows=4, errors=10), sub("安全监管部", "按时", rows=0),  # errors ≥ rows: 60
    sub("招商一部", "按时", errors=2),  # sent, no rows, errors: quality 0 → 60
    # outside the half-month or not yet due: ignored
    sub("招商二部", "未报", due=dt.date(2026, 11, 16)), sub("招商二部", "按时", due=dt.date(2026, 10, 31)),
    sub("创新港管理服务部", "未到期", due=dt.date(2026, 11, 10)),
]


def test_scores_ranks_and_ties():
    ranked = score_units(ROWS, PERIOD, DEFAULT)
    table = [(u.rank, u.unit, u.due, u.on_time, u.late, u.missing, u.rows, u.errors, u.score) for u in ranked[:6]]
    assert table == [
        (1, "党政办公室", 2, 2, 0, 0, 10, 0, 100.0),
        (2, "财政金融部", 2, 0, 2, 0, 0, 0, 70.0),
        (3, "组织和人力资源部", 4, 2, 1, 1, 20, 5, 67.5),
        (4, "安全监管部", 2, 2, 0, 0, 4, 10, 60.0),
        (4, "招商一部", 1, 1, 0, 0, 0, 2, 60.0),
        (6, "开发建设部", 1, 0, 0, 1, 0, 0, 0.0),
    ]
    assert [(u.on_time_rate, u.error_rate) for u in ranked[:6]] == [
        (1.0, 0.0), (0.0, None), (0.5, 0.25), (1.0, 2.5), (1.0, None), (0.0, None)]
    rest = ranked[6:]
    assert len(rest) == 15 and all(u.score is None and u.rank is None and u.due == 0 for u in rest)
    assert [u.order for u in rest] == sorted(u.order for u in rest)
    assert ranked[2].late_items == [DueItem("行政奖励", "2026-10", dt.date(2026, 11, 2))]
    assert items_text(ranked[2].missing_items) == "水费（2026-10，应于11月2日前报送）"
    assert [u.unit for u in low_scorers(ranked, DEFAULT)] == ["开发建设部"]


def test_weights_come_from_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[report]\non_time_weight = 80\nquality_weight = 20\nlate_penalty = 0\nlow_score = 90\n", "utf-8")
    config = load_config(path)
    ranked = score_units(ROWS, PERIOD, config)
    scores = {u.unit: u.score for u in ranked if u.score is not None}
    # 组织和人力资源部: 80 × 2/4 + 20 × 0.75 = 55; 财政金融部: 0 + 20 = 20
    assert scores == {"党政办公室": 100.0, "组织和人力资源部": 55.0, "财政金融部": 20.0, "开发建设部": 0.0,
                      "安全监管部": 80.0, "招商一部": 80.0}
    assert [u.unit for u in low_scorers(ranked, config)] == ["安全监管部", "招商一部", "组织和人力资源部", "财政金融部", "开发建设部"]


@pytest.mark.parametrize("settings, words", [
    ("late_penalty = 1.5", "“report.late_penalty”应在 0 到 1 之间"),  # refused when the config is loaded
    ("on_time_weight = -1", "“report.on_time_weight”应在 0 到 100 之间"),
    ("on_time_weight = 0\nquality_weight = 0", "不能都为0"),
])
def test_bad_weights(tmp_path, settings, words):
    path = tmp_path / "config.toml"
    path.write_text(f"[report]\n{settings}\n", "utf-8")
    with pytest.raises(UserError) as caught:
        score_units(ROWS, PERIOD, load_config(path))
    assert words in caught.value.message
