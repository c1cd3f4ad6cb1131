"""Where submissions come from: folders, workbook files, mails saved as .eml, Outlook .msg files.

``gather(paths)`` turns the command line's SOURCE arguments into ``Incoming`` items, one per
workbook (a file given or found in a folder, or a mail's attachment), with the received time
(the mail's Date header, else the file's modification time, in China time without a zone), the
sender's address and the subject where there is a mail. Items are never executed or opened by
anything that runs macros: ``Incoming.read`` writes the bytes to a private temporary folder
and reads them with python-calamine (``io.read.read_book``).

A mail without a workbook attachment, or a file that is no workbook and no mail, becomes an
item with ``problem`` set, so the caller lists it with its reason instead of dropping it; a
mail's other attachments (a scanned .pdf beside the workbook) become ``listed_only`` items.
Every source is taken in isolation: a hostile or damaged one (a name of 300 bytes or with a
NUL, a Date in the year 9999, a multipart tree 2,000 levels deep) is refused alone, with a
Chinese reason, and the rest proceed. Attachment names are decoded whatever the sender's
client did (RFC 2047, RFC 2231, raw 8-bit GBK); workbooks inside forwarded messages are found
(``MAX_FORWARDED`` levels): ``message/rfc822`` parts of an .eml, messages attached to an .msg.
"""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.policy
import email.utils
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from credit_macros.errors import UserError, os_reason
from credit_macros.io.read import MAIL_SUFFIXES, READABLE, read_book

CHINA = dt.timezone(dt.timedelta(hours=8))
SKIP_PREFIXES = ("~$", ".~")  # Excel/WPS lock files, our own temporary files
MAX_NESTING = 20  # multipart levels looked into (real mails: 2–4)
MAX_FORWARDED = 3  # forwarded messages (message/rfc822, .msg in .msg) looked into, one inside another
MAX_PARTS = 500  # parts of one mail looked at
NAME_CHARS = 120  # characters of an attachment name kept (Windows allows 255 per path component)
GB_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030",
               "gb_2312-80": "gb18030", "csgb2312": "gb18030"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
    detail: str = ""  # library text behind ``problem`` (for --json, never shown as the reason)
    others: tuple[str, ...] = ()  # the mail's attachments that are not workbooks
    listed_only: bool = False  # such an attachment: listed with ``problem``, never a submission

    def __post_init__(self):
        if not self.digest:
            self.digest = hashlib.sha256(self.data).hexdigest()

    @property
    def label(self) -> str:
        return self.name if self.origin.endswith(self.name) else f"{self.origin} 的附件 {self.name}"

    def read(self) -> tuple[dict[str, list[list]], dict[str, list]]:
        """The workbook's grids and merged ranges (``UserError`` with the reason if unreadable)."""
        with tempfile.TemporaryDirectory(prefix="credit-collect-") as folder:
            path = Path(folder) / ("附件" + Path(self.name).suffix.lower()[:6])  # never the sender's name: length, NUL
            path.write_bytes(self.data)
            return read_book(path, self.name)


