"""Collect member units' workbooks into the master tracker — the merge logic, on plain tables.

For each incoming workbook (``io.intake.Incoming``):

1. Skip it when its content hash is already in 收文记录 as accepted (collecting the same mail
   twice changes nothing), or was already seen in this run.
2. Read it (python-calamine; nothing runs) and find its template sheets by their headers
   (``table.find_table``). No template sheet → not accepted.
3. Identify unit and period, first of: the metadata sheet ``_报送信息`` (or the visible
   ``报送信息``) that ``split`` writes; the file name (a unit's name, short name or alias and
   ``YYYY-MM`` / ``YYYY年M月``); for the unit, the sender's address (config ``[units."…"] email``),
   then the mail's subject; for the period, the mail's subject. Unknown unit or period → not accepted.
   A mail whose sender's address config.toml gives to other units than the one the workbook
   claims (发件人与报送单位不符, ``sender_mismatch``) → not accepted unless the office confirms
   (``collect --accept-sender-mismatch``); the earlier rows of the claimed unit stay.
4. Validate it (``validate.validate_grids``). Files with errors are still accepted: the office
   wants the data now and a list to send back (退回修改); the findings (first
   ``FINDINGS_KEPT`` per sheet) go to the 退回修改 sheet and the counts to 收文记录.
5. Merge: for each template sheet of the file, the master rows of the same unit + period
   (provenance columns 来源单位 / 报送期) move to 历史版本 and the file's rows are appended with
   their provenance (来源单位, 报送期, 来源文件, 收到时间). The 信用办's own marks on a replaced
   row — values in columns it added right of the template's (核查意见), fills and comments (read
   by the file adapter) — go to the new row of the same natural key (``Template.natural_key``),
   else to 历史版本 with the old row (a last cell “信用办标注：…”); the summary lists each.

A file is taken whole or not at all. Files not accepted are listed with their reason (command
output, ``--json``) but not written to the master, so a batch of unusable files leaves the master
byte for byte as it was; ``collect`` only plans — a ``SheetState`` per master sheet holds its
rows in memory and the adapter (``io.collect_master``) writes the result once.
Items are processed in order of received time, so a resubmission in the same run wins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from operator import itemgetter
from pathlib import PurePath

from credit_macros import catalogue
from credit_macros.catalogue import units as unitlib
from credit_macros.catalogue.sheets import (
    FINDINGS_HEADERS,
    FINDINGS_SHEET,
    GUIDE_SHEET,
    HISTORY_SHEET,
    LIST_SHEET,
    META_KEYS,
    META_SHEET,
    META_VISIBLE_SHEET,
    PROVENANCE,
    RECEIPT_HEADERS,
    RECEIPTS_SHEET,
)
from credit_macros.errors import UserError
from credit_macros.submissions import (
    ACCEPTED,
    ACCEPTED_REPLACING,
    counts as status_counts,
    month_label,
    sheet_records,
)
from credit_macros.table import Table, find_table, is_blank
from credit_macros.validate import ERROR, WARNING, validate_grids
from credit_macros.validate.findings import SEVERITY_LABELS
from credit_macros.validate.rules import key_text

NOT_DATA = {META_SHEET, META_VISIBLE_SHEET, LIST_SHEET, GUIDE_SHEET}

FINDINGS_KEPT = 200  # per file and sheet; 收文记录 has the full counts


@lru_cache(maxsize=1)
def template_version() -> str:
    """A short digest of the template catalogue; ``split`` writes it, ``collect`` compares it."""
    raw = resources.files("credit_macros.catalogue").joinpath("templates.toml").read_bytes()
    return hashlib.sha256(raw).hexdigest()[:12]


# --- identification --------------------------------------------------------------------------

_PERIOD = re.compile(r"(20\d{2})\s*(?:[-_.年/]\s*)?(1[0-2]|0?[1-9])(?!\d)\s*月?")


def period_in_text(text: str) -> str | None:
    """The first ``YYYY-MM`` / ``YYYY年M月`` / ``YYYYMM`` month in a file name or subject.

    >>> period_in_text("开发建设部_2026-01_信用信息报送"), period_in_text("财政金融部2026年3月报送")
    ('2026-01', '2026-03')
    >>> period_in_text("202611 税务局"), period_in_text("报送表") is None
    ('2026-11', True)
    """
    m = _PERIOD.search(str(text or ""))
    return month_label(int(m[1]), int(m[2])) if m else None


def period_argument(text: str, option: str = "--period") -> str:
    """A month as a clerk types it on the command line — ``2026-01``, ``2026-1``, ``2026年2月``,
    ``2026.2``, ``2026/2``, ``202602`` — as ``YYYY-MM`` (``UserError`` otherwise).

    >>> [period_argument(t) for t in ("2026-1", "2026年2月", "2026.2", " 2026-11 ")]
    ['2026-01', '2026-02', '2026-02', '2026-11']
    """
    m = _PERIOD.fullmatch(str(text).strip())
    if not m:
        raise UserError(f"{option} 的值“{text}”不是月份，请写成 2026-01（也可写 2026-1、2026年1月、2026.1）。")
    return month_label(int(m[1]), int(m[2]))


@lru_cache(maxsize=1)
def _unit_keys() -> list[tuple[str, str]]:
    keys = [(unitlib.normalize(key), unit.name) for unit in unitlib.all_units()
            for key in (unit.name, unit.short, *unit.aliases) if len(key) >= 2]
    return sorted(keys, key=lambda k: -len(k[0]))


def unit_in_text(text: str) -> str | None:
    """The one member unit whose name, short name or alias occurs in ``text`` (None if none or several).

    >>> unit_in_text("附件：开发建设部_2026-01.xlsx"), unit_in_text("综合执法支队2026年1月")
    ('开发建设部', '综合行政执法支队')
    >>> unit_in_text("信用报送.xlsx") is None
    True
    """
    rest = unitlib.normalize(text or "")
    found = set()
    for key, name in _unit_keys():
        if key in rest:
            found.add(name)
            rest = rest.replace(key, "\0")
    return found.pop() if len(found) == 1 else None


def units_of_sender(sender: str, config) -> list[str]:
    """The units whose address in config (``[units."…"] email``) is ``sender``, in config order."""
    sender = (sender or "").strip().lower()
    if not sender:
        return []
    return [name for name, entry in config["units"].items() if str(entry.get("email", "")).strip().lower() == sender]


def unit_by_sender(sender: str, config) -> str | None:
    owners = units_of_sender(sender, config)
    return owners[0] if len(owners) == 1 else None


SENDER_MISMATCH = "发件人与报送单位不符"


def sender_mismatch(sender: str, unit: str, config) -> str | None:
    """Why a workbook claiming ``unit`` must not be merged unconfirmed when it came from
    ``sender`` — an address config.toml gives to other units only — else None (unknown or
    matching sender, or no mail)."""
    owners = units_of_sender(sender, config)
    if not owners or unit in owners:
        return None
    return f"{SENDER_MISMATCH}：发件人 {sender} 是 config.toml 中{'、'.join(owners)}的邮箱，文件却是{unit}的报送"


def metadata(grids: dict[str, list[list]]) -> dict[str, str]:
    """Key/value rows of ``_报送信息`` (else ``报送信息``): 单位, 报送期, 模板版本."""
    for name in (META_SHEET, META_VISIBLE_SHEET):
        grid = grids.get(name)
        if grid:
            found = {str(row[0]).strip().rstrip("：:"): str(row[1]).strip() for row in grid
                     if len(row) > 1 and not is_blank(row[0]) and not is_blank(row[1])}
            if any(k in found for k in META_KEYS):
                return found
    return {}


@dataclass
class Identity:
    unit: str | None
    period: str | None
    how: str  # 识别方式, e.g. "单位:报送信息；报送期:文件名"
    note: str = ""


def identify(file_name: str, grids: dict[str, list[list]], sender: str, subject: str, config) -> Identity:
    meta = metadata(grids)
    unit = period = None
    how = []
    note = ""
    if meta.get("单位"):
        resolved = unitlib.resolve(meta["单位"])
        unit = resolved[0] if len(resolved) == 1 else None
        how += ["单位:报送信息"] if unit else []
    if meta.get("报送期"):
        period = period_in_text(meta["报送期"])
        how += ["报送期:报送信息"] if period else []
    if meta.get("模板版本") and meta["模板版本"] != template_version():
        note = "该文件用的是旧版模板（按表头识别，已接收）；下月请使用新下发的报送表。"
    if unit is None and (unit := unit_in_text(file_name)):
        how.append("单位:文件名")
    for source, text in (("文件名", file_name), ("邮件主题", subject)):
        if period is None and (period := period_in_text(text)):
            how.append(f"报送期:{source}")
    if unit is None and (unit := unit_by_sender(sender, config)):
        how.append("单位:发件人地址")
    if unit is None and (unit := unit_in_text(subject)):
        how.append("单位:邮件主题")
    return Identity(unit, period, "；".join(how), note)


# --- master state --------------------------------------------------------------------------

@dataclass
class SheetState:
    """One template sheet of the master: its rows (existing, then appended) and which survive.

    ``origin[i]``: the existing row whose office annotations row ``i`` carries — itself for an
    existing row, the replaced row of the same natural key for an appended one, else None.
    ``office``: the columns the 信用办 added right of the template's (e.g. 核查意见);
    ``marks``: existing row → what the file adapter found on it (fills, comments), described."""

    table: Table
    prov: dict[str, int]
    width: int
    rows: list[list]
    existing: int
    alive: list[bool]
    by_key: dict[tuple[str, str], list[int]]
    office: dict[str, int] = field(default_factory=dict)
    origin: list[int | None] = field(default_factory=list)
    marks: dict[int, list[str]] = field(default_factory=dict)

    @classmethod
    def from_grid(cls, template: catalogue.Template, grid: list[list], marks: dict[int, list[str]] | None = None) -> "SheetState":
        """``marks``: sheet row → the office's fills and comments on it, described."""
        table = find_table(template.sheet, grid, only=template)
        if table is None or table.missing:
            raise UserError(f"总台账的「{template.sheet}」工作表表头与模板不符，无法汇总。请用 credit-macros build 生成的总台账，"
                            "不要改动模板表头。")
        prov = {name: table.extra[name] for name in PROVENANCE if name in table.extra}
        if len(prov) < len(PROVENANCE):
            lacking = "、".join(n for n in PROVENANCE if n not in prov)
            raise UserError(f"总台账的「{template.sheet}」工作表缺少来源列「{lacking}」（第{table.header_row}行模板列之后）。"
                            "请用 credit-macros build 生成新总台账，或在表头最后补上这几列后重试。")
        width = max([*table.columns.values(), *prov.values()]) + 1
        rows = [list(r) + [None] * (width - len(r)) for r in table.rows]
        office = {name: c for name, c in table.extra.items() if name not in PROVENANCE and c > max(table.columns.values())}
        described = {r - table.first_row: m for r, m in (marks or {}).items() if r >= table.first_row}
        state = cls(table, prov, width, rows, len(rows), [True] * len(rows), {}, office, list(range(len(rows))), described)
        for i, row in enumerate(rows):
            state._index(i, row)
        return state

    def _index(self, i: int, row: list) -> None:
        unit, period = row[self.prov["来源单位"]], row[self.prov["报送期"]]
        if not is_blank(unit):
            self.by_key.setdefault((str(unit), str(period or "")), []).append(i)

    def values(self, row: list) -> list:
        """A master row's values in the template's column order."""
        return [row[self.table.columns[c.name]] for c in self.table.template.columns]

    def take(self, unit: str, period: str) -> list[int]:
        """Remove the rows of ``unit`` + ``period``; returns their indexes."""
        taken = []
        for i in self.by_key.pop((unit, period), []):
            if self.alive[i]:
                self.alive[i] = False
                taken.append(i)
        return taken

    def add_rows(self, rows: list[list], provenance: list, origins: dict[int, int]) -> None:
        """Append ``rows`` (each in template column order), all with ``provenance``; ``origins``:
        row j → the replaced row whose office columns (and marks) it takes over."""
        places = [self.table.columns[column.name] for column in self.table.template.columns]
        blank = [None] * self.width
        for name, value in zip(PROVENANCE, provenance):
            blank[self.prov[name]] = value
        n = len(places)
        if places == list(range(n)) and not any(v is not None for v in blank[:n]):
            rest = blank[n:]  # the template's columns first, in order: a row is its values and the provenance
            made = [values + rest if len(values) == n else self._made(blank, places, values) for values in rows]
        else:
            made = [self._made(blank, places, values) for values in rows]
        first = len(self.rows)
        for j, origin in origins.items():
            old, row = self.rows[origin], made[j]
            for c in self.office.values():
                if c < len(old) and not is_blank(old[c]):
                    row += [None] * (c + 1 - len(row))
                    row[c] = old[c]
        self.rows.extend(made)
        self.alive.extend([True] * len(made))
        self.origin.extend(origins.get(j) for j in range(len(made)))
        unit, period = blank[self.prov["来源单位"]], blank[self.prov["报送期"]]
        if made and not is_blank(unit):  # ``_index`` of each row: they share the provenance
            self.by_key.setdefault((str(unit), str(period or "")), []).extend(range(first, first + len(made)))

    @staticmethod
    def _made(blank: list, places: list[int], values: list) -> list:
        row = blank.copy()
        for c, value in zip(places, values):
            row[c] = value
        return row

    def natural_key(self, values: list) -> tuple | None:
        """The template's natural key of a row given in template column order (None when a part is blank)."""
        template = self.table.template
        names = [c.name for c in template.columns]
        if not template.natural_key:
            return None
        key = tuple(key_text(values[names.index(n)], template.column(n).type in ("date", "datetime"))
                    for n in template.natural_key)
        return None if "" in key else key

    def key_label(self, row: list) -> str:
        """The natural key of a master row as the office reads it, e.g. 「行政强制决定文书号」沣西强〔2026〕3号."""
        parts = [f"「{n}」{row[self.table.columns[n]]}" for n in self.table.template.natural_key if n in self.table.columns]
        return "、".join(parts) or "模板无自然键"

    def source(self, i: int) -> int | None:
        """The existing row whose marks row ``i`` carries: ``origin`` followed back through rows
        appended and replaced again in the same run (two versions of one report in one batch)."""
        o = self.origin[i]
        while o is not None and o >= self.existing:
            o = self.origin[o]
        return o

    def annotations(self, i: int) -> list[str]:
        """What the office added to existing row ``i``: its own columns' values, fills, comments."""
        row = self.rows[i]
        own = [f"{name}：{row[c]}" for name, c in self.office.items() if c < len(row) and not is_blank(row[c])]
        return own + self.marks.get(i, [])

    @property
    def removed(self) -> list[int]:
        return [i for i in range(self.existing) if not self.alive[i]]

    @property
    def changed(self) -> bool:
        return len(self.rows) > self.existing or bool(self.removed)


