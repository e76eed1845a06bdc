"""What every report is computed from: the book, the period, the scope and the language."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reports.book import BookView, Period
from reports.labels import label


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Inputs of a report.

    Attributes:
      view: the loaded book.
      period: the days reported on.
      fund: a fund code for one fund's report, None for the whole foundation.
      lang: "zh" or "en".
      department: for `sources`, restrict to one contributing department.
      database: the workflow database (SQLite file or SQLAlchemy URL), if any.
    """

    view: BookView
    period: Period
    fund: str | None = None
    lang: str = "zh"
    department: str | None = None
    database: str | Path | None = None

    def t(self, key: str) -> str:
        return label(key, self.lang)

    def fund_name(self, code: str) -> str:
        fund = self.view.registry.funds.get(code)
        if fund is None:
            return code
        return fund.name_zh if self.lang == "zh" else fund.name

    def org_name(self, code: str) -> str:
        org = self.view.registry.orgs.get(code)
        if org is None:
            return code
        return org.name_zh if self.lang == "zh" else org.name
