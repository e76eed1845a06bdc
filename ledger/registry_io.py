"""The fund registry in the book: organizations, funds and bank accounts as `custom` directives.

The book alone defines the funds. `registry_entries` turns a registry into
directives, `chart_entries` opens every fund's accounts, and `read_registry`
loads them back into `funds/` values:

    2024-01-01 custom "fundbook-org" "ST01C01"
      kind: "community"
      name: "Yulin Community"
      name_zh: "玉林社区"
      parent: "ST01"
    2024-01-01 custom "fundbook-fund" "MF-ST01C01"
      kind: "micro"
      name: "Yulin Community Micro-fund"
      name_zh: "玉林社区微基金"
      org: "ST01C01"
      restriction: "restricted"
      chain: "community_party@community street@street foundation@foundation"
    2024-01-01 custom "fundbook-bank" "ICBC"
      name_zh: "工商银行武侯支行基本户"
      number: "4402 2010 0900 0123 456"

Later changes (`fundbook org add`, `fund add`, `chain set`, see
`ledger.registry_changes`) are appended by the writer to
`book/fundbook/registry.beancount`: more of the same directives, and a new
approval chain of a fund, which replaces the fund's chain from then on:

    2026-03-01 custom "fundbook-chain" "MF-ST01C01"
      chain: "community_party@community foundation@foundation"
      changed_by: "李会计"
      changed_at: "2026-03-01T10:12:00+08:00"

`load_registry` reads both files without loading the whole book.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from beancount.core import data
from beancount.parser import parser

from funds.chains import InvalidChain, format_chain, parse_chain
from funds.model import Fund, FundKind, InvalidCode, Organization, OrgKind, Restriction
from funds.registry import Registry
from ledger import accounts as chart
from ledger.accounts import Bank
from ledger.layout import Layout

ORG = "fundbook-org"
FUND = "fundbook-fund"
BANK = "fundbook-bank"
CHAIN = "fundbook-chain"


class RegistryError(NamedTuple):
    """A registry directive that does not describe an organization, fund or bank."""

    source: dict[str, Any]
    message: str
    entry: data.Directive | None


class Book(NamedTuple):
    """What the registry directives of a book define."""

    registry: Registry
    banks: tuple[Bank, ...]


def _custom(date: datetime.date, kind: str, code: str, meta: dict[str, str]) -> data.Custom:
    return data.Custom({"filename": "<fundbook>", "lineno": 0, **meta}, date, kind, [(code, str)])


def registry_entries(
    registry: Registry, banks: Sequence[Bank], date: datetime.date
) -> list[data.Directive]:
    """The custom directives that define `registry` and `banks` in the book."""
    entries: list[data.Directive] = []
    for org in registry.orgs.values():
        meta = {"kind": org.kind.value, "name": org.name, "name_zh": org.name_zh}
        if org.parent:
            meta["parent"] = org.parent
        entries.append(_custom(date, ORG, org.code, meta))
    for fund in registry.funds.values():
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
        entries.append(_custom(date, FUND, fund.code, meta))
    for bank in banks:
        entries.append(
            _custom(date, BANK, bank.key, {"name_zh": bank.name_zh, "number": bank.number})
        )
    return entries


def _open(date: datetime.date, account: str, meta: dict[str, str]) -> data.Open:
    return data.Open({"filename": "<fundbook>", "lineno": 0, **meta}, date, account, ["CNY"], None)


def category_entries(banks: Sequence[Bank], date: datetime.date) -> list[data.Open]:
    """Open directives of the chart's parent accounts, carrying codes and Chinese names."""
    categories = [*chart.FIXED_CATEGORIES, *(bank.category for bank in banks)]
    return [
        _open(
            date,
            category.account,
            {"code": category.code, "name_zh": category.name_zh, "name_en": category.name_en},
        )
        for category in categories
    ]


def fund_open_entries(fund: Fund, banks: Sequence[Bank], date: datetime.date) -> list[data.Open]:
    """Open directives of every account of one fund."""
    categories = [*chart.FIXED_CATEGORIES, *(bank.category for bank in banks)]
    return [
        _open(
            date,
            category.for_fund(fund.code),
            {
                "code": category.code,
                "name_zh": f"{category.name_zh}-{fund.name_zh}",
                "fund": fund.code,
            },
        )
        for category in categories
    ]


def chart_entries(
    registry: Registry, banks: Sequence[Bank], date: datetime.date
) -> list[data.Directive]:
    """The whole chart: parent accounts and every fund's accounts."""
    entries: list[data.Directive] = list(category_entries(banks, date))
    for fund in registry.funds.values():
        entries.extend(fund_open_entries(fund, banks, date))
    return entries


