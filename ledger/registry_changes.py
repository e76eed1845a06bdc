"""Changing the registry of a book in use: a new organization, a new fund, a new approval chain.

Each function takes the registry as it is (`ledger.registry_io.Book`) and
returns the directives that make the change, or raises `RegistryChangeRefused`
saying why it does not apply; `ledger.writer.Writer.append_registry` writes
them. Every `custom` directive says who made the change and when:

    2026-03-01 custom "fundbook-org" "ST01C02"
      kind: "community"
      name: "Caotang Community"
      name_zh: "草堂社区"
      parent: "ST01"
      changed_by: "李会计"
      changed_at: "2026-03-01T10:12:00+08:00"
    2026-03-01 custom "fundbook-fund" "MF-ST01C02"
      kind: "micro"
      ...
    2026-03-01 open Assets:Bank:ICBC:MF-ST01C02   CNY
      ...

A new community gets its micro-fund (`MF-<code>`, the standard chain) with
every account of the chart opened; a new fund gets its accounts; a new chain
(`custom "fundbook-chain"`) applies to requests submitted from then on,
while requests already submitted keep the steps they were given.

A change is dated on or after the book's registry and the last change, and
never in the future, so the book's changes are in date order.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from beancount.core import data

from funds.chains import format_chain
from funds.model import (
    POOL_KINDS,
    STANDARD_CHAIN,
    ApprovalChain,
    Fund,
    FundKind,
    Organization,
    OrgKind,
    Restriction,
)
from ledger import registry_io
from ledger.registry_io import Book

# The kind of parent each kind of organization has.
PARENT_KIND = {
    OrgKind.STREET: OrgKind.DISTRICT,
    OrgKind.DEPARTMENT: OrgKind.DISTRICT,
    OrgKind.ENTERPRISE: OrgKind.DISTRICT,
    OrgKind.COMMUNITY: OrgKind.STREET,
}


class RegistryChangeRefused(ValueError):
    """A change that does not apply to the registry as it is; the message says why."""


def _stamp(by: str, at: datetime.datetime) -> dict[str, str]:
    if not by.strip():
        raise RegistryChangeRefused("who makes the change (--by NAME) is needed")
    if at.tzinfo is None:
        raise RegistryChangeRefused("the time of a change carries its offset")
    return {"changed_by": by, "changed_at": at.isoformat(timespec="seconds")}


def last_date(entries: Iterable[data.Directive]) -> datetime.date | None:
    """The date of the latest registry directive."""
    dates = [
        e.date
        for e in entries
        if isinstance(e, data.Custom)
        and e.type in (registry_io.ORG, registry_io.FUND, registry_io.BANK, registry_io.CHAIN)
    ]
    return max(dates) if dates else None


def check_date(
    date: datetime.date, entries: Iterable[data.Directive], today: datetime.date
) -> None:
    """A change is dated between the last registry directive and today."""
    if date > today:
        raise RegistryChangeRefused(f"{date} is in the future; a change is dated today or earlier")
    last = last_date(entries)
    if last is not None and date < last:
        raise RegistryChangeRefused(
            f"{date} is before the registry's last change ({last}); changes are in date order"
        )


def _custom(
    date: datetime.date, kind: str, code: str, meta: dict[str, str], stamp: dict[str, str]
) -> data.Custom:
    return data.Custom(
        {"filename": "<fundbook>", "lineno": 0, **meta, **stamp}, date, kind, [(code, str)]
    )


def add_org(
    book: Book, org: Organization, *, date: datetime.date, by: str, at: datetime.datetime
) -> list[data.Directive]:
    """A new street, community, department or enterprise; a community with its micro-fund."""
    stamp = _stamp(by, at)
    registry = book.registry
    if org.code in registry.orgs:
        raise RegistryChangeRefused(f"organization {org.code} already exists")
    wanted = PARENT_KIND.get(org.kind)
    if wanted is None:
        raise RegistryChangeRefused(
            f"a {org.kind.value} is not added later; one of {', '.join(k.value for k in PARENT_KIND)}"
        )
    if org.parent is None and wanted is OrgKind.DISTRICT:
        org = Organization(org.code, org.kind, org.name, org.name_zh, registry.single(wanted).code)
    parent = registry.orgs.get(org.parent or "")
    if parent is None or parent.kind is not wanted:
        raise RegistryChangeRefused(
            f"a {org.kind.value}'s parent is a {wanted.value}; {org.parent!r} is not one"
        )
    meta = {"kind": org.kind.value, "name": org.name, "name_zh": org.name_zh}
    if org.parent:
        meta["parent"] = org.parent
    directives: list[data.Directive] = [_custom(date, registry_io.ORG, org.code, meta, stamp)]
    if org.kind is OrgKind.COMMUNITY:
        fund = Fund(
            f"MF-{org.code}",
            FundKind.MICRO,
            f"{org.name} Micro-fund",
            f"{org.name_zh}微基金",
            org.code,
            Restriction.RESTRICTED,
            STANDARD_CHAIN,
        )
        with_org = Book(
            registry.build([*registry.orgs.values(), org], registry.funds.values()), book.banks
        )
        directives += add_fund(with_org, fund, date=date, by=by, at=at)
    return directives


def add_fund(
    book: Book, fund: Fund, *, date: datetime.date, by: str, at: datetime.datetime
) -> list[data.Directive]:
    """A new fund and the opening of every account of it in the chart."""
    stamp = _stamp(by, at)
    registry = book.registry
    if fund.code in registry.funds:
        raise RegistryChangeRefused(f"fund {fund.code} already exists")
    owner = registry.orgs.get(fund.org)
    if owner is None:
        raise RegistryChangeRefused(f"fund {fund.code}: organization {fund.org} does not exist")
    if fund.kind in (FundKind.MICRO, FundKind.ALLOCATION) and owner.kind is not OrgKind.COMMUNITY:
        raise RegistryChangeRefused(
            f"fund {fund.code}: a {fund.kind.value} fund belongs to a community"
        )
    if fund.kind is FundKind.FOUNDATION:
        raise RegistryChangeRefused(
            "the foundation has one own fund, made when the book was created"
        )
    if not fund.restricted:
        raise RegistryChangeRefused(
            f"fund {fund.code}: only the foundation's own fund is unrestricted"
        )
    if fund.kind is FundKind.ALLOCATION:
        pool = registry.funds.get(fund.pool or "")
        if pool is None or pool.kind not in POOL_KINDS:
            raise RegistryChangeRefused(f"fund {fund.code}: pool {fund.pool!r} is not a pool fund")
    elif fund.pool is not None:
        raise RegistryChangeRefused(f"fund {fund.code}: only allocation funds name a pool")
    if fund.bank is not None and fund.bank not in {bank.key for bank in book.banks}:
        raise RegistryChangeRefused(
            f"fund {fund.code}: bank {fund.bank!r} is not a bank of the book"
        )
    meta = {
        "kind": fund.kind.value,
        "name": fund.name,
        "name_zh": fund.name_zh,
        "org": fund.org,
        "restriction": fund.restriction.value,
        "chain": format_chain(fund.chain),
    }
    if fund.pool:
        meta["pool"] = fund.pool
    if fund.bank:
        meta["bank"] = fund.bank
    directives: list[data.Directive] = [_custom(date, registry_io.FUND, fund.code, meta, stamp)]
    directives += registry_io.fund_open_entries(fund, book.banks, date)
    return directives


def set_chain(
    book: Book,
    fund_code: str,
    chain: ApprovalChain,
    *,
    date: datetime.date,
    by: str,
    at: datetime.datetime,
) -> list[data.Directive]:
    """A fund's new approval chain, for requests submitted from now on."""
    stamp = _stamp(by, at)
    fund = book.registry.funds.get(fund_code)
    if fund is None:
        raise RegistryChangeRefused(f"fund {fund_code} does not exist")
    if not chain.steps:
        raise RegistryChangeRefused("an approval chain has at least one step")
    if chain == fund.chain:
        raise RegistryChangeRefused(f"fund {fund_code} already has the chain {format_chain(chain)}")
    meta = {"chain": format_chain(chain)}
    return [_custom(date, registry_io.CHAIN, fund_code, meta, stamp)]
