"""Build ``credit_macros.xlam``: the 信用台账 ribbon tab as an Excel add-in, from text sources.

``buttons.toml`` is the single source: it gives the ribbon XML (customUI14) *and* the VBA
module ``CreditMacros``, so an ``onAction`` can never name a Sub that does not exist. A button
is built only when its function exists in the Python module it names (``credit_macros.excel``);
the others are reported as skipped.

How a button reaches Python
---------------------------
Each callback calls the *installed xlwings add-in* late-bound::

    Application.Run "'xlwings.xlam'!RunPython", "import credit_macros.excel as m; m.check_sheet()"

``RunPython`` is xlwings' public VBA entry point. We call the copy that ``xlwings addin install``
puts in XLSTART instead of embedding xlwings' VBA (its standalone ``xlwings.bas`` plus a class
module) because:

* xlwings' ``RunPython`` hands Python ``--wb=<ActiveWorkbook.Name>``, so ``xw.Book.caller()``
  is the workbook the user is looking at, never this add-in (an add-in is never the
  ActiveWorkbook);
* the installed add-in is updated together with the xlwings Python package
  (``xlwings addin install``), so its VBA, DLL names and version always match the package;
  an embedded copy would go stale with every xlwings release;
* ``Application.Run`` needs no VBA project reference to xlwings (a reference stores a
  per-user path and breaks on every other computer).

If xlwings' add-in is missing or macros are disabled, ``Application.Run`` fails and the
callback shows a Chinese message saying what to install. No xlwings VBA is copied here.

The package is byte-reproducible: fixed part order, fixed zip timestamps and attributes, no
dates in docProps and a deterministic ``vbaProject.bin``.
"""

from __future__ import annotations

import importlib
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from openpyxl.writer.theme import theme_xml

from credit_macros import __version__
from credit_macros.errors import UserError
from credit_macros.ribbon.vbaproject import WORKBOOK_BASE, WORKSHEET_BASE, Module, build_vba_project, document_module
from credit_macros.safeio import atomic_write

BUTTONS_TOML = Path(__file__).with_name("buttons.toml")
DEFAULT_OUT = Path("addin") / "credit_macros.xlam"
# Two ribbon parts with the same buttons: customUI14 (2009/07 namespace), which Excel 2010 and
# later read, and customUI (2006/01), which only Excel 2007 reads (a later Excel ignores it when
# a customUI14 part exists). Both relationship types are the ones Office itself writes.
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
CUSTOMUI_PART = "customUI/customUI14.xml"
CUSTOMUI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOMUI2006_NS = "http://schemas.microsoft.com/office/2006/01/customui"
CUSTOMUI2006_PART = "customUI/customUI.xml"
CUSTOMUI2006_REL = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
THEME_PART = "xl/theme/theme1.xml"
VBA_MODULE = "CreditMacros"
XLWINGS_RUNPYTHON = "'xlwings.xlam'!RunPython"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class Button:
    id: str
    label: str
    supertip: str
    image: str
    function: str

    @property
    def callback(self) -> str:
        return f"CM_{self.function}"


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Ribbon:
    tab_id: str
    tab_label: str
    module: str
    groups: tuple[Group, ...]

    @property
    def buttons(self) -> list[Button]:
        return [b for g in self.groups for b in g.buttons]

    def python_command(self, button: Button) -> str:
        """The RunPython command of ``button`` (no double quotes: xlwings puts it inside
        a quoted ``python -c`` argument)."""
        return f"import {self.module} as m; m.{button.function}()"


