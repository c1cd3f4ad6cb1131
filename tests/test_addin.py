"""The Excel add-in built on Linux: read back with independent readers (oletools' olevba,
olefile, ElementTree, zipfile, LibreOffice) rather than with our own code."""

from __future__ import annotations

import importlib
import io
import os
import random
import re
import subprocess
import tempfile
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
from lo import SOFFICE, needs_soffice
from oletools.olevba import VBA_Parser, decompress_stream

from credit_macros.cli import main
from credit_macros.ribbon import xlam
from credit_macros.ribbon.vbaproject import Module, build_vba_project, compress, write_compound_file

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "addin" / "credit_macros.xlam"
NS = "http://schemas.microsoft.com/office/2009/07/customui"
CALLBACK = re.compile(r"^Public Sub (\w+)\(control As IRibbonControl\)\r$", re.M)
RUNPYTHON = re.compile(r'^    CM_RunPython "import ([\w.]+) as m; m\.(\w+)\(\)", "([^"]+)"\r$', re.M)


def toml_buttons() -> list[dict]:
    data = tomllib.loads((ROOT / "credit_macros" / "ribbon" / "buttons.toml").read_text("utf-8"))
    return [b for g in data["groups"] for b in g["buttons"]]


def existing_functions() -> set[str]:
    """Functions of credit_macros.excel that exist right now (the module may not exist yet)."""
    try:
        module = importlib.import_module("credit_macros.excel")
    except ModuleNotFoundError:
        return set()
    return {b["function"] for b in toml_buttons() if callable(getattr(module, b["function"], None))}


def vba_sources(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def ribbon_root(path: Path) -> ET.Element:
    with zipfile.ZipFile(path) as archive:
        return ET.fromstring(archive.read("customUI/customUI14.xml"))


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str, str]:
    """``credit-macros addin build`` into a temporary folder: (path, stdout, stderr)."""
    path = tmp_path_factory.mktemp("build") / "credit_macros.xlam"
    out, err = io.StringIO(), io.StringIO()
    assert main(["addin", "build", "--out", str(path)], out=out, err=err) == 0
    return path, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    """Every button of buttons.toml, whether or not its Python function exists yet."""
    path = tmp_path_factory.mktemp("full") / "full.xlam"
    xlam.write_package(path, xlam.package_parts(xlam.load_ribbon()))
    return path


def test_build_keeps_only_buttons_whose_function_exists(built):
    path, out, err = built
    actions = {b.get("onAction") for b in ribbon_root(path).iter(f"{{{NS}}}button")}
    assert actions == {f"CM_{f}" for f in existing_functions()}
    for button in toml_buttons():
        note = f"按钮“{button['label']}”未放入功能区"
        assert (note in err) == (button["function"] not in existing_functions())
    assert f"共 {len(actions)} 个按钮" in out


def test_olevba_reads_the_generated_sources(full):
    sources = vba_sources(full)
    assert set(sources) == {"ThisWorkbook.cls", "Sheet1.cls", "CreditMacros.bas"}
    assert sources["CreditMacros.bas"] == xlam.vba_module_source(xlam.load_ribbon())
    assert 'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"' in sources["ThisWorkbook.cls"]
    callbacks = CALLBACK.findall(sources["CreditMacros.bas"])
    assert callbacks == [f"CM_{b['function']}" for b in toml_buttons()]
    commands = RUNPYTHON.findall(sources["CreditMacros.bas"])
    assert [(m, f, label) for m, f, label in commands] == [
        ("credit_macros.excel", b["function"], b["label"]) for b in toml_buttons()]
    assert "Application.Run XLWINGS_RUNPYTHON, PythonCommand" in sources["CreditMacros.bas"]


@pytest.mark.parametrize("which", ["built", "full"])
def test_every_on_action_names_a_sub(which, request):
    path = request.getfixturevalue(which)
    path = path[0] if isinstance(path, tuple) else path
    subs = set(CALLBACK.findall(vba_sources(path)["CreditMacros.bas"]))
    actions = [b.get("onAction") for b in ribbon_root(path).iter(f"{{{NS}}}button")]
    assert len(actions) == len(set(actions))
    assert set(actions) <= subs
    if which == "full":
        assert len(actions) == len(toml_buttons())


def test_every_runpython_target_exists(built):
    source = vba_sources(built[0])["CreditMacros.bas"]
    commands = RUNPYTHON.findall(source)
    assert len(commands) == len(existing_functions())
    for module_name, function, _ in commands:
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function, None)), f"{module_name}.{function} 不存在"


