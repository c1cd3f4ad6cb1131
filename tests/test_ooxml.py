"""Every file the commands write opens cleanly in Excel, WPS and Word: each is held against the
published ECMA-376 schemas and Microsoft's RibbonX schemas in ``../shared/ooxml`` (see
``tests/ooxml.py`` for what is checked and how markup compatibility is resolved first).

The files are made by the real commands on realistic data: the blank templates and the master of
``build``, a unit book of ``split``, the demo month (collect + status), ``status`` again, an
in-place checked book with findings and the same book after ``clear``, the 半月通报 (.xlsx with
charts and .docx) and the add-in.
"""

from __future__ import annotations

import shutil
import struct
import zipfile
from pathlib import Path

import olefile
import ooxml
import pytest
from lxml import etree
from messy import build_messy
from oletools.olevba import decompress_stream
from runcli import DEFAULT_CONFIG, run

from credit_macros.build.master import MASTER_NAME
from credit_macros.ribbon import xlam

assert ooxml.XSD.exists(), f"the shared OOXML schemas are missing: {ooxml.XSD}"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, default_split, demo_month) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ooxml")
    none = DEFAULT_CONFIG  # the embedded default configuration
    files: dict[str, Path] = {}

    master, units, _ = default_split   # build and split with the embedded default
    files["build: master"] = master
    for blank in sorted(master.parent.glob("**/附件*.xlsx")):
        files[f"build: {blank.stem}"] = blank

    unit_books = sorted(units.glob("*.xlsx"))
    assert unit_books
    files["split: unit book"] = unit_books[0]

    demo = demo_month
    files["demo: master after collect"] = demo / MASTER_NAME
    status = root / "status" / MASTER_NAME
    status.parent.mkdir()
    shutil.copy2(demo / MASTER_NAME, status)
    assert run("--config", none, "status", status, "--as-of", "2026-02-20")[0] == 0
    files["status"] = status

    report = root / "report"
    report.mkdir()
    assert run("--config", none, "report", demo / MASTER_NAME, "--as-of", "2026-02-16",
               "--out", report / "半月通报.xlsx")[0] == 0
    files["report: xlsx"] = report / "半月通报.xlsx"
    files["report: docx"] = report / "半月通报.docx"

    messy = build_messy(root / "checked.xlsx")
    assert run("--config", none, "check", messy.path, "--in-place", "--as-of", "2023-07-15")[0] == 1
    files["check --in-place"] = messy.path
    cleared = root / "cleared.xlsx"
    shutil.copy2(messy.path, cleared)
    assert run("--config", none, "clear", cleared)[0] == 0
    files["clear"] = cleared

    addin = root / "credit_macros.xlam"
    assert run("addin", "build", "--out", addin)[0] == 0
    files["addin build"] = addin
    return files


KINDS = ["build: master", "build: 附件1 行政裁决信息模板", "split: unit book", "demo: master after collect",
         "status", "report: xlsx", "report: docx", "check --in-place", "clear", "addin build"]


def test_every_kind_of_output_is_covered(outputs):
    assert set(KINDS) <= set(outputs)
    assert sum(name.startswith("build: 附件") for name in outputs) == 9


@pytest.mark.parametrize("kind", KINDS)
def test_file_validates_against_the_published_schemas(outputs, kind):
    assert ooxml.package_problems(outputs[kind]) == []


def test_every_blank_template_validates(outputs):
    problems = {name: ooxml.package_problems(path) for name, path in outputs.items() if name.startswith("build: 附件")}
    assert problems == {name: [] for name in problems}


def test_committed_artefacts_validate():
    root = Path(__file__).resolve().parents[1]
    committed = [root / "addin" / "credit_macros.xlam",
                 *sorted(p for p in (root / "workbooks").glob("**/*.xlsx") if ".bak." not in p.name)]
    assert len(committed) == 11
    assert {path.name: ooxml.package_problems(path) for path in committed} == {path.name: [] for path in committed}


def _with_part(src: Path, dst: Path, name: str, edit) -> Path:
    with zipfile.ZipFile(src) as archive, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for item in archive.infolist():
            data = archive.read(item)
            out.writestr(item, edit(data) if item.filename == name else data)
    return dst


