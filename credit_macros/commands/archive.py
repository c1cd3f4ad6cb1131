"""``credit-macros archive MASTER --year YYYY``: move a closed year's rows out of the master.

The template rows and the 历史版本 rows whose 报送期 lies in ``YYYY`` (``plans.archive_split``)
go to ``信用体系建设台账_YYYY年归档.xlsx`` beside the master: the same sheets and headers, the
provenance columns kept (a copy of the master's package whose template sheets and 历史版本 hold
only the moved rows, and whose 报送情况, 收文记录 and 退回修改 keep just their headers). 报送情况 and
收文记录 stay whole in the master. A later run for the same year (late submissions collected
since) appends to the archive; rows it already holds are not added twice.

Nothing is lost: the archive is written to a temporary file, read back, and every sheet's row
count and the content hash of every moved row (``plans.row_digest``) are checked before the
archive is put in place; only then is the master written without those rows (both through
``safeio.outputs``: all or nothing, the master's previous version kept as ``.bak.xlsx``). Both
files are streamed (``xlsxstream``): every part that does not change is copied byte for byte.
A second run finds nothing to move and leaves the master byte-identical. An open workbook (a
``~$`` lock beside it) is refused.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from credit_macros import catalogue
from credit_macros.catalogue.sheets import FINDINGS_SHEET, HISTORY_SHEET, RECEIPTS_SHEET, STATUS_SHEET
from credit_macros.collect import SheetState
from credit_macros.errors import UserError
from credit_macros.io.collect_master import read_master
from credit_macros.io.read import read_grids
from credit_macros.io.xlsxstream import SheetRows, apply, rewrite
from credit_macros.plans import archive_split, row_digest, used
from credit_macros.safeio import exclusive, outputs, refuse_if_locked

NAME = "archive"
HELP = "把已结束年度的模板数据行和历史版本行移入同目录的归档工作簿（信用体系建设台账_YYYY年归档.xlsx），总台账随之变小"
ORDER = 35
EMPTIED = (STATUS_SHEET, RECEIPTS_SHEET, FINDINGS_SHEET)  # in the archive: headers only


def add_arguments(parser) -> None:
    parser.add_argument("master", metavar="MASTER", type=Path, help="总台账（credit-macros build 生成的 .xlsx）")
    parser.add_argument("--year", metavar="YYYY", type=int, required=True, help="要归档的已结束年度（按“报送期”），如 2026")


def archive_path(master: Path, year: int) -> Path:
    return master.with_name(f"信用体系建设台账_{year}年归档.xlsx")


def _rows(grids: dict[str, list[list]], sheet: str) -> list[list]:
    """The data rows of ``sheet`` as ``archive_split`` sees them (a template's table, or 历史版本 from row 2)."""
    if sheet == HISTORY_SHEET:
        return grids[sheet][1: used(grids[sheet])]
    template = next(t for t in catalogue.templates() if t.sheet == sheet)
    return SheetState.from_grid(template, grids[sheet]).rows


def _verify(path: Path, expected: dict[str, Counter], where: str) -> None:
    """Refuse unless every sheet of the written archive holds exactly the expected rows (by content hash)."""
    grids = read_grids(path)
    for sheet, digests in expected.items():
        found = Counter(row_digest(r) for r in _rows(grids, sheet))
        if found != digests:
            raise UserError(f"写入的归档工作簿 {where} 中工作表“{sheet}”应有 {sum(digests.values())} 行，"
                            f"读回 {sum(found.values())} 行，内容不一致；总台账未作任何修改。请检查磁盘空间后重试。")


def run(args, ctx) -> int:
    master: Path = args.master
    target = archive_path(master, args.year)
    with exclusive(master, err=ctx.err):
        grids = read_master(master)
        refuse_if_locked(target)
        split = archive_split(grids, args.year)
        old = read_master(target) if target.exists() else None
        edits, expected, added = {}, {}, Counter()
        for sheet, (first, rows) in split.moved.items():
            held = _rows(old, sheet) if old else []
            known = {row_digest(r) for r in held}
            new = [r for r in rows if row_digest(r) not in known]
            added[sheet] = len(new)
            edits[sheet] = SheetRows(first + len(held), new)
            expected[sheet] = Counter(row_digest(r) for r in [*held, *new])
        if not split.count:
            print(f"{master.name} 中没有报送期在 {args.year} 年的模板行或历史版本行，无需归档，总台账未改动。", file=ctx.out)
            return 0
        if old is None:
            edits.update({name: SheetRows(2, []) for name in EMPTIED})
            edits.update({t.sheet: SheetRows(SheetState.from_grid(t, grids[t.sheet]).table.first_row, [])
                          for t in catalogue.templates() if t.sheet not in split.moved})
            if HISTORY_SHEET not in split.moved:
                edits[HISTORY_SHEET] = SheetRows(2, [])

        def write_archive(tmp: Path) -> None:
            rewrite(target if old else master, tmp, {k: v for k, v in edits.items() if old is None or v.rows})
            _verify(tmp, expected, target.name)

        with outputs(err=ctx.err) as out:
            out.write(target, write_archive, backup=old is not None)
            out.write(master, lambda tmp: apply(master, tmp, split.master), backup=True)
    print(f"已把 {args.year} 年的 {split.count} 行移入 {target}（已核对行数和每行内容）：", file=ctx.out)
    for sheet, (_, rows) in split.moved.items():
        again = len(rows) - added[sheet]
        print(f"  {sheet}：{len(rows)} 行" + (f"（其中 {again} 行归档中已有，未重复写入）" if again else ""), file=ctx.out)
    print("  报送情况、收文记录保留在总台账中；总台账原文件备份为 .bak.xlsx。", file=ctx.out)
    return 0
