"""`fundbook fava HOME`: Fava on the book, with the Fundbook desk and bank statement import.

    fundbook fava HOME [--host 127.0.0.1] [--port 5000] [--lang zh|en] [--database-url URL]
                       [--read-only] [--login]

Off loopback (any --host other than 127.0.0.1, ::1 or localhost) every page
needs a login at the desk with the person's API token; on loopback only with
`--login`. Paying, voiding and recording money from the desk always need it.

Writes `HOME/book/importers.py` (Fava's import configuration) and `HOME/imports/`
if they are missing, then serves Fava in Chinese unless `--lang en`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def _fava(args: argparse.Namespace) -> int:
    from fava_fundbook.server import BookMissing, make_app, serve
    from fava_fundbook.session import login_required
    from fava_fundbook.workflow import ENV_URL

    if args.database_url:
        os.environ[ENV_URL] = args.database_url
    home = Path(args.home).resolve()
    try:
        app = make_app(
            home,
            language=args.lang,
            read_only=args.read_only,
            login=login_required(args.host, asked=args.login),
        )
    except BookMissing as exc:
        print(f"fundbook fava: {exc}", file=sys.stderr)
        return 1
    print(f"Fava on the book of {home.resolve()}: http://{args.host}:{args.port}/", flush=True)
    serve(app, host=args.host, port=args.port)
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fava", help="open Fava on the book (accountants' desk, bank statement import)"
    )
    parser.add_argument("home", help="the district's HOME directory")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument(
        "--lang",
        choices=("zh", "en"),
        default="zh",
        help="language of Fava and the desk (default: zh)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="workflow database read by the desk (default: HOME/fundbook.db, "
        "or FUNDBOOK_DATABASE_URL)",
    )
    parser.add_argument("--read-only", action="store_true", help="refuse every change through Fava")
    parser.add_argument(
        "--login",
        action="store_true",
        help="on loopback too, every page needs a login with the person's API token "
        "(always so on any other address)",
    )
    parser.set_defaults(handler=_fava)
