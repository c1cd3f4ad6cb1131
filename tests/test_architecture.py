"""Who may import whom (docs/architecture.md): the core never imports openpyxl, xlwings, python-docx,
python-calamine, an adapter or the CLI. An AST scan of every module's imports, function-local ones
included, so a lazy ``import openpyxl`` inside a core function fails too."""

import ast
from pathlib import Path

import credit_macros

PACKAGE = Path(credit_macros.__file__).parent

# the layer map of docs/architecture.md (module paths relative to credit_macros/)
CORE = ("errors.py", "catalogue/", "config.py", "table.py", "workdays.py", "deadlines.py", "tasks.py",
        "validate/", "collect.py", "submissions.py", "remind.py", "masking.py", "safeio.py",
        "report/scoring.py", "report/indicators.py", "report/result.py", "plans.py")
ADAPTERS = ("io/", "build/", "report/__init__.py", "report/render_docx.py", "report/render_xlsx.py", "excel.py",
            "marklayer.py", "ribbon/", "demo.py")
COMMANDS = ("cli.py", "__main__.py", "__init__.py", "commands/")

FORBIDDEN_IN_CORE = ("openpyxl", "xlwings", "docx", "python_calamine", "credit_macros.cli", "credit_macros.commands",
                     "credit_macros.io", "credit_macros.build", "credit_macros.excel", "credit_macros.marklayer", "credit_macros.ribbon",
                     "credit_macros.demo", "credit_macros.report.render_docx", "credit_macros.report.render_xlsx")


def _modules():
    return sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py"))


def _layer(rel: str) -> str:
    for name, prefixes in (("core", CORE), ("adapter", ADAPTERS), ("command", COMMANDS)):
        if any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in prefixes):
            return name
    return ""


def _imports(path: Path) -> set[str]:
    """Every module name imported anywhere in the file (``from credit_macros import report`` → credit_macros.report)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _forbidden(name: str) -> bool:
    if name == "credit_macros.report":  # the package __init__ is the report service (writes files)
        return True
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IN_CORE)


def test_every_module_is_in_the_layer_map():
    assert [m for m in _modules() if not _layer(m)] == []


def test_core_never_imports_file_libraries_adapters_or_the_cli():
    bad = {m: sorted(n for n in _imports(PACKAGE / m) if _forbidden(n)) for m in _modules() if _layer(m) == "core"}
    assert {m: names for m, names in bad.items() if names} == {}


def test_nothing_but_the_cli_imports_a_command_module():
    bad = {m: sorted(n for n in _imports(PACKAGE / m) if n.startswith("credit_macros.commands"))
           for m in _modules() if _layer(m) != "command"}
    assert {m: names for m, names in bad.items() if names} == {}


def test_the_scan_sees_function_local_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    import openpyxl\n    from credit_macros import excel\n", encoding="utf-8")
    assert {"openpyxl", "credit_macros.excel"} <= _imports(sample)
    assert _forbidden("openpyxl") and _forbidden("credit_macros.excel") and not _forbidden("credit_macros.table")