@dataclass
class Accepted:
    file: str
    origin: str
    unit: str
    period: str
    how: str
    received: dt.datetime
    digest: str
    sheets: dict[str, int]  # template key → rows merged
    errors: int
    warnings: int
    replaced: list[dict] = field(default_factory=list)  # {sheet, rows, files}
    note: str = ""
    annotations: list[dict] = field(default_factory=list)  # {sheet, row, key, marks, kept}: the office's marks on replaced rows


@dataclass
class Rejected:
    file: str
    origin: str
    reason: str
    digest: str
    received: dt.datetime | None = None
    detail: str = ""  # the library's words behind ``reason`` (``--json`` only)


@dataclass
class Outcome:
    sheets: dict[str, SheetState]
    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    listed: list[dict] = field(default_factory=list)  # a mail's attachments that are no workbook
    receipts: list[list] = field(default_factory=list)  # new 收文记录 rows
    history: list[list] = field(default_factory=list)  # new 历史版本 rows
    history_of: list[tuple[str, int]] = field(default_factory=list)  # each one's (template key, master row index)
    findings: list[list] = field(default_factory=list)  # the whole 退回修改 sheet after the run
    findings_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.receipts)

    def to_dict(self) -> dict:
        def stamp(t):
            return t.isoformat(sep=" ") if t else None
        return {
            "accepted": [{"file": a.file, "origin": a.origin, "unit": a.unit, "period": a.period, "identified_by": a.how,
                          "received": stamp(a.received), "sha256": a.digest, "sheets": a.sheets, "errors": a.errors,
                          "warnings": a.warnings, "note": a.note} for a in self.accepted],
            "replaced": [{"file": a.file, "unit": a.unit, "period": a.period, **r} for a in self.accepted for r in a.replaced],
            "annotations": [{"file": a.file, "unit": a.unit, "period": a.period, **n} for a in self.accepted for n in a.annotations],
            "rejected": [{"file": r.file, "origin": r.origin, "reason": r.reason, "sha256": r.digest,
                          **({"detail": r.detail} if r.detail else {})} for r in self.rejected],
            "duplicates": self.duplicates,
            "other_attachments": self.listed,
        }

    def summary_lines(self, status_rows: list, as_of: dt.date) -> list[str]:
        """What happened to every file and attachment, one line each, between a count line and
        the 报送情况 counts (``status_rows``: ``submissions.submission_rows`` after the run) — the
        text ``credit-macros collect`` prints and the ribbon's “汇总导入” message box shows."""
        replaced = sum(1 for a in self.accepted if a.replaced)
        lines = [f"接收 {len(self.accepted)} 个文件（其中替换旧版 {replaced} 个），未接收 {len(self.rejected)} 个，"
                 f"重复 {len(self.duplicates)} 个"]
        for a in self.accepted:
            sheets = "、".join(f"{k} {n} 行" for k, n in a.sheets.items())
            extra = f"；错误 {a.errors} 处、警告 {a.warnings} 处（已列入“{FINDINGS_SHEET}”）" if a.errors or a.warnings else ""
            again = "；替换了之前报送的 " + "、".join(f"{r['sheet']} {r['rows']} 行" for r in a.replaced) if a.replaced else ""
            lines.append(f"[接收] {a.unit} {a.period}｜{a.file}：{sheets}{extra}{again}")
            for n in a.annotations:
                where = "已随同一记录的新行保留" if n["kept"] else f"新报送中没有同一记录，已随旧行移入“{HISTORY_SHEET}”"
                lines.append(f"  [信用办标注] {n['sheet']} 原第{n['row']}行（{n['key']}）：{'；'.join(n['marks'])} —— {where}")
        lines += [f"[未接收] {r.file}：{r.reason}" for r in self.rejected]
        lines += [f"[重复] {d['file']}：{d['reason']}" for d in self.duplicates]
        lines += [f"[其他附件] {PurePath(o['origin']).name} 的附件 {o['file']}：{o['reason']}" for o in self.listed]
        lines.append(f"报送情况（截至 {as_of.isoformat()}）：" + "，".join(f"{k} {v}" for k, v in status_counts(status_rows).items()))
        return lines