def test_build_is_byte_reproducible(built, tmp_path):
    again = tmp_path / "again.xlam"
    assert main(["addin", "build", "--out", str(again)], out=io.StringIO(), err=io.StringIO()) == 0
    assert again.read_bytes() == built[0].read_bytes()


def test_committed_addin_is_not_stale(built):
    stale = "addin/credit_macros.xlam 已过期：请运行 credit-macros addin build 后提交"
    assert COMMITTED.exists(), stale
    assert vba_sources(COMMITTED) == vba_sources(built[0]), stale
    assert ET.tostring(ribbon_root(COMMITTED)) == ET.tostring(ribbon_root(built[0])), stale
    assert parts(COMMITTED) == parts(built[0]), stale


def test_ribbon_xml_uses_only_the_2009_customui_namespace(full):
    root = ribbon_root(full)
    assert root.tag == f"{{{NS}}}customUI"
    for element in root.iter():
        assert element.tag.startswith(f"{{{NS}}}"), element.tag
        assert not any(key.startswith("{") for key in element.attrib), element.attrib
    tab = root.find(f"{{{NS}}}ribbon/{{{NS}}}tabs/{{{NS}}}tab")
    assert tab.get("label") == "信用台账"
    labels = {g.get("label") for g in tab.findall(f"{{{NS}}}group")}
    assert labels == {"校验", "期限", "报送", "帮助"}
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for button in root.iter(f"{{{NS}}}button"):
        assert button.get("size") == "large" and button.get("imageMso")
        assert cjk.search(button.get("label")) and cjk.search(button.get("supertip"))


def test_package_declares_addin_vba_and_ribbon(full):
    contents = parts(full)
    types = ET.fromstring(contents["[Content_Types].xml"])
    overrides = {o.get("PartName"): o.get("ContentType") for o in types}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    rels = {r.get("Type"): r.get("Target") for r in ET.fromstring(contents["_rels/.rels"])}
    assert rels["http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"] == "customUI/customUI14.xml"
    book_rels = {r.get("Type"): r.get("Target") for r in ET.fromstring(contents["xl/_rels/workbook.xml.rels"])}
    assert book_rels["http://schemas.microsoft.com/office/2006/relationships/vbaProject"] == "vbaProject.bin"
    with zipfile.ZipFile(full) as archive:
        assert {i.date_time for i in archive.infolist()} == {xlam.ZIP_DATE}


def test_olefile_lists_the_vba_project_streams(full):
    ole = olefile.OleFileIO(parts(full)["xl/vbaProject.bin"])
    assert sorted("/".join(p) for p in ole.listdir()) == [
        "PROJECT", "PROJECTwm", "VBA/CreditMacros", "VBA/Sheet1", "VBA/ThisWorkbook", "VBA/_VBA_PROJECT", "VBA/dir"]
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000000")
    project = ole.openstream("PROJECT").read().decode("gbk").split("\r\n")
    assert {"Document=ThisWorkbook/&H00000000", "Document=Sheet1/&H00000000", "Module=CreditMacros"} <= set(project)
    ole.close()


def test_compound_file_writer_round_trips_through_olefile():
    rng = random.Random(7)
    tree = {
        "big": bytes(rng.randrange(256) for _ in range(70_000)),  # regular sectors, several FAT entries
        "edge": b"e" * 4096,                                       # exactly the mini-stream cutoff
        "store": {f"s{i:02d}": f"stream {i}".encode() * i for i in range(1, 21)},  # 20 siblings
        "Z" * 31: b"longest allowed name",
    }
    ole = olefile.OleFileIO(write_compound_file(tree))
    assert ole.openstream("big").read() == tree["big"]
    assert ole.openstream("edge").read() == tree["edge"]
    assert ole.openstream("Z" * 31).read() == tree["Z" * 31]
    for name, data in tree["store"].items():
        assert ole.openstream(f"store/{name}").read() == data
    assert len(ole.listdir()) == 3 + 20
    for storage in (ole.root, ole.direntries[ole.root.kids_dict["store"].sid]):
        names, black_heights = [], set()

        def walk(sid: int, blacks: int, parent_red: bool) -> None:
            if sid == olefile.NOSTREAM:
                black_heights.add(blacks)
                return
            entry = ole.direntries[sid]
            red = entry.color == 0  # MS-CFB: 0 red, 1 black
            assert not (red and parent_red), f"{entry.name}: red child of a red node"
            walk(entry.sid_left, blacks + (not red), red)
            names.append(entry.name)
            walk(entry.sid_right, blacks + (not red), red)

        walk(storage.sid_child, 0, False)
        # MS-CFB order: shorter names first, then upper-cased names; every path equally black
        assert names == sorted(names, key=lambda n: (len(n), n.upper()))
        assert len(black_heights) == 1
    ole.close()


