"""The TOML description of a district, read into a registry and bank accounts.

`fundbook init HOME --config district.toml` starts a book from a file like:

    title = "成都市武侯区社区发展基金会"
    start = 2026-01-01

    [district]
    code = "WUHOU"
    name = "Wuhou District"
    name_zh = "武侯区"

    [foundation]
    code = "WHCDF"
    ...

    [[streets]]
    code = "ST01"
    name = "Jiangxijie Subdistrict"
    name_zh = "浆洗街街道"

    [[communities]]
    code = "ST01C01"
    street = "ST01"
    ...

    [[funds]]
    code = "MF-ST01C01"
    kind = "micro"
    org = "ST01C01"
    restriction = "restricted"
    chain = "community_party@community street@street foundation@foundation"
    bank = "ICBC"          # optional: the account keeping its cash (default: the first)

    [[banks]]
    key = "ICBC"
    name_zh = "工商银行成都武侯支行基本户"
    number = "4402 2010 0900 0123 456"

Streets, departments and the foundation belong to the district; communities
to their street; enterprises to the district. `read_config` collects every
problem of the file and raises one `ConfigError` listing them all.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import data

from funds.chains import InvalidChain, format_chain, parse_chain
from funds.model import (
    POOL_KINDS,
    STANDARD_CHAIN,
    Fund,
    FundKind,
    InvalidCode,
    Organization,
    OrgKind,
    Restriction,
)
from funds.registry import Registry
from ledger.accounts import Bank
from ledger.opening import (
    AccountMapping,
    OpeningLine,
    lines_from_trial_balance,
    opening_entries,
)
from ledger.trial_balance import TrialBalanceUnreadable, read_trial_balance

BANK_KEY = re.compile(r"[A-Z][A-Z0-9]{0,19}")
MONEY_TEXT = re.compile(r"(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,2})?")
TRIAL_CODE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_TEXT_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
TOP_KEYS = (
    "title",
    "start",
    "district",
    "foundation",
    "streets",
    "communities",
    "departments",
    "enterprises",
    "funds",
    "banks",
    "opening",
)
ORG_KEYS = ("code", "name", "name_zh")
FUND_KEYS = ("code", "kind", "name", "name_zh", "org", "restriction", "chain", "pool", "bank")
BANK_KEYS = ("key", "name_zh", "number")
OPENING_KEYS = ("trial_balance", "accounts", "balances")
MAPPING_KEYS = ("code", "fund", "account")
BALANCE_KEYS = ("fund", "account", "debit", "credit")


class ConfigError(ValueError):
    """A district description that cannot start a book; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class DistrictConfig:
    """A district as its TOML file describes it."""

    title: str
    start: datetime.date
    registry: Registry
    banks: tuple[Bank, ...]
    openings: tuple[data.Transaction, ...] = ()

    @property
    def opening_date(self) -> datetime.date:
        """Opening balances are those at the end of the day before the book's first day."""
        return self.start - datetime.timedelta(days=1)