def _file_rows(table: Table) -> list[list]:
    """The table's data rows in template column order, rows blank in every template column dropped."""
    cols = [table.columns.get(c.name) for c in table.template.columns]
    out = []
    if cols and None not in cols:  # every template column present: take them at once
        width = max(cols) + 1
        take = itemgetter(*cols) if len(cols) > 1 else lambda row: (row[cols[0]],)
        for row in table.rows:
            values = list(take(row if len(row) >= width else row + [None] * (width - len(row))))
            if not is_blank(values[0]) or any(not is_blank(v) for v in values):
                out.append([None if v == "" else v for v in values] if "" in values else values)
        return out
    for row in table.rows:
        values = [row[c] if c is not None and c < len(row) else None for c in cols]
        if any(not is_blank(v) for v in values):
            out.append([None if v == "" else v for v in values])
    return out


def _tables(grids: dict[str, list[list]]) -> list[Table]:
    return [t for name, grid in grids.items() if name not in NOT_DATA and (t := find_table(name, grid))]


def collect(master_grids: dict[str, list[list]], items, as_of: dt.date, config,
            accept_sender_mismatch: bool = False, marks: dict[str, dict[int, list[str]]] | None = None) -> Outcome:
    """Plan the merge of ``items`` (``io.intake.Incoming``) into the master given as grids.
    A workbook whose sender's address belongs to other units (``sender_mismatch``) is refused
    unless ``accept_sender_mismatch`` (the office confirmed it). ``marks``: per template sheet,
    the office's fills and comments on its data rows (sheet row → descriptions), as the file
    adapter read them; they, and the office's own columns, follow a replaced row to the new row
    of the same natural key, else go to 历史版本 with it."""
    marks = marks or {}
    sheets = {t.key: SheetState.from_grid(t, master_grids.get(t.sheet) or [], marks.get(t.sheet))
              for t in catalogue.templates()}
    outcome = Outcome(sheets)
    receipts = sheet_records(master_grids.get(RECEIPTS_SHEET), RECEIPT_HEADERS)
    done = {str(r["内容哈希"]) for r in receipts if str(r["结果"] or "").startswith(ACCEPTED)}
    findings = [list(r.values()) for r in sheet_records(master_grids.get(FINDINGS_SHEET), FINDINGS_HEADERS)]
    held = Counter((f[0], f[1], f[2]) for f in findings)  # (unit, period, template) → its findings in 退回修改
    seen: set[str] = set()
    for item in sorted(items, key=lambda i: (i.received, i.origin, i.name)):
        if item.listed_only:
            outcome.listed.append({"file": item.name, "origin": item.origin, "reason": item.problem})
            continue
        if item.digest in done or item.digest in seen:
            outcome.duplicates.append({"file": item.name, "origin": item.origin,
                                       "reason": "与已收文件内容相同（收文记录中已有），未重复汇总"})
            continue
        seen.add(item.digest)
        result = _take(item, as_of, config, accept_sender_mismatch)
        if isinstance(result, Rejected):
            outcome.rejected.append(result)
            continue
        accepted, tables, report = result
        _merge(outcome, accepted, tables, report, item, findings, held)
    outcome.findings = findings
    return outcome


