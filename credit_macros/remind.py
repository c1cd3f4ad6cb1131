"""催报 and 退回修改 mails: what each unit still owes, by when, and what to fix.

``plan_reminders`` (core) decides who gets a mail: a unit with an obligation not yet received
whose due date has passed (未报) or is at most ``[deadlines] remind_workdays`` working days away,
or with validation findings in the 退回修改 sheet (the first ``FINDINGS_LISTED`` are listed,
with the total). ``message`` turns a reminder into an ``EmailMessage`` (UTF-8); ``write_drafts``
saves them as .eml files, ``send`` hands them to the SMTP server of config.toml ``[mail]``.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from credit_macros import catalogue
from credit_macros.catalogue import units as unitlib
from credit_macros.catalogue.sheets import FINDINGS_HEADERS, FINDINGS_SHEET
from credit_macros.errors import UserError, os_reason
from credit_macros.safeio import outputs
from credit_macros.submissions import MISSING, MONTHLY, NOT_DUE, SubmissionRow, sheet_records
from credit_macros.workdays import Calendar, describe

FINDINGS_LISTED = 50
CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass
class Reminder:
    unit: str
    to: str
    subject: str
    body: str
    due: list[SubmissionRow] = field(default_factory=list)
    findings: int = 0


def _what(row: SubmissionRow) -> str:
    if row.cycle == MONTHLY:
        return f"{catalogue.template(row.obligation).label}（{row.period} 数据）"
    return f"重点任务 {row.obligation}（{row.period}）"


def _when(row: SubmissionRow, as_of: dt.date, calendar: Calendar) -> str:
    if row.status == MISSING:
        return f"报送期限 {describe(row.due)}，已逾期 {calendar.workdays_between(row.due, as_of)} 个工作日"
    left = calendar.workdays_between(as_of, row.due)
    return f"报送期限 {describe(row.due)}，" + ("今天到期" if row.due == as_of else f"还剩 {left} 个工作日")


def _body(unit: str, due: list[SubmissionRow], fixes: list[dict], total: int, as_of: dt.date, calendar, config) -> str:
    office = config["office"]
    short = unitlib.by_name(unit).short
    lines = [f"{unit}：", ""]
    if due:
        lines.append(f"截至 {as_of.isoformat()}，贵单位以下信用信息尚未报送：")
        lines += [f"  {i}. {_what(r)}：{_when(r, as_of, calendar)}" for i, r in enumerate(due, start=1)]
        monthly = [r for r in due if r.cycle == MONTHLY]
        book = f"（如“{short}_{monthly[0].period}_信用信息报送.xlsx”）" if monthly else ""
        lines += ["", f"报送方式：在信用办下发的报送表{book}中填写，表头请勿改动；"
                  "直接回复本邮件并附上该工作簿，文件名保留单位简称和月份。本月无新增信息的，也请报送空表。"
                  "季度事项（案例、名单、情况说明）请附上材料回复本邮件。", ""]
    if fixes:
        errors = sum(1 for f in fixes if f["类别"] == "错误")
        lines.append(f"退回修改：贵单位已报送的文件经校验共有 {total} 处问题需要核对（以下列出前 {len(fixes)} 处，其中错误 {errors} 处）。"
                     "请在原文件中改正后重新报送，重新报送的数据将替换原数据：")
        lines += [f"  「{f['工作表']}」{f['单元格']}（{f['报送期']}，{f['来源文件']}）{f['类别']}：{f['问题']}" for f in fixes]
        if total > len(fixes):
            lines.append(f"  ……其余 {total - len(fixes)} 处请打开原文件用“校验”按钮查看。")
        lines.append("")
    contact = "，".join(x for x in (office.get("contact"), office.get("phone"), office.get("email")) if x)
    lines += [f"如有疑问请联系{office['office_name']}" + (f"：{contact}" if contact else "") + "。", "",
              f"{config.office_title}（{office['host_unit']}）", as_of.isoformat()]
    return "\n".join(lines)


def plan_reminders(rows: list[SubmissionRow], master_grids: dict[str, list[list]], as_of: dt.date, config,
                   calendar: Calendar | None = None) -> list[Reminder]:
    """One reminder per unit that owes something soon or has something to fix, in the plan's unit order."""
    calendar = calendar or Calendar.from_config(config)
    window = config["deadlines"]["remind_workdays"]
    findings = sheet_records(master_grids.get(FINDINGS_SHEET), FINDINGS_HEADERS)
    out = []
    for unit in unitlib.all_units():
        mine = [r for r in rows if r.unit == unit.name]
        due = [r for r in mine if r.status == MISSING
               or (r.status == NOT_DUE and calendar.workdays_between(as_of, r.due) <= window)]
        fixes = [f for f in findings if f["单位"] == unit.name]
        total = sum(r.errors + r.warnings for r in mine if r.received and r.cycle == MONTHLY)
        if not due and not fixes:
            continue
        parts = [f"{len(due)} 项待报送"] if due else []
        parts += [f"{max(total, len(fixes))} 处待修改"] if fixes else []
        subject = f"【{config.office_title}】信用信息报送提醒：{unit.name}（{'，'.join(parts)}）"
        body = _body(unit.name, due, fixes[:FINDINGS_LISTED], max(total, len(fixes)), as_of, calendar, config)
        out.append(Reminder(unit.name, config.unit_contact(unit.name)["email"], subject, body, due, max(total, len(fixes))))
    return out


