"""The disbursement register and the grant register, read from links and metadata.

A *payment* is a transaction (not `#close`) that debits a fund's
`Liabilities:Payable` and credits its cash. Its approval chain is in the
commitment: the transaction sharing its `^req-…` (or `^grant-…`) link that
credits `Liabilities:Payable` and carries `approval_i_role/org/by/at`,
`request`, `requested_by`, `requested_at`. The register shows each payment
of the period with that chain, or says the book holds none.

A *grant* is everything linked `^grant-G…`: the award (commitment: expense
against payable), tranches (payments), voids of the unspent rest at closeout
(payable against expense), refunds (cash back against expense). Tranche and
milestone come from the metadata `tranche` and `milestone` when present.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

from reports.book import ZERO, is_cash, is_close, posting_number
from reports.context import ReportContext
from reports.document import Column, Row, Section, Table

LINK_PREFIXES = ("req-", "grant-", "alloc-")


@dataclass(frozen=True, slots=True)
class Approval:
    step: int
    role: str
    org: str
    by: str
    at: str


@dataclass(frozen=True, slots=True)
class LinkedDocument:
    """A document the book links to a payment's request (`ledger.documents`)."""

    kind: str
    name: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Payment:
    date: str
    link: str
    request: str
    fund: str
    payee: str
    narration: str
    amount: Decimal
    bank_reference: str
    paid_by: str
    requested_by: str
    requested_at: str
    approvals: tuple[Approval, ...]
    fb_id: str
    documents: tuple[LinkedDocument, ...] = ()


@dataclass(frozen=True, slots=True)
class DisbursementRegister:
    payments: tuple[Payment, ...]
    total: Decimal
    without_chain: int


def approvals_of(meta: dict[str, object]) -> tuple[Approval, ...]:
    steps = []
    i = 1
    while f"approval_{i}_role" in meta:
        steps.append(
            Approval(
                i, *(str(meta.get(f"approval_{i}_{k}", "")) for k in ("role", "org", "by", "at"))
            )
        )
        i += 1
    return tuple(steps)


def _scoped_amount(ctx: ReportContext, txn: data.Transaction, prefix: str) -> Decimal:
    return sum(
        (
            posting_number(p)
            for p in txn.postings
            if p.account.startswith(prefix) and ctx.view.in_scope(p.account, ctx.fund)
        ),
        ZERO,
    )


def tracked_links(txn: data.Transaction) -> list[str]:
    return sorted(link for link in (txn.links or ()) if link.startswith(LINK_PREFIXES))


def commitments_by_link(ctx: ReportContext) -> dict[str, data.Transaction]:
    """For each tracked link, the commitment carrying the approval chain (or the first one)."""
    found: dict[str, data.Transaction] = {}
    for txn in ctx.view.transactions:
        if is_close(txn) or _scoped_amount(ctx, txn, "Liabilities:Payable:") >= 0:
            continue
        for link in tracked_links(txn):
            current = found.get(link)
            if current is None or (
                not approvals_of(current.meta or {}) and approvals_of(txn.meta or {})
            ):
                found[link] = txn
    return found


def is_payment(ctx: ReportContext, txn: data.Transaction) -> bool:
    cash = sum(
        (
            posting_number(p)
            for p in txn.postings
            if is_cash(p.account) and ctx.view.in_scope(p.account, ctx.fund)
        ),
        ZERO,
    )
    return not is_close(txn) and _scoped_amount(ctx, txn, "Liabilities:Payable:") > 0 and cash < 0


def documents_by_link(ctx: ReportContext) -> dict[str, tuple[LinkedDocument, ...]]:
    """The documents linked from the book (with their sha256), by the link they document."""
    if "documents" not in ctx.view._memo:
        found: dict[str, list[LinkedDocument]] = defaultdict(list)
        for entry in ctx.view.entries:
            if isinstance(entry, data.Document) and "sha256" in (entry.meta or {}):
                meta = entry.meta
                for link in entry.links or ():
                    found[link].append(
                        LinkedDocument(
                            str(meta.get("kind", "")),
                            str(meta.get("name", "")),
                            str(meta["sha256"]),
                        )
                    )
        ctx.view._memo["documents"] = {link: tuple(docs) for link, docs in found.items()}
    documents: dict[str, tuple[LinkedDocument, ...]] = ctx.view._memo["documents"]
    return documents


