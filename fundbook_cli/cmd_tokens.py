"""`fundbook token list|revoke|rotate HOME` and the expiry of `fundbook token create`.

    fundbook token create HOME --role committee --org ST01C03 --name 张敏 --expires 2026-12-31
    fundbook token list HOME
    fundbook token revoke HOME 7
    fundbook token rotate HOME 7      # revokes 7, prints its person's new token once

A revoked token is refused at once by every worker serving the database; a
token is never deleted, so the access log keeps naming whom it belonged to.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ENV_TIMEZONE = "FUNDBOOK_TIMEZONE"


def zone() -> ZoneInfo:
    return ZoneInfo(os.environ.get(ENV_TIMEZONE) or "Asia/Shanghai")


def parse_expiry(text: str) -> datetime.datetime:
    """`YYYY-MM-DD`: the token works to the end of that day (the foundation's time);
    or an ISO 8601 timestamp with its offset."""
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone())
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither YYYY-MM-DD nor an ISO timestamp with offset"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs its offset, e.g. +08:00")
    return moment


@contextmanager
def _session(home: Path, url: str | None) -> Iterator[Any]:
    from sqlmodel import Session

    from fundbook_cli.cmd_api import database_url
    from store.engine import make_engine
    from store.migrate import upgrade

    target = database_url(home, url)
    upgrade(target)
    engine = make_engine(target, pool_size=1)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _home(args: argparse.Namespace) -> Path | None:
    home = Path(args.home).resolve()
    if not (home / "book" / "main.beancount").exists():
        print(f"fundbook token: {home} holds no book", file=sys.stderr)
        return None
    return home


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _token_list(args: argparse.Namespace) -> int:
    from api.service import tokens

    home = _home(args)
    if home is None:
        return 1
    with _session(home, args.database_url) as session:
        found = [tokens.token_view(row, _now()) for row in tokens.rows(session)]
    print(f"{'id':>4}  {'status':<8} {'role':<16} {'org':<10} {'expires':<26} name")
    for view in found:
        print(
            f"{view['id']:>4}  {view['status']:<8} {view['role']:<16} {view['org'] or '-':<10} "
            f"{view['expires_at'] or '-':<26} {view['name']}"
        )
    return 0


def _changed(args: argparse.Namespace, change: Callable[[Any, int], str]) -> int:
    from api.service.errors import NotFound

    home = _home(args)
    if home is None:
        return 1
    with _session(home, args.database_url) as session:
        try:
            print(change(session, args.token_id))
        except NotFound as exc:
            print(f"fundbook token: {exc.detail}", file=sys.stderr)
            return 2
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    from api.service import tokens

    def revoke(session: Any, token_id: int) -> str:
        row = tokens.revoke_row(session, token_id, _now())
        return f"token {row.id} of {row.name} ({row.role}) is revoked"

    return _changed(args, revoke)


def _token_rotate(args: argparse.Namespace) -> int:
    from api.service import tokens

    def rotate(session: Any, token_id: int) -> str:
        fresh, token = tokens.rotate_row(session, token_id, _now())
        return (
            f"token {token_id} is revoked; new token {fresh.id} of {fresh.name} ({fresh.role}); "
            f"it is shown once, only its hash is kept:\n{token}"
        )

    return _changed(args, rotate)


def register(token_sub: Any) -> None:
    """Add list, revoke and rotate to `fundbook token`."""
    listing = token_sub.add_parser("list", help="list the tokens (never their secrets)")
    listing.add_argument("home", help="the district's HOME directory")
    listing.add_argument("--database-url", default=None)
    listing.set_defaults(handler=_token_list)
    for name, handler, text in (
        ("revoke", _token_revoke, "revoke a token: every worker refuses it at once"),
        ("rotate", _token_rotate, "revoke a token and print its person's new one"),
    ):
        parser = token_sub.add_parser(name, help=text)
        parser.add_argument("home", help="the district's HOME directory")
        parser.add_argument("token_id", type=int, help="the token's id (see token list)")
        parser.add_argument("--database-url", default=None)
        parser.set_defaults(handler=handler)