def _take(item, as_of, config, accept_sender_mismatch):
    """(Accepted, tables, report) for a usable item, else Rejected with the reason."""
    def reject(reason, detail=""):
        return Rejected(item.name, item.origin, reason, item.digest, item.received, detail)

    if item.problem:
        return reject(item.problem, item.detail)
    try:
        return _identified(item, as_of, config, reject, accept_sender_mismatch)
    except UserError as exc:
        return reject(exc.message, exc.detail)
    except Exception as exc:  # one hostile file never stops the batch
        return reject(f"{item.label} 的内容无法解析（文件异常或已损坏），未汇总，其余文件照常处理。请发件单位重新导出后发送。",
                      f"{type(exc).__name__}: {exc}")


def _identified(item, as_of, config, reject, accept_sender_mismatch):
    grids, merged = item.read()
    tables = _tables(grids)
    if not tables:
        names = "、".join(f"「{n}」" for n in grids if n not in NOT_DATA) or "（无）"
        return reject(f"{item.label} 中没有可识别的报送模板：工作表 {names} 的表头都不是信用办下发的模板。"
                      "请用下发的报送表填写，不要改动表头。")
    who = identify(item.name, grids, item.sender, item.subject, config)
    if who.unit is None:
        return reject(f"{item.label} 无法确定报送单位：文件中没有“{META_VISIBLE_SHEET}”，文件名{'和邮件主题' if item.subject else ''}不含单位名称"
                      f"{'，发件人 ' + item.sender + ' 不是 config.toml 中登记的单位邮箱' if item.sender else ''}。"
                      "请让该单位用下发的报送表重新报送，或把文件名改为“单位简称_YYYY-MM.xlsx”后再汇总。")
    if who.period is None:
        return reject(f"{item.label}（{who.unit}）无法确定报送期：文件中没有“{META_VISIBLE_SHEET}”，文件名和邮件主题中没有年月。"
                      "请把文件名改为“单位简称_YYYY-MM.xlsx”（如 开发建设部_2026-01.xlsx）后再汇总。")
    mismatch = sender_mismatch(item.sender, who.unit, config)
    if mismatch and not accept_sender_mismatch:
        return reject(f"{item.label}（{who.unit} {who.period}）{mismatch}（{who.how}），未汇总，也未替换{who.unit}之前报送的数据。"
                      f"请向{who.unit}核实这封邮件；确属该单位报送时，用 credit-macros collect --accept-sender-mismatch 再汇总一次。")
    report = validate_grids({t.sheet: grids[t.sheet] for t in tables}, as_of, config, merged=merged, source=item.name)
    counts = report.counts
    others = f"同一邮件的其他附件（非工作簿，未汇总）：{'、'.join(item.others)}。" if item.others else ""
    confirmed = f"{mismatch}，已按 --accept-sender-mismatch 确认后汇总。" if mismatch else ""
    accepted = Accepted(item.name, item.origin, who.unit, who.period, who.how, item.received, item.digest,
                        {}, counts[ERROR], counts[WARNING], note=who.note + confirmed + others)
    return accepted, tables, report


