"""Mail intake: hostile mails are refused alone, forwarded mails are looked into, attachment
names are decoded in every form Chinese mail clients send, every attachment is listed."""

import base64
import datetime as dt
import json
import random
import urllib.parse
from email.message import EmailMessage

import pytest
from runcli import run
from test_collect import PERIOD, UNITS, expected_exit, office  # noqa: F401  (the fixture)

from credit_macros import catalogue
from credit_macros.build.master import MASTER_NAME
from credit_macros.demo import RowMaker, demo_email, mail, unit_workbook
from credit_macros.io.intake import MAX_FORWARDED, NAME_CHARS, gather
from credit_macros.io.read import read_grids

SENT = "Mon, 02 Feb 2026 09:00:00 +0800"
ENFORCEMENT = "综合行政执法支队"


def collect(folder, *sources):
    code, out, err = run("--config", folder / "config.toml", "collect", folder / MASTER_NAME, *sources,
                         "--as-of", "2026-02-10", "--json")
    result = json.loads(out)
    assert code == expected_exit(result) and not err, err
    return result


def book(config, unit, key, seed, period=PERIOD, with_metadata=True) -> bytes:
    rows = RowMaker(catalogue.template(key), unit, period, random.Random(seed)).rows(2)
    return unit_workbook(unit, period, config, {key: rows}, with_metadata=with_metadata)


def raw_mail(headers: dict, parts: list[bytes]) -> bytes:
    """A multipart/mixed mail written byte by byte (what a hostile or old client sends)."""
    head = b"".join(f"{k}: {v}\r\n".encode() for k, v in {"From": "unit01@fengxi.example.gov.cn", "To": "xyb@x",
                                                              "Subject": "=?utf-8?b?5oql6YCB?=", "Date": SENT,
                                                              "MIME-Version": "1.0", **headers}.items())
    body = b"".join(b"--B\r\n" + p + b"\r\n" for p in parts) + b"--B--\r\n"
    return head + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n' + body


def attachment(disposition: bytes, data: bytes, content_type: bytes = b"application/octet-stream") -> bytes:
    return (b"Content-Type: " + content_type + b"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; "
            + disposition + b"\r\n\r\n" + base64.encodebytes(data))


def rfc2047(name: str, charset="utf-8", codec=None) -> bytes:
    return b'filename="=?' + charset.encode() + b"?B?" + base64.b64encode(name.encode(codec or charset)) + b'?="'


def master_rows(folder, sheet):
    grid = read_grids(folder / MASTER_NAME)[sheet]
    return [dict(zip(grid[0], r)) for r in grid[1:] if any(v not in ("", None) for v in r)]


def receipts(folder):
    return master_rows(folder, "收文记录")


