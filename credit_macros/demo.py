"""Synthetic but realistic submissions: the month the 信用办 lives through, for the demo, tests and benchmarks.

Everything is drawn from one ``random.Random(seed)``, so the same seed gives the same bytes.
Codes are valid: 统一社会信用代码 with the GB 32100 check character (``stdnum.cn.uscc``),
身份证号 with the GB 11643 check digit (``stdnum.cn.ric``); dates fall inside the period and
respect the templates' date order; cross-column rules (类别 → 代码, 强制种类 → 类型) hold.
``spoil`` plants errors a validation must find.

``write_demo`` plays a whole cycle in a folder: config.toml with the units' addresses, the
master, an inbox of .eml mails (on time, late, with errors, one resubmission, one unusable
attachment, one workbook known only by its file name, one only by its sender), ``collect``,
报送情况 and reminder drafts in the outbox.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import openpyxl
import stdnum.cn.ric as ric
import stdnum.cn.uscc as uscc

from credit_macros import catalogue
from credit_macros.catalogue import units as unitlib
from credit_macros.catalogue.sheets import (
    INDICATOR_SHEET,
    KEY_TASK_SHEET,
    LEDGER_SHEET,
    META_SHEET,
    META_VISIBLE_SHEET,
    STATUS_HEADERS,
    STATUS_SHEET,
)
from credit_macros.catalogue.tasks import unit_templates
from credit_macros.config import load_config
from credit_macros.deadlines import monthly_due
from credit_macros.remind import plan_reminders, write_drafts
from credit_macros.report import make_report
from credit_macros.safeio import atomic_write
from credit_macros.io.intake import gather
from credit_macros.submissions import QUARTERLY, month_label, parse_month, quarter_label
from credit_macros.table import HEADER_SCAN_ROWS, find_table
from credit_macros.build import calendar_sheet, tracking
from credit_macros.build.cells import put_rows
from credit_macros.io.collect_master import collect_into
from credit_macros.build.master import MASTER_NAME, write_build
from credit_macros.build.submissions_sheet import refresh_submissions
from credit_macros.build.unit_book import build_unit_book
from credit_macros.workdays import Calendar
from credit_macros.io.read import read_grids

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGIONS = ("611100", "611101", "610100", "610104", "611102")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志宏"
TRADE_WORDS = ("秦川", "沣河", "渭水", "长安", "丝路", "西咸", "汉风", "华清", "云帆", "智谷", "启航", "鼎盛")
INDUSTRIES = ("科技", "建设工程", "信息技术", "商贸", "新材料", "环保科技", "物流", "餐饮管理", "文化传媒", "电子")
FREE_ENUMS = {
    "奖励级别": ("区级", "市级", "省级"),
    "检查形式": ("日常检查", "专项检查", "双随机检查"),
    "检查方式": ("现场检查", "书面检查", "网络检查"),
    "检查结果": ("未发现问题", "责令整改", "已整改"),
    "确认种类": ("资格确认", "权属确认", "事实确认"),
    "裁决种类": ("权属纠纷裁决", "侵权纠纷裁决", "补偿纠纷裁决"),
}


def make_uscc(rng: random.Random, prefix: str = "91") -> str:
    """A valid 18-character 统一社会信用代码 (check character per GB 32100)."""
    body = prefix + rng.choice(REGIONS) + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def make_ric(rng: random.Random) -> str:
    """A valid 18-digit 居民身份证号码 (check digit per GB 11643)."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(40 * 365))
    body = "610102" + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def company(rng: random.Random) -> str:
    return f"陕西{rng.choice(TRADE_WORDS)}{rng.choice(INDUSTRIES)}有限公司"