def sender(config) -> str:
    return config["mail"]["sender"] or config["office"]["email"]


def message(reminder: Reminder, config, as_of: dt.date) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender(config)
    mail["To"] = reminder.to
    mail["Subject"] = reminder.subject
    mail["Date"] = format_datetime(dt.datetime.combine(as_of, dt.time(9, 0), CHINA))
    mail.set_content(reminder.body, charset="utf-8")
    return mail


def draft_name(reminder: Reminder) -> str:
    unit = unitlib.by_name(reminder.unit)
    return f"{unit.order:02d}_{unit.short}_信用信息报送提醒.eml"


def write_drafts(reminders: list[Reminder], outbox: Path, as_of: dt.date, config) -> tuple[list[Reminder], list[str]]:
    """Save each reminder that has an address as an .eml draft in ``outbox`` (all or none);
    returns (the drafted reminders, warnings naming the units without an address — a draft with
    an empty To: would go nowhere, so none is written for them)."""
    drafted = [r for r in reminders if r.to]
    warnings = [f"{r.unit} 没有登记邮箱，未生成提醒草稿；请在 config.toml 的 [units.\"{r.unit}\"] 中填写 email 后重新运行。"
                for r in reminders if not r.to]
    with outputs() as drafts:
        for reminder in drafted:
            data = message(reminder, config, as_of).as_bytes()
            drafts.write(outbox / draft_name(reminder), lambda tmp, data=data: tmp.write_bytes(data), backup=False)
    return drafted, warnings


def send(reminders: list[Reminder], config, as_of: dt.date) -> tuple[list[Reminder], list[str]]:
    """Send the reminders that have an address through config ``[mail]``; returns (sent, warnings)."""
    settings = config["mail"]
    lacking = [k for k in ("smtp_host", "sender") if not settings[k]]
    if lacking:
        raise UserError(f"config.toml 的 [mail] 中没有填写 {'、'.join(lacking)}，无法发送邮件。"
                        "请填写发件服务器和发件人地址，或改用 --out DIR 生成邮件草稿。")
    warnings = [f"{r.unit} 没有登记邮箱，未发送；请在 config.toml 的 [units.\"{r.unit}\"] 中填写 email。"
                for r in reminders if not r.to]
    ready = [r for r in reminders if r.to]
    host, port = settings["smtp_host"], settings["smtp_port"]
    try:
        if settings["smtp_ssl"]:
            server = smtplib.SMTP_SSL(host, port, timeout=30, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=30)
        with server:
            if settings["smtp_user"]:
                server.login(settings["smtp_user"], settings["smtp_password"])
            for reminder in ready:
                server.send_message(message(reminder, config, as_of))
    except smtplib.SMTPAuthenticationError:
        raise UserError(f"发件服务器 {host}:{port} 拒绝登录，请检查 config.toml [mail] 的 smtp_user 和 smtp_password。")
    except (OSError, smtplib.SMTPException) as exc:
        why = os_reason(exc) if isinstance(exc, OSError) else "服务器拒绝或连接中断"
        raise UserError(f"无法通过 {host}:{port} 发送邮件（{why}），请检查 config.toml [mail] 的服务器、端口和 smtp_ssl 设置，"
                        "或改用 --out DIR 生成邮件草稿。", detail=f"{type(exc).__name__}: {exc}")
    return ready, warnings
