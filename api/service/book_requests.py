"""Requests the book knows of: what their entries' metadata says, kept per process.

A request decided before the workflow database existed (the demo's history,
a book carried over from elsewhere) exists only in the book, as linked
entries that carry what an auditor needs:

    2024-03-12 * "玉林社区养老服务中心" "审批通过: 重阳节慰问" ^req-R004000
      fb_id: "R004000-commitment"
      fund: "MF-ST01C03"
      request: "R004000"
      requested_by: "张敏"
      requested_at: "2024-03-05T09:12:00+08:00"
      approval_1_role: "community_party"
      approval_1_org: "ST01C03"
      approval_1_by: "李华"
      approval_1_at: "2024-03-06T10:01:00+08:00"
      ...
    2024-03-15 * "玉林社区养老服务中心" "支付: 重阳节慰问" ^req-R004000
      fb_id: "R004000-payment"
      request: "R004000"
      paid_by: "王芳"
      bank_reference: "ICBC20240315001"

`BookRequests` follows the transactions `ledger.balances.FundBalances` reads
(at the load at start and at every refresh), like the public payments, and
keeps for each request code its commitment, payment and void. The service
reads a request from here only when the database has no row for it.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from beancount.core import data

from ledger import accounts as chart


@dataclass(frozen=True, slots=True)
class Approval:
    role: str
    org: str
    by: str
    at: str


@dataclass(frozen=True, slots=True)
class BookRequest:
    """One request as its entries in the book tell it.

    Attributes:
      code: the request's code ("R004000").
      fund: the fund it was paid from.
      amount: the amount committed.
      payee, purpose: from the commitment (its narration after the colon).
      requested_by, requested_at: from the commitment's metadata.
      approvals: the approval chain, in order.
      approved_on: the commitment's date.
      paid_on, bank_reference, paid_by: from the payment, if any.
      voided_on, void_reason: from the void, if any.
      entries: fb_id of each entry, in the order commitment, payment, void.
    """

    code: str
    fund: str | None = None
    amount: Decimal | None = None
    payee: str = ""
    purpose: str = ""
    requested_by: str = ""
    requested_at: str | None = None
    approvals: tuple[Approval, ...] = ()
    approved_on: datetime.date | None = None
    paid_on: datetime.date | None = None
    bank_reference: str | None = None
    paid_by: str | None = None
    voided_on: datetime.date | None = None
    void_reason: str | None = None
    entries: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether the book holds the request's commitment (the rest is optional)."""
        return self.fund is not None and self.amount is not None


def _text(meta: dict[str, object], key: str) -> str | None:
    value = meta.get(key)
    return None if value is None else str(value)


def _approvals(meta: dict[str, object]) -> tuple[Approval, ...]:
    found = []
    index = 1
    while f"approval_{index}_role" in meta:
        found.append(
            Approval(
                str(meta[f"approval_{index}_role"]),
                str(meta.get(f"approval_{index}_org", "")),
                str(meta.get(f"approval_{index}_by", "")),
                str(meta.get(f"approval_{index}_at", "")),
            )
        )
        index += 1
    return tuple(found)


def _merge(known: BookRequest, entry: data.Transaction) -> BookRequest:
    meta = dict(entry.meta or {})
    fb_id = _text(meta, "fb_id") or ""
    entries = known.entries if fb_id in known.entries else (*known.entries, fb_id)
    if fb_id.endswith("-payment") or "paid_by" in meta:
        return replace(
            known,
            paid_on=entry.date,
            bank_reference=_text(meta, "bank_reference"),
            paid_by=_text(meta, "paid_by"),
            entries=entries,
        )
    if fb_id.endswith("-void") or "voided_by" in meta:
        return replace(
            known, voided_on=entry.date, void_reason=_text(meta, "reason"), entries=entries
        )
    amount = sum(
        (
            -Decimal(p.units.number)
            for p in entry.postings
            if p.account.startswith(chart.PAYABLE.account) and p.units and p.units.number
        ),
        Decimal("0.00"),
    )
    narration = entry.narration or ""
    return replace(
        known,
        fund=_text(meta, "fund"),
        amount=amount,
        payee=entry.payee or "",
        purpose=narration.split(": ", 1)[-1],
        requested_by=_text(meta, "requested_by") or "",
        requested_at=_text(meta, "requested_at"),
        approvals=_approvals(meta),
        approved_on=entry.date,
        entries=(fb_id, *(e for e in entries if e != fb_id)),
    )


def _requests(entries: Sequence[data.Directive]) -> dict[str, BookRequest]:
    found: dict[str, BookRequest] = {}
    for entry in entries:
        if not isinstance(entry, data.Transaction) or not entry.meta:
            continue
        code = entry.meta.get("request")
        if not isinstance(code, str):
            continue
        found[code] = _merge(found.get(code) or BookRequest(code), entry)
    return found


class BookRequests:
    """The requests of a book, file by file, following what `FundBalances` reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_file: dict[str, list[data.Transaction]] = {}
        self._all: dict[str, BookRequest] | None = {}

    def follow(self, path: str | None, entries: Sequence[data.Transaction], replace: bool) -> None:
        with self._lock:
            if path is None:
                self._by_file.clear()
            else:
                found = [
                    e for e in entries if isinstance(e, data.Transaction) and "request" in e.meta
                ]
                if replace:
                    self._by_file[path] = found
                elif found:
                    self._by_file.setdefault(path, []).extend(found)
                else:
                    return
            self._all = None

    def requests(self) -> dict[str, BookRequest]:
        """Every request with a commitment in the book, by code, as last read."""
        with self._lock:
            if self._all is None:
                merged = _requests([e for found in self._by_file.values() for e in found])
                self._all = {code: r for code, r in merged.items() if r.complete}
            return self._all
