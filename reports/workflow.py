"""Read-only access to the workflow database: holds, booked requests, outbox.

Reports never write the database. It is opened read-only (a SQLite file, given
as a path or a `sqlite:///` URL, in `mode=ro`; PostgreSQL in read-only
sessions) and read with plain SQL over the tables of `store/`:
`request` (code, fund, amount, status, ledger_entries), `contribution`
(fb_id), `outbox` (fb_id, fund, delta, done) and `allocation` (pool, amount,
status). A missing database is not an error: the reports that need it say it
was not available.

A fund's holds are counted as the API counts them (`api.service.holds`):
requests being decided (pending, returned), decreases of the fund still in the
outbox, and for a pool the allocations proposed or approved, not booked yet.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from funds import requests as request_rules
from reports.book import ZERO
from reports.context import ReportContext

HOLDING = request_rules.HOLDING


@dataclass(frozen=True, slots=True)
class BookedRequest:
    code: str
    fund: str
    amount: Decimal
    status: str
    fb_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WorkflowState:
    requests: tuple[BookedRequest, ...]
    contributions: tuple[str, ...]
    outbox_pending: frozenset[str]
    holds: dict[str, Decimal]


def _url(database: str | Path) -> str | None:
    """A read-only URL of the database; None for a SQLite file that does not exist."""
    text = str(database)
    if not isinstance(database, Path) and text.startswith(("sqlite:///", "sqlite+pysqlite:///")):
        database = Path(text.split(":///", 1)[1])
    if isinstance(database, Path) or "://" not in text:
        path = Path(database)
        if not path.is_file():
            return None
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


@contextmanager
def _connection(url: str) -> Iterator[Any]:
    from sqlalchemy import create_engine

    # PostgreSQL sessions are read-only; SQLite files are opened with mode=ro.
    engine = (
        create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})
        if url.startswith("postgresql")
        else create_engine(url)
    )
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _fb_ids(raw: object) -> tuple[str, ...]:
    try:
        items = json.loads(str(raw or "[]"))
    except ValueError:
        return ()
    ids: list[str] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            ids.append(item)
        elif isinstance(item, dict) and isinstance(item.get("fb_id"), str):
            ids.append(item["fb_id"])
    return tuple(ids)


def database_of(ctx: ReportContext) -> str | Path | None:
    if ctx.database is not None:
        return ctx.database
    if ctx.view.home is not None:
        return ctx.view.home / "fundbook.db"
    return None


def read_workflow(ctx: ReportContext) -> WorkflowState | None:
    """The workflow state, or None when there is no database (or not yet a schema)."""
    database = database_of(ctx)
    url = None if database is None else _url(database)
    if url is None:
        return None
    from sqlalchemy import inspect, text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with _connection(url) as conn:
            rows = conn.execute(
                text("SELECT code, fund, amount, status, ledger_entries FROM request")
            ).all()
            contributions = conn.execute(text("SELECT fb_id FROM contribution")).all()
            outbox = conn.execute(
                text("SELECT fb_id, fund, delta FROM outbox WHERE done = :f"), {"f": False}
            ).all()
            allocations = (
                conn.execute(
                    text(
                        "SELECT pool, amount FROM allocation WHERE status IN ('pending', 'approved')"
                    )
                ).all()
                if inspect(conn).has_table("allocation")
                else []
            )
    except SQLAlchemyError:
        return None
    holds: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for _, fund, delta in outbox:
        if Decimal(str(delta)) < 0:
            holds[fund] -= Decimal(str(delta)).quantize(Decimal("0.01"))
    for pool, amount in allocations:
        holds[pool] += Decimal(str(amount)).quantize(Decimal("0.01"))
    requests = []
    for code, fund, amount, status, entries in rows:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
        if status in HOLDING:
            holds[fund] += value
        requests.append(BookedRequest(str(code or ""), fund, value, status, _fb_ids(entries)))
    return WorkflowState(
        tuple(requests),
        tuple(str(r[0]) for r in contributions),
        frozenset(str(r[0]) for r in outbox),
        dict(holds),
    )


def holds_by_fund(ctx: ReportContext) -> dict[str, Decimal] | None:
    state = read_workflow(ctx)
    return None if state is None else state.holds