@dataclass
class RowMaker:
    """Rows of one template for one unit and period."""

    template: catalogue.Template
    unit: str
    period: str
    rng: random.Random
    serial: int = 0
    agency_code: str = field(default="")

    def __post_init__(self):
        self.agency_code = self.agency_code or make_uscc(random.Random(self.unit), prefix="11")
        year, month = parse_month(self.period)
        self.first = dt.date(year, month, 1)
        self.days = ((dt.date(year + month // 12, month % 12 + 1, 1)) - self.first).days

    def _date(self, earliest: dt.date | None = None) -> dt.date:
        start = earliest or self.first
        left = max(0, (self.first + dt.timedelta(days=self.days - 1) - start).days)
        return start + dt.timedelta(days=self.rng.randint(0, left))

    def row(self) -> list:
        self.serial += 1
        rng, values = self.rng, {}
        short = unitlib.by_name(self.unit).short
        name = company(rng)
        for column in self.template.columns:
            n, t = column.name, column.type
            if t == "uscc" and ("机关" in n or "数据来源" in n or "机构" in n):
                value = self.agency_code
            elif t in ("uscc", "party_code"):
                value = make_uscc(rng)
            elif t == "id_number":
                value = make_ric(rng)
            elif t == "date":
                earlier = [values[a] for a, b in self.template.order if b == n and a in values]
                value = self._date(max(earlier) if earlier else None)
                if column.future_ok and "截止" in n:
                    value = value.replace(year=value.year + 1)
            elif t == "enum":
                options = catalogue.enum_values(column.enum) or FREE_ENUMS.get(column.enum, ("其他",))
                value = options[0] if column.enum in ("行政相对人类别", "行政强制种类", "证件类型") else rng.choice(options)
            elif t == "yesno":
                value = rng.choice(("是", "否"))
            elif t == "number":
                value = self.serial if n == "序号" else round(rng.uniform(10, 5000), 1)
            elif t == "series":
                year, month = parse_month(self.period)
                value = "; ".join(f"{month_label(year - (month - k <= 0), (month - k - 1) % 12 + 1)}: {round(rng.uniform(100, 9000), 2)}"
                                  for k in range(5, -1, -1))
            elif t == "phone":
                value = f"1{rng.choice('3589')}{rng.randrange(10 ** 9):09d}"
            elif "文书号" in n or "文号" in n:
                value = f"沣西{short[:2]}{rng.choice('罚强确检奖告')}字〔{self.first.year}〕{self.serial:05d}号"
            elif "户" in n:
                value = f"{name}{'/' if '/' in n else ' '}{rng.randrange(10 ** 11):011d}"
            elif "名称" in n and ("机关" in n or "机构" in n or "数据来源" in n):
                value = self.unit
            elif n in ("行政相对人名称", "企业名称"):
                value = name
            elif "姓名" in n or n in ("送达人", "签收人"):
                value = person(rng)
            elif n == "备注":
                value = None
            else:
                value = f"{n[:6]}（{name[:6]}，第{self.serial}件）"
            values[n] = value
        return [values[c.name] for c in self.template.columns]

    def rows(self, n: int) -> list[list]:
        return [self.row() for _ in range(n)]


def spoil(template: catalogue.Template, rows: list[list], count: int, rng: random.Random) -> list[str]:
    """Break ``count`` 统一社会信用代码 check characters in ``rows`` (in place); returns the bad codes."""
    columns = [i for i, c in enumerate(template.columns) if c.type in ("uscc", "party_code") and c.required]
    columns = columns or [i for i, c in enumerate(template.columns) if c.type in ("uscc", "party_code")]
    bad = []
    for k in rng.sample(range(len(rows)), min(count, len(rows))):
        c = columns[0]
        good = rows[k][c]
        wrong = next(ch for ch in USCC_CHARS if ch != good[-1])
        rows[k][c] = good[:-1] + wrong
        bad.append(rows[k][c])
    return bad


def unit_workbook(unit: str, period: str, config, rows: dict[str, list[list]], with_metadata: bool = True) -> bytes:
    """The unit's split workbook filled with ``rows`` (template key → rows), as .xlsx bytes."""

    wb = build_unit_book(unit, period, config)
    for key, data in rows.items():
        ws = wb[catalogue.template(key).sheet]
        top = [list(row) for row in ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)]  # the headers are there
        table = find_table(ws.title, top, only=catalogue.template(key))
        put_rows(ws, table.first_row, data)
    if not with_metadata:
        for name in (META_SHEET, META_VISIBLE_SHEET):
            del wb[name]
    moment = dt.datetime.combine(dt.date(*parse_month(period), 1), dt.time())
    wb.properties.created = wb.properties.modified = moment
    buffer = io.BytesIO()
    wb.save(buffer)
    return stable_zip(buffer.getvalue(), moment)


def stable_zip(data: bytes, moment: dt.datetime) -> bytes:
    """The same package with every member dated ``moment`` and a fixed modification time in
    docProps/core.xml (openpyxl stamps the time of saving), so equal content gives equal bytes."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, body)
            dst.writestr(zipfile.ZipInfo(item.filename, moment.timetuple()[:6]), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def mail(sender: str, to: str, subject: str, body: str, when: dt.datetime, attachments: list[tuple[str, bytes]]) -> bytes:
    """An RFC 5322 mail (UTF-8) with workbook attachments, dated ``when`` (China time)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(when.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))))
    message.set_content(body)
    for name, data in attachments:
        message.add_attachment(data, maintype="application",
                               subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=name)
    return message.as_bytes()


