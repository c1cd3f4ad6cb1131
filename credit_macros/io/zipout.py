"""Write a zip package whose unchanged members are copied from another one without recompressing.

``zipfile`` can only copy a member by inflating and deflating it again; for a master whose
template sheets hold 100,000 rows that costs more than everything else ``status`` does. Here a
copied member's compressed bytes (and its CRC and sizes) go to the new package as they are,
and only new members are deflated (``zlib``, streaming, no data descriptor: the local header is
completed once the member is written, so the target must be seekable — a file, as
``safeio.atomic_write`` gives, or ``io.BytesIO``). No ZIP64: a member or package of 4 GiB or
more is refused (an .xlsx sheet part of a full 1,048,576-row sheet stays well below).

>>> import io, zipfile
>>> src = io.BytesIO()
>>> with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z: z.writestr("a.xml", "<a/>" * 100); z.writestr("表.xml", "x")
>>> out = io.BytesIO()
>>> with zipfile.ZipFile(src) as z, ZipOut(out) as new:
...     new.copy(z, z.getinfo("a.xml"), src)
...     with new.open(z.getinfo("表.xml")) as member: member.write("新".encode())
>>> with zipfile.ZipFile(out) as z: z.testzip(), z.read("a.xml") == b"<a/>" * 100, z.read("表.xml").decode()
(None, True, '新')
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from typing import BinaryIO

LEVEL = 6  # deflate level of new members (zlib's default, as zipfile and Excel use)
_LIMIT = 0xFFFFFFFF
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sBBHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_UTF8 = 0x800
_RAW = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


def _dos(date_time) -> tuple[int, int]:
    y, mo, d, h, mi, s = date_time
    return h << 11 | mi << 5 | s // 2, max(y - 1980, 0) << 9 | mo << 5 | d


def _name(filename: str) -> tuple[bytes, int]:
    try:
        return filename.encode("ascii"), 0
    except UnicodeEncodeError:
        return filename.encode("utf-8"), _UTF8


def _check(size: int, what: str) -> None:
    if size >= _LIMIT:
        raise ValueError(f"{what}: 4 GiB or more cannot be written without ZIP64")


class _Member:
    """A new member being deflated into the package (``write`` bytes, then ``close``)."""

    def __init__(self, package: "ZipOut", info: zipfile.ZipInfo, level: int = LEVEL):
        self.package, self.info = package, info
        self.offset = package.fp.tell()
        self.name, self.flags = _name(info.filename)
        self.crc = self.size = self.compressed = 0
        self.deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
        time, date = _dos(info.date_time)
        package.fp.write(_LOCAL.pack(b"PK\x03\x04", 20, self.flags, zipfile.ZIP_DEFLATED, time, date, 0, 0, 0,
                                     len(self.name), 0) + self.name)

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self._out(self.deflate.compress(data))

    def _out(self, data: bytes) -> None:
        self.compressed += len(data)
        self.package.fp.write(data)

    def close(self) -> None:
        self._out(self.deflate.flush())
        _check(max(self.size, self.compressed), self.info.filename)
        fp = self.package.fp
        end = fp.tell()
        fp.seek(self.offset + 14)
        fp.write(struct.pack("<III", self.crc, self.compressed, self.size))
        fp.seek(end)
        self.package.entries.append((self.info, self.name, self.flags, zipfile.ZIP_DEFLATED, self.crc, self.compressed,
                                     self.size, self.offset))

    def __enter__(self):
        return self

    def __exit__(self, kind, *_):
        if kind is None:
            self.close()


class ZipOut:
    """The package being written to ``target`` (a path or a seekable binary file)."""

    def __init__(self, target):
        self.own = not hasattr(target, "write")
        self.fp: BinaryIO = open(target, "wb") if self.own else target
        self.entries: list[tuple] = []

    def open(self, info: zipfile.ZipInfo, level: int = LEVEL) -> _Member:
        """A new member with the name, date and attributes of ``info``, deflated (zlib ``level``)."""
        return _Member(self, info, level)

    def copy(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, raw: BinaryIO) -> None:
        """Copy member ``info`` of ``archive`` as it is compressed (``raw``: the archive's file, for reading)."""
        if info.compress_type not in _RAW or info.flag_bits & 0x1:  # another method, or encrypted: inflate and deflate
            with archive.open(info) as old, self.open(info) as new:
                while chunk := old.read(1 << 20):
                    new.write(chunk)
            return
        raw.seek(info.header_offset)
        header = _LOCAL.unpack(raw.read(_LOCAL.size))
        raw.seek(info.header_offset + _LOCAL.size + header[9] + header[10])
        offset = self.fp.tell()
        name, flags = _name(info.filename)
        time, date = _dos(info.date_time)
        self.fp.write(_LOCAL.pack(b"PK\x03\x04", 20, flags | (info.flag_bits & 0x6), info.compress_type, time, date,
                                  info.CRC, info.compress_size, info.file_size, len(name), 0) + name)
        left = info.compress_size
        while left:
            chunk = raw.read(min(left, 1 << 20))
            if not chunk:
                raise zipfile.BadZipFile(f"{info.filename}: truncated")
            self.fp.write(chunk)
            left -= len(chunk)
        self.entries.append((info, name, flags | (info.flag_bits & 0x6), info.compress_type, info.CRC,
                             info.compress_size, info.file_size, offset))

    def close(self) -> None:
        start = self.fp.tell()
        for info, name, flags, method, crc, compressed, size, offset in self.entries:
            time, date = _dos(info.date_time)
            self.fp.write(_CENTRAL.pack(b"PK\x01\x02", 20, 3 if info.create_system == 3 else 0, 20, flags, method, time,
                                        date, crc, compressed, size, len(name), 0, 0, 0, 0, info.external_attr,
                                        offset) + name)
        end = self.fp.tell()
        _check(end, "package")
        self.fp.write(_END.pack(b"PK\x05\x06", 0, 0, len(self.entries), len(self.entries), end - start, start, 0))
        if self.own:
            self.fp.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, *_):
        if kind is None:
            self.close()
        elif self.own:
            self.fp.close()
