"""The 半月通报 as plain values (``ReportResult``): what ``report.build_report`` computes and the
renderers (``render_xlsx``, ``render_docx``) lay out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from credit_macros.report.indicators import IndicatorResult
from credit_macros.report.scoring import HalfMonth, UnitScore


@dataclass
class ReportResult:
    master: Path
    as_of: dt.date
    period: HalfMonth
    units: list[UnitScore]
    low: list[UnitScore]
    low_score: float
    indicators: list[IndicatorResult]
    district: str
    office: str
    summary: str = ""
    notes: list[str] = field(default_factory=list)
    xlsx: Path | None = None
    docx: Path | None = None

    @property
    def title(self) -> str:
        return f"{self.district}社会信用体系建设工作通报（{self.period.start.year}年第{self.period.issue}期）"

    @property
    def scored(self) -> list[UnitScore]:
        return [u for u in self.units if u.score is not None]

    urged: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # see ``urge_rows``