@pytest.mark.parametrize("data", [
    b"", b"a", b"abcabcabc" * 2000, os.urandom(4096), os.urandom(10_000),
    bytes(random.Random(3).choice(b"ab \r\n") for _ in range(20_000)),
], ids=["empty", "one", "repetitive", "random-chunk", "random", "small-alphabet"])
def test_compression_round_trips_through_olevba(data):
    assert decompress_stream(bytearray(compress(data))) == data


def _chunk_headers(container: bytes) -> list[int]:
    headers, pos = [], 1
    while pos < len(container):
        header = int.from_bytes(container[pos:pos + 2], "little")
        headers.append(header)
        pos += 2 + (header & 0x0FFF) + 1
    assert pos == len(container), "chunk sizes do not add up to the container"
    return headers


@pytest.mark.parametrize("tail", [3641, 3900, 4095])
def test_incompressible_last_chunk_is_stored_raw(tail):
    """MS-OVBA 2.4.1.3.7/2.4.1.3.10: a chunk whose tokens exceed 4,096 bytes is stored raw — flag
    0, size field 4095 — and a short last chunk is padded with 0x00 to 4,096 bytes. A final chunk
    of 3,641+ random bytes needs more than 4,096 bytes as literals (one flag byte per eight)."""
    data = random.Random(tail).randbytes(4096 + tail)
    container = compress(data)
    assert _chunk_headers(container) == [0x3FFF, 0x3FFF]
    assert decompress_stream(bytearray(container)) == data + bytes(4096 - tail)


HANZI = [chr(c) for c in range(0x4E00, 0x9FA6) if chr(c).encode("gbk", "ignore")]


def _random_hanzi(rng: random.Random, count: int) -> str:
    """Text that barely compresses: random GBK hanzi (2 bytes each)."""
    return "".join(rng.choice(HANZI) for _ in range(count))


@pytest.mark.parametrize("lines", [50, 3_000], ids=["short", "long"])
def test_long_incompressible_module_reads_back_through_olevba(lines, tmp_path):
    """A module far larger than one chunk and made of nearly incompressible text (random hanzi):
    oletools reads every line back from the compound file we write."""
    rng = random.Random(lines)
    body = ["' " + _random_hanzi(rng, rng.randrange(20, 60)) + str(rng.random()) for _ in range(lines)]
    head = "\r\n".join(['Attribute VB_Name = "Big"', "Option Explicit", *body]) + "\r\n"
    tail = "Public Sub Hello()\r\n    MsgBox \"你好\"\r\nEnd Sub\r\n"
    # one more random line makes the last chunk 3,900 bytes: too long to store as literals
    missing = (3900 - len((head + tail).encode("gbk")) - 4) % 4096
    filler = "' " + _random_hanzi(rng, missing // 2)
    source = head + filler + "1" * (missing % 2) + "\r\n" + tail
    assert len(source.encode("gbk")) % 4096 == 3900 and len(source.encode("gbk")) > 4096
    path = tmp_path / "vbaProject.bin"
    path.write_bytes(build_vba_project([Module("Big", source)]))
    parser = VBA_Parser(str(path))
    try:
        sources = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    # a raw last chunk carries the spec's 0x00 padding; everything before it is the source
    assert sources["Big.bas"].rstrip("\x00") == source


@needs_soffice
def test_libreoffice_opens_the_addin_and_its_vba(full, tmp_path):
    # LibreOffice does not detect the .xlam type by itself, hence the explicit import filter.
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        result = subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--infilter=Calc MS Excel 2007 XML", "--convert-to", "xlsm:Calc MS Excel 2007 VBA XML",
             "--outdir", str(tmp_path), str(full)],
            capture_output=True, text=True, timeout=180)
    converted = tmp_path / "full.xlsm"
    assert result.returncode == 0 and converted.exists(), result.stdout + result.stderr
    assert "信用台账助手" in openpyxl.load_workbook(converted)["说明"]["A1"].value
    resaved = vba_sources(converted)["CreditMacros.bas"]
    assert CALLBACK.findall(resaved) == [f"CM_{b['function']}" for b in toml_buttons()]
    assert "请先打开要处理的台账工作簿" in resaved
