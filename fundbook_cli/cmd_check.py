"""`fundbook check HOME`: Beancount validation plus Fundbook's plugins.

Prints every error as `file:line: message` and exits 1 if there is any;
otherwise prints a one-line summary and exits 0. Exits 2 when HOME has no book.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ledger.check import BookNotFound, check_book, format_problem
from ledger.layout import Layout


def _check(args: argparse.Namespace) -> int:
    layout = Layout(Path(args.home).resolve())
    try:
        report = check_book(layout)
    except BookNotFound as exc:
        print(f"fundbook check: {exc}", file=sys.stderr)
        return 2
    for problem in report.problems:
        print(format_problem(problem))
    if report.problems:
        count = len(report.problems)
        print(
            f"fundbook check: {count} error{'s' if count != 1 else ''} in {layout.main}",
            file=sys.stderr,
        )
        return 1
    print(f"ok: {layout.main}: {report.entries} entries, {report.funds} funds, no errors")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check", help="validate the book with Beancount and Fundbook's plugins"
    )
    parser.add_argument("home", help="the district's HOME directory (holding book/)")
    parser.set_defaults(handler=_check)