def test_hostile_mails_are_refused_alone_and_every_good_one_is_merged(office):
    """18.1 / 17.12: a 300-byte attachment name, a NUL in an RFC 2047 name, a Date in the year
    9999 with a negative offset, a 2,000-deep multipart tree and a damaged .msg, mixed with good
    mails: every good workbook is merged, every hostile mail is listed with a Chinese reason."""
    folder, config = office
    inbox = folder / "in"
    unit3 = UNITS[2]
    inbox.joinpath("good1.eml").write_bytes(mail(demo_email(UNITS[0]), "x@y", "报送", "见附件", dt.datetime(2026, 2, 1, 9),
                                                 [("kf.xlsx", book(config, UNITS[0], "水费", 1))]))
    inbox.joinpath("good2.eml").write_bytes(mail(demo_email(UNITS[1]), "x@y", "报送", "见附件", dt.datetime(2026, 2, 1, 10),
                                                 [("cj.xlsx", book(config, UNITS[1], "行政奖励", 2))]))
    long_name = unit3 + "_2026-01_" + "信用信息报送表" * 20 + ".xlsx"
    assert len(long_name.encode()) > 300
    inbox.joinpath("long.eml").write_bytes(raw_mail({}, [attachment(rfc2047(long_name), book(config, unit3, "科技研发", 3))]))
    inbox.joinpath("nul.eml").write_bytes(raw_mail({}, [attachment(rfc2047("报送\0表.xlsx"),
                                                                   book(config, unit3, "科技研发", 4, "2026-02"))]))
    inbox.joinpath("date.eml").write_bytes(raw_mail({"Date": "Fri, 31 Dec 9999 23:59:59 -1200"},
                                                    [attachment(b'filename="a.xlsx"', book(config, UNITS[0], "燃气费", 5))]))
    deep = attachment(b'filename="b.xlsx"', book(config, UNITS[1], "行政检查", 6))
    for level in range(2000):
        deep = (f'Content-Type: multipart/mixed; boundary="n{level}"\r\n\r\n--n{level}\r\n'.encode() + deep
                + f"\r\n--n{level}--".encode())
    inbox.joinpath("deep.eml").write_bytes(raw_mail({}, [deep]))
    inbox.joinpath("bad.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)

    result = collect(folder, inbox)

    accepted = {a["file"]: (a["unit"], a["period"]) for a in result["accepted"]}
    shortened = long_name[:NAME_CHARS - 6] + "….xlsx"
    assert accepted == {"kf.xlsx": (UNITS[0], PERIOD), "cj.xlsx": (UNITS[1], PERIOD),
                        shortened: (unit3, PERIOD), "报送表.xlsx": (unit3, "2026-02")}
    rejected = {r["file"]: r["reason"] for r in result["rejected"]}
    assert rejected == {
        "date.eml": "邮件 date.eml 的发送日期「Fri, 31 Dec 9999 23:59:59 -1200」不是有效日期，无法判断是否按时报送，未汇总。"
                    "请发件单位重新发送这封邮件。",
        "deep.eml": "邮件 deep.eml 的结构嵌套过深，无法拆出附件，未汇总。请发件单位把 Excel 文件直接作为附件重新发送。",
        "bad.msg": "Outlook 邮件 bad.msg 已损坏，无法读取，未汇总。请在 Outlook 中重新“另存为”.msg 后重试。",
    }
    assert next(r for r in result["rejected"] if r["file"] == "bad.msg")["detail"]  # extract-msg's words, --json only
    assert [(r["来源单位"], r["来源文件"]) for r in master_rows(folder, "水费")] == [(UNITS[0], "kf.xlsx")] * 2
    assert [(r["来源单位"], r["来源文件"]) for r in master_rows(folder, "行政奖励")] == [(UNITS[1], "cj.xlsx")] * 2
    assert sorted((r["报送期"], r["来源文件"]) for r in master_rows(folder, "科技研发")) == \
        [(PERIOD, shortened)] * 2 + [("2026-02", "报送表.xlsx")] * 2
    assert not master_rows(folder, "燃气费") and not master_rows(folder, "行政检查")


def forwarded(inner: EmailMessage, levels: int) -> bytes:
    message = inner
    for level in range(levels):
        outer = EmailMessage()
        outer["From"], outer["To"], outer["Subject"] = "boss@fengxi.example.gov.cn", "xyb@x", f"转发 {level}"
        outer["Date"] = SENT
        outer.set_content("请查收转发的邮件。")
        outer.add_attachment(message)  # message/rfc822
        message = outer
    return message.as_bytes()


def test_workbook_in_a_forwarded_mail_is_collected_to_a_bounded_depth(office):
    """18.2: a workbook inside forwarded message/rfc822 parts is found, up to MAX_FORWARDED levels."""
    folder, config = office
    inner = EmailMessage()
    inner["From"], inner["To"], inner["Subject"], inner["Date"] = demo_email(UNITS[0]), "x@y", "报送", SENT
    inner.set_content("见附件")
    inner.add_attachment(book(config, UNITS[0], "水费", 1), maintype="application", subtype="octet-stream",
                         filename="开发建设部_2026-01.xlsx")
    folder.joinpath("in", "fwd.eml").write_bytes(forwarded(inner, MAX_FORWARDED))
    folder.joinpath("in", "deeper.eml").write_bytes(forwarded(inner, MAX_FORWARDED + 1))
    result = collect(folder, folder / "in")
    assert [(a["file"], a["origin"].rsplit("/", 1)[-1], a["unit"]) for a in result["accepted"]] == \
        [("开发建设部_2026-01.xlsx", "fwd.eml", UNITS[0])]
    assert [(r["file"], r["reason"]) for r in result["rejected"]] == [
        ("deeper.eml", "邮件 deeper.eml 中没有 Excel 附件（没有任何附件），请联系发件单位把报送表（.xlsx、.xls 等）作为附件重新发送。")]
    assert len(master_rows(folder, "水费")) == 2


# a GBK character outside GB2312 (堃) for mislabelled GB2312, a 4-byte GB18030 one (䶮) for GB18030
NAMES = {"gbk": "综合执法支队_2026年1月_堃.xlsx", "gb2312": "综合执法支队_2026年1月_堃.xlsx",
         "gb18030": "综合执法支队_2026年1月_䶮.xlsx"}
CODEC = {"gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030"}  # clients label GBK text "gb2312"


@pytest.mark.parametrize("charset", sorted(NAMES))
@pytest.mark.parametrize("form", ["rfc2047", "rfc2231", "raw"])
def test_attachment_names_decoded_in_every_form(tmp_path, charset, form):
    """14.3: RFC 2047, RFC 2231 and raw 8-bit names in GBK, GB2312 and GB18030."""
    name = NAMES[charset]
    data = name.encode(CODEC[charset])
    disposition = {"rfc2047": rfc2047(name, charset, CODEC[charset]),
                   "rfc2231": b"filename*=" + charset.encode() + b"''" + urllib.parse.quote_from_bytes(data).encode(),
                   "raw": b'filename="' + data + b'"'}[form]
    body = b"Content-Type: text/plain; charset=" + charset.encode() + b"\r\n\r\n" + "见附件".encode(CODEC[charset])
    path = tmp_path / "m.eml"
    path.write_bytes(raw_mail({}, [body, attachment(disposition, b"PK")]))
    [item] = gather([path])
    assert item.name == name


@pytest.mark.parametrize("text", ["综合执法支队_2026年1月.xlsx", "开发建设部_2026-01.xlsx"])
def test_raw_8bit_names_without_a_declared_charset(tmp_path, text):
    """No charset anywhere: UTF-8 if the bytes are UTF-8, else GB18030 (GBK's superset)."""
    for data in (text.encode("utf-8"), text.encode("gbk")):
        path = tmp_path / "m.eml"
        path.write_bytes(raw_mail({}, [attachment(b'filename="' + data + b'"', b"PK")]))
        assert [i.name for i in gather([path])] == [text]


def test_raw_gbk_name_identifies_the_unit_and_shows_in_the_receipts(office):
    folder, config = office
    name = "综合执法支队_2026年1月信用信息.xlsx"
    data = book(config, ENFORCEMENT, "行政强制", 7, with_metadata=False)
    folder.joinpath("in", "old.eml").write_bytes(raw_mail({"From": "someone@other.example.com"},
                                                          [attachment(b'filename="' + name.encode("gbk") + b'"', data)]))
    [accepted] = collect(folder, folder / "in")["accepted"]
    assert (accepted["file"], accepted["unit"], accepted["identified_by"]) == (name, ENFORCEMENT, "单位:文件名；报送期:文件名")
    assert {(r["来源文件"], r["单位"]) for r in receipts(folder)} == {(name, ENFORCEMENT)}


def test_every_attachment_of_every_mail_is_listed(office):
    """14.3: a scanned .pdf beside the workbook is listed (summary, --json, 收文记录); a mail with
    no workbook names its attachments."""
    folder, config = office
    folder.joinpath("in", "a.eml").write_bytes(mail(demo_email(UNITS[0]), "x@y", "报送", "见附件", dt.datetime(2026, 2, 1, 9),
                                                    [("kf.xlsx", book(config, UNITS[0], "水费", 1)),
                                                     ("处罚决定书.pdf", b"%PDF-1.4\n")]))
    folder.joinpath("in", "b.eml").write_bytes(mail(demo_email(UNITS[1]), "x@y", "报送", "见附件", dt.datetime(2026, 2, 1, 9),
                                                    [("说明.docx", b"PK"), ("照片.jpg", b"\xff\xd8")]))
    result = collect(folder, folder / "in")
    assert [a["file"] for a in result["accepted"]] == ["kf.xlsx"]
    assert [(o["file"], o["reason"]) for o in result["other_attachments"]] == [
        ("处罚决定书.pdf", "不是 Excel 工作簿，未汇总（随邮件保存，请信用办自行查阅）")]
    assert [r["reason"] for r in result["rejected"]] == [
        "邮件 b.eml 中没有 Excel 附件（附件：说明.docx、照片.jpg），请联系发件单位把报送表（.xlsx、.xls 等）作为附件重新发送。"]
    notes = {r["说明"] for r in receipts(folder) if r["模板"] == "水费"}
    assert notes == {"同一邮件的其他附件（非工作簿，未汇总）：处罚决定书.pdf。"}
    code, out, _ = run("--config", folder / "config.toml", "collect", folder / MASTER_NAME, folder / "in" / "a.eml",
                       "--as-of", "2026-02-10")
    assert code == 0 and "  [其他附件] a.eml 的附件 处罚决定书.pdf：不是 Excel 工作簿，未汇总（随邮件保存，请信用办自行查阅）" in out


def test_unit_named_only_in_the_subject(office):
    """14.3: ASCII file name, no metadata, unknown sender: the subject names the unit (last resort)."""
    folder, config = office
    data = book(config, ENFORCEMENT, "行政强制", 8, with_metadata=False)
    folder.joinpath("in", "s.eml").write_bytes(mail("someone@other.example.com", "x@y", "综合执法支队 2026年1月信用信息报送",
                                                    "见附件", dt.datetime(2026, 2, 2, 9), [("report.xlsx", data)]))
    [accepted] = collect(folder, folder / "in")["accepted"]
    assert (accepted["unit"], accepted["period"], accepted["identified_by"]) == (ENFORCEMENT, PERIOD, "报送期:邮件主题；单位:邮件主题")
