"""`fundbook report NAME HOME`: render an audit report of a district's book.

    fundbook report balance-sheet demo-home --from 2026-01-01 --to 2026-12-31 \
        --format pdf --lang zh --out balance-sheet.pdf [--fund MF-ST01C01]

NAME is one of `reports.service.REPORT_NAMES` (`audit-pack` is all of them).
Without --out the report goes to standard output. Exits 2 on a refused
request (unknown report, fund or format, no book, missing font), and 1 when
the report holds integrity findings (`integrity`, `audit-pack`: a broken or
rewritten chain, a book and database that disagree, a torn tail), so CI and
cron can gate on it.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import Any

from reports.errors import ReportError
from reports.service import FORMATS, REPORT_NAMES, render_report_counted
from store.workflow import database_url


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _report(args: argparse.Namespace) -> int:
    today = datetime.date.today()
    date_to = args.date_to or datetime.date(today.year, 12, 31)
    date_from = args.date_from or datetime.date(date_to.year, 1, 1)
    try:
        body, _, found = render_report_counted(
            name=args.name,
            home=Path(args.home).resolve(),
            date_from=date_from,
            date_to=date_to,
            fmt=args.format,
            lang=args.lang,
            fund=args.fund,
            scope=args.department,
            database=database_url(None, args.database),
        )
    except ReportError as exc:
        print(f"fundbook report: {exc}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_bytes(body)
        print(f"{args.out}: {args.name} {date_from}..{date_to}, {len(body)} bytes")
    else:
        sys.stdout.buffer.write(body)
    if found:
        print(
            f"fundbook report: {found} integrity finding{'s' if found != 1 else ''} "
            f"in {date_from}..{date_to}",
            file=sys.stderr,
        )
        return 1
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("report", help="render an audit report (HTML, PDF, XLSX, JSON)")
    parser.add_argument("name", choices=REPORT_NAMES, help="which report")
    parser.add_argument("home", help="the district's HOME directory (holding book/)")
    parser.add_argument(
        "--from", dest="date_from", type=_date, help="first day (default: 1 January of --to's year)"
    )
    parser.add_argument(
        "--to", dest="date_to", type=_date, help="last day (default: 31 December of this year)"
    )
    parser.add_argument("--format", choices=FORMATS, default="html")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--out", help="file to write (default: standard output)")
    parser.add_argument("--fund", help="one fund's report instead of the whole foundation")
    parser.add_argument("--department", help="source tracing of one department only")
    parser.add_argument(
        "--database",
        help="workflow database (default FUNDBOOK_DATABASE_URL, else HOME/fundbook.db)",
    )
    parser.set_defaults(handler=_report)
