"""Recognition policies of the statements, each selected by the book's metadata.

The book records what happened as it happened; the statements recognize
income and expense by the policies of 民间非营利组织会计制度, and the notes name
each policy and the metadata that selects it:

1. **捐赠承诺 (pledges) are not income until received.** A pledge is an entry
   that debits `Assets:Receivable` against income, with `pledge` metadata or a
   `^pledge-…` link. The statements leave it out and recognize its income when
   the cash arrives: the receipt (cash against the receivable, same link) is
   read as cash against the pledge's income account. Pledges not yet received
   are disclosed (`outstanding_pledges`).
2. **Grants are expensed per tranche.** A grant award (`grant` metadata or a
   `^grant-…` link) that books the whole total as expense against 应付款 is left
   out; each tranche is expensed when it becomes due on its accepted milestone,
   which the book records as the tranche's payment (`tranche` metadata). A void
   of the award's unpaid rest is left out too. Awarded amounts not yet due are
   承诺事项 (`grant_commitments`).
3. **Government purchase of services is 提供服务收入** (`Income:Service`),
   recognized as the service is delivered: the book records it when the
   quarter's service is delivered and paid (`department` metadata names the
   purchasing department).
4. **Interest earned by a restricted fund is 非限定性**, unless the donor
   stipulated otherwise: `interest: "restricted"` on the fund's
   `custom "fundbook-fund"` directive, or `stipulated: "restricted"` on the
   posting or its transaction.

    2025-01-05 * "区民政局" "认捐" ^pledge-P1      ; left out (disclosed)
      Assets:Receivable:GP        50000.00 CNY
      Income:Subsidy:Restricted:GP
    2025-03-01 * "区民政局" "到账" ^pledge-P1      ; read as subsidy income
      Assets:Bank:ICBC:GP         30000.00 CNY
      Assets:Receivable:GP       -30000.00 CNY
    -> 2025 income 30,000; 捐赠承诺 outstanding 20,000

`recognized(view)` is the view the statements use; registers, exceptions and
the integrity section read the book as booked.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount

from reports.book import ZERO, BookView, fund_of, is_cash, parent_account, posting_number
from reports.context import ReportContext

RECEIVABLE, PAYABLE = "Assets:Receivable", "Liabilities:Payable"


@dataclass(frozen=True, slots=True)
class Pledge:
    link: str
    date: datetime.date
    fund: str
    source: str
    income_account: str
    amount: Decimal
    received: Decimal


@dataclass(frozen=True, slots=True)
class Award:
    link: str
    date: datetime.date
    fund: str
    payee: str
    expense_account: str
    amount: Decimal
    due: Decimal  # tranches due (paid) so far
    voided: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.due - self.voided


def _links(txn: data.Transaction, prefix: str, key: str) -> set[str]:
    found = {link for link in (txn.links or ()) if link.startswith(prefix)}
    value = (txn.meta or {}).get(key)
    if isinstance(value, str) and not found:
        found.add(f"{prefix}{value}")
    return found


def _kinds(txn: data.Transaction) -> tuple[list[data.Posting], list[data.Posting], bool]:
    settled = [p for p in txn.postings if parent_account(p.account) in (RECEIVABLE, PAYABLE)]
    other = [p for p in txn.postings if p not in settled and not is_cash(p.account)]
    cash = any(is_cash(p.account) for p in txn.postings)
    return settled, other, cash


def _with(txn: data.Transaction, postings: list[data.Posting]) -> data.Transaction:
    return txn._replace(postings=postings)


def _posting(account: str, number: Decimal, like: data.Posting) -> data.Posting:
    units = like.units
    currency = units.currency if units is not None else "CNY"
    return data.Posting(account, Amount(number, currency), None, None, None, like.meta)


@dataclass(frozen=True, slots=True)
class Recognition:
    """The recognized transactions, and what the policies left out (for the notes)."""

    transactions: tuple[data.Transaction, ...]
    pledges: tuple[Pledge, ...]
    awards: tuple[Award, ...]


def recognize(view: BookView, end: datetime.date | None = None) -> Recognition:
    """Apply the policies to the whole book (or up to `end`, for the notes at a day)."""
    pledges: dict[str, dict[str, object]] = {}
    awards: dict[str, dict[str, object]] = {}
    out: list[data.Transaction] = []
    for txn in view.transactions:
        if end is not None and txn.date > end:
            break
        settled, other, cash = _kinds(txn)
        pledge_links = _links(txn, "pledge-", "pledge")
        grant_links = _links(txn, "grant-", "grant")
        if pledge_links and settled and not cash:
            receivable = [p for p in settled if parent_account(p.account) == RECEIVABLE]
            income = [p for p in other if p.account.startswith("Income:")]
            if receivable and income and len(receivable) + len(income) == len(txn.postings):
                link = sorted(pledge_links)[0]
                pledges[link] = {
                    "date": txn.date,
                    "fund": fund_of(income[0].account) or "",
                    "source": txn.payee or "",
                    "account": income[0].account,
                    "amount": sum((posting_number(p) for p in receivable), ZERO),
                    "received": ZERO,
                }
                continue
        if pledge_links and cash and settled:
            link = next((k for k in sorted(pledge_links) if k in pledges), None)
            if link is not None:
                record = pledges[link]
                postings = []
                for p in txn.postings:
                    if (
                        parent_account(p.account) == RECEIVABLE
                        and fund_of(p.account) == record["fund"]
                    ):
                        postings.append(_posting(str(record["account"]), posting_number(p), p))
                        record["received"] = record["received"] - posting_number(p)  # type: ignore[operator]
                    else:
                        postings.append(p)
                out.append(_with(txn, postings))
                continue
        if grant_links and settled and not cash:
            payable = [p for p in settled if parent_account(p.account) == PAYABLE]
            expense = [p for p in other if p.account.startswith("Expenses:")]
            if payable and expense and len(payable) + len(expense) == len(txn.postings):
                link = next((k for k in sorted(grant_links) if k in awards), None)
                number = sum((posting_number(p) for p in expense), ZERO)
                if link is None and number > 0:
                    link = sorted(grant_links)[0]
                    awards[link] = {
                        "date": txn.date,
                        "fund": fund_of(expense[0].account) or "",
                        "payee": txn.payee or "",
                        "account": expense[0].account,
                        "amount": number,
                        "due": ZERO,
                        "voided": ZERO,
                    }
                    continue
                if link is not None and number < 0:  # the award's unpaid rest voided
                    awards[link]["voided"] = awards[link]["voided"] - number  # type: ignore[operator]
                    continue
        if grant_links and cash and settled:
            link = next((k for k in sorted(grant_links) if k in awards), None)
            if link is not None:
                record = awards[link]
                postings = []
                for p in txn.postings:
                    if (
                        parent_account(p.account) == PAYABLE
                        and fund_of(p.account) == record["fund"]
                    ):
                        postings.append(_posting(str(record["account"]), posting_number(p), p))
                        record["due"] = record["due"] + posting_number(p)  # type: ignore[operator]
                    else:
                        postings.append(p)
                out.append(_with(txn, postings))
                continue
        out.append(txn)
    return Recognition(
        tuple(out),
        tuple(
            Pledge(
                link,
                r["date"],  # type: ignore[arg-type]
                str(r["fund"]),
                str(r["source"]),
                str(r["account"]),
                r["amount"],  # type: ignore[arg-type]
                r["received"],  # type: ignore[arg-type]
            )
            for link, r in pledges.items()
        ),
        tuple(
            Award(
                link,
                r["date"],  # type: ignore[arg-type]
                str(r["fund"]),
                str(r["payee"]),
                str(r["account"]),
                r["amount"],  # type: ignore[arg-type]
                r["due"],  # type: ignore[arg-type]
                r["voided"],  # type: ignore[arg-type]
            )
            for link, r in awards.items()
        ),
    )


def recognized(view: BookView) -> BookView:
    """The view the statements use: the book with the recognition policies applied."""
    if view._memo.get("recognized_base"):
        return view
    if "recognized" not in view._memo:
        result = recognize(view)
        memo: dict[str, object] = {"recognized_base": True, "recognition": result}
        view._memo["recognized"] = dataclasses.replace(view, _txns=result.transactions, _memo=memo)
    found: BookView = view._memo["recognized"]
    return found


def statement_context(ctx: ReportContext) -> ReportContext:
    """`ctx` over the recognized view (the statements' figures follow the policies)."""
    view = recognized(ctx.view)
    return ctx if view is ctx.view else dataclasses.replace(ctx, view=view)


def interest_restricted(view: BookView, txn: data.Transaction, posting: data.Posting) -> bool:
    """Whether interest posted to a restricted fund stays restricted (the donor stipulated it)."""
    for meta in (posting.meta or {}, txn.meta or {}):
        if meta.get("stipulated") == "restricted":
            return True
    return (
        _fund_settings(view).get(fund_of(posting.account) or "", {}).get("interest") == "restricted"
    )


def _fund_settings(view: BookView) -> dict[str, dict[str, str]]:
    if "fund_settings" not in view._memo:
        found: dict[str, dict[str, str]] = defaultdict(dict)
        for entry in view.entries:
            if isinstance(entry, data.Custom) and entry.type == "fundbook-fund" and entry.values:
                code = str(entry.values[0].value)
                found[code] = {k: v for k, v in (entry.meta or {}).items() if isinstance(v, str)}
        view._memo["fund_settings"] = dict(found)
    settings: dict[str, dict[str, str]] = view._memo["fund_settings"]
    return settings


def is_interest(account: str) -> bool:
    return parent_account(account).startswith("Income:Investment")
