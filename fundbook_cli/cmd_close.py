"""`fundbook close HOME --year YYYY`: the year-end close of every fund (会计年度结账).

    fundbook close HOME --year 2025 [--dry-run] [--no-seal] [--allow-unreconciled Assets:Bank:ICBC ...]

Books the closing entries of `ledger.closing` through the writer, or prints
everything that stands in the way and exits 1; then seals the closed year
into its own book (`ledger.seal`, `HOME/book/years/YYYY/`) unless
`--no-seal` keeps it in the live book. Seal with the API stopped (a running
API's writer does not follow a seal); a year closed through the API is sealed
by running this command for it. `--dry-run` prints the
entries and the year's balance sheet and statement of activities as they will
stand after the close, and writes nothing. The district's date comes from
FUNDBOOK_TIMEZONE (default Asia/Shanghai); undelivered outbox rows are read
from the workflow database (--database, FUNDBOOK_DATABASE_URL, else
HOME/fundbook.db when it exists). Exits 2 when HOME has no book.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ledger import text
from ledger.check import BookNotFound
from ledger.closing import ClosePlan, CloseRefused, CloseRequest, book_close, plan_close
from ledger.layout import Layout
from ledger.seal import SealRefused, seal_year

ENV_TIMEZONE = "FUNDBOOK_TIMEZONE"


def undelivered_outbox(home: Path, url: str | None) -> tuple[str, ...]:
    """fb_id of every outbox row not marked delivered; none without a workflow database."""
    from sqlmodel import Session, col, select

    from store.engine import make_engine, sqlite_url
    from store.tables import Outbox
    from store.workflow import database_url

    target = database_url(home, url)
    if target == sqlite_url(home / "fundbook.db") and not (home / "fundbook.db").is_file():
        return ()
    engine = make_engine(target, pool_size=1)
    try:
        with Session(engine) as session:
            rows = session.exec(select(Outbox.fb_id).where(col(Outbox.done).is_(False)))
            return tuple(sorted(rows))
    finally:
        engine.dispose()


def district_today() -> datetime.date:
    zone = ZoneInfo(os.environ.get(ENV_TIMEZONE) or "Asia/Shanghai")
    return datetime.datetime.now(zone).date()


def print_statements(plan: ClosePlan, lang: str = "zh") -> None:
    """The year's balance sheet and statement of activities with the planned entries."""
    from reports.book import Period, view_of
    from reports.context import ReportContext
    from reports.statements import activities, balance_sheet

    # Stable: on the year's last day the closing entries come after the book's own.
    book = sorted([*plan.book, *plan.entries], key=lambda entry: entry.date)
    view = view_of(book, plan.options, [])
    ctx = ReportContext(view, Period(datetime.date(plan.year, 1, 1), plan.day), lang=lang)
    bs, act = balance_sheet(ctx), activities(ctx)
    zh = lang == "zh"
    print(f"\n{'资产负债表' if zh else 'Balance sheet'} {plan.day}")
    for line in (bs.total_assets, bs.total_liabilities, bs.net_unrestricted, bs.net_restricted):
        print(f"  {line.name_zh if zh else line.name_en:<24}{line.closing:>18,.2f}")
    print(f"\n{'业务活动表' if zh else 'Statement of activities'} {plan.year}")
    print(f"  {'':<24}{'非限定性':>16}{'限定性':>16}{'合计':>16}")
    for line in (act.income_total, act.expense_total, act.release, act.change, act.closing):
        name = line.name_zh if zh else line.name_en
        print(
            f"  {name:<24}{line.unrestricted:>18,.2f}{line.restricted:>18,.2f}{line.total:>18,.2f}"
        )


def _close(args: argparse.Namespace) -> int:
    home = Path(args.home)
    layout = Layout(home)
    request = CloseRequest(
        year=args.year,
        today=district_today(),
        allow_unreconciled=frozenset(args.allow_unreconciled or ()),
        undelivered=undelivered_outbox(home, args.database),
    )
    try:
        if args.dry_run:
            plan = plan_close(layout, request)
        else:
            plan, written = book_close(layout, request)
    except BookNotFound as exc:
        print(f"fundbook close: {exc}", file=sys.stderr)
        return 2
    except CloseRefused as exc:
        _refused(exc.year, exc.obstacles)
        return 1
    if args.dry_run:
        print(text.render_all(plan.entries))
        print_statements(plan)
        if plan.obstacles:
            _refused(plan.year, plan.obstacles)
            return 1
        print(f"\ndry run: {len(plan.entries)} closing entries of {plan.year}, nothing written")
        return 0
    if not plan.entries:
        what = "is already closed" if plan.closed else "has no income or expenses to close"
        print(f"{plan.year} {what}: nothing to book")
    else:
        print(f"closed {plan.year}: {len(written)} entries written to {written[0].path}")
    return 0 if args.no_seal else _seal(layout, plan.year, request.today)


def _seal(layout: Layout, year: int, today: datetime.date) -> int:
    """Seal the closed year into its own book (`ledger.seal`), unless it is sealed already."""
    if layout.sealed_main(year).exists():
        print(f"{year} is already sealed: {layout.sealed_main(year)}")
        return 0
    try:
        seal = seal_year(layout.home, year, today=today)
    except SealRefused as exc:
        print(f"fundbook close: {year} is closed but cannot be sealed:", file=sys.stderr)
        for reason in exc.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return 1
    print(f"sealed {seal.year}: {seal.file} sha256 {seal.sha256} seal {seal.seal}")
    return 0


def _refused(year: int, obstacles: tuple[str, ...]) -> None:
    print(f"fundbook close: {year} cannot be closed:", file=sys.stderr)
    for obstacle in obstacles:
        print(f"  - {obstacle}", file=sys.stderr)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("close", help="book the year-end close (会计年度结账) of a year")
    parser.add_argument("home", help="the district's HOME directory (holding book/)")
    parser.add_argument("--year", type=int, required=True, help="the year to close")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the entries and statements, write nothing"
    )
    parser.add_argument(
        "--allow-unreconciled",
        nargs="+",
        metavar="ACCOUNT",
        help="bank accounts (Assets:Bank:ICBC or ICBC) to close without a year-end assertion",
    )
    parser.add_argument(
        "--no-seal",
        action="store_true",
        help="keep the closed year in the live book (seal it later with fundbook seal)",
    )
    parser.add_argument(
        "--database",
        help="workflow database (default FUNDBOOK_DATABASE_URL, else HOME/fundbook.db)",
    )
    parser.set_defaults(handler=_close)
