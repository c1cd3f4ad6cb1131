"""Mail intake: hostile mails are refused alone, forwarded mails are looked into, attachment
names are decoded in every form Chinese mail clients send, every attachment is listed."""

import base64
import datetime as dt
import json
import random
import urllib.parse
from email.message import EmailMessage

import openpyxl
import pytest
from lo import convert
from mailfixtures import embedded_msg, msg_bytes
from runcli import run
from test_collect import PERIOD, UNITS, expected_exit, office  # noqa: F401  (the fixture)
from xlsbfixture import REAL as REAL_XLSB
from xlsbfixture import template_xlsb

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


def _water_rows(seed=17, wrong_code=False):
    template = catalogue.template("水费")
    rows = RowMaker(template, UNITS[0], PERIOD, random.Random(seed)).rows(2)
    if wrong_code:
        rows[1][1] = rows[1][1][:-1] + ("A" if rows[1][1][-1] != "A" else "B")
    return template, rows


def test_real_xlsb_from_excel_is_read_by_check_and_collect(office):
    """14.2: a real .xlsb saved by Excel (calamine's test file, with a VBA project that never
    runs) is read, not called "不是 Excel 工作簿": check and collect name its six sheets as
    not being templates, and the master stays byte for byte as it was."""
    folder, _ = office
    sheets = "「datatypes」、「issue2」、「Sheet1」、「issue5」、「issue6」、「spc_chrs」"
    code, _, err = run("--config", folder / "config.toml", "check", REAL_XLSB)
    assert code == 2 and err.startswith(f"错误：文件 calamine_issues.xlsb 的工作表 {sheets} 都不是报送模板：表头至少要有模板一半的列名。")
    before = (folder / MASTER_NAME).read_bytes()
    result = collect(folder, REAL_XLSB)
    assert [r["reason"] for r in result["rejected"]] == [
        f"calamine_issues.xlsb 中没有可识别的报送模板：工作表 {sheets} 的表头都不是信用办下发的模板。请用下发的报送表填写，不要改动表头。"]
    assert (folder / MASTER_NAME).read_bytes() == before


def test_xlsb_holding_a_template_is_checked_and_collected(office, tmp_path):
    """14.2: the same real .xlsb with one sheet rewritten in Excel's records to hold the 水费
    template (LibreOffice reads it back the same): check finds the wrong check character at B3,
    check --in-place refuses (read-only format), collect merges both rows exactly, from a folder
    and from a mail."""
    folder, config = office
    template, rows = _water_rows(wrong_code=True)
    path = folder / "in" / f"{UNITS[0]}_{PERIOD}_信用信息报送.xlsb"
    path.write_bytes(template_xlsb(template.sheet, [[c.name for c in template.columns], *rows]))
    lo_rows = [[c.value for c in r] for r in openpyxl.load_workbook(convert(path, "xlsx", tmp_path / "lo"))["水费"].iter_rows()]
    assert lo_rows[1:] == rows
    code, out, _ = run("--config", folder / "config.toml", "check", path, "--json", "--as-of", "2026-02-10")
    report = json.loads(out)
    assert code == 1 and [(f["sheet"], f["cell"], f["rule"]) for f in report["findings"]] == [("水费", "B3", "uscc-checksum")]
    assert report["skipped"] == ["datatypes", "Sheet1", "issue5", "issue6", "spc_chrs"]
    before = path.read_bytes()
    code, _, err = run("--config", folder / "config.toml", "check", path, "--in-place")
    assert code == 2 and "是Excel 二进制（.xlsb）格式，只能读取" in err and path.read_bytes() == before
    [accepted] = collect(folder, folder / "in")["accepted"]
    assert (accepted["unit"], accepted["period"], accepted["sheets"], accepted["errors"]) == (UNITS[0], PERIOD, {"水费": 2}, 1)
    merged = master_rows(folder, "水费")
    assert [[r[c.name] for c in template.columns] for r in merged] == rows
    assert {r["来源文件"] for r in merged} == {path.name}
    mailed = mail(demo_email(UNITS[0]), "x@y", "2026年1月报送（重发）", "见附件", dt.datetime(2026, 2, 2, 9),
                  [("kf.xlsb", template_xlsb(template.sheet, [[c.name for c in template.columns], *_water_rows(18)[1]]))])
    folder.joinpath("m.eml").write_bytes(mailed)
    [again] = collect(folder, folder / "m.eml")["accepted"]
    assert (again["file"], again["identified_by"], again["sheets"]) == ("kf.xlsb", "报送期:邮件主题；单位:发件人地址", {"水费": 2})
    assert [[r[c.name] for c in template.columns] for r in master_rows(folder, "水费")] == _water_rows(18)[1]


def test_workbook_in_a_msg_attached_to_a_msg_is_collected_to_a_bounded_depth(office):
    """14.3: Outlook's "作为附件转发" puts the unit's .msg inside the forwarding one (extract-msg
    reads it as an embedded message): its workbook and its other attachments are found,
    MAX_FORWARDED levels deep, like forwarded .eml; one level more is not looked into."""
    folder, config = office
    sent = dt.datetime(2026, 2, 2, 1, tzinfo=dt.timezone.utc)
    unit_mail = embedded_msg(demo_email(UNITS[0]), "开发建设部 2026年1月报送", "见附件", sent,
                             [("开发建设部_2026-01.xlsx", book(config, UNITS[0], "水费", 1)), ("处罚决定书.pdf", b"%PDF-1.4\n")])

    def forwarded_msg(levels):
        inner = unit_mail
        for level in range(levels - 1):
            inner = embedded_msg("boss@fengxi.example.gov.cn", f"转发 {level}", "请查收", sent, [(f"转发 {level}", inner)])
        return msg_bytes("boss@fengxi.example.gov.cn", "转发：报送", "请查收", sent, [("开发建设部 2026年1月报送", inner)])

    folder.joinpath("in", "fwd.msg").write_bytes(forwarded_msg(MAX_FORWARDED))
    folder.joinpath("in", "deeper.msg").write_bytes(forwarded_msg(MAX_FORWARDED + 1))
    result = collect(folder, folder / "in")
    assert [(a["file"], a["origin"].rsplit("/", 1)[-1], a["unit"], a["received"]) for a in result["accepted"]] == \
        [("开发建设部_2026-01.xlsx", "fwd.msg", UNITS[0], "2026-02-02 09:00:00")]
    assert [(o["file"], o["origin"].rsplit("/", 1)[-1]) for o in result["other_attachments"]] == [("处罚决定书.pdf", "fwd.msg")]
    assert [(r["file"], r["reason"]) for r in result["rejected"]] == [
        ("deeper.msg", "邮件 deeper.msg 中没有 Excel 附件（没有任何附件），请联系发件单位把报送表（.xlsx、.xls 等）作为附件重新发送。")]
    assert len(master_rows(folder, "水费")) == 2