def documents_text(documents: tuple[LinkedDocument, ...]) -> str:
    return "; ".join(f"{d.kind} {d.name} sha256:{d.sha256}".replace("  ", " ") for d in documents)


def disbursement_register(ctx: ReportContext) -> DisbursementRegister:
    commitments = commitments_by_link(ctx)
    linked = documents_by_link(ctx)
    payments = []
    for txn in ctx.view.transactions:
        if txn.date not in ctx.period or not is_payment(ctx, txn):
            continue
        meta = txn.meta or {}
        links = tracked_links(txn)
        link = links[0] if links else ""
        commitment = commitments.get(link)
        cmeta = (commitment.meta or {}) if commitment is not None else {}
        payments.append(
            Payment(
                txn.date.isoformat(),
                link,
                str(meta.get("request") or cmeta.get("request") or ""),
                str(meta.get("fund", "")),
                txn.payee or "",
                txn.narration or "",
                _scoped_amount(ctx, txn, "Liabilities:Payable:"),
                str(meta.get("bank_reference", "")),
                str(meta.get("paid_by", "")),
                str(cmeta.get("requested_by", "")),
                str(cmeta.get("requested_at", "")),
                approvals_of(cmeta),
                str(meta.get("fb_id", "")),
                linked.get(link, ()),
            )
        )
    return DisbursementRegister(
        tuple(payments),
        sum((p.amount for p in payments), ZERO),
        sum(1 for p in payments if not p.approvals),
    )


def chain_text(ctx: ReportContext, approvals: tuple[Approval, ...]) -> str:
    if not approvals:
        return ctx.t("no_chain")
    return "; ".join(f"{a.step}. {a.role} {a.org} {a.by} {a.at}" for a in approvals)


def disbursements_section(ctx: ReportContext) -> Section:
    reg = disbursement_register(ctx)
    t = ctx.t
    columns = (
        Column("date", t("date")),
        Column("request", t("request")),
        Column("fund", t("fund")),
        Column("payee", t("payee")),
        Column("purpose", t("purpose")),
        Column("amount", t("amount"), "money"),
        Column("bank_reference", t("bank_reference")),
        Column("paid_by", t("paid_by")),
        Column("requested_by", t("requested_by")),
        Column("requested_at", t("requested_at")),
        Column("approvals", t("approvals")),
        Column("documents", t("documents")),
    )
    rows = [
        Row(
            (
                p.date,
                p.request or p.link,
                p.fund,
                p.payee,
                p.narration,
                p.amount,
                p.bank_reference,
                p.paid_by,
                p.requested_by,
                p.requested_at,
                chain_text(ctx, p.approvals),
                documents_text(p.documents),
            )
        )
        for p in reg.payments
    ]
    rows.append(Row(("", t("total"), "", "", "", reg.total, "", "", "", "", "", ""), "total"))
    table = Table("disbursements", t("disbursements"), columns, tuple(rows))
    return Section("disbursements", t("disbursements"), (table,), data=reg)


@dataclass(frozen=True, slots=True)
class GrantEvent:
    date: str
    kind: str
    amount: Decimal
    tranche: str
    milestone: str
    fb_id: str


@dataclass(frozen=True, slots=True)
class Grant:
    grant: str
    enterprise: str
    fund: str
    project: str
    agreement_no: str
    approvals: tuple[Approval, ...]
    awarded: Decimal
    paid: Decimal
    voided: Decimal
    refunded: Decimal
    outstanding: Decimal
    events: tuple[GrantEvent, ...]


@dataclass(frozen=True, slots=True)
class GrantRegister:
    grants: tuple[Grant, ...]


