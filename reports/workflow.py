"""Read-only access to the workflow database: holds, booked requests, outbox.

Reports never write the database. It is opened read-only (a SQLite file, given
as a path or a `sqlite:///` URL, in `mode=ro`; PostgreSQL in read-only
sessions) and read through the workflow read model, `store.workflow`, which
also says what a fund holds, as the API counts it. A missing database is not
an error: the reports that need it say it was not available.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from reports.context import ReportContext
from store import workflow


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
    aside: tuple[tuple[str, str, str], ...] = ()  # (fb_id, fund, why) kept out of the book


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
    if database is None:
        return None
    try:
        with workflow.connect(database) as conn:
            requests = workflow.requests_by_status(conn)
            contributions = workflow.contribution_ids(conn)
            outbox = workflow.outbox_undone(conn)
            holds = workflow.held(conn, allocations=workflow.has_allocations(conn))
            aside = workflow.kept_aside(conn) if workflow.has_aside(conn) else ()
    except workflow.WorkflowUnavailable:
        return None
    return WorkflowState(
        tuple(
            BookedRequest(r.code, r.fund, r.amount, r.status, _fb_ids(r.ledger_entries))
            for r in requests
        ),
        contributions,
        frozenset(outbox),
        holds,
        aside,
    )


def holds_by_fund(ctx: ReportContext) -> dict[str, Decimal] | None:
    state = read_workflow(ctx)
    return None if state is None else state.holds


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """What the database says an entry it delivered (or will) holds."""

    fb_id: str
    date: str
    amount: Decimal | None
    done: bool


@dataclass(frozen=True, slots=True)
class DatabaseRecord:
    """The outbox's entries and the chain's anchors (name, seq, hash, signature)."""

    outbox: dict[str, OutboxEntry]
    anchors: tuple[tuple[str, int, str, str | None], ...]


def read_record(ctx: ReportContext) -> DatabaseRecord | None:
    """Every outbox entry with its date and amount, and the chain's anchors; None without one."""
    database = database_of(ctx)
    if database is None:
        return None
    try:
        with workflow.connect(database) as conn:
            rows = workflow.outbox_entries(conn)
            anchors = workflow.chain_anchors(conn)
    except workflow.WorkflowUnavailable:
        return None
    outbox = {}
    for fb_id, payload, done in rows:
        try:
            fields = json.loads(payload)
            amount = Decimal(str(fields["amount"])) if "amount" in fields else None
        except (ValueError, KeyError, ArithmeticError):
            fields, amount = {}, None
        outbox[fb_id] = OutboxEntry(fb_id, str(fields.get("date", "")), amount, done)
    return DatabaseRecord(outbox, anchors)
