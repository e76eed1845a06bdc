"""`fundbook check HOME [--all]`: Beancount validation plus Fundbook's plugins and the chain's anchors.

`--all` also verifies every sealed year alone, the chain of seals and that
each year's closing balances are the next year's opening balances.

Prints every error as `file:line: message` and exits 1 if there is any;
otherwise prints a one-line summary and exits 0. Exits 2 when HOME has no book.

Besides what Beancount and the plugins find, it compares the book with the
chain's head recorded in the workflow database (`HOME/fundbook.db`, or
`--database-url` / FUNDBOOK_DATABASE_URL), verifying its signature with
`--key-file` when given; a journal with a torn tail is an error (see
`fundbook repair`). Recorded repairs and ignored Beancount cache files are
printed as notes. It never reads Beancount's pickle cache: plain `bean-check`
should be run with `--no-cache`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ledger.anchor import Anchor, database_anchor, read_key
from ledger.check import BookNotFound, Problem, check_book, format_problem
from ledger.layout import Layout


def database_anchors(url: str) -> list[Anchor]:
    """The anchors recorded in the workflow database at `url` (none without one)."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session

    from store import anchors
    from store.engine import is_sqlite, make_engine

    if is_sqlite(url) and not Path(url.split(":///", 1)[-1]).is_file():
        return []
    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session:
            return [
                database_anchor(name, row.seq, row.hash, row.signature)
                for name, row in sorted(anchors.anchors(session).items())
            ]
    except SQLAlchemyError:
        return []
    finally:
        engine.dispose()


def kept_aside(url: str) -> list[Problem]:
    """The outbox rows delivery could not write to the book (none without a database)."""
    from store import workflow

    try:
        with workflow.connect(url) as connection:
            if not workflow.has_aside(connection):
                return []
            rows = workflow.kept_aside(connection)
    except workflow.WorkflowUnavailable:
        return []
    return [
        Problem("<outbox>", 0, f"outbox row {fb_id} of fund {fund} was kept aside: {why}")
        for fb_id, fund, why in rows
    ]


def _check(args: argparse.Namespace) -> int:
    layout = Layout(Path(args.home).resolve())
    from store.workflow import database_url

    url = database_url(layout.home, args.database_url)
    try:
        key = read_key(Path(args.key_file).read_bytes()) if args.key_file else None
    except (OSError, ValueError) as exc:
        print(f"fundbook check: --key-file: {exc}", file=sys.stderr)
        return 2
    try:
        report = check_book(layout, anchors=database_anchors(url), key=key, sealed=args.all)
    except BookNotFound as exc:
        print(f"fundbook check: {exc}", file=sys.stderr)
        return 2
    aside = kept_aside(url)
    if aside:
        report = report._replace(problems=[*report.problems, *aside])
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for problem in report.problems:
        print(format_problem(problem))
    if report.problems:
        count = len(report.problems)
        print(
            f"fundbook check: {count} error{'s' if count != 1 else ''} in {layout.main}",
            file=sys.stderr,
        )
        return 1
    sealed = " and every sealed year" if args.all else ""
    print(f"ok: {layout.main}{sealed}: {report.entries} entries, {report.funds} funds, no errors")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check", help="validate the book with Beancount and Fundbook's plugins"
    )
    parser.add_argument("home", help="the district's HOME directory (holding book/)")
    parser.add_argument(
        "--database-url", default=None, help="workflow database (default HOME/fundbook.db)"
    )
    parser.add_argument(
        "--key-file", default=None, help="the chain key: verify the signature of recorded heads"
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="also verify every sealed year, the chain of seals and the openings",
    )
    parser.set_defaults(handler=_check)
