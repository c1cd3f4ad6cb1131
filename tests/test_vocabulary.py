"""The workbook vocabulary has one home (``catalogue/sheets.py``): no other module of the package
types one of its sheet names or prefixes, so renaming a sheet is a one-file change.

An AST scan of every string constant: one equal to a sheet name or prefix, or a message that
quotes a sheet name (“退回修改”, 「校验结果」) instead of putting the constant in, fails. A sheet
name that is also a column header of the vocabulary (说明 heads a column of 收文记录 and 校验结果,
成员单位 one of 报送情况) may stand as a header — an element of a tuple or list, a key of a dict, a
record's key (``row["成员单位"]``) — but nowhere else."""

import ast
import re
from pathlib import Path

import credit_macros
from credit_macros.catalogue import sheets

PACKAGE = Path(credit_macros.__file__).parent
HOME = PACKAGE / "catalogue" / "sheets.py"
WORDS = {v for k, v in vars(sheets).items() if isinstance(v, str) and (k.endswith("_SHEET") or k.endswith("_PREFIX"))}
HEADERS = {h for v in vars(sheets).values() if isinstance(v, tuple) for h in v}
QUOTED = re.compile("[“「](?:" + "|".join(map(re.escape, sorted(WORDS, key=len, reverse=True))) + ")[”」]")


def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def _header_positions(tree: ast.AST) -> set[int]:
    """ids of the string constants that stand as tuple/list elements, dict keys or subscripts."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List)):
            found.update(id(e) for e in node.elts)
        elif isinstance(node, ast.Dict):
            found.update(id(k) for k in node.keys if k is not None)
        elif isinstance(node, ast.Subscript):
            found.add(id(node.slice))
    return found


def typed_words(path: Path) -> list[tuple[int, str]]:
    """(line, word) of every vocabulary word typed in ``path`` outside a header position, and of
    every sheet name quoted in a message (docstrings may name sheets)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    headers, docs = _header_positions(tree), _docstrings(tree)
    strings = [node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return sorted([(node.lineno, node.value) for node in strings if node.value in WORDS
                   and not (node.value in HEADERS and id(node) in headers)]
                  + [(node.lineno, word) for node in strings if id(node) not in docs for word in QUOTED.findall(node.value)])


def test_the_vocabulary_names_our_sheets():
    assert {"报送情况", "收文记录", "退回修改", "历史版本", "重点任务", "事项台账", "日历", "指标数据", "校验结果", "_校验标记",
            "_选项", "说明", "_报送信息", "报送信息", "_标记_", "_期限_"} <= WORDS


def test_no_module_outside_the_vocabulary_types_a_sheet_name():
    typed = {p.relative_to(PACKAGE).as_posix(): typed_words(p) for p in sorted(PACKAGE.rglob("*.py")) if p != HOME}
    assert {name: words for name, words in typed.items() if words} == {}


def test_the_scan_finds_a_typed_name_and_spares_a_header(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""见“说明”。"""\nA = "收文记录"\nB = wb.create_sheet("说明")\nC = ("时间", "说明")\nD = {"说明": 60}\nE = row["说明"]\nF = f"见{A}"\n'
                      'G = f"已列入“退回修改”，{A}"\n', encoding="utf-8")
    assert typed_words(sample) == [(2, "收文记录"), (3, "说明"), (8, "“退回修改”")]
