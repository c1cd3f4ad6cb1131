"""Real mail files for tests: .eml (the standard library) and Outlook .msg.

No package on PyPI writes .msg files (extract-msg and olefile only read), so ``msg_bytes``
builds a minimal Outlook message itself: an MS-CFB compound file (the add-in's
``write_compound_file``) holding the MS-OXMSG streams — ``__substg1.0_*`` property streams for
message class, subject, sender and body, the ``__properties_version1.0`` stream with the
submit/delivery times, an empty named-property storage and one ``__attach_version1.0_#…``
storage per attachment (data, file names, ATTACH_BY_VALUE; or a message attached as a message,
ATTACH_EMBEDDED_MSG, ``embedded_msg``). Tests read it back with
extract-msg, exactly as ``credit_macros.io.intake`` does.
"""

from __future__ import annotations

import datetime as dt
import struct

from credit_macros.ribbon.vbaproject import write_compound_file

PT_UNICODE, PT_BINARY, PT_LONG, PT_SYSTIME, PT_OBJECT = 0x001F, 0x0102, 0x0003, 0x0040, 0x000D
ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG = 1, 5
FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc)


def _text(value: str) -> bytes:
    return value.encode("utf-16-le")


def _stream_name(prop: int, kind: int) -> str:
    return f"__substg1.0_{prop:04X}{kind:04X}"


def _filetime(moment: dt.datetime) -> int:
    return int((moment - FILETIME_EPOCH).total_seconds() * 10_000_000)


def _fixed(tag: int, value: int) -> bytes:
    """A fixed-length property entry (tag, flags readable|writable, 8-byte value)."""
    return struct.pack("<IIQ", tag, 6, value)


def _variable(tag: int, size: int) -> bytes:
    """A variable-length property entry: the size of the value's stream."""
    return struct.pack("<IIII", tag, 6, size, 0)


def msg_bytes(sender: str, subject: str, body: str, sent: dt.datetime, attachments: list[tuple[str, bytes | dict]]) -> bytes:
    """An Outlook .msg (Unicode) with ``attachments`` [(file name, bytes, or an ``embedded_msg``)], sent at ``sent`` (aware)."""
    root = _message(sender, subject, body, sent, attachments, embedded=False)
    root["__nameid_version1.0"] = {"__substg1.0_00020102": b"", "__substg1.0_00030102": b"", "__substg1.0_00040102": b""}
    return write_compound_file(root)


def embedded_msg(sender: str, subject: str, body: str, sent: dt.datetime, attachments: list[tuple[str, bytes | dict]]) -> dict:
    """A message attached to another as a message (what Outlook's "作为附件转发" makes): the
    storage ``__substg1.0_3701000D`` of an attachment with ATTACH_EMBEDDED_MSG, for ``msg_bytes``."""
    return _message(sender, subject, body, sent, attachments, embedded=True)


def _message(sender, subject, body, sent, attachments, embedded: bool) -> dict:
    strings = {0x001A: "IPM.Note", 0x0037: subject, 0x0C1F: sender, 0x0C1A: sender, 0x5D01: sender,
               0x0065: sender, 0x1000: body}
    root: dict = {_stream_name(p, PT_UNICODE): _text(v) for p, v in strings.items()}
    props = b"".join(_variable((p << 16) | PT_UNICODE, len(_text(v)) + 2) for p, v in strings.items())
    when = _filetime(sent)
    props += _fixed((0x0039 << 16) | PT_SYSTIME, when) + _fixed((0x0E06 << 16) | PT_SYSTIME, when)
    for i, (name, data) in enumerate(attachments):
        names = {0x3707: name, 0x3704: name[-12:], 0x3703: "." + name.rsplit(".", 1)[-1]}
        storage = {_stream_name(p, PT_UNICODE): _text(v) for p, v in names.items()}
        if isinstance(data, dict):  # ATTACH_EMBEDDED_MSG: the message is a storage of the attachment
            storage[_stream_name(0x3701, PT_OBJECT)] = data
            method, entry = ATTACH_EMBEDDED_MSG, _variable((0x3701 << 16) | PT_OBJECT, 0xFFFFFFFF)
        else:
            storage[_stream_name(0x3701, PT_BINARY)] = data
            method, entry = ATTACH_BY_VALUE, _variable((0x3701 << 16) | PT_BINARY, len(data))
        storage["__properties_version1.0"] = b"\0" * 8 + b"".join(
            [_fixed((0x3705 << 16) | PT_LONG, method), entry]
            + [_variable((p << 16) | PT_UNICODE, len(_text(v)) + 2) for p, v in names.items()])
        root[f"__attach_version1.0_#{i:08X}"] = storage
    header = struct.pack("<8sIIII", b"\0" * 8, 0, len(attachments), 0, len(attachments))
    root["__properties_version1.0"] = header + (b"" if embedded else b"\0" * 8) + props  # MS-OXMSG 2.4.1: 24 bytes embedded, 32 top level
    return root