def china_time(moment: dt.datetime) -> dt.datetime:
    """An aware or naive (= already China time) datetime as naive China time, to the second."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _mtime(path: Path) -> dt.datetime:
    return china_time(dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc))


def _is_workbook_name(name: str) -> bool:
    return Path(name).suffix.lower() in READABLE


def clean_name(name: str) -> str:
    r"""An attachment's file name fit to show and store: the last path component, without control
    characters, at most ``NAME_CHARS`` characters (the extension kept).

    >>> clean_name("C:\\报送\\开发建设部\x00_2026-01.xlsx"), clean_name("很" * 300 + ".xlsx")[-8:]
    ('开发建设部_2026-01.xlsx', '很很….xlsx')
    """
    name = _CONTROL.sub("", re.split(r"[\\/]", str(name or ""))[-1]).strip()
    if len(name) > NAME_CHARS:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:NAME_CHARS - len(suffix) - 2] + "…." + suffix) if dot and len(suffix) <= 5 else name[:NAME_CHARS - 1] + "…"
    return name


def decode_text(data: bytes, declared=()) -> str:
    """Bytes of a name in an unknown charset: the declared ones first (GB2312 and GBK read as their
    superset GB18030), then UTF-8, then GB18030. UTF-8 comes before GB18030 because GB18030
    accepts most UTF-8 byte strings as other characters while strict UTF-8 almost never accepts
    GBK text.

    >>> decode_text("综合执法支队".encode("gbk")), decode_text("开发建设部".encode()), decode_text("堃".encode("gbk"), ["gb2312"])
    ('综合执法支队', '开发建设部', '堃')
    """
    for charset in (*declared, "utf-8", "gb18030"):
        charset = GB_SUPERSET.get(str(charset).lower(), charset)
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", "replace")


def _raw_header(part, header: str) -> bytes | None:
    for key, value in part.raw_items():
        if key.lower() == header:
            return str(value).encode("ascii", "surrogateescape") if isinstance(value, str) else None
    return None


def attachment_name(part, declared=()) -> str:
    """The part's file name, decoded: RFC 2047 and RFC 2231 words whatever charset they say
    (GB2312 labels on GBK text included), and raw 8-bit names in ``declared``, UTF-8 or GB18030."""
    name = part.get_filename() or ""
    if "\ufffd" not in name:
        return clean_name(name)
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = _raw_header(part, header)
        if raw is None:
            continue
        if any(b > 0x7F for b in raw):  # raw 8-bit: decode the whole header, then parse it
            found = email.policy.default.header_factory(header, decode_text(raw, declared)).params.get(param)
            if found:
                return clean_name(found)
            continue
        legacy = email.message_from_bytes(header.encode() + b": " + raw + b"\n\n", policy=email.policy.compat32)
        value = legacy.get_param(param, header=header)
        if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded text as latin-1)
            return clean_name(decode_text(value[2].encode("latin-1", "replace"), [value[0] or ""]))
        if value:  # RFC 2047 encoded words
            words = email.header.decode_header(email.utils.unquote(value))
            return clean_name("".join(w if isinstance(w, str) else decode_text(w, [c or ""]) for w, c in words))
    return clean_name(name)


def _received(message, path: Path) -> dt.datetime:
    """The mail's Date in China time; the file's time when the mail has none. A Date that cannot
    be read or lies outside 2000 … next year refuses the mail (``UserError``): whether it came in
    on time cannot be told."""
    date = message.get("Date")
    if date is None:
        return _mtime(path)
    try:
        moment = china_time(email.utils.parsedate_to_datetime(str(date)))
        if dt.date(2000, 1, 1) <= moment.date() <= dt.date.today().replace(month=12, day=31) + dt.timedelta(days=366):
            return moment
    except (TypeError, ValueError, OverflowError, IndexError):
        pass
    raise UserError(f"邮件 {path.name} 的发送日期「{clean_name(str(date))}」不是有效日期，无法判断是否按时报送，未汇总。"
                    "请发件单位重新发送这封邮件。")


def _leaves(message):
    """(part, charsets declared on the way) of every non-multipart part, walking iteratively into
    multiparts (``MAX_NESTING`` levels) and forwarded ``message/rfc822`` parts (``MAX_FORWARDED``
    levels), at most ``MAX_PARTS`` parts."""
    stack = [(message, 0, 0, ())]
    seen = 0
    while stack and seen < MAX_PARTS:
        part, nesting, forwarded, charsets = stack.pop()
        seen += 1
        charsets = (*charsets, *[c for c in [part.get_content_charset()] if c])
        if part.is_multipart():  # message/rfc822 too: its payload is the forwarded message
            inner = part.get_payload()
            if part.get_content_type() == "message/rfc822":
                if forwarded >= MAX_FORWARDED:
                    continue
                forwarded += 1
            elif nesting >= MAX_NESTING:
                continue
            stack.extend((p, nesting + 1, forwarded, charsets) for p in reversed(inner if isinstance(inner, list) else [inner]))
        else:
            yield part, charsets


def _from_eml(path: Path) -> list[Incoming]:
    raw = path.read_bytes()
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except RecursionError:
        raise UserError(f"邮件 {path.name} 的结构嵌套过深，无法拆出附件，未汇总。请发件单位把 Excel 文件直接作为附件重新发送。")
    received = _received(message, path)
    sender = email.utils.parseaddr(str(message.get("From", "")))[1].lower()
    subject = str(message.get("Subject", "") or "")
    attachments = []
    for part, charsets in _leaves(message):
        name = attachment_name(part, charsets)
        if name or part.get_content_disposition() == "attachment":
            attachments.append((name or "（无名附件）", part))
    return _items(path, raw, received, sender, subject,
                  [(name, lambda part=part: part.get_payload(decode=True) or b"") for name, part in attachments])


def _from_msg(path: Path) -> list[Incoming]:
    import extract_msg

    raw = path.read_bytes()
    try:
        message = extract_msg.openMsg(str(path))
    except Exception as exc:  # extract-msg raises many types for damaged files
        raise UserError(f"Outlook 邮件 {path.name} 已损坏，无法读取，未汇总。请在 Outlook 中重新“另存为”.msg 后重试。",
                        detail=f"{type(exc).__name__}: {exc}")
    try:
        moment = message.date
        received = china_time(moment) if isinstance(moment, dt.datetime) else _mtime(path)
        sender = email.utils.parseaddr(message.sender or "")[1].lower()
        subject = message.subject or ""
        return _items(path, raw, received, sender, subject, _msg_attachments(message))
    finally:
        message.close()


def _msg_attachments(message, forwarded: int = 0) -> list:
    """(name, data) of the .msg's attachments, looking into messages attached as messages
    (Outlook's "作为附件转发") ``MAX_FORWARDED`` levels deep, like forwarded .eml parts."""
    from extract_msg.enums import AttachmentType

    found = []
    for a in message.attachments:
        if a.type is AttachmentType.MSG:
            if forwarded < MAX_FORWARDED:
                found += _msg_attachments(a.data, forwarded + 1)
            continue
        found.append((clean_name(a.longFilename or a.shortFilename or "") or "（无名附件）",
                      lambda a=a: a.data if isinstance(a.data, bytes) else b""))
    return found


def _items(path: Path, raw: bytes, received, sender, subject, attachments) -> list[Incoming]:
    """One item per workbook attachment, one listed-only item per other attachment; a mail
    without a workbook is one refused item naming its attachments."""
    workbooks = [(name, data()) for name, data in attachments if _is_workbook_name(name)]
    others = [name for name, _ in attachments if not _is_workbook_name(name)]
    if not workbooks:
        listed = f"（附件：{'、'.join(others)}）" if others else "（没有任何附件）"
        return [Incoming(path.name, raw, received, str(path), sender, subject,
                         problem=f"邮件 {path.name} 中没有 Excel 附件{listed}，请联系发件单位把报送表（.xlsx、.xls 等）作为附件重新发送。")]
    items = [Incoming(name, data, received, str(path), sender, subject, others=tuple(others)) for name, data in workbooks]
    items += [Incoming(name, b"", received, str(path), sender, subject, listed_only=True,
                       problem="不是 Excel 工作簿，未汇总（随邮件保存，请信用办自行查阅）") for name in others]
    return items


def _from_file(path: Path) -> list[Incoming]:
    suffix = path.suffix.lower()
    if suffix == ".eml":
        return _from_eml(path)
    if suffix == ".msg":
        return _from_msg(path)
    return [Incoming(path.name, path.read_bytes(), _mtime(path), str(path))]  # what it is: told by its content


def _wanted(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(SKIP_PREFIXES) and path.suffix.lower() in READABLE | MAIL_SUFFIXES


def gather(paths, exclude: Path | None = None) -> list[Incoming]:
    """Items of every SOURCE (folders recursively: their workbooks and mails), in name order.

    ``exclude``: a file never to read (the master itself and its backups, when a folder holds them).
    """
    skip = set()
    if exclude is not None:
        from credit_macros.safeio import backups

        skip = {exclude.resolve(), *(p.resolve() for p in backups(exclude))}
    items: list[Incoming] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise UserError(f"找不到 {path}，请检查文件或文件夹的路径。")
        files = sorted(p for p in path.rglob("*") if _wanted(p)) if path.is_dir() else [path]
        for file in files:
            if file.resolve() in skip:
                continue
            items.extend(_isolated(file))
    return items


def _isolated(file: Path) -> list[Incoming]:
    """``_from_file``, where whatever goes wrong refuses this source alone with a Chinese reason."""
    try:
        return _from_file(file)
    except UserError as exc:
        problem, detail = exc.message, exc.detail
    except OSError as exc:
        problem, detail = f"无法读取 {file.name}（{os_reason(exc)}），未汇总。请检查文件后重试。", f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # a hostile or damaged mail must not stop the batch
        problem = f"{file.name} 的内容无法解析（文件异常或已损坏），未汇总，其余文件照常处理。请发件单位重新发送。"
        detail = f"{type(exc).__name__}: {exc}"
    return [Incoming(file.name, b"", dt.datetime.now(CHINA).replace(tzinfo=None, microsecond=0), str(file),
                     problem=problem, detail=detail, digest=hashlib.sha256(str(file).encode()).hexdigest())]