def demo_email(unit: str) -> str:
    return f"unit{unitlib.by_name(unit).order:02d}@fengxi.example.gov.cn"


DEMO_OFFICE = {"contact": "李信用", "phone": "029-33185000", "email": "xyb@fengxi.example.gov.cn"}


DEMO_ENTERPRISES = 12_000


def demo_config_text(units_with_email: list[str], start: str = "2026-01") -> str:
    """A config.toml for the demo: the office's contact, the district's enterprise count, the month
    报送情况 starts from, the mail sender and the units' addresses."""
    lines = ["# 演示配置：信用办联系人、发件地址和各成员单位邮箱（地址均为虚构）。", "[office]"]
    lines += [f'{k} = "{v}"' for k, v in DEMO_OFFICE.items()]
    lines += [f"enterprise_count = {DEMO_ENTERPRISES}", "", "[tracking]", f'start = "{start}"', ""]
    lines += ["[mail]", f'sender = "{DEMO_OFFICE["email"]}"', ""]
    for unit in units_with_email:
        lines += [f'[units."{unit}"]', f'email = "{demo_email(unit)}"', ""]
    return "\n".join(lines)


@dataclass
class DemoResult:
    folder: Path
    master: Path
    inbox: list[Path]
    outcome: object
    rows: list
    reminders: list
    warnings: list[str]
    report: object  # report.result.ReportResult: the 半月通报 of the as-of day (.xlsx and .docx written)


