"""Where submissions come from: folders, workbook files, mails saved as .eml, Outlook .msg files.

``gather(paths)`` turns the command line's SOURCE arguments into ``Incoming`` items, one per
workbook (a file given or found in a folder, or a mail's attachment), with the received time
(the mail's Date header, else the file's modification time, in China time without a zone), the
sender's address and the subject where there is a mail. Items are never executed or opened by
anything that runs macros: ``Incoming.read`` writes the bytes to a private temporary folder
and reads them with python-calamine (``xlsxio.read_book``).

A mail without a workbook attachment, or a file that is no workbook and no mail, becomes an
item with ``problem`` set, so the caller lists it with its reason instead of dropping it.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from credit_macros.errors import UserError
from credit_macros.xlsxio import READABLE, read_book

CHINA = dt.timezone(dt.timedelta(hours=8))
MAIL_SUFFIXES = {".eml", ".msg"}
SKIP_PREFIXES = ("~$", ".~")  # Excel/WPS lock files, our own temporary files


@dataclass
class Incoming:
    name: str  # the workbook's file name (attachment name for mails)
    data: bytes
    received: dt.datetime  # naive, China time
    origin: str  # what the user gave: the mail or file path
    sender: str = ""
    subject: str = ""
    problem: str | None = None  # why this cannot be a submission at all
    digest: str = field(default="")

    def __post_init__(self):
        if not self.digest:
            self.digest = hashlib.sha256(self.data).hexdigest()

    @property
    def label(self) -> str:
        return self.name if self.origin.endswith(self.name) else f"{self.origin} 的附件 {self.name}"

    def read(self) -> tuple[dict[str, list[list]], dict[str, list]]:
        """The workbook's grids and merged ranges (``UserError`` with the reason if unreadable)."""
        safe = Path(self.name).name or "附件.xlsx"
        with tempfile.TemporaryDirectory(prefix="credit-collect-") as folder:
            path = Path(folder) / safe
            path.write_bytes(self.data)
            return read_book(path)


def china_time(moment: dt.datetime) -> dt.datetime:
    """An aware or naive (= already China time) datetime as naive China time, to the second."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _mtime(path: Path) -> dt.datetime:
    return china_time(dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc))


def _is_workbook_name(name: str) -> bool:
    return Path(name).suffix.lower() in READABLE


def _from_eml(path: Path) -> list[Incoming]:
    raw = path.read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        date = message["Date"]
        received = china_time(email.utils.parsedate_to_datetime(str(date))) if date else _mtime(path)
    except (TypeError, ValueError):
        received = _mtime(path)
    sender = email.utils.parseaddr(str(message.get("From", "")))[1].lower()
    subject = str(message.get("Subject", "") or "")
    items = []
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        if _is_workbook_name(name):
            items.append(Incoming(Path(name).name, part.get_payload(decode=True) or b"", received, str(path), sender, subject))
    return items or [_no_attachment(path, raw, received, sender, subject)]


def _from_msg(path: Path) -> list[Incoming]:
    import extract_msg

    raw = path.read_bytes()
    try:
        message = extract_msg.openMsg(str(path))
    except Exception as exc:  # extract-msg raises many types for damaged files
        return [Incoming(path.name, raw, _mtime(path), str(path),
                         problem=f"Outlook 邮件 {path.name} 无法读取（{exc}），请在 Outlook 中重新“另存为”.msg 后重试。")]
    try:
        moment = message.date
        received = china_time(moment) if isinstance(moment, dt.datetime) else _mtime(path)
        sender = email.utils.parseaddr(message.sender or "")[1].lower()
        subject = message.subject or ""
        items = []
        for attachment in message.attachments:
            name = attachment.longFilename or attachment.shortFilename or ""
            data = attachment.data
            if _is_workbook_name(name) and isinstance(data, bytes):
                items.append(Incoming(Path(name).name, data, received, str(path), sender, subject))
    finally:
        message.close()
    return items or [_no_attachment(path, raw, received, sender, subject)]


def _no_attachment(path: Path, raw: bytes, received, sender, subject) -> Incoming:
    return Incoming(path.name, raw, received, str(path), sender, subject,
                    problem=f"邮件 {path.name} 中没有 Excel 附件（.xlsx、.xlsm、.xls），请联系发件单位重新发送附件。")


def _from_file(path: Path) -> list[Incoming]:
    suffix = path.suffix.lower()
    if suffix == ".eml":
        return _from_eml(path)
    if suffix == ".msg":
        return _from_msg(path)
    raw = path.read_bytes()
    if suffix in READABLE:
        return [Incoming(path.name, raw, _mtime(path), str(path))]
    return [Incoming(path.name, raw, _mtime(path), str(path),
                     problem=f"文件 {path.name} 既不是 Excel 工作簿（.xlsx、.xlsm、.xls）也不是邮件（.eml、.msg），未处理。")]


def _wanted(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(SKIP_PREFIXES) and path.suffix.lower() in READABLE | MAIL_SUFFIXES


def gather(paths, exclude: Path | None = None) -> list[Incoming]:
    """Items of every SOURCE (folders recursively: their workbooks and mails), in name order.

    ``exclude``: a file never to read (the master itself and its backup, when a folder holds them).
    """
    skip = set()
    if exclude is not None:
        from credit_macros.safeio import backup_path

        skip = {exclude.resolve(), backup_path(exclude).resolve()}
    items: list[Incoming] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise UserError(f"找不到 {path}，请检查文件或文件夹的路径。")
        files = sorted(p for p in path.rglob("*") if _wanted(p)) if path.is_dir() else [path]
        for file in files:
            if file.resolve() in skip:
                continue
            try:
                items.extend(_from_file(file))
            except OSError as exc:
                raise UserError(f"无法读取 {file}（{exc.strerror}），请检查文件权限后重试。")
    return items