def _require(table: dict, key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{where} 缺少“{key}”（应为非空文本），请在 buttons.toml 中补上。")
    return value


def load_ribbon(path: str | Path = BUTTONS_TOML) -> Ribbon:
    """Read the ribbon description (see the comments at the top of buttons.toml)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"无法读取功能区定义文件 {path}（{exc}），请检查该文件。")
    tab = data.get("tab", {})
    groups = []
    seen_functions: set[str] = set()
    for g_index, group in enumerate(data.get("groups", []), start=1):
        where = f"{path.name} 第 {g_index} 个分组"
        buttons = []
        for b_index, button in enumerate(group.get("buttons", []), start=1):
            b_where = f"{where}的第 {b_index} 个按钮"
            values = {key: _require(button, key, b_where) for key in ("id", "label", "supertip", "imageMso", "function")}
            if not values["function"].isidentifier() or values["function"] in seen_functions:
                raise UserError(f"{b_where} 的 function “{values['function']}” 不是合法的函数名或与其他按钮重复，请改正。")
            seen_functions.add(values["function"])
            buttons.append(Button(values["id"], values["label"], values["supertip"], values["imageMso"], values["function"]))
        groups.append(Group(_require(group, "id", where), _require(group, "label", where), tuple(buttons)))
    where = f"{path.name} 的 [tab]"
    return Ribbon(_require(tab, "id", where), _require(tab, "label", where), _require(tab, "module", where), tuple(groups))


def existing_functions(ribbon: Ribbon) -> tuple[Ribbon, list[Button]]:
    """Keep only buttons whose function exists in ``ribbon.module``; return (kept, skipped)."""
    try:
        module = importlib.import_module(ribbon.module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not ribbon.module.startswith(exc.name):
            raise UserError(f"导入 {ribbon.module} 时缺少模块 {exc.name}，请先安装该模块再生成加载项。")
        module = None
    except Exception as exc:  # a broken module must not silently give an empty ribbon
        raise UserError(f"无法导入 {ribbon.module}（{type(exc).__name__}: {exc}），请先修正该模块再生成加载项。")
    kept, skipped = [], []
    for group in ribbon.groups:
        buttons = tuple(b for b in group.buttons if module is not None and callable(getattr(module, b.function, None)))
        skipped += [b for b in group.buttons if b not in buttons]
        if buttons:
            kept.append(Group(group.id, group.label, buttons))
    return Ribbon(ribbon.tab_id, ribbon.tab_label, ribbon.module, tuple(kept)), skipped


def _vba_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def vba_module_source(ribbon: Ribbon) -> str:
    """Source of the standard module ``CreditMacros`` (CRLF line ends, as VBA stores it)."""
    lines = [
        f'Attribute VB_Name = "{VBA_MODULE}"',
        "' 信用台账助手的功能区回调。本模块由 credit-macros addin build 根据",
        "' credit_macros/ribbon/buttons.toml 生成，请勿手工修改。",
        "' 每个按钮通过已安装的 xlwings 加载项运行 Python（RunPython），作用于当前活动工作簿。",
        "Option Explicit",
        "",
        f"Private Const XLWINGS_RUNPYTHON As String = {_vba_string(XLWINGS_RUNPYTHON)}",
        "",
        "Private Sub CM_RunPython(ByVal PythonCommand As String, ByVal Caption As String)",
        "    If ActiveWorkbook Is Nothing Then",
        '        MsgBox "请先打开要处理的台账工作簿，再点击“" & Caption & "”。", vbExclamation, "信用台账"',
        "        Exit Sub",
        "    End If",
        "    On Error GoTo RunFailed",
        "    Application.Run XLWINGS_RUNPYTHON, PythonCommand",
        "    Exit Sub",
        "RunFailed:",
        '    MsgBox "无法通过 xlwings 加载项运行“" & Caption & "”。" & vbCrLf & _',
        '        "请确认已安装 xlwings 加载项（在命令提示符中运行 xlwings addin install，然后重新启动 Excel），" & _',
        '        "并已在信任中心启用宏。" & vbCrLf & "详细信息：" & Err.Description, vbExclamation, "信用台账"',
        "End Sub",
    ]
    for button in ribbon.buttons:
        lines += [
            "",
            f"Public Sub {button.callback}(control As IRibbonControl)",
            f"    CM_RunPython {_vba_string(ribbon.python_command(button))}, {_vba_string(button.label)}",
            "End Sub",
        ]
    return "\r\n".join(lines) + "\r\n"


def vba_project(ribbon: Ribbon) -> bytes:
    return build_vba_project([
        document_module("ThisWorkbook", WORKBOOK_BASE),
        document_module("Sheet1", WORKSHEET_BASE),
        Module(VBA_MODULE, vba_module_source(ribbon)),
    ])


def ribbon_xml(ribbon: Ribbon, namespace: str = CUSTOMUI_NS) -> str:
    """The ribbon as customUI XML; every element and attribute used exists in both the 2006/01
    and the 2009/07 schema, so only the namespace differs between the two parts."""
    out = [XML_DECL, f"<customUI xmlns={quoteattr(namespace)}>\n", "  <ribbon>\n    <tabs>\n",
           f"      <tab id={quoteattr(ribbon.tab_id)} label={quoteattr(ribbon.tab_label)}>\n"]
    for group in ribbon.groups:
        out.append(f"        <group id={quoteattr(group.id)} label={quoteattr(group.label)}>\n")
        for b in group.buttons:
            out.append(
                f"          <button id={quoteattr(b.id)} size=\"large\" label={quoteattr(b.label)}"
                f" screentip={quoteattr(b.label)} supertip={quoteattr(b.supertip)}"
                f" imageMso={quoteattr(b.image)} onAction={quoteattr(b.callback)}/>\n")
        out.append("        </group>\n")
    out.append("      </tab>\n    </tabs>\n  </ribbon>\n</customUI>\n")
    return "".join(out)


def _relationships(rels: list[tuple[str, str, str]]) -> str:
    items = "".join(f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>' for rid, kind, target in rels)
    return f'{XML_DECL}<Relationships xmlns="{PKG_REL_NS}">{items}</Relationships>'


def package_parts(ribbon: Ribbon) -> dict[str, bytes]:
    """Every part of the .xlam, in the order they are written."""
    od = "http://schemas.openxmlformats.org/officeDocument/2006"
    note = "本文件是“信用台账助手”的 Excel 加载项，提供“信用台账”功能区选项卡；由 credit-macros addin build 生成。"
    parts = {
        "[Content_Types].xml": (
            f'{XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f'<Override PartName="/{THEME_PART}" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
            '<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>"),
        "_rels/.rels": _relationships([
            ("rId1", f"{od}/relationships/officeDocument", "xl/workbook.xml"),
            ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml"),
            ("rId3", f"{od}/relationships/extended-properties", "docProps/app.xml"),
            ("rId4", CUSTOMUI_REL, CUSTOMUI_PART),
            ("rId5", CUSTOMUI2006_REL, CUSTOMUI2006_PART),
        ]),
        "docProps/core.xml": (
            f'{XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>信用台账助手</dc:title><dc:description>{escape(note)}</dc:description>"
            f"<dc:creator>credit_macros</dc:creator><cp:version>{__version__}</cp:version></cp:coreProperties>"),
        "docProps/app.xml": (
            f'{XML_DECL}<Properties xmlns="{od}/extended-properties"><Application>Microsoft Excel</Application></Properties>'),
        "xl/workbook.xml": (
            f'{XML_DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><workbookPr codeName="ThisWorkbook"/>'
            '<bookViews><workbookView/></bookViews>'
            '<sheets><sheet name="说明" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": _relationships([
            ("rId1", f"{od}/relationships/worksheet", "worksheets/sheet1.xml"),
            ("rId2", f"{od}/relationships/styles", "styles.xml"),
            ("rId3", "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin"),
            ("rId4", f"{od}/relationships/theme", "theme/theme1.xml"),
        ]),
        "xl/worksheets/sheet1.xml": (
            f'{XML_DECL}<worksheet xmlns="{MAIN_NS}"><sheetPr codeName="Sheet1"/><sheetData>'
            f'<row r="1"><c r="A1" t="inlineStr"><is><t>{escape(note)}</t></is></c></row></sheetData></worksheet>'),
        "xl/styles.xml": (
            f'{XML_DECL}<styleSheet xmlns="{MAIN_NS}">'
            '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
        CUSTOMUI_PART: ribbon_xml(ribbon),
        CUSTOMUI2006_PART: ribbon_xml(ribbon, CUSTOMUI2006_NS),
    }
    encoded = {name: text.encode("utf-8") for name, text in parts.items()}
    encoded[THEME_PART] = theme_xml.encode("utf-8")  # the Office theme every Excel-saved file has
    encoded["xl/vbaProject.bin"] = vba_project(ribbon)
    return encoded


def write_package(path: Path, parts: dict[str, bytes]) -> None:
    """Zip ``parts`` with fixed timestamps and attributes (byte-reproducible)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            archive.writestr(info, data, compresslevel=9)


@dataclass
class BuildResult:
    path: Path
    ribbon: Ribbon
    skipped: list[Button]


def build(out: str | Path = DEFAULT_OUT, buttons: str | Path = BUTTONS_TOML) -> BuildResult:
    """Write the add-in to ``out`` (atomically) and say which buttons were left out."""
    ribbon, skipped = existing_functions(load_ribbon(buttons))
    parts = package_parts(ribbon)
    out = Path(out)
    atomic_write(out, lambda tmp: write_package(tmp, parts), backup=False)
    return BuildResult(out, ribbon, skipped)
