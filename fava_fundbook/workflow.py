"""The workflow database as the desk reads it: holds and approved requests, read-only.

The database belongs to the API (`store/`); the desk never writes to it.
It reads it through the workflow read model, `store.workflow`, which counts
a fund's held amount as the API counts it. A SQLite file is opened with
`mode=ro`, PostgreSQL in a read-only session. Its URL is
`FUNDBOOK_DATABASE_URL`, else `HOME/fundbook.db` where HOME is the parent of
the book's directory.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from funds.requests import Status
from store import workflow
from store.workflow import Engine, WorkflowUnavailable

ENV_URL = workflow.ENV_DATABASE_URL
ENV_TIMEZONE = "FUNDBOOK_TIMEZONE"
DEFAULT_TIMEZONE = "Asia/Shanghai"


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
    """The workflow database's URL for a book in `book_dir` (`store.workflow.database_url`)."""
    url = workflow.database_url(book_dir.parent, environ=environ)
    assert url is not None  # a HOME is given
    return url


def read_only_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened with mode=ro, PostgreSQL read-only sessions."""
    return workflow.read_only_engine(url)


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


def read_workflow(engine: Engine, *, zone: ZoneInfo | None = None) -> Workflow:
    """Holds per fund, approved requests with their approvals, undelivered postings.

    Timestamps are shown in `zone` (default FUNDBOOK_TIMEZONE, else Asia/Shanghai).
    """
    zone = zone or ZoneInfo(os.environ.get(ENV_TIMEZONE, DEFAULT_TIMEZONE))
    with workflow.connected(engine) as connection:
        held = workflow.held(connection, allocations=workflow.has_allocations(connection))
        requests = workflow.requests_by_status(connection, [Status.APPROVED.value])
        decisions = workflow.approvals_of(connection, requests)
        pending = len(workflow.outbox_undone(connection))
    approved = tuple(
        ApprovedRequest(
            code=row.code,
            fund=row.fund,
            amount=row.amount,
            payee=row.payee,
            purpose=row.purpose,
            requested_by=row.requested_by,
            approved_at=_moment(row.updated_at, zone),
            approvals=tuple(
                Approval(a.step, a.role, a.org, a.by, _moment(a.at, zone))
                for a in decisions.get(row.id, ())
            ),
        )
        for row in requests
    )
    return Workflow(held, approved, pending)


__all__ = [
    "ENV_URL",
    "Approval",
    "ApprovedRequest",
    "Workflow",
    "WorkflowUnavailable",
    "database_url",
    "read_only_engine",
    "read_workflow",
]
