"""`fundbook repair HOME`: decide what to do with a torn tail the writer refused to cut.

The writer completes a whole entry that lacks only its final newline and cuts
an incomplete tail that holds nothing delivered (`ledger.torn`). A tail that
may hold a delivered entry stops it (and the server) instead. This command
shows each torn tail, what it holds and what the database says of it, and the
choices; run it again with one of them:

    fundbook repair HOME              show the tails and the choices
    fundbook repair HOME --rebuild    keep the tail aside, cut it, and have the
                                      outbox deliver its entries again (the
                                      database still holds what they said)
    fundbook repair HOME --cut        keep the tail aside and cut it: its
                                      entries leave the book (the integrity
                                      report will list them as missing)

Each repair is recorded in `book/fundbook/torn/repairs.jsonl`. Exit status: 0
nothing (left) to repair, 1 a tail still waits for a choice, 2 no book.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Any

from fundbook_cli.cmd_api import database_url
from ledger import torn
from ledger.layout import Layout


def _delivered(url: str) -> dict[str, tuple[int, str]] | None:
    """fb_id -> (outbox id, payload date) of every delivered outbox row; None without a database."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session, select

    from store.engine import is_sqlite, make_engine
    from store.tables import Outbox

    if is_sqlite(url) and not Path(url.split(":///", 1)[-1]).is_file():
        return None
    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session:
            rows = session.exec(select(Outbox.id, Outbox.fb_id, Outbox.payload).where(Outbox.done))
            return {
                fb_id: (int(row_id or 0), str(json.loads(payload).get("date", "")))
                for row_id, fb_id, payload in rows
            }
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _redeliver(url: str, row_ids: list[int]) -> None:
    from sqlalchemy import update
    from sqlmodel import Session, col

    from store.engine import make_engine
    from store.tables import Outbox

    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session:
            session.exec(  # type: ignore[call-overload]
                update(Outbox).where(col(Outbox.id).in_(row_ids)).values(done=False, done_at=None)
            )
            session.commit()
    finally:
        engine.dispose()


def _lost(
    tail: torn.Tail, delivered: dict[str, tuple[int, str]], in_journal: set[str]
) -> dict[str, int]:
    """Delivered entries the tail holds, or of the tail's year and absent from the journal."""
    year = tail.path.stem
    found = {
        fb_id: delivered[fb_id][0] for fb_id in torn.fb_ids_in(tail.data) if fb_id in delivered
    }
    for fb_id, (row_id, date) in delivered.items():
        if fb_id not in in_journal and date.startswith(year):
            found[fb_id] = row_id
    return found


def _repair(args: argparse.Namespace) -> int:
    home = Path(args.home)
    layout = Layout(home)
    if not layout.main.is_file():
        print(f"fundbook repair: no book in {home}", file=sys.stderr)
        return 2
    tails = torn.tails(layout)
    if not tails:
        print(f"nothing to repair: every journal of {layout.journal_dir} ends with a whole entry")
        for repair in torn.repairs(layout):
            print(f"  earlier: {torn.describe(repair)}")
        return 0
    url = database_url(home, args.database_url)
    delivered = _delivered(url)
    seq, last, in_journal = torn.journal_state(layout)
    waiting = 0
    for tail in tails:
        preview = tail.data[:160].decode("utf-8", "replace").replace("\n", "\n    | ")
        print(
            f"{tail.path}: {len(tail.data)} bytes after the last whole entry (byte {tail.offset}):"
        )
        print(f"    | {preview}{' …' if len(tail.data) > 160 else ''}")
        fill = torn.completion(tail.data, seq, last)
        if fill is not None:
            print("  it is a whole entry continuing the chain; only its final newline is missing")
            torn.complete(tail, fill)
            repair = torn.record(layout, tail, "completed", aside=None, by="operator")
            print(f"  completed: {torn.describe(repair)}")
            continue
        lost = {} if delivered is None else _lost(tail, delivered, in_journal)
        if delivered is None:
            print("  no workflow database: nothing is known to be delivered")
        elif lost:
            print(f"  delivered by the outbox and not whole in the book: {', '.join(sorted(lost))}")
        else:
            print("  it holds no delivered entry")
        if args.rebuild:
            aside = torn.cut(layout, tail)
            if lost:
                _redeliver(url, sorted(lost.values()))
            action = "rebuilt" if lost else "cut"
            repair = torn.record(layout, tail, action, aside=aside, by="operator")
            print(f"  {action}: {torn.describe(repair)}")
            if lost:
                print("  the outbox delivers them again when the server starts")
        elif args.cut:
            aside = torn.cut(layout, tail)
            repair = torn.record(layout, tail, "cut", aside=aside, by="operator")
            print(f"  cut: {torn.describe(repair)}")
        else:
            waiting += 1
    if waiting:
        print(
            "choices:\n"
            f"  fundbook repair {args.home} --rebuild   keep the tail aside, cut it and deliver "
            "its entries again from the database (nothing is lost)\n"
            f"  fundbook repair {args.home} --cut       keep the tail aside and cut it (its "
            "entries leave the book)\n"
            "  or edit the file by hand, then run `fundbook check`"
        )
        return 1
    print(
        f"repaired at {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC; see `fundbook check`"
    )
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "repair", help="show, and decide, torn tails of the journal the writer refused to cut"
    )
    parser.add_argument("home", help="the district's HOME directory (holding book/)")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--rebuild",
        action="store_true",
        help="cut the tail (kept aside) and deliver its entries again from the outbox",
    )
    choice.add_argument(
        "--cut", action="store_true", help="cut the tail (kept aside); its entries leave the book"
    )
    parser.add_argument("--database-url", default=None, help="default HOME/fundbook.db")
    parser.set_defaults(handler=_repair)
