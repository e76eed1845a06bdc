"""The port through which the API serves reports without importing `reports/`.

The composition root (`fundbook_cli`) passes a `ReportRenderer` to
`create_app`; without one, `/v1/reports/{name}` answers 501.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """What a caller asked for.

    Attributes:
      name: e.g. "trial-balance", "sources".
      period_from, period_to: the period, inclusive; None for the renderer's default.
      format: json, html, pdf or xlsx.
      lang: zh or en.
      role, org: the caller's role and organization (a department sees only itself).
      home: the HOME of the book.
    """

    name: str
    period_from: datetime.date | None
    period_to: datetime.date | None
    format: str
    lang: str
    role: str
    org: str | None
    home: Path


@dataclass(frozen=True, slots=True)
class RenderedReport:
    media_type: str
    content: bytes
    filename: str | None = None


class UnknownReport(LookupError):
    """The renderer has no report of this name."""


class InvalidReportQuery(ValueError):
    """The renderer cannot make this report from these parameters (period, fund, format)."""


class ReportRenderer(Protocol):
    def __call__(self, query: ReportQuery) -> RenderedReport: ...
