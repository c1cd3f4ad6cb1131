"""Check an OOXML package (.xlsx / .xlam / .docx) the way the published standard does.

``package_problems(path)`` returns a list of Chinese-free, developer-facing problem strings (empty
when the file is clean). It checks:

* every XML part against the ECMA-376 Transitional schemas in ``../shared/ooxml/xsd`` (one
  ``all.xsd`` imports them all), after resolving markup compatibility as Excel does when it reads
  a part: attributes and elements of ``mc:Ignorable`` namespaces removed, ``mc:AlternateContent``
  replaced by its ``mc:Fallback``;
* ribbon parts against Microsoft's RibbonX schemas (``../shared/ooxml/customui``, compiled with
  ``xmlschema``, which libxml2 cannot do) and every ``imageMso`` against Excel's control-ID list;
* what schemas cannot: ``[Content_Types].xml`` covers every part, every internal relationship
  target exists, sheet and defined names are unique and legal, data-validation formulas carry no
  leading "=" and fit Excel's 255 characters, and every cell, validation and conditional-format
  formula tokenises (openpyxl's Excel formula tokenizer, balanced parentheses).

VML parts (legacy comment shapes) have no single-rooted schema; they are checked to be well-formed
XML only. Parts in namespaces no schema here describes are reported, so nothing is skipped silently.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from functools import lru_cache
from pathlib import Path, PurePosixPath

from lxml import etree
from openpyxl.formula.tokenizer import Token, Tokenizer

# ``shared/`` lies beside the repository (in CI too); a git worktree sits one level deeper
SHARED = next((p / "shared" / "ooxml" for p in Path(__file__).resolve().parents if (p / "shared" / "ooxml").is_dir()),
              Path(__file__).resolve().parents[2] / "shared" / "ooxml")
XSD = SHARED / "xsd" / "all.xsd"
CUSTOMUI_XSD = {
    "http://schemas.microsoft.com/office/2006/01/customui": SHARED / "customui" / "customUI.xsd",
    "http://schemas.microsoft.com/office/2009/07/customui": SHARED / "customui" / "customui14.xsd",
}
CONTROL_IDS = SHARED / "excel-control-ids.txt"

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"

SHEET_NAME_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")
CELL_LIKE = re.compile(r"^(?:[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[Rr]|[Cc])$")
DEFINED_NAME = re.compile(r"^[^\W\d.]|^[_\\]", re.UNICODE)


@lru_cache(maxsize=None)
def ooxml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(file=str(XSD))


@lru_cache(maxsize=None)
def schema_namespaces() -> frozenset[str]:
    return frozenset(etree.parse(str(f)).getroot().get("targetNamespace") for f in XSD.parent.glob("*.xsd"))


@lru_cache(maxsize=None)
def customui_schema(namespace: str):
    import xmlschema

    return xmlschema.XMLSchema(str(CUSTOMUI_XSD[namespace]))


@lru_cache(maxsize=None)
def control_ids() -> frozenset[str]:
    lines = CONTROL_IDS.read_text("utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def resolve_markup_compatibility(root: etree._Element) -> etree._Element:
    """What a consumer that understands no extension does (ECMA-376 Part 3): drop what
    ``mc:Ignorable`` names, take ``mc:Fallback`` of every ``mc:AlternateContent``."""
    ignorable: set[str] = set()
    for element in root.iter():
        value = element.get(f"{{{MC}}}Ignorable")
        if value:
            ignorable |= {element.nsmap[prefix] for prefix in value.split() if prefix in element.nsmap}
            del element.attrib[f"{{{MC}}}Ignorable"]
    for alternate in list(root.iter(f"{{{MC}}}AlternateContent")):
        parent = alternate.getparent()
        fallback = alternate.find(f"{{{MC}}}Fallback")
        index = parent.index(alternate)
        parent.remove(alternate)
        for offset, child in enumerate(list(fallback) if fallback is not None else []):
            parent.insert(index + offset, child)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if etree.QName(element).namespace in ignorable and element.getparent() is not None:
            element.getparent().remove(element)
            continue
        for key in list(element.attrib):
            if key.startswith("{") and key[1:].split("}")[0] in ignorable:
                del element.attrib[key]
    return root


XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def preserve_space_as_excel_writes(root: etree._Element) -> None:
    """Excel writes ``<t xml:space="preserve">`` for text with leading or trailing blanks (and
    reads it everywhere), while the Transitional schema types ``t`` as a bare ST_Xstring with no
    attributes. Accept exactly that attribute on SpreadsheetML ``t`` elements, nothing more."""
    for t in root.iter(f"{{{SML}}}t"):
        if t.get(XML_SPACE) == "preserve":
            del t.attrib[XML_SPACE]


def _content_types(archive: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    root = etree.fromstring(archive.read("[Content_Types].xml"))
    defaults = {d.get("Extension").lower(): d.get("ContentType") for d in root.iter(f"{{{CT}}}Default")}
    overrides = {o.get("PartName"): o.get("ContentType") for o in root.iter(f"{{{CT}}}Override")}
    return defaults, overrides


def content_type(name: str, defaults: dict[str, str], overrides: dict[str, str]) -> str | None:
    extension = PurePosixPath(name).name.rpartition(".")[2].lower()  # ".rels" has extension "rels"
    return overrides.get("/" + name) or defaults.get(extension)


def _rels_source(rels_name: str) -> str:
    """``xl/_rels/workbook.xml.rels`` → ``xl/workbook.xml``; ``_rels/.rels`` → the package root."""
    folder, file = posixpath.split(rels_name)
    return posixpath.join(posixpath.dirname(folder), file[: -len(".rels")])


def relationship_problems(archive: zipfile.ZipFile) -> list[str]:
    names = set(archive.namelist())
    problems = []
    for rels in sorted(n for n in names if n.endswith(".rels")):
        source = _rels_source(rels)
        if source and source not in names:
            problems.append(f"{rels}: belongs to a part that does not exist ({source})")
        ids = set()
        for rel in etree.fromstring(archive.read(rels)).iter(f"{{{PR}}}Relationship"):
            if rel.get("Id") in ids:
                problems.append(f"{rels}: duplicate relationship id {rel.get('Id')}")
            ids.add(rel.get("Id"))
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(posixpath.dirname(source), target))
            if path not in names:
                problems.append(f"{rels}: {rel.get('Id')} → {target} does not exist")
    return problems


def _schema_problems(name: str, root: etree._Element) -> list[str]:
    namespace = etree.QName(root).namespace
    if namespace in CUSTOMUI_XSD:
        schema = customui_schema(namespace)
        return [f"{name}: {error.reason} at {error.path}" for error in schema.iter_errors(etree.tostring(root).decode())]
    if namespace not in schema_namespaces():
        return [f"{name}: no schema here for namespace {namespace!r}"]
    schema = ooxml_schema()
    if schema.validate(etree.ElementTree(root)):
        return []
    return [f"{name}:{e.line}: {e.message}" for e in schema.error_log][:20]


def formula_problems(where: str, formula: str) -> list[str]:
    text = formula if formula.startswith("=") else "=" + formula
    try:
        tokens = Tokenizer(text).items
    except Exception as exc:  # the tokenizer raises plain errors on malformed text
        return [f"{where}: formula does not parse ({exc}): {formula[:80]}"]
    depth = 0
    for token in tokens:
        if token.subtype == Token.OPEN:
            depth += 1
        elif token.subtype == Token.CLOSE:
            depth -= 1
        if depth < 0:
            break
    return [] if depth == 0 else [f"{where}: unbalanced parentheses: {formula[:80]}"]


def _legal_sheet_name(name: str) -> bool:
    return (0 < len(name) <= 31 and not SHEET_NAME_FORBIDDEN.search(name)
            and not name.startswith("'") and not name.endswith("'") and name.lower() != "history")


def _legal_defined_name(name: str) -> bool:
    if name.startswith("_xlnm."):
        return name[6:] in {"Print_Area", "Print_Titles", "_FilterDatabase", "Criteria", "Extract",
                            "Consolidate_Area", "Sheet_Title", "Database"}
    return (len(name) <= 255 and bool(DEFINED_NAME.match(name)) and not CELL_LIKE.match(name)
            and re.fullmatch(r"[\w.\\?]+", name, re.UNICODE) is not None)


def workbook_problems(name: str, root: etree._Element) -> list[str]:
    problems = []
    sheets = [s.get("name") for s in root.iter(f"{{{SML}}}sheet")]
    for sheet in sheets:
        if not _legal_sheet_name(sheet):
            problems.append(f"{name}: illegal sheet name {sheet!r}")
    if len({s.lower() for s in sheets}) != len(sheets):
        problems.append(f"{name}: sheet names not unique: {sheets}")
    seen = set()
    for defined in root.iter(f"{{{SML}}}definedName"):
        key = (defined.get("name").lower(), defined.get("localSheetId"))
        if key in seen:
            problems.append(f"{name}: defined name {defined.get('name')!r} twice in one scope")
        seen.add(key)
        if not _legal_defined_name(defined.get("name")):
            problems.append(f"{name}: illegal defined name {defined.get('name')!r}")
        problems += formula_problems(f"{name} definedName {defined.get('name')}", defined.text or "")
    return problems


def _validation_formulas(dv: etree._Element):
    """(tag, text) of a validation's formulas: ``<formula1>`` or x14's ``<x14:formula1><xm:f>``."""
    for tag in ("formula1", "formula2"):
        for path in (f"{{{SML}}}{tag}", f"{{{X14}}}{tag}/{{{XM}}}f"):
            element = dv.find(path)
            if element is not None:
                yield tag, element.text or ""


def worksheet_problems(name: str, root: etree._Element) -> list[str]:
    problems = []
    for cell in root.iter(f"{{{SML}}}c"):
        formula = cell.find(f"{{{SML}}}f")
        if formula is not None and formula.text:
            problems += formula_problems(f"{name} {cell.get('r')}", formula.text)
    validations = [(dv.get("sqref"), dv) for dv in root.iter(f"{{{SML}}}dataValidation")]
    validations += [(dv.findtext(f"{{{XM}}}sqref"), dv) for dv in root.iter(f"{{{X14}}}dataValidation")]
    for sqref, dv in validations:
        for tag, text in _validation_formulas(dv):
            if text.startswith("="):
                problems.append(f"{name} validation {sqref}: {tag} starts with '=' (Excel writes none): {text[:60]}")
            if len(text) > 255:
                problems.append(f"{name} validation {sqref}: {tag} longer than 255 characters ({len(text)})")
            problems += formula_problems(f"{name} validation {sqref}", text)
    for rule in root.iter(f"{{{SML}}}cfRule"):
        for formula in rule.iter(f"{{{SML}}}formula"):
            problems += formula_problems(f"{name} conditional format {rule.getparent().get('sqref')}", formula.text or "")
    return problems


def ribbon_problems(name: str, root: etree._Element) -> list[str]:
    unknown = sorted({e.get("imageMso") for e in root.iter() if e.get("imageMso")} - control_ids())
    return [f"{name}: imageMso {image!r} is not an Excel control ID" for image in unknown]


def package_problems(path: str | Path) -> list[str]:
    """Every problem of the package at ``path`` (empty list: clean)."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        defaults, overrides = _content_types(archive)
        for part in overrides:
            if part.lstrip("/") not in names:
                problems.append(f"[Content_Types].xml: override for missing part {part}")
        problems += relationship_problems(archive)
        for name in names:
            if name == "[Content_Types].xml":
                problems += _schema_problems(name, etree.fromstring(archive.read(name)))
                continue
            kind = content_type(name, defaults, overrides)
            if kind is None:
                problems.append(f"{name}: no content type in [Content_Types].xml")
                continue
            if not (kind.endswith("+xml") or kind.endswith("/xml") or kind.endswith("vmlDrawing")):
                continue  # binary parts: vbaProject.bin, images
            try:
                root = etree.fromstring(archive.read(name))
            except etree.XMLSyntaxError as exc:
                problems.append(f"{name}: not well-formed XML ({exc})")
                continue
            if kind.endswith("vmlDrawing"):
                continue  # well-formed is all VML can be held to (see the module docstring)
            root = resolve_markup_compatibility(root)
            preserve_space_as_excel_writes(root)
            problems += _schema_problems(name, root)
            local = etree.QName(root).localname
            if etree.QName(root).namespace == SML and local == "workbook":
                problems += workbook_problems(name, root)
            elif etree.QName(root).namespace == SML and local == "worksheet":
                problems += worksheet_problems(name, root)
            elif etree.QName(root).namespace in CUSTOMUI_XSD:
                problems += ribbon_problems(name, root)
    return problems