def test_the_checker_finds_what_excel_and_word_would_repair(outputs, tmp_path):
    """Each check can fail: the defects found in the audit, put back into good files."""
    def pbdr_after_jc(data: bytes) -> bytes:  # the red rule as render_docx wrote it before
        root = etree.fromstring(data)
        borders = root.find(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pBdr")
        borders.getparent().append(borders)
        return etree.tostring(root)
    docx = _with_part(outputs["report: docx"], tmp_path / "bad.docx", "word/document.xml", pbdr_after_jc)
    assert any("pBdr" in p and "not expected" in p for p in ooxml.package_problems(docx))

    blank = outputs["build: 附件1 行政裁决信息模板"]
    with_equals = _with_part(blank, tmp_path / "eq.xlsx", "xl/worksheets/sheet1.xml",
                             lambda d: d.replace(b"<formula1>'_", b"<formula1>='_", 1))
    assert any("starts with '='" in p for p in ooxml.package_problems(with_equals))

    no_theme_type = _with_part(blank, tmp_path / "ct.xlsx", "[Content_Types].xml",
                               lambda d: d.replace(b'<Override PartName="/xl/theme/theme1.xml"', b'<Override PartName="/xl/theme/gone.xml"'))
    problems = ooxml.package_problems(no_theme_type)
    assert any("override for missing part /xl/theme/gone.xml" in p for p in problems)

    broken_rel = _with_part(blank, tmp_path / "rel.xlsx", "xl/_rels/workbook.xml.rels",
                            lambda d: d.replace(b'Target="styles.xml"', b'Target="nowhere.xml"'))
    assert any("nowhere.xml does not exist" in p for p in ooxml.package_problems(broken_rel))

    bad_icon = _with_part(outputs["addin build"], tmp_path / "icon.xlam", xlam.CUSTOMUI_PART,
                          lambda d: d.replace(b'imageMso="Help"', b'imageMso="CreateReport"'))
    assert ooxml.package_problems(bad_icon) == [f"{xlam.CUSTOMUI_PART}: imageMso 'CreateReport' is not an Excel control ID"]

    bad_ribbon = _with_part(outputs["addin build"], tmp_path / "ui.xlam", xlam.CUSTOMUI2006_PART,
                            lambda d: d.replace(b'size="large"', b'size="huge"', 1))
    assert any(p.startswith(xlam.CUSTOMUI2006_PART) for p in ooxml.package_problems(bad_ribbon))

    master = outputs["build: master"]
    with zipfile.ZipFile(master) as archive:
        sheet = next(n for n in archive.namelist() if n.startswith("xl/worksheets/") and b"<f>" in archive.read(n))
    bad_formula = _with_part(master, tmp_path / "f.xlsx", sheet, lambda d: d.replace(b"<f>", b"<f>((", 1))
    assert any("unbalanced parentheses" in p for p in ooxml.package_problems(bad_formula))


@pytest.mark.parametrize("name, legal", [
    ("报送情况", True), ("_选项", True), ("a" * 31, True), ("a" * 32, False), ("a/b", False), ("[x]", False),
    ("'x", False), ("History", False), ("", False)])
def test_sheet_name_rules(name, legal):
    assert ooxml._legal_sheet_name(name) is legal


@pytest.mark.parametrize("name, legal", [
    ("_xlnm.Print_Titles", True), ("基准日期", True), ("日历_序号", True), ("A1", False), ("R1C1", False),
    ("1abc", False), ("has space", False), ("_xlnm.Bogus", False)])
def test_defined_name_rules(name, legal):
    assert ooxml._legal_defined_name(name) is legal


def test_addin_has_excels_part_structure(outputs):
    """Our .xlam against the add-in xlwings ships (saved by Excel): the same part types and
    relationships; the differences are deliberate and listed with their reason."""
    import xlwings

    reference = Path(xlwings.__file__).with_name("addin") / "xlwings.xlam"

    def structure(path: Path) -> tuple[set[str], set[str]]:
        with zipfile.ZipFile(path) as archive:
            defaults, overrides = ooxml._content_types(archive)
            types = {ooxml.content_type(n, defaults, overrides) for n in archive.namelist()}
            rels = {r.get("Type") for n in archive.namelist() if n.endswith(".rels")
                    for r in etree.fromstring(archive.read(n))}
        return types, rels

    ours, theirs = structure(outputs["addin build"]), structure(reference)
    sst = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    sst_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    ribbon14 = xlam.CUSTOMUI_REL
    deliberate_types = {
        sst: "missing: our one cell is an inline string, so there is no shared-strings part",
    }
    deliberate_rels = {
        sst_rel: "missing: no shared-strings part (see above)",
        ribbon14: "extra: a customUI14 part for Excel 2010+ beside the 2006/01 part xlwings has",
    }
    assert theirs[0] - ours[0] == {t for t, why in deliberate_types.items() if why.startswith("missing")}
    assert ours[0] - theirs[0] == {t for t, why in deliberate_types.items() if why.startswith("extra")}
    assert theirs[1] - ours[1] == {t for t, why in deliberate_rels.items() if why.startswith("missing")}
    assert ours[1] - theirs[1] == {t for t, why in deliberate_rels.items() if why.startswith("extra")}


def _dir_records(data: bytes) -> list[tuple[int, bytes]]:
    """MS-OVBA 2.3.4.2 records of a decompressed ``dir`` stream; PROJECTVERSION (0x0009) is the
    one record whose payload is 2 bytes longer than its size field says."""
    records, pos = [], 0
    while pos < len(data):
        record_id, size = struct.unpack_from("<HI", data, pos)
        pos += 6
        size += 2 if record_id == 0x0009 else 0
        records.append((record_id, data[pos:pos + size]))
        pos += size
    return records


def _vba_layout(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        ole = olefile.OleFileIO(archive.read("xl/vbaProject.bin"))
    try:
        records = _dir_records(bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read()))))
        project = ole.openstream("PROJECT").read().decode("latin-1").split("\r\n")
    finally:
        ole.close()
    ids = [record_id for record_id, _ in records]
    first_module = ids.index(0x0019)
    modules, current = [], []
    for record_id in ids[first_module:]:
        current.append(record_id)
        if record_id == 0x002B:  # module terminator
            modules.append(tuple(r for r in current if r not in (0x0021, 0x0022)))  # type: procedural / document
            current = []
    references = [(name, payload[4:].split(b"#")[0]) for (kind, name), (_, payload)
                  in zip(records, records[1:]) if kind == 0x0016]
    body = project[: project.index("[Host Extender Info]")]
    keys = {line.split("=", 1)[0] for line in body if "=" in line}
    sections = {line for line in project if line.startswith("[")}
    return {"project records": ids[:first_module], "module records": set(modules), "after modules": current,
            "references": references, "PROJECT keys": keys, "PROJECT sections": sections}


def test_vba_project_has_excels_record_layout(outputs):
    """The ``dir`` stream and PROJECT stream of our add-in against xlwings' Excel-saved one:
    the same project records in the same order, the same records per module, the same two
    references (OLE Automation and the Office library, same LIBIDs), the same PROJECT keys."""
    import xlwings

    reference = _vba_layout(Path(xlwings.__file__).with_name("addin") / "xlwings.xlam")
    ours = _vba_layout(outputs["addin build"])
    assert ours["project records"] == reference["project records"]
    assert ours["module records"] == reference["module records"]
    assert ours["references"] == reference["references"]
    # deliberate: xlwings has class modules (Class=…), we have none; the rest is the same
    assert reference["PROJECT keys"] - ours["PROJECT keys"] == {"Class"}
    assert ours["PROJECT keys"] - reference["PROJECT keys"] == set()
    # deliberate: [Workspace] holds the VBA editor's per-user window positions, which Excel
    # writes when someone opened the editor; a generated project has none
    assert reference["PROJECT sections"] - ours["PROJECT sections"] == {"[Workspace]"}
    # reading stops at the end of our stream: the dir terminator follows the last module
    assert ours["after modules"] == [0x0010]