def default_as_of(period: str) -> dt.date:
    """The 16th of the month after ``period``: the due day (the 2nd) lies in the half-month that has
    just closed, so the 半月通报 of that day scores the period's reports."""
    year, month = parse_month(period)
    return dt.date(year + month // 12, month % 12 + 1, 16)


def write_inbox(folder: Path, period: str, config, seed: int, rows_per_sheet: int = 4) -> list[Path]:
    """The month's mails as .eml files in ``folder``; the cast of units is fixed by ``seed``."""

    rng = random.Random(seed)
    year, month = parse_month(period)
    due, _ = monthly_due(year + month // 12, month % 12 + 1, Calendar.from_config(config), config)
    office = config["office"]["email"] or DEMO_OFFICE["email"]
    reporting = [u.name for u in unitlib.all_units() if unit_templates(u.name)]
    # roles: the last two report nothing; two are late; two send errors; one resubmits; one sends a broken file;
    # one file carries no metadata (known by its name), one is known only by the sender's address
    missing, late, faulty = reporting[-2:], reporting[2:4], reporting[4:6]
    resubmits, broken, by_name, by_sender = reporting[6], reporting[7], reporting[8], reporting[9]
    paths = []

    def send(unit, when, name, data, subject=None, tag=""):
        subject = subject or f"{unit} {period} 信用信息报送"
        body = f"信用办：\n附件为{unit} {period} 信用信息报送表，请查收。\n{unit}"
        raw = mail(demo_email(unit), office, subject, body, when, [(name, data)])
        path = folder / f"{len(paths) + 1:02d}_{unitlib.by_name(unit).short}{tag}.eml"
        path.write_bytes(raw)
        paths.append(path)

    for unit in reporting:
        if unit in missing:
            continue
        makers = {k: RowMaker(catalogue.template(k), unit, period, rng) for k in unit_templates(unit)}
        rows = {k: m.rows(rng.randint(2, rows_per_sheet)) for k, m in makers.items()}
        when = dt.datetime.combine(due - dt.timedelta(days=rng.randint(0, 1)), dt.time(rng.randint(8, 17), rng.randint(0, 59)))
        if unit in late:
            when = dt.datetime.combine(due + dt.timedelta(days=rng.randint(1, 4)), dt.time(10, 15))
        name = f"{unitlib.by_name(unit).short}_{period}_信用信息报送.xlsx"
        if unit == broken:
            data = unit_workbook(unit, period, config, rows)
            send(unit, when, name, data[: len(data) // 3], tag="_附件损坏")
            continue
        if unit in faulty or unit == resubmits:
            key = next(iter(rows))
            fixed = [list(r) for r in rows[key]]
            spoil(catalogue.template(key), rows[key], 2, rng)
            send(unit, when, name, unit_workbook(unit, period, config, rows), tag="_有误")
            if unit == resubmits:
                rows[key] = fixed
                send(unit, when + dt.timedelta(days=1, hours=2), name, unit_workbook(unit, period, config, rows),
                     subject=f"{unit} {period} 信用信息报送（更正后重新报送）", tag="_更正")
            continue
        if unit == by_name:
            send(unit, when, name, unit_workbook(unit, period, config, rows, with_metadata=False), tag="_按文件名")
            continue
        if unit == by_sender:
            send(unit, when, "报送表.xlsx", unit_workbook(unit, period, config, rows, with_metadata=False),
                 subject=f"{period} 报送", tag="_按发件人")
            continue
        send(unit, when, name, unit_workbook(unit, period, config, rows))
    return paths


def indicator_rows(period: str, rng: random.Random) -> list[list]:
    """One 指标数据 row per month of the quarter up to ``period``, as the 信用办 types them (the
    columns of ``report/indicators.toml``, in order)."""
    year, month = parse_month(period)
    rows, registered, real_name, promised = [], 0, 0, 0
    for m in range((month - 1) // 3 * 3 + 1, month + 1):
        due = rng.randint(90, 110)
        sent = due - rng.randint(0, 3)
        new_reg, new_real = rng.randint(8, 20), rng.randint(4, 10)
        registered, real_name, promised = registered + 40 + new_reg, real_name + 20 + new_real, promised + 700 + rng.randint(0, 60)
        rows.append([dt.datetime(year, m, 1), due, sent, sent - rng.randint(0, 2), sent - rng.randint(0, 4),
                     rng.randint(0, 3), rng.randint(5, 12), DEMO_ENTERPRISES, rng.randint(1, 3), rng.randint(2, 4),
                     promised, new_reg, new_real, registered, real_name, rng.randint(0, 2)])
    return rows


def type_office_entries(master: Path, period: str, as_of: dt.date, config, late: set[str], seed: int) -> list:
    """Do what the office does by hand, then refresh as ``status --as-of`` does: type the 收到时间
    of this quarter's cases into 报送情况 (all units but ``late``, a few days before ``as_of``),
    fill 指标数据 for the months so far, and write ``as_of`` into the 基准日期 cells so every
    sheet of the demo master is as of the same day."""


    wb = openpyxl.load_workbook(master)
    ws = wb[STATUS_SHEET]
    col = {name: i for i, name in enumerate(STATUS_HEADERS)}
    this_quarter = quarter_label(as_of.year, (as_of.month - 1) // 3 + 1)
    for row in ws.iter_rows(min_row=2):
        if row[col["周期"]].value == QUARTERLY and row[col["报送期"]].value == this_quarter and row[col["成员单位"]].value not in late:
            row[col["收到时间"]].value = dt.datetime.combine(as_of - dt.timedelta(days=3), dt.time(10))
    for values in indicator_rows(period, random.Random(seed)):
        wb[INDICATOR_SHEET].append(values)
    for sheet in (KEY_TASK_SHEET, LEDGER_SHEET):
        wb[sheet][calendar_sheet.AS_OF_INPUT] = as_of
    rows = refresh_submissions(wb, as_of, config)
    atomic_write(master, lambda tmp: tracking.save(wb, tmp, config, Calendar.from_config(config), as_of), backup=False)
    return rows


def write_demo(folder: Path, period: str, as_of: dt.date, seed: int = 20260210) -> DemoResult:
    """Play the month in ``folder`` (created if needed); see the module docstring."""

    folder.mkdir(parents=True, exist_ok=True)
    reporting = [u.name for u in unitlib.all_units() if unit_templates(u.name)]
    # one unit has no address in the config: its reminder is a draft without recipient
    (folder / "config.toml").write_text(demo_config_text(reporting[:-1], start=period), "utf-8")
    config = load_config(folder / "config.toml")
    master = folder / MASTER_NAME
    write_build(master, config)
    inbox = folder / "inbox"
    inbox.mkdir(exist_ok=True)
    for old in inbox.glob("*.eml"):
        old.unlink()
    paths = write_inbox(inbox, period, config, seed)
    outcome, _, _ = collect_into(master, gather([inbox]), as_of, config)
    rows = type_office_entries(master, period, as_of, config, late=set(reporting[-3:]), seed=seed)
    reminders = plan_reminders(rows, read_grids(master), as_of, config)
    outbox = folder / "outbox"
    outbox.mkdir(exist_ok=True)
    for old in outbox.glob("*.eml"):
        old.unlink()
    reminders, warnings = write_drafts(reminders, outbox, as_of, config)
    report = make_report(master, as_of, config)
    return DemoResult(folder, master, paths, outcome, rows, reminders, warnings, report)