class _Reader:
    """Collects problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def text(self, table: Mapping[str, Any], key: str, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{where}: {key} must be a non-empty string")
            return "?"
        if len(value) > _TEXT_MAX or _CONTROL.search(value):
            self.problems.append(
                f"{where}: {key} must be at most {_TEXT_MAX} characters on one line"
            )
            return "?"
        return value

    def known(self, table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
        """An unknown key is a problem naming it (a misspelt key must not be ignored)."""
        for key in table:
            if key not in allowed:
                self.problems.append(
                    f"{where}: unknown key {key!r} (known keys: {', '.join(allowed)})"
                )

    def table(self, doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = doc.get(key)
        if not isinstance(value, dict):
            self.problems.append(f"[{key}] table is missing")
            return {}
        return value

    def tables(self, doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problems.append(f"{key} must be an array of tables ([[{key}]])")
            return []
        return value

    def org(
        self, table: Mapping[str, Any], kind: OrgKind, where: str, parent: str | None
    ) -> Organization | None:
        code = table.get("code")
        label = f"{where} {code!r}" if isinstance(code, str) else where
        allowed = ORG_KEYS + (("street",) if kind is OrgKind.COMMUNITY else ())
        self.known(table, allowed, label)
        name = self.text(table, "name", label)
        name_zh = self.text(table, "name_zh", label)
        try:
            return Organization(str(code), kind, name, name_zh, parent)
        except InvalidCode as exc:
            self.problems.append(f"{label}: {exc}")
            return None


def _funds(reader: _Reader, doc: Mapping[str, Any]) -> list[Fund]:
    funds = []
    for table in reader.tables(doc, "funds"):
        code = table.get("code")
        where = f"fund {code!r}"
        reader.known(table, FUND_KEYS, where)
        name = reader.text(table, "name", where)
        name_zh = reader.text(table, "name_zh", where)
        org = reader.text(table, "org", where)
        try:
            kind = FundKind(table.get("kind"))
            restriction = Restriction(table.get("restriction"))
        except ValueError as exc:
            reader.problems.append(
                f"{where}: {exc} (kinds: {', '.join(k.value for k in FundKind)}; "
                f"restrictions: {', '.join(r.value for r in Restriction)})"
            )
            continue
        chain_text = table.get("chain", format_chain(STANDARD_CHAIN))
        pool = table.get("pool")
        bank = table.get("bank")
        try:
            chain = parse_chain(str(chain_text))
            funds.append(
                Fund(
                    str(code),
                    kind,
                    name,
                    name_zh,
                    org,
                    restriction,
                    chain,
                    str(pool) if pool is not None else None,
                    str(bank) if bank is not None else None,
                )
            )
        except (InvalidChain, InvalidCode, ValueError) as exc:
            reader.problems.append(f"{where}: {exc}")
    return funds


def _banks(reader: _Reader, doc: Mapping[str, Any]) -> list[Bank]:
    banks = []
    for table in reader.tables(doc, "banks"):
        key = table.get("key")
        where = f"bank {key!r}"
        reader.known(table, BANK_KEYS, where)
        if not isinstance(key, str) or not BANK_KEY.fullmatch(key):
            reader.problems.append(f'{where}: key must match {BANK_KEY.pattern}, e.g. "ICBC"')
            continue
        number = table.get("number", "")
        if not isinstance(number, str) or _CONTROL.search(number):
            reader.problems.append(f"{where}: number must be a string on one line")
            continue
        banks.append(Bank(key, reader.text(table, "name_zh", where), number))
    if not banks:
        reader.problems.append("at least one [[banks]] account is needed")
    return banks


def _check_references(reader: _Reader, registry: Registry, banks: list[Bank]) -> None:
    orgs = registry.orgs
    for org in orgs.values():
        if org.kind is OrgKind.COMMUNITY and (
            org.parent not in orgs or orgs[org.parent].kind is not OrgKind.STREET
        ):
            reader.problems.append(f"community {org.code!r}: street {org.parent!r} is not a street")
    for fund in registry.funds.values():
        where = f"fund {fund.code!r}"
        if fund.org not in orgs:
            reader.problems.append(f"{where}: org {fund.org!r} is not an organization")
            continue
        owner = orgs[fund.org]
        if (
            fund.kind in (FundKind.MICRO, FundKind.ALLOCATION)
            and owner.kind is not OrgKind.COMMUNITY
        ):
            reader.problems.append(f"{where}: a {fund.kind.value} fund belongs to a community")
        if fund.kind is FundKind.ALLOCATION:
            pool = registry.funds.get(fund.pool or "")
            if pool is None or pool.kind not in POOL_KINDS:
                reader.problems.append(f"{where}: pool {fund.pool!r} is not a pool fund")
        elif fund.pool is not None:
            reader.problems.append(f"{where}: only allocation funds name a pool")
        if fund.kind is not FundKind.FOUNDATION and not fund.restricted:
            reader.problems.append(f"{where}: only the foundation's own fund may be unrestricted")
    for kind in (FundKind.FOUNDATION,):
        if len(registry.funds_of_kind(kind)) != 1:
            reader.problems.append(f"exactly one fund of kind {kind.value!r} is needed")
    seen: set[str] = set()
    for bank in banks:
        if bank.key in seen:
            reader.problems.append(f"bank {bank.key!r} is listed twice")
        seen.add(bank.key)
    for fund in registry.funds.values():
        if fund.bank is not None and fund.bank not in seen:
            reader.problems.append(
                f"fund {fund.code!r}: bank {fund.bank!r} is not a [[banks]] account"
            )


def _amount_text(reader: _Reader, table: Mapping[str, Any], key: str, where: str) -> Decimal:
    value = table.get(key, "0.00")
    if not isinstance(value, str) or not MONEY_TEXT.fullmatch(value):
        reader.problems.append(
            f'{where}: {key} must be an amount as a string, e.g. {key} = "1250.00", not {value!r}'
        )
        return Decimal("0.00")
    return Decimal(value).quantize(Decimal("0.00"))


def _opening(
    reader: _Reader, doc: Mapping[str, Any], base: Path | None, trial_balance: Path | None
) -> list[OpeningLine]:
    """Opening lines from [[opening.balances]] and from the mapped trial balance."""
    table = doc.get("opening", {})
    if not isinstance(table, dict):
        reader.problems.append("opening must be a table ([opening])")
        return []
    reader.known(table, OPENING_KEYS, "[opening]")
    lines: list[OpeningLine] = []
    for index, item in enumerate(reader.tables(table, "balances")):
        where = f"opening.balances[{index}]"
        reader.known(item, BALANCE_KEYS, where)
        fund, account = reader.text(item, "fund", where), reader.text(item, "account", where)
        debit = _amount_text(reader, item, "debit", where)
        credit = _amount_text(reader, item, "credit", where)
        lines.append(OpeningLine(fund, account, debit, credit, where))
    mappings = []
    for index, item in enumerate(reader.tables(table, "accounts")):
        where = f"opening.accounts[{index}]"
        reader.known(item, MAPPING_KEYS, where)
        code = item.get("code")
        if not isinstance(code, str) or not TRIAL_CODE.fullmatch(code):
            reader.problems.append(f'{where}: code must be a 科目编码 string, e.g. "100201"')
            continue
        fund, account = reader.text(item, "fund", where), reader.text(item, "account", where)
        mappings.append(AccountMapping(code, fund, account))
    named = table.get("trial_balance")
    if trial_balance is None and named is not None:
        if not isinstance(named, str):
            reader.problems.append("[opening]: trial_balance must be a file name")
            return lines
        trial_balance = (base or Path()) / named
    if trial_balance is None:
        if mappings:
            reader.problems.append(
                "opening.accounts maps a trial balance, but no trial_balance file is named"
            )
        return lines
    if not mappings:
        reader.problems.append(
            f"{trial_balance.name}: [[opening.accounts]] must map its 科目编码 to funds"
        )
        return lines
    try:
        balance = read_trial_balance(trial_balance)
    except TrialBalanceUnreadable as exc:
        reader.problems.append(f"{trial_balance.name}: {exc}")
        return lines
    mapped, problems = lines_from_trial_balance(balance, mappings, trial_balance.name)
    reader.problems.extend(problems)
    return [*lines, *mapped]


def parse_config(
    text: str, *, base: Path | None = None, trial_balance: Path | None = None
) -> DistrictConfig:
    """A district from TOML text; raises ConfigError listing every problem.

    `base` is the directory a `trial_balance` named in the TOML is relative
    to; a `trial_balance` given here replaces the TOML's.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}") from None
    reader = _Reader()
    reader.known(doc, TOP_KEYS, "top level")
    title = reader.text(doc, "title", "top level")
    start = doc.get("start")
    if not isinstance(start, datetime.date) or isinstance(start, datetime.datetime):
        reader.problems.append("top level: start must be a date, e.g. start = 2026-01-01")
        start = datetime.date(2000, 1, 1)
    district = reader.org(reader.table(doc, "district"), OrgKind.DISTRICT, "district", None)
    district_code = district.code if district else None
    orgs: list[Organization | None] = [district]
    orgs.append(
        reader.org(reader.table(doc, "foundation"), OrgKind.FOUNDATION, "foundation", district_code)
    )
    for key, kind in (
        ("streets", OrgKind.STREET),
        ("departments", OrgKind.DEPARTMENT),
        ("enterprises", OrgKind.ENTERPRISE),
    ):
        for table in reader.tables(doc, key):
            orgs.append(reader.org(table, kind, kind.value, district_code))
    for table in reader.tables(doc, "communities"):
        street = table.get("street")
        if not isinstance(street, str):
            reader.problems.append(f"community {table.get('code')!r}: street must be a street code")
            continue
        orgs.append(reader.org(table, OrgKind.COMMUNITY, "community", street))
    known = [org for org in orgs if org is not None]
    codes = [org.code for org in known]
    for code in sorted({code for code in codes if codes.count(code) > 1}):
        reader.problems.append(f"organization code {code!r} is used more than once")
    funds = _funds(reader, doc)
    fund_codes = [fund.code for fund in funds]
    for code in sorted({code for code in fund_codes if fund_codes.count(code) > 1}):
        reader.problems.append(f"fund code {code!r} is used more than once")
    banks = _banks(reader, doc)
    registry = Registry.build(known, funds)
    _check_references(reader, registry, banks)
    lines = _opening(reader, doc, base, trial_balance)
    openings: list[data.Transaction] = []
    if lines and banks:
        opening_date = start - datetime.timedelta(days=1)
        openings, problems = opening_entries(lines, registry, banks, opening_date)
        reader.problems.extend(problems)
    if reader.problems:
        raise ConfigError(
            "the district description has problems:\n  - " + "\n  - ".join(reader.problems)
        )
    return DistrictConfig(title, start, registry, tuple(banks), tuple(openings))


def read_config(path: Path, *, trial_balance: Path | None = None) -> DistrictConfig:
    """A district from a TOML file (and its trial balance CSV, if any); raises ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    return parse_config(text, base=path.parent, trial_balance=trial_balance)
