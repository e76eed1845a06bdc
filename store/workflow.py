"""The workflow database as everyone reads it: holds, available, requests by status.

One definition of each rule, used by the API (inside its use cases' sessions,
under the fund's lock), the reports and the Fava desk (through a read-only
engine, `read_only_engine`):

    held(fund) = amounts of requests still being decided (HOLDING: pending, returned)
               + decreases of the fund still in the outbox (not delivered yet)
               + for a pool, allocations proposed or approved, not booked yet
    available  = max(balance in the book - held, 0)

The database's URL is found in one place (`database_url`): the given URL,
else FUNDBOOK_DATABASE_URL, else the SQLite file HOME/fundbook.db.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlmodel import col

from funds import requests as request_rules
from funds.money import ZERO
from store.engine import normalize_url, sqlite_url
from store.pools import Allocation
from store.tables import Decision, Outbox, Request

ENV_DATABASE_URL = "FUNDBOOK_DATABASE_URL"
HOLDING = tuple(sorted(request_rules.HOLDING))  # statuses of requests that hold their amount
ALLOCATION_HOLDING = ("pending", "approved")  # allocations of a pool not booked yet

Reader = Connection | Session
CENT = Decimal("0.01")


class WorkflowUnavailable(RuntimeError):
    """The workflow database cannot be read (absent, unreachable or not migrated)."""


# ---------------------------------------------------------------- where it is


def database_url(
    home: Path | None, url: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """The workflow database of a HOME: `url`, else FUNDBOOK_DATABASE_URL, else HOME/fundbook.db."""
    env = os.environ if environ is None else environ
    found = url or env.get(ENV_DATABASE_URL)
    if found:
        return found
    return None if home is None else sqlite_url(home / "fundbook.db")


def read_only_engine(url: str | Path, *, pool_size: int = 2) -> Engine:
    """An engine that cannot write: SQLite opened with mode=ro, PostgreSQL read-only sessions.

    A path is a SQLite file. Raises WorkflowUnavailable for a SQLite file that does not exist.
    """
    text = str(url) if isinstance(url, Path) or "://" not in str(url) else None
    if text is None:
        parsed = make_url(normalize_url(str(url)))
        if parsed.get_backend_name() != "sqlite":
            return create_engine(
                parsed,
                connect_args={"options": "-c default_transaction_read_only=on"},
                pool_size=pool_size,
                pool_recycle=300,
            )
        text = parsed.database or ""
    path = Path(text)
    if not text or not path.is_file():
        raise WorkflowUnavailable(f"no workflow database at {text or url}")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return create_engine("sqlite+pysqlite:///", creator=lambda: _sqlite_read_only(uri))


def _sqlite_read_only(uri: str) -> Any:
    import sqlite3

    connection = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)
    connection.execute("PRAGMA query_only=ON")
    return connection


@contextmanager
def connected(engine: Engine) -> Iterator[Connection]:
    """A connection of `engine`; any database error is a WorkflowUnavailable."""
    try:
        with engine.connect() as connection:
            yield connection
    except SQLAlchemyError as exc:
        raise WorkflowUnavailable(f"cannot read the workflow database: {exc}") from exc


@contextmanager
def connect(database: str | Path) -> Iterator[Connection]:
    """A read-only connection to `database` (a URL or a SQLite file), closed afterwards."""
    engine = read_only_engine(database, pool_size=1)
    try:
        with connected(engine) as connection:
            yield connection
    finally:
        engine.dispose()


def read_session(engine: Engine) -> Session:
    """An ORM session of a read-only engine (for the API's own readers, e.g. callers)."""
    from sqlmodel import Session as ModelSession

    return ModelSession(engine)


def has_allocations(reader: Reader) -> bool:
    """Whether the database has the allocation table (databases from before pools do not)."""
    connection = reader.connection() if isinstance(reader, Session) else reader
    return bool(inspect(connection).has_table("allocation"))


# ---------------------------------------------------------------- holds


def _amount(value: object) -> Decimal:
    """An amount read back (SQLite returns sums as floats) to the cent."""
    return Decimal(str(value or 0)).quantize(CENT)


def available(balance: Decimal, held: Decimal) -> Decimal:
    """What a fund can still promise: its balance less what it holds, never below zero."""
    return max(balance - held, ZERO)


def _sums(reader: Reader, statement: Any) -> Iterable[tuple[str, Decimal]]:
    for fund, amount in reader.execute(statement):
        yield fund, _amount(amount)


def held(
    reader: Reader,
    funds: Collection[str] | None = None,
    *,
    excluding: int | None = None,
    outbox: bool = True,
    allocations: bool = True,
) -> dict[str, Decimal]:
    """What each fund holds (every fund with a hold, or only `funds`).

    `excluding` leaves one request out (a resubmission checks its new amount).
    `outbox=False` leaves the outbox out (the API counts it from `undelivered`,
    less what the book already holds); `allocations=False` for a database
    without the allocation table.
    """
    found: dict[str, Decimal] = defaultdict(lambda: ZERO)
    requests = (
        select(col(Request.fund), func.sum(col(Request.amount)))
        .where(col(Request.status).in_(HOLDING))
        .group_by(col(Request.fund))
    )
    decreases = (
        select(col(Outbox.fund), func.sum(col(Outbox.delta)))
        .where(col(Outbox.done).is_(False), col(Outbox.delta) < 0)
        .group_by(col(Outbox.fund))
    )
    pools = (
        select(col(Allocation.pool), func.sum(col(Allocation.amount)))
        .where(col(Allocation.status).in_(ALLOCATION_HOLDING))
        .group_by(col(Allocation.pool))
    )
    if excluding is not None:
        requests = requests.where(col(Request.id) != excluding)
    if funds is not None:
        codes = list(funds)
        requests = requests.where(col(Request.fund).in_(codes))
        decreases = decreases.where(col(Outbox.fund).in_(codes))
        pools = pools.where(col(Allocation.pool).in_(codes))
    for fund, amount in _sums(reader, requests):
        found[fund] += amount
    if outbox:
        for fund, delta in _sums(reader, decreases):
            found[fund] -= delta
    if allocations:
        for fund, amount in _sums(reader, pools):
            found[fund] += amount
    return dict(found)


def undelivered(
    reader: Reader, funds: Collection[str] | None = None
) -> dict[str, tuple[str, Decimal]]:
    """fb_id -> (fund, decrease) of the outbox rows that decrease a fund and are not done."""
    statement = select(col(Outbox.fb_id), col(Outbox.fund), col(Outbox.delta)).where(
        col(Outbox.done).is_(False),
        col(Outbox.delta) < 0,
    )
    if funds is not None:
        statement = statement.where(col(Outbox.fund).in_(list(funds)))
    return {fb_id: (fund, -_amount(delta)) for fb_id, fund, delta in reader.execute(statement)}


def held_by_allocations(reader: Reader, pool: str) -> Decimal:
    """Allocations proposed or approved from a pool and not booked yet."""
    statement = select(func.coalesce(func.sum(col(Allocation.amount)), 0)).where(
        col(Allocation.pool) == pool,
        col(Allocation.status).in_(ALLOCATION_HOLDING),
    )
    return _amount(reader.execute(statement).scalar_one())


# ---------------------------------------------------------------- requests


@dataclass(frozen=True, slots=True)
class RequestRow:
    """A request as the read model sees it."""

    id: int
    code: str
    fund: str
    amount: Decimal
    status: str
    payee: str
    purpose: str
    requested_by: str
    round: int
    updated_at: datetime.datetime
    ledger_entries: str


def requests_by_status(
    reader: Reader, statuses: Collection[str] | None = None
) -> tuple[RequestRow, ...]:
    """The requests in `statuses` (every request if None), oldest change first."""
    statement = select(
        col(Request.id),
        col(Request.code),
        col(Request.fund),
        col(Request.amount),
        col(Request.status),
        col(Request.payee),
        col(Request.purpose),
        col(Request.requested_by),
        col(Request.round),
        col(Request.updated_at),
        col(Request.ledger_entries),
    ).order_by(col(Request.updated_at), col(Request.id))
    if statuses is not None:
        statement = statement.where(col(Request.status).in_(list(statuses)))
    return tuple(
        RequestRow(
            id=int(row[0] or 0),  # ids are assigned on insert, never NULL once read
            code=str(row[1] or row[0]),
            fund=row[2],
            amount=_amount(row[3]),
            status=row[4],
            payee=row[5],
            purpose=row[6],
            requested_by=row[7],
            round=int(row[8]),
            updated_at=row[9],
            ledger_entries=row[10] or "[]",
        )
        for row in reader.execute(statement)
    )


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    """One approving decision of a request's current round."""

    request_id: int
    step: int
    role: str
    org: str
    by: str
    at: datetime.datetime


def approvals_of(reader: Reader, requests: Iterable[RequestRow]) -> dict[int, list[ApprovalRow]]:
    """The approvals of the current round of each request, in step order."""
    rounds = {row.id: row.round for row in requests}
    if not rounds:
        return {}
    statement = (
        select(
            col(Decision.request_id),
            col(Decision.round),
            col(Decision.step),
            col(Decision.role),
            col(Decision.org),
            col(Decision.by),
            col(Decision.at),
        )
        .where(
            col(Decision.decision) == request_rules.Verdict.APPROVE.value,
            col(Decision.request_id).in_(list(rounds)),
        )
        .order_by(col(Decision.request_id), col(Decision.step))
    )
    found: dict[int, list[ApprovalRow]] = defaultdict(list)
    for request_id, round_, step, role, org, by, at in reader.execute(statement):
        if rounds.get(request_id) == round_:
            found[request_id].append(ApprovalRow(request_id, int(step), role, org, by, at))
    return dict(found)


def contribution_ids(reader: Reader) -> tuple[str, ...]:
    """The fb_id of every contribution recorded through the service."""
    from store.tables import Contribution

    return tuple(str(fb_id) for (fb_id,) in reader.execute(select(col(Contribution.fb_id))))


def outbox_undone(reader: Reader) -> tuple[str, ...]:
    """The fb_id of every outbox row not marked done."""
    statement = select(col(Outbox.fb_id)).where(col(Outbox.done).is_(False))
    return tuple(str(fb_id) for (fb_id,) in reader.execute(statement))


def outbox_entries(reader: Reader) -> tuple[tuple[str, str, bool], ...]:
    """(fb_id, payload JSON, done) of every outbox row: what the database says each entry holds."""
    statement = text("SELECT fb_id, payload, done FROM outbox")
    return tuple((str(f), str(p), bool(d)) for f, p, d in reader.execute(statement))


def chain_anchors(reader: Reader) -> tuple[tuple[str, int, str, str | None], ...]:
    """(name, fb_seq, fb_hash, signature) of the chain's anchors (none before migration 1201)."""
    connection = reader.connection() if isinstance(reader, Session) else reader
    if not inspect(connection).has_table("chain_anchor"):
        return ()
    statement = text("SELECT name, seq, hash, signature FROM chain_anchor")
    return tuple(
        (str(n), int(q), str(h), None if g is None else str(g))
        for n, q, h, g in reader.execute(statement)
    )


def has_aside(reader: Reader) -> bool:
    """Whether the outbox records rows kept aside (databases from before 1501 do not)."""
    connection = reader.connection() if isinstance(reader, Session) else reader
    return any(c["name"] == "aside" for c in inspect(connection).get_columns("outbox"))


def kept_aside(reader: Reader) -> tuple[tuple[str, str, str], ...]:
    """(fb_id, fund, reason) of the outbox rows delivery could not write to the book."""
    statement = (
        select(col(Outbox.fb_id), col(Outbox.fund), col(Outbox.aside))
        .where(col(Outbox.aside).is_not(None), col(Outbox.done).is_(False))
        .order_by(col(Outbox.id))
    )
    return tuple((str(f), str(fund), str(why)) for f, fund, why in reader.execute(statement))
