"""账簿完整性: the hash chain of Fundbook-written entries, and the book against the database.

Hash chain: `ledger.chain.verify_chain` over the whole book; every error
names the entry (fb_id, fb_seq) and where it is (file:line), so a changed
amount or narration in `book/fundbook/YYYY.beancount` is pointed at.

Book against the workflow database (read-only, `reports.workflow`):

- every request booked in the database (its `ledger_entries`) has each of
  those entries in the book, unless the entry is still in the outbox;
- every contribution's fb_id is in the book (same exception);
- every Fundbook-written entry linked `^req-R…` in the book belongs to a
  request of the database with that code, and is one of its ledger entries.

Without a database the second half says so and checks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.chain import chained
from reports.book import BookView
from reports.context import ReportContext
from reports.document import Column, Row, Section, Table
from reports.workflow import read_workflow


@dataclass(frozen=True, slots=True)
class ChainProblem:
    fb_id: str
    fb_seq: str
    location: str
    message: str


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    request: str
    fb_id: str
    detail: str


@dataclass(frozen=True, slots=True)
class Integrity:
    entries_checked: int
    chain_problems: tuple[ChainProblem, ...]
    database_checked: bool
    requests_checked: int
    mismatches: tuple[Mismatch, ...]
    load_errors: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.chain_problems and not self.mismatches


def chain_problems(view: BookView) -> tuple[ChainProblem, ...]:
    problems = []
    for error in view.chain_errors():
        meta = (error.entry.meta if error.entry is not None else None) or {}
        problems.append(
            ChainProblem(
                str(meta.get("fb_id", "")),
                str(meta.get("fb_seq", "")),
                f"{error.source.get('filename', '?')}:{error.source.get('lineno', '?')}",
                error.message,
            )
        )
    return tuple(problems)


def _book_vs_database(ctx: ReportContext) -> tuple[bool, int, tuple[Mismatch, ...]]:
    state = read_workflow(ctx)
    if state is None:
        return False, 0, ()
    in_book: dict[str, str] = {}
    for txn in ctx.view.transactions:
        fb_id = (txn.meta or {}).get("fb_id")
        if isinstance(fb_id, str):
            links = [link for link in (txn.links or ()) if link.startswith("req-")]
            in_book[fb_id] = links[0].removeprefix("req-") if links else ""
    mismatches = []
    known: dict[str, set[str]] = {}
    for request in state.requests:
        known[request.code] = set(request.fb_ids)
        for fb_id in request.fb_ids:
            if fb_id not in in_book and fb_id not in state.outbox_pending:
                mismatches.append(
                    Mismatch(
                        "missing_in_book", request.code, fb_id, f"{request.status} {request.amount}"
                    )
                )
    for fb_id in state.contributions:
        if fb_id not in in_book and fb_id not in state.outbox_pending:
            mismatches.append(Mismatch("missing_in_book", "", fb_id, ctx.t("contribution")))
    written = {str((t.meta or {}).get("fb_id")) for t in chained(ctx.view.entries)}
    for fb_id, code in sorted(in_book.items()):
        if not code or fb_id not in written:
            continue
        if code not in known:
            mismatches.append(
                Mismatch("missing_in_database", code, fb_id, ctx.t("no_such_request"))
            )
        elif fb_id not in known[code]:
            mismatches.append(Mismatch("missing_in_database", code, fb_id, ctx.t("not_in_request")))
    return True, len(state.requests), tuple(mismatches)


def integrity(ctx: ReportContext) -> Integrity:
    checked, requests, mismatches = _book_vs_database(ctx)
    errors = tuple(str(getattr(e, "message", e)) for e in ctx.view.errors)
    return Integrity(
        len(chained(ctx.view.entries)),
        chain_problems(ctx.view),
        checked,
        requests,
        mismatches,
        errors,
    )


def integrity_section(ctx: ReportContext) -> Section:
    result = integrity(ctx)
    t = ctx.t
    chain = Table(
        "chain",
        t("chain"),
        (
            Column("fb_id", "fb_id"),
            Column("fb_seq", "fb_seq"),
            Column("location", t("location")),
            Column("problem", t("problem")),
        ),
        tuple(Row((p.fb_id, p.fb_seq, p.location, p.message)) for p in result.chain_problems),
        note=f"{t('entries_checked')}: {result.entries_checked}. "
        + ("" if result.chain_problems else t("chain_ok")),
    )
    database = Table(
        "book_vs_db",
        t("book_vs_db"),
        (
            Column("kind", t("exception_kind")),
            Column("request", t("request")),
            Column("fb_id", "fb_id"),
            Column("detail", t("detail")),
        ),
        tuple(Row((t(m.kind), m.request, m.fb_id, m.detail)) for m in result.mismatches),
        note=t("db_missing")
        if not result.database_checked
        else f"{t('request')}: {result.requests_checked}",
    )
    errors = Table(
        "load_errors",
        t("load_errors"),
        (Column("problem", t("problem")),),
        tuple(Row((message[:500],)) for message in result.load_errors),
    )
    return Section("integrity", t("integrity"), (chain, database, errors), data=result)
