"""The workflow database as the desk reads it: holds and approved requests, read-only.

The database belongs to the API (`store/`); the desk never writes to it.
A fund's held amount is counted as the API counts it (`api.service.holds`):
requests being decided (pending, returned), decreases still in the outbox,
and, for a pool, allocations proposed or approved but not booked. A
SQLite file is opened with `mode=ro`, PostgreSQL in a read-only session. Its
URL is `FUNDBOOK_DATABASE_URL`, else `HOME/fundbook.db` where HOME is the
parent of the book's directory. Only the tables' stable columns are read
(`request`, `decision`), with plain SQL, so the desk does not depend on the
store's models.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from funds.money import ZERO, cents
from funds.requests import HOLDING, Status, Verdict

ENV_URL = "FUNDBOOK_DATABASE_URL"
ENV_TIMEZONE = "FUNDBOOK_TIMEZONE"
DEFAULT_TIMEZONE = "Asia/Shanghai"


class WorkflowUnavailable(RuntimeError):
    """The workflow database cannot be read (absent, unreachable or not migrated)."""


@dataclass(frozen=True, slots=True)
class Approval:
    """One decided step of a request's approval chain."""

    step: int
    role: str
    org: str
    by: str
    at: str


@dataclass(frozen=True, slots=True)
class ApprovedRequest:
    """A request approved and waiting for payment."""

    code: str
    fund: str
    amount: Decimal
    payee: str
    purpose: str
    requested_by: str
    approved_at: str
    approvals: tuple[Approval, ...]


@dataclass(frozen=True, slots=True)
class Workflow:
    """What the desk shows from the workflow database."""

    held: Mapping[str, Decimal]
    approved: tuple[ApprovedRequest, ...]
    outbox_pending: int


def database_url(book_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The workflow database's URL for a book in `book_dir`."""
    env = os.environ if environ is None else environ
    url = env.get(ENV_URL)
    if url:
        return url
    return f"sqlite:///{book_dir.parent / 'fundbook.db'}"


def read_only_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened with mode=ro, PostgreSQL read-only sessions."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if not path or not Path(path).exists():
            raise WorkflowUnavailable(f"no workflow database at {path or url}")
        uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
        return create_engine("sqlite+pysqlite:///", creator=lambda: _sqlite_ro(uri))
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_engine(
        url,
        connect_args={"options": "-c default_transaction_read_only=on"},
        pool_pre_ping=True,
        pool_size=2,
    )


def _sqlite_ro(uri: str) -> Any:
    import sqlite3

    connection = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)
    connection.execute("PRAGMA query_only=ON")
    return connection


def _moment(value: object, zone: ZoneInfo) -> str:
    """A stored timestamp (UTC; SQLite returns text without zone) in the foundation's zone."""
    moment: object = value
    if isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.astimezone(zone).isoformat(timespec="seconds")
    return "" if moment is None else str(moment)


def _amount(value: Any) -> Decimal:
    return cents(Decimal(str(value)))


def read_workflow(engine: Engine, *, zone: ZoneInfo | None = None) -> Workflow:
    """Holds per fund, approved requests with their approvals, undelivered postings.

    Timestamps are shown in `zone` (default FUNDBOOK_TIMEZONE, else Asia/Shanghai).
    """
    zone = zone or ZoneInfo(os.environ.get(ENV_TIMEZONE, DEFAULT_TIMEZONE))
    try:
        with engine.connect() as connection:
            held: dict[str, Decimal] = defaultdict(lambda: ZERO)
            rows = connection.execute(
                text("SELECT fund, amount FROM request WHERE status IN :holding").bindparams(
                    bindparam("holding", expanding=True)
                ),
                {"holding": sorted(HOLDING)},
            )
            for fund, amount in rows:
                held[fund] += _amount(amount)
            # Decreases of a fund not yet delivered to the book are held too.
            for fund, delta in connection.execute(
                text("SELECT fund, delta FROM outbox WHERE NOT done AND delta < 0")
            ):
                held[fund] -= _amount(delta)
            if inspect(connection).has_table("allocation"):
                for pool, amount in connection.execute(
                    text(
                        "SELECT pool, amount FROM allocation "
                        "WHERE status IN ('pending', 'approved')"
                    )
                ):
                    held[pool] += _amount(amount)
            requests = connection.execute(
                text(
                    "SELECT id, code, fund, amount, payee, purpose, requested_by, round, "
                    "updated_at FROM request WHERE status = :approved ORDER BY updated_at, id"
                ),
                {"approved": Status.APPROVED.value},
            ).all()
            decisions: dict[int, list[Approval]] = defaultdict(list)
            if requests:
                ids = {row[0]: row[7] for row in requests}
                found = connection.execute(
                    text(
                        'SELECT request_id, round, step, role, org, decision, "by", at '
                        "FROM decision WHERE decision = :approve AND request_id IN "
                        "(SELECT id FROM request WHERE status = :approved) "
                        "ORDER BY request_id, step"
                    ),
                    {"approve": Verdict.APPROVE.value, "approved": Status.APPROVED.value},
                )
                for request_id, round_, step, role, org, _, by, at in found:
                    if ids.get(request_id) == round_:
                        decisions[request_id].append(
                            Approval(int(step), role, org, by, _moment(at, zone))
                        )
            pending = connection.execute(
                text("SELECT COUNT(*) FROM outbox WHERE NOT done")
            ).scalar_one()
    except SQLAlchemyError as exc:
        raise WorkflowUnavailable(f"cannot read the workflow database: {exc}") from exc
    approved = tuple(
        ApprovedRequest(
            code=row[1] or str(row[0]),
            fund=row[2],
            amount=_amount(row[3]),
            payee=row[4],
            purpose=row[5],
            requested_by=row[6],
            approved_at=_moment(row[8], zone),
            approvals=tuple(decisions.get(row[0], ())),
        )
        for row in requests
    )
    return Workflow(dict(held), approved, int(pending))
