"""The one entry point of reports: `render_report(...) -> (bytes, media_type)`.

    body, media_type = render_report(
        name="balance-sheet", home=Path("demo-home"),
        date_from=date(2026, 1, 1), date_to=date(2026, 12, 31),
        fmt="pdf", lang="zh", fund=None)

The CLI (`fundbook report`) and the API's composition root call this; it
loads the book once, builds the named report (or, for `audit-pack`, every
report under a cover page and contents) and renders it.
"""

from __future__ import annotations

import datetime
import importlib
import os
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from reports.book import BookView, Period, load_book, years_for
from reports.cashflow import cash_flow_section
from reports.compliance import compliance_section
from reports.context import ReportContext
from reports.document import Document, Section
from reports.errors import UnknownFormat, UnknownReport
from reports.forms import activities_section, balance_sheet_section
from reports.fundstatements import funds_section
from reports.integrity import Integrity, integrity_section
from reports.labels import LANGS, label
from reports.notes import notes_section, reconciliation_section
from reports.registers import disbursements_section, grants_section
from reports.sources import sources_section
from reports.statements import trial_balance_section

SECTIONS: dict[str, Callable[[ReportContext], Section]] = {
    "trial-balance": trial_balance_section,
    "balance-sheet": balance_sheet_section,
    "activities": activities_section,
    "cash-flow": cash_flow_section,
    "notes": notes_section,
    "bank-reconciliation": reconciliation_section,
    "funds": funds_section,
    "disbursements": disbursements_section,
    "sources": sources_section,
    "grants": grants_section,
    "compliance": compliance_section,
    "integrity": integrity_section,
}
AUDIT_PACK = "audit-pack"
REPORT_NAMES = (*SECTIONS, AUDIT_PACK)
# format -> (module, function, media type); a renderer's module (reportlab,
# openpyxl, jinja2) is imported only when its format is asked for.
RENDERERS: dict[str, tuple[str, str, str]] = {
    "json": ("reports.render_json", "render_json", "application/json"),
    "html": ("reports.render_html", "render_html", "text/html; charset=utf-8"),
    "pdf": ("reports.render_pdf", "render_pdf", "application/pdf"),
    "xlsx": (
        "reports.render_xlsx",
        "render_xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}
FORMATS = tuple(RENDERERS)


def district_zone() -> ZoneInfo:
    """The district's time zone (`FUNDBOOK_TIMEZONE`, default Asia/Shanghai): reports print local times."""
    return ZoneInfo(os.environ.get("FUNDBOOK_TIMEZONE", "Asia/Shanghai"))


def _entity(ctx: ReportContext) -> str:
    title = str(ctx.view.options.get("title") or "")
    scope = ctx.t("foundation") if ctx.fund is None else f"{ctx.fund} {ctx.fund_name(ctx.fund)}"
    return f"{title} · {scope}" if title else scope


def build_document(
    *,
    view: BookView,
    name: str,
    date_from: datetime.date,
    date_to: datetime.date,
    lang: str = "zh",
    fund: str | None = None,
    scope: str | None = None,
    database: str | Path | None = None,
    now: datetime.datetime | None = None,
) -> Document:
    """The named report of a loaded book, ready to render."""
    if name not in REPORT_NAMES:
        raise UnknownReport(f"no report {name!r}; reports are: {', '.join(REPORT_NAMES)}")
    if lang not in LANGS:
        raise UnknownFormat(f"no language {lang!r}; languages are: {', '.join(LANGS)}")
    if fund is not None:
        view.fund(fund)
    ctx = ReportContext(view, Period(date_from, date_to), fund, lang, scope, database)
    names = list(SECTIONS) if name == AUDIT_PACK else [name]
    if scope is not None:
        names = ["sources"]
    sections = tuple(SECTIONS[n](ctx) for n in names)
    return Document(
        name=name,
        title=label(name, lang),
        entity=_entity(ctx),
        period_start=date_from,
        period_end=date_to,
        fund=fund,
        lang=lang,
        generated_at=now or datetime.datetime.now(district_zone()),
        sections=sections,
        cover=name == AUDIT_PACK,
    )


def render_document(document: Document, fmt: str) -> tuple[bytes, str]:
    if fmt not in RENDERERS:
        raise UnknownFormat(f"no format {fmt!r}; formats are: {', '.join(FORMATS)}")
    module, function, media_type = RENDERERS[fmt]
    renderer: Callable[[Document], bytes] = getattr(importlib.import_module(module), function)
    return renderer(document), media_type


def render_report(
    *,
    name: str,
    home: Path,
    date_from: datetime.date,
    date_to: datetime.date,
    fmt: str,
    lang: str = "zh",
    fund: str | None = None,
    scope: str | None = None,
    database: str | Path | None = None,
) -> tuple[bytes, str]:
    """Load the book of `home` and render one report.

    `fund` limits every figure to one fund; `scope` is a department code that
    limits the report to that department's source tracing (what a department
    may see). `database` is the workflow database (default `HOME/fundbook.db`).
    """
    body, media_type, _findings = render_report_counted(
        name=name,
        home=home,
        date_from=date_from,
        date_to=date_to,
        fmt=fmt,
        lang=lang,
        fund=fund,
        scope=scope,
        database=database,
    )
    return body, media_type


def findings(document: Document) -> int:
    """How many findings the document's sections report (the integrity section counts them)."""
    return sum(
        section.data.findings
        for section in document.sections
        if isinstance(section.data, Integrity)
    )


def render_report_counted(
    *,
    name: str,
    home: Path,
    date_from: datetime.date,
    date_to: datetime.date,
    fmt: str,
    lang: str = "zh",
    fund: str | None = None,
    scope: str | None = None,
    database: str | Path | None = None,
) -> tuple[bytes, str, int]:
    """`render_report`, and how many findings the report holds (for exit codes)."""
    if fmt not in RENDERERS:
        raise UnknownFormat(f"no format {fmt!r}; formats are: {', '.join(FORMATS)}")
    if name not in REPORT_NAMES:
        raise UnknownReport(f"no report {name!r}; reports are: {', '.join(REPORT_NAMES)}")
    view = load_book(home, years=years_for(date_from, date_to))
    document = build_document(
        view=view,
        name=name,
        date_from=date_from,
        date_to=date_to,
        lang=lang,
        fund=fund,
        scope=scope,
        database=database,
    )
    body, media_type = render_document(document, fmt)
    return body, media_type, findings(document)