def _value(entry: data.Custom) -> str | None:
    if len(entry.values) != 1:
        return None
    # The parser gives ValueType(value, dtype); registry_entries builds (value, type).
    value = entry.values[0]
    raw = value[0] if isinstance(value, tuple) else value
    return raw if isinstance(raw, str) else None


def read_registry(entries: Iterable[data.Directive]) -> tuple[Book, list[RegistryError]]:
    """Organizations, funds and banks defined by the book's custom directives.

    Each code is defined once: a second directive with the same type and code
    (one that would redefine, say, a micro-fund as a foundation fund) is an
    error and is ignored, so the first definition stands.
    """
    orgs: list[Organization] = []
    funds: list[Fund] = []
    banks: list[Bank] = []
    errors: list[RegistryError] = []
    seen: set[tuple[str, str]] = set()
    chains: list[tuple[data.Custom, str]] = []
    for entry in entries:
        if not isinstance(entry, data.Custom) or entry.type not in (ORG, FUND, BANK, CHAIN):
            continue
        code = _value(entry)
        meta = entry.meta
        try:
            if code is None:
                raise ValueError(f'"{entry.type}" needs exactly one code, e.g. "ST01C01"')
            if entry.type == CHAIN:
                parse_chain(meta["chain"])
                chains.append((entry, code))
                continue
            if (entry.type, code) in seen:  # a second definition never replaces the first
                raise ValueError("is defined twice; a code is registered once")
            seen.add((entry.type, code))
            if entry.type == ORG:
                orgs.append(
                    Organization(
                        code,
                        OrgKind(meta["kind"]),
                        meta["name"],
                        meta["name_zh"],
                        meta.get("parent"),
                    )
                )
            elif entry.type == FUND:
                chain = parse_chain(meta["chain"])
                funds.append(
                    Fund(
                        code,
                        FundKind(meta["kind"]),
                        meta["name"],
                        meta["name_zh"],
                        meta["org"],
                        Restriction(meta["restriction"]),
                        chain,
                        meta.get("pool"),
                        meta.get("bank"),
                    )
                )
            else:
                banks.append(Bank(code, meta["name_zh"], meta.get("number", "")))
        except KeyError as exc:
            errors.append(RegistryError(meta, f"{entry.type} {code}: missing {exc.args[0]}", entry))
        except (ValueError, InvalidCode, InvalidChain) as exc:
            errors.append(RegistryError(meta, f"{entry.type} {code}: {exc}", entry))
    by_code = {fund.code: fund for fund in funds}
    for entry, code in chains:  # in book order: the last change of a fund's chain stands
        if code not in by_code:
            errors.append(RegistryError(entry.meta, f"{CHAIN} {code}: unknown fund", entry))
            continue
        by_code[code] = replace(by_code[code], chain=parse_chain(entry.meta["chain"]))
    funds = list(by_code.values())
    registry = Registry.build(orgs, funds)
    for org in registry.orgs.values():
        if org.parent is not None and org.parent not in registry.orgs:
            errors.append(
                RegistryError(
                    {"filename": "<registry>", "lineno": 0},
                    f"organization {org.code}: unknown parent {org.parent}",
                    None,
                )
            )
    for fund in registry.funds.values():
        if fund.org not in registry.orgs:
            errors.append(
                RegistryError(
                    {"filename": "<registry>", "lineno": 0},
                    f"fund {fund.code}: unknown organization {fund.org}",
                    None,
                )
            )
        if fund.pool is not None and fund.pool not in registry.funds:
            errors.append(
                RegistryError(
                    {"filename": "<registry>", "lineno": 0},
                    f"fund {fund.code}: unknown pool {fund.pool}",
                    None,
                )
            )
        if fund.bank is not None and fund.bank not in {bank.key for bank in banks}:
            errors.append(
                RegistryError(
                    {"filename": "<registry>", "lineno": 0},
                    f"fund {fund.code}: unknown bank {fund.bank}",
                    None,
                )
            )
    return Book(registry, tuple(banks)), errors


def registry_paths(layout: Layout) -> list[Path]:
    """The files that define the registry: the one written at init, then the changes."""
    paths = [layout.registry]
    if layout.registry_changes.exists():
        paths.append(layout.registry_changes)
    return paths


def load_registry(layout: Layout) -> tuple[Book, list[data.Directive], list[str]]:
    """The registry of a book from its registry files alone (parsed, not the whole book).

    Returns the registry, the directives read (in file order) and the
    problems (syntax errors and registry errors, as text).
    """
    entries: list[data.Directive] = []
    problems: list[str] = []
    for path in registry_paths(layout):
        parsed, errors, _options = parser.parse_file(str(path))
        problems += [f"{path.name}: {error.message}" for error in errors]
        entries += parsed
    book, errors = read_registry(entries)
    problems += [error.message for error in errors]
    return book, entries, problems
