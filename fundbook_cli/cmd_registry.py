"""`fundbook org add`, `fundbook fund add`, `fundbook chain set`: changing a book in use.

    fundbook org add HOME --kind community --code ST01C02 --parent ST01 \\
        --name "Caotang Community" --name-zh 草堂社区 --by 李会计
    fundbook fund add HOME --code AL-ST01C02-GP --kind allocation --org ST01C02 \\
        --pool GP --name "..." --name-zh ... --by 李会计
    fundbook chain set HOME MF-ST01C02 "community_party@community foundation@foundation" --by 李会计

Each change is appended to the book through the writer (see
`ledger.registry_changes`), dated today (`--date` for an earlier day) and
stamped with who made it and when. A running API server sees it at its next
request; requests submitted before a chain change keep their steps.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from beancount.core import data

from funds.chains import InvalidChain, format_chain, parse_chain
from funds.model import (
    STANDARD_CHAIN,
    Fund,
    FundKind,
    InvalidCode,
    Organization,
    OrgKind,
    Restriction,
)
from ledger import registry_changes, registry_io
from ledger.layout import Layout
from ledger.registry_changes import RegistryChangeRefused
from ledger.registry_io import Book
from ledger.text import UnsafeText
from ledger.writer import Writer

TIMEZONE_ENV = "FUNDBOOK_TIMEZONE"
Change = Callable[[Book, datetime.date, datetime.datetime], list[data.Directive]]


def _now() -> datetime.datetime:
    return datetime.datetime.now(ZoneInfo(os.environ.get(TIMEZONE_ENV, "Asia/Shanghai")))


def _apply(args: argparse.Namespace, change: Change) -> int:
    """Apply `change` to the registry of HOME as it is under the writer's lock."""
    layout = Layout(Path(args.home))
    if not layout.main.is_file():
        print(f"fundbook: no book in {args.home}; run `fundbook init` first", file=sys.stderr)
        return 1
    at = _now()
    date = datetime.date.fromisoformat(args.date) if args.date else at.date()

    def make() -> Sequence[data.Directive]:
        book, entries, problems = registry_io.load_registry(layout)
        if problems:
            raise RegistryChangeRefused(f"the registry does not read: {problems[0]}")
        registry_changes.check_date(date, entries, at.date())
        directives = change(book, date, at)
        _after, errors = registry_io.read_registry([*entries, *directives])
        if errors:
            raise RegistryChangeRefused(errors[0].message)
        return directives

    try:
        written = Writer(layout).append_registry(make)
    except (RegistryChangeRefused, UnsafeText, InvalidCode, InvalidChain, ValueError) as exc:
        print(f"fundbook: {exc}", file=sys.stderr)
        return 1
    for entry in written:
        if isinstance(entry, data.Custom):
            print(f"{entry.date} {entry.type} {entry.values[0][0]}")
    opened = sum(isinstance(entry, data.Open) for entry in written)
    if opened:
        print(f"{opened} accounts opened")
    print(
        f"recorded in {layout.registry_changes} by {args.by} at {at.isoformat(timespec='seconds')}"
    )
    return 0


def _org_add(args: argparse.Namespace) -> int:
    def change(book: Book, date: datetime.date, at: datetime.datetime) -> list[data.Directive]:
        org = Organization(args.code, OrgKind(args.kind), args.name, args.name_zh, args.parent)
        return registry_changes.add_org(book, org, date=date, by=args.by, at=at)

    return _apply(args, change)


def _fund_add(args: argparse.Namespace) -> int:
    def change(book: Book, date: datetime.date, at: datetime.datetime) -> list[data.Directive]:
        fund = Fund(
            args.code,
            FundKind(args.kind),
            args.name,
            args.name_zh,
            args.org,
            Restriction.RESTRICTED,
            parse_chain(args.chain) if args.chain else STANDARD_CHAIN,
            args.pool,
            args.bank,
        )
        return registry_changes.add_fund(book, fund, date=date, by=args.by, at=at)

    return _apply(args, change)


def _chain_set(args: argparse.Namespace) -> int:
    def change(book: Book, date: datetime.date, at: datetime.datetime) -> list[data.Directive]:
        chain = parse_chain(args.chain)
        return registry_changes.set_chain(book, args.fund, chain, date=date, by=args.by, at=at)

    return _apply(args, change)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("home", help="the HOME of the book")
    parser.add_argument("--by", required=True, help="who makes the change (recorded in the book)")
    parser.add_argument("--date", help="the day the change takes effect (default: today)")


def register(subparsers: Any) -> None:
    org = subparsers.add_parser("org", help="change the organizations of a book in use")
    org_add = org.add_subparsers(dest="org_command", required=True).add_parser(
        "add", help="add a street, community (with its micro-fund), department or enterprise"
    )
    _common(org_add)
    kinds = [kind.value for kind in registry_changes.PARENT_KIND]
    org_add.add_argument("--kind", required=True, choices=kinds)
    org_add.add_argument("--code", required=True, help="ASCII code, e.g. ST01C02")
    org_add.add_argument("--parent", help="a community's street (others: the district)")
    org_add.add_argument("--name", required=True, help="English or pinyin name")
    org_add.add_argument("--name-zh", required=True, help="Chinese name")
    org_add.set_defaults(handler=_org_add)

    fund = subparsers.add_parser("fund", help="change the funds of a book in use")
    fund_add = fund.add_subparsers(dest="fund_command", required=True).add_parser(
        "add", help="add a restricted fund and open its accounts"
    )
    _common(fund_add)
    fund_kinds = [k.value for k in FundKind if k is not FundKind.FOUNDATION]
    fund_add.add_argument("--code", required=True, help="ASCII code, e.g. MF-ST01C02")
    fund_add.add_argument("--kind", required=True, choices=fund_kinds)
    fund_add.add_argument("--org", required=True, help="the owning organization's code")
    fund_add.add_argument("--name", required=True)
    fund_add.add_argument("--name-zh", required=True)
    fund_add.add_argument(
        "--chain", help=f"approval chain (default: {format_chain(STANDARD_CHAIN)})"
    )
    fund_add.add_argument("--pool", help="an allocation fund's pool")
    fund_add.add_argument("--bank", help="the bank account keeping its cash (default: the first)")
    fund_add.set_defaults(handler=_fund_add)

    chain = subparsers.add_parser("chain", help="change a fund's approval chain")
    chain_set = chain.add_subparsers(dest="chain_command", required=True).add_parser(
        "set", help="a new approval chain for requests submitted from now on"
    )
    chain_set.add_argument("home", help="the HOME of the book")
    chain_set.add_argument("fund", help="the fund's code")
    chain_set.add_argument("chain", help='steps "role@scope[>=amount] ..."')
    chain_set.add_argument(
        "--by", required=True, help="who makes the change (recorded in the book)"
    )
    chain_set.add_argument("--date", help="the day the change takes effect (default: today)")
    chain_set.set_defaults(handler=_chain_set)