def _same_records(state: SheetState, old: list[int], rows: list[list]) -> dict[int, int]:
    """New row → the replaced row of the same natural key (each replaced row taken once, in order)."""
    waiting: dict[tuple, list[int]] = {}
    for i in old:
        key = state.natural_key(state.values(state.rows[i]))
        if key is not None:
            waiting.setdefault(key, []).append(i)
    kept = {}
    for j, values in enumerate(rows):
        same = waiting.get(state.natural_key(values)) if waiting else None
        if same:
            kept[j] = same.pop(0)
    return kept


def _receipt(item, unit, period, template, result, rows, errors, warnings, how, note) -> list:
    values = {"收到时间": item.received, "单位": unit, "报送期": period, "模板": template, "结果": result,
              "行数": rows, "错误": errors, "警告": warnings, "来源文件": item.name, "来源": item.origin,
              "发件人": item.sender or None, "识别方式": how or None, "内容哈希": item.digest, "说明": note or None}
    return [values[h] for h in RECEIPT_HEADERS]


def _merge(outcome: Outcome, accepted: Accepted, tables: list[Table], report, item, findings: list[list],
           held: Counter) -> None:
    """``findings``: the 退回修改 rows so far, ``held`` counts them per (unit, period, template)."""
    rows_by_template: dict[str, list[list]] = {}
    sheet_of: dict[str, str] = {}
    for table in tables:
        rows_by_template.setdefault(table.template.key, []).extend(_file_rows(table))
        sheet_of.setdefault(table.template.key, table.sheet)
    per_sheet = report.counts["sheets"]
    provenance = [accepted.unit, accepted.period, accepted.file, accepted.received]
    for key, rows in rows_by_template.items():
        state = outcome.sheets[key]
        old = state.take(accepted.unit, accepted.period)
        kept = _same_records(state, old, rows)
        for i in old:
            row = state.rows[i]
            values = [row[state.prov[name]] for name in PROVENANCE]
            marks = state.annotations(i)
            keep = i in kept.values()
            note = [f"信用办标注：{'；'.join(marks)}"] if marks and not keep else []
            outcome.history.append([key, *values, accepted.received, accepted.file, *state.values(row), *note])
            outcome.history_of.append((key, i))
            if marks:
                accepted.annotations.append({"sheet": key, "row": state.table.first_row + i, "key": state.key_label(row),
                                             "marks": marks, "kept": keep})
        if old:
            files = sorted({str(state.rows[i][state.prov["来源文件"]]) for i in old})
            accepted.replaced.append({"sheet": key, "rows": len(old), "files": files})
        state.add_rows(rows, provenance, kept)
        accepted.sheets[key] = len(rows)
        mark = (accepted.unit, accepted.period, key)
        if held[mark]:  # the earlier findings of the same submission go (the list is walked only then)
            findings[:] = [f for f in findings if not (f[0] == accepted.unit and f[1] == accepted.period and f[2] == key)]
            outcome.findings_changed = True
            held[mark] = 0
        sheet = sheet_of[key]
        mine = [f for f in report.findings if f.sheet == sheet][:FINDINGS_KEPT]
        findings.extend([accepted.unit, accepted.period, key, accepted.file, accepted.digest, f.sheet, f.cell,
                         SEVERITY_LABELS[f.severity], f.message, f.title, f.rule] for f in mine)
        held[mark] += len(mine)
        outcome.findings_changed |= bool(mine)
        counts = per_sheet.get(sheet, {ERROR: 0, WARNING: 0})
        result = ACCEPTED_REPLACING if old else ACCEPTED
        note = accepted.note
        if counts[ERROR]:
            note = f"有 {counts[ERROR]} 处错误，已列入“{FINDINGS_SHEET}”，请该单位改正后重新报送。" + note
        outcome.receipts.append(_receipt(item, accepted.unit, accepted.period, key, result, len(rows),
                                         counts[ERROR], counts[WARNING], accepted.how, note))
    outcome.accepted.append(accepted)