def _grant_event(ctx: ReportContext, txn: data.Transaction) -> GrantEvent | None:
    payable = _scoped_amount(ctx, txn, "Liabilities:Payable:")
    expense = _scoped_amount(ctx, txn, "Expenses:")
    cash = sum(
        (
            posting_number(p)
            for p in txn.postings
            if is_cash(p.account) and ctx.view.in_scope(p.account, ctx.fund)
        ),
        ZERO,
    )
    if payable < 0 and expense > 0:
        kind, amount = "award", -payable
    elif payable > 0 and cash < 0:
        kind, amount = "payment", payable
    elif payable > 0 and expense < 0:
        kind, amount = "void", payable
    elif cash > 0 and expense < 0:
        kind, amount = "refund", cash
    else:
        return None
    meta = txn.meta or {}
    return GrantEvent(
        txn.date.isoformat(),
        kind,
        amount,
        str(meta.get("tranche", "")),
        str(meta.get("milestone", "")),
        str(meta.get("fb_id", "")),
    )


def grant_register(ctx: ReportContext) -> GrantRegister:
    events: dict[str, list[GrantEvent]] = defaultdict(list)
    info: dict[str, tuple[str, str, str, str, tuple[Approval, ...]]] = {}
    for txn in ctx.view.transactions:
        if txn.date > ctx.period.end or is_close(txn):
            continue
        for link in txn.links or ():
            if not link.startswith("grant-"):
                continue
            event = _grant_event(ctx, txn)
            if event is None:
                continue
            events[link].append(event)
            meta = txn.meta or {}
            if event.kind == "award" or link not in info:
                info[link] = (
                    str(meta.get("enterprise") or txn.payee or ""),
                    str(meta.get("fund", "")),
                    str(meta.get("project") or txn.narration or ""),
                    str(meta.get("agreement_no", "")),
                    approvals_of(meta),
                )
    grants = []
    for link in sorted(events):
        evs = events[link]
        total = {
            kind: sum((e.amount for e in evs if e.kind == kind), ZERO)
            for kind in ("award", "payment", "void", "refund")
        }
        if (
            not any(e.date >= ctx.period.start.isoformat() for e in evs)
            and total["award"] - total["payment"] - total["void"] == 0
        ):
            continue
        enterprise, fund, project, agreement, approvals = info[link]
        grants.append(
            Grant(
                link.removeprefix("grant-"),
                enterprise,
                fund,
                project,
                agreement,
                approvals,
                total["award"],
                total["payment"],
                total["void"],
                total["refund"],
                total["award"] - total["payment"] - total["void"],
                tuple(evs),
            )
        )
    return GrantRegister(tuple(grants))


def grants_section(ctx: ReportContext) -> Section:
    reg = grant_register(ctx)
    t = ctx.t
    columns = (
        Column("grant", t("grant")),
        Column("enterprise", t("enterprise")),
        Column("fund", t("fund")),
        Column("purpose", t("purpose")),
        Column("agreement_no", t("agreement_no")),
        Column("approvals", t("approvals")),
        Column("awarded", t("awarded"), "money"),
        Column("paid", t("paid"), "money"),
        Column("voided", t("voided"), "money"),
        Column("refunded", t("refunded"), "money"),
        Column("outstanding", t("outstanding"), "money"),
    )
    rows = [
        Row(
            (
                g.grant,
                ctx.org_name(g.enterprise),
                g.fund,
                g.project,
                g.agreement_no,
                chain_text(ctx, g.approvals),
                g.awarded,
                g.paid,
                g.voided,
                g.refunded,
                g.outstanding,
            )
        )
        for g in reg.grants
    ]
    events = Table(
        "grant_events",
        t("tranches"),
        (
            Column("grant", t("grant")),
            Column("date", t("date")),
            Column("kind", t("entry_kind")),
            Column("tranche", t("tranche")),
            Column("milestone", t("milestone")),
            Column("amount", t("amount"), "money"),
        ),
        tuple(
            Row((g.grant, e.date, t(e.kind), e.tranche, e.milestone, e.amount))
            for g in reg.grants
            for e in g.events
        ),
    )
    table = Table("grants", t("grants"), columns, tuple(rows))
    return Section("grants", t("grants"), (table, events), data=reg)
