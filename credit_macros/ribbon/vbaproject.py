"""Write ``vbaProject.bin`` (MS-OVBA inside an MS-CFB compound file) from VBA source text.

No PyPI package that is widely used writes *new* compound files: olefile only reads and
overwrites streams of the same size, and the small CFB writers on the index are young,
single-author 0.x packages. The writer here is small and covers exactly what a VBA project
needs: compound file version 3, 512-byte sectors, one FAT (no DIFAT sectors, so up to
~6.8 MB), a mini stream for streams under 4096 bytes and a red-black-valid directory tree.

The project carries no compiled code: ``_VBA_PROJECT`` has version 0xFFFF and every module
stream starts with its compressed source (MODULEOFFSET 0), so Excel and WPS compile from
source when they open the add-in. Everything is deterministic: no timestamps, fixed GUIDs
and a fixed seed for the protection fields, so the same sources give the same bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# ---------------------------------------------------------------------------
# MS-OVBA 2.4.1 compression
# ---------------------------------------------------------------------------

CHUNK = 4096


def _copy_token_layout(position: int) -> tuple[int, int]:
    """(bit count of the offset field, maximum match length) at ``position`` in a chunk."""
    bit_count = max((position - 1).bit_length(), 4)
    return bit_count, (0xFFFF >> bit_count) + 3


def _compress_chunk(data: bytes) -> bytes:
    """Compress one decompressed chunk (at most 4096 bytes) into chunk header + data.

    Greedy longest match; earlier positions are indexed by their first three bytes (a copy
    token encodes at least three)."""
    out = bytearray()
    seen: dict[bytes, list[int]] = {}
    indexed = 0
    pos = 0
    while pos < len(data):
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= len(data):
                break
            for i in range(indexed, pos):
                seen.setdefault(data[i:i + 3], []).append(i)
            indexed = pos
            bit_count, max_length = _copy_token_layout(pos)
            limit = min(max_length, len(data) - pos)
            best_length, best_offset = 0, 0
            for candidate in reversed(seen.get(data[pos:pos + 3], [])):
                length = 3
                while length < limit and data[candidate + length] == data[pos + length]:
                    length += 1
                if length > best_length:
                    best_length, best_offset = length, pos - candidate
                    if length == limit:
                        break
            if best_length >= 3 and limit >= 3:
                token = ((best_offset - 1) << (16 - bit_count)) | (best_length - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                pos += best_length
            else:
                out.append(data[pos])
                pos += 1
        out[flag_index] = flags
    if len(out) > CHUNK:
        # MS-OVBA 2.4.1.3.7: a chunk whose tokens would not fit in 4096 bytes is stored raw
        # (2.4.1.3.10): flag 0, size field 4095, the chunk's bytes padded with 0x00 to 4096.
        return struct.pack("<H", 0x3000 | (CHUNK - 1)) + data.ljust(CHUNK, b"\x00")
    return struct.pack("<H", 0xB000 | (len(out) - 1)) + bytes(out)


def compress(data: bytes) -> bytes:
    """MS-OVBA CompressedContainer: signature byte 0x01, then one chunk per 4096 bytes."""
    return b"\x01" + b"".join(_compress_chunk(data[i:i + CHUNK]) for i in range(0, len(data), CHUNK))


# ---------------------------------------------------------------------------
# MS-CFB writer
# ---------------------------------------------------------------------------

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list | None = None
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    black: bool = True
    start: int = ENDOFCHAIN
    size: int = 0


def _name_key(entry: _Entry) -> tuple:
    """MS-CFB 2.6.4 order: shorter names first, then by upper-cased UTF-16 code units."""
    units = entry.name.upper().encode("utf-16-le")
    return len(entry.name.encode("utf-16-le")), [int.from_bytes(units[i:i + 2], "little") for i in range(0, len(units), 2)]


def _link_tree(index: dict[int, int], members: list[_Entry], depth: int, max_depth: int) -> int:
    """Balanced binary tree over sorted ``members``; nodes on the deepest level are red,
    every other node black, which keeps the black height equal on every path."""
    if not members:
        return NOSTREAM
    middle = len(members) // 2
    node = members[middle]
    node.black = depth == 0 or depth < max_depth
    node.left = _link_tree(index, members[:middle], depth + 1, max_depth)
    node.right = _link_tree(index, members[middle + 1:], depth + 1, max_depth)
    return index[id(node)]


def _chain(fat: list[int], start: int, count: int) -> None:
    for i in range(count):
        fat[start + i] = start + i + 1 if i < count - 1 else ENDOFCHAIN


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (-len(data) % size)


def write_compound_file(tree: dict) -> bytes:
    """Build a compound file from a nested dict: ``{name: bytes}`` is a stream,
    ``{name: {...}}`` a storage. Returns the file's bytes."""

    def build(name: str, node, kind: int) -> _Entry:
        if isinstance(node, dict):
            children = [build(k, v, 1 if isinstance(v, dict) else 2) for k, v in node.items()]
            return _Entry(name, kind, children=children, start=ENDOFCHAIN if kind == 5 else 0)
        return _Entry(name, kind, data=bytes(node))

    root = build("Root Entry", tree, 5)
    entries: list[_Entry] = []

    def flatten(entry: _Entry) -> None:
        entries.append(entry)
        for child in entry.children or []:
            flatten(child)

    flatten(root)
    index = {id(e): i for i, e in enumerate(entries)}
    for entry in entries:
        if entry.children:
            members = sorted(entry.children, key=_name_key)
            entry.child = _link_tree(index, members, 0, len(members).bit_length() - 1)

    streams = [e for e in entries if e.kind == 2 and e.data]
    small = [e for e in streams if len(e.data) < MINI_CUTOFF]
    large = [e for e in streams if len(e.data) >= MINI_CUTOFF]

    mini_fat: list[int] = []
    mini_stream = bytearray()
    for entry in small:
        entry.start, entry.size = len(mini_fat), len(entry.data)
        count = -(-len(entry.data) // MINI_SECTOR)
        mini_fat += [0] * count
        _chain(mini_fat, entry.start, count)
        mini_stream += _pad(entry.data, MINI_SECTOR)

    sectors = bytearray()
    fat: list[int] = []

    def allocate(data: bytes) -> int:
        start = len(fat)
        count = -(-len(data) // SECTOR)
        fat.extend([0] * count)
        _chain(fat, start, count)
        sectors.extend(_pad(data, SECTOR))
        return start

    for entry in large:
        entry.start, entry.size = allocate(entry.data), len(entry.data)
    if mini_stream:
        root.start, root.size = allocate(bytes(mini_stream)), len(mini_stream)
    mini_fat += [FREESECT] * (-len(mini_fat) % (SECTOR // 4))
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_start = allocate(mini_fat_bytes) if mini_fat else ENDOFCHAIN

    directory = bytearray()
    for entry in entries:
        name = entry.name.encode("utf-16-le") + b"\0\0"
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ", name, len(name), entry.kind, 1 if entry.black else 0,
            entry.left, entry.right, entry.child, b"\0" * 16, 0, 0, 0, entry.start, entry.size)
    empty = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    while len(directory) % SECTOR:
        directory += empty
    directory_start = allocate(bytes(directory))

    fat_count = 0
    while fat_count * (SECTOR // 4) < len(fat) + fat_count:
        fat_count += 1
    if fat_count > 109:
        raise ValueError("VBA 工程过大：超过 109 个 FAT 扇区，本写入器不支持 DIFAT 扇区。")
    fat_start = len(fat)
    fat += [FATSECT] * fat_count
    fat += [FREESECT] * (fat_count * (SECTOR // 4) - len(fat))
    sectors += struct.pack(f"<{len(fat)}I", *fat)

    difat = [fat_start + i for i in range(fat_count)] + [FREESECT] * (109 - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16, 0x003E, 0x0003, 0xFFFE, 9, 6, b"\0" * 6,
        0, fat_count, directory_start, 0, MINI_CUTOFF, mini_fat_start,
        len(mini_fat_bytes) // SECTOR, ENDOFCHAIN, 0, *difat)
    return header + bytes(sectors)


# ---------------------------------------------------------------------------
# MS-OVBA project streams
# ---------------------------------------------------------------------------

PROJECT_ID = "{6F3C2A51-9B4E-4D7A-8C1F-2E5B7D9A4C30}"  # fixed, so builds are reproducible
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"  # Excel Workbook document
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"  # Excel Worksheet document
REFERENCES = (
    ("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\\Windows\\System32\\stdole2.tlb#OLE Automation"),
    # The Office library declares IRibbonControl, the type of the ribbon callbacks' argument.
    # Version 2.0 loads the newest registered 2.x (Office 2007 = 2.4 ... Office 2016+ = 2.8).
    ("Office", "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
               "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#Microsoft Office 16.0 Object Library"),
)


@dataclass(frozen=True)
class Module:
    """One VBA module: ``source`` is the full text as VBA exports it (``Attribute`` lines
    first, CRLF line ends); ``document`` marks ThisWorkbook / sheet modules."""

    name: str
    source: str
    document: bool = False


def document_module(name: str, base: str) -> Module:
    attributes = [
        ("VB_Name", f'"{name}"'), ("VB_Base", f'"{base}"'), ("VB_GlobalNameSpace", "False"),
        ("VB_Creatable", "False"), ("VB_PredeclaredId", "True"), ("VB_Exposed", "True"),
        ("VB_TemplateDerived", "False"), ("VB_Customizable", "True"),
    ]
    return Module(name, "".join(f"Attribute {key} = {value}\r\n" for key, value in attributes), document=True)


def _encrypt(data: bytes, seed: int = 0x5A) -> str:
    """MS-OVBA 2.4.3.2 data encryption (the CMG / DPB / GC fields), fixed seed."""
    version, project_key = 2, sum(PROJECT_ID.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ project_key])
    unencrypted, encrypted1, encrypted2 = project_key, seed ^ project_key, seed ^ version
    ignored = bytes([seed]) * ((seed & 6) // 2)
    for byte in ignored + struct.pack("<I", len(data)) + data:
        value = byte ^ ((encrypted2 + unencrypted) & 0xFF)
        out.append(value)
        encrypted2, encrypted1, unencrypted = encrypted1, value, byte
    return out.hex().upper()


def _project_stream(modules: list[Module], name: str, codepage: int) -> bytes:
    lines = [f'ID="{PROJECT_ID}"']
    lines += [f"Document={m.name}/&H00000000" if m.document else f"Module={m.name}" for m in modules]
    lines += [
        f'Name="{name}"', 'HelpContextID="0"', 'VersionCompatible32="393222000"',
        f'CMG="{_encrypt(bytes(4))}"', f'DPB="{_encrypt(bytes(1))}"', f'GC="{_encrypt(bytes([0xFF]))}"',
        "", "[Host Extender Info]", HOST_EXTENDER, "",
    ]
    return "\r\n".join(lines).encode(f"cp{codepage}") + b"\r\n"


def _record(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_records(mbcs_id: int, unicode_id: int, text: str, codepage: int) -> bytes:
    return _record(mbcs_id, text.encode(f"cp{codepage}")) + _record(unicode_id, text.encode("utf-16-le"))


def _dir_stream(modules: list[Module], name: str, codepage: int) -> bytes:
    u32, u16 = (lambda v: struct.pack("<I", v)), (lambda v: struct.pack("<H", v))
    out = bytearray()
    out += _record(0x0001, u32(1))            # PROJECTSYSKIND: 32-bit Windows
    out += _record(0x0002, u32(0x0409))       # PROJECTLCID
    out += _record(0x0014, u32(0x0409))       # PROJECTLCIDINVOKE
    out += _record(0x0003, u16(codepage))     # PROJECTCODEPAGE
    out += _record(0x0004, name.encode(f"cp{codepage}"))  # PROJECTNAME
    out += _text_records(0x0005, 0x0040, "", codepage)   # PROJECTDOCSTRING
    out += _text_records(0x0006, 0x003D, "", codepage)   # PROJECTHELPFILEPATH
    out += _record(0x0007, u32(0))            # PROJECTHELPCONTEXT
    out += _record(0x0008, u32(0))            # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)          # PROJECTVERSION 1.0
    out += _text_records(0x000C, 0x003C, "", codepage)   # PROJECTCONSTANTS
    for ref_name, libid in REFERENCES:
        out += _text_records(0x0016, 0x003E, ref_name, codepage)  # REFERENCENAME
        libid_bytes = libid.encode(f"cp{codepage}")
        out += _record(0x000D, u32(len(libid_bytes)) + libid_bytes + u32(0) + u16(0))  # REFERENCEREGISTERED
    out += _record(0x000F, u16(len(modules)))  # PROJECTMODULES
    out += _record(0x0013, u16(0xFFFF))        # PROJECTCOOKIE
    for module in modules:
        out += _record(0x0019, module.name.encode(f"cp{codepage}"))   # MODULENAME
        out += _record(0x0047, module.name.encode("utf-16-le"))       # MODULENAMEUNICODE
        out += _text_records(0x001A, 0x0032, module.name, codepage)   # MODULESTREAMNAME
        out += _text_records(0x001C, 0x0048, "", codepage)            # MODULEDOCSTRING
        out += _record(0x0031, u32(0))         # MODULEOFFSET: source starts the stream
        out += _record(0x001E, u32(0))         # MODULEHELPCONTEXT
        out += _record(0x002C, u16(0xFFFF))    # MODULECOOKIE
        out += _record(0x0022 if module.document else 0x0021, b"")    # MODULETYPE
        out += _record(0x002B, b"")            # module terminator
    out += _record(0x0010, b"")                # dir terminator
    return bytes(out)


def _projectwm_stream(modules: list[Module], codepage: int) -> bytes:
    return b"".join(m.name.encode(f"cp{codepage}") + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
                    for m in modules) + b"\0\0"


def build_vba_project(modules: list[Module], name: str = "CreditMacros", codepage: int = 936) -> bytes:
    """The bytes of ``vbaProject.bin`` holding ``modules`` (sources in ``codepage``; 936 = GBK
    so Chinese strings and comments survive)."""
    vba = {
        "_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0, 0),  # version 0xFFFF: no p-code
        "dir": compress(_dir_stream(modules, name, codepage)),
    }
    for module in modules:
        vba[module.name] = compress(module.source.encode(f"cp{codepage}"))
    return write_compound_file({
        "PROJECT": _project_stream(modules, name, codepage),
        "PROJECTwm": _projectwm_stream(modules, codepage),
        "VBA": vba,
    })
