"""The Wuhou demo district: a deterministic book with four years of history.

`build_demo(home)` creates a HOME whose book holds 13 streets, 52 communities
(each with a micro-fund and two allocation funds), 22 contributing
departments, the guarantee and incentive pools, the district fund, the
foundation's own fund and 22 social-enterprise grants, with a day-by-day
history from 2023-01-01 to 2026-11-30: department contributions (some
pledged first), donations with 捐赠票据 numbers, allocations traced to their
departments first-in-first-out, disbursement requests with their approval
chains, grant tranches, interest, administrative costs, voids, monthly bank
balance assertions and year-end closes of 2023-2025, each booked by
`ledger.closing.book_close` (the code of `fundbook close`, with its checks and
refusals) through the hash-chained writer once the year's history is written.
Each closed year is then sealed into its own book (`ledger.seal`), so the
live book holds 2026 only.

Everything comes from one seeded random generator and fixed dates, so two
builds give identical files. A simulation keeps every fund's balance and cash
and books an outflow only when the fund can pay it, so no fund goes below
zero on any date.
"""

from __future__ import annotations

import datetime
import functools
import heapq
import random
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from beancount.core import data
from beancount.core.amount import Amount

from bankstatements.config import ensure_import_config
from fundbook_cli import demo_names as names
from fundbook_cli.cmd_book import fava_extension_available
from funds.chains import parse_chain
from funds.model import Fund, FundKind, Organization, OrgKind, Restriction
from funds.registry import Registry
from ledger import entries as build
from ledger.accounts import Bank, IncomeKind
from ledger.book import BookSpec, check_home_empty, create_book, write_history
from ledger.closing import CloseRequest, book_close
from ledger.layout import Layout
from ledger.seal import seal_year
from ledger.writer import Writer

SEED = 20230101
START = datetime.date(2023, 1, 1)
END = datetime.date(2026, 11, 30)
CLOSED_YEARS = (2023, 2024, 2025)
TITLE = "成都市武侯区社区发展基金会"
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TZ = "+08:00"

ICBC = Bank("ICBC", "工商银行成都武侯支行基本户", "4402 2010 0900 0123 456")
CCB = Bank("CCB", "建设银行成都武侯支行专项资金专户", "5105 0146 3708 0000 1688")
BOCD = Bank("BOCD", "成都银行武侯支行一般户", "1001 3000 0045 6789")
BANKS = (ICBC, CCB, BOCD)

MICRO_CHAIN = parse_chain("community_party@community street@street>=5000.00 foundation@foundation")
ALLOCATION_CHAIN = parse_chain("community_party@community street@street foundation@foundation")
POOL_CHAIN = parse_chain("district@district foundation@foundation")
FOUNDATION_CHAIN = parse_chain("foundation@foundation")


class DemoSummary(NamedTuple):
    """What `build_demo` built."""

    home: Path
    transactions: int
    streets: int
    communities: int
    micro_funds: int
    departments: int
    grants: int
    years: tuple[int, ...]

    def __str__(self) -> str:
        return (
            f"{self.transactions} transactions, {self.streets} streets, "
            f"{self.communities} communities, {self.micro_funds} micro-funds, "
            f"{self.departments} departments, {self.grants} grants, "
            f"years {self.years[0]}-{self.years[-1]}"
        )


# --- the registry -----------------------------------------------------------


def demo_registry() -> Registry:
    """The organizations and funds of the demo district."""
    orgs = [
        Organization("WUHOU", OrgKind.DISTRICT, "Wuhou District", "成都市武侯区"),
        Organization(
            "WHCDF",
            OrgKind.FOUNDATION,
            "Chengdu Wuhou Community Development Foundation",
            TITLE,
            "WUHOU",
        ),
    ]
    funds = [
        Fund(
            "FDN",
            FundKind.FOUNDATION,
            "Foundation unrestricted fund",
            "基金会非限定性资金",
            "WHCDF",
            Restriction.UNRESTRICTED,
            FOUNDATION_CHAIN,
        ),
        Fund(
            "DCF",
            FundKind.DISTRICT,
            "District Community Development Fund",
            "区级社区发展基金",
            "WUHOU",
            Restriction.RESTRICTED,
            POOL_CHAIN,
        ),
        Fund(
            "GP",
            FundKind.GUARANTEE_POOL,
            "Community Governance Guarantee Fund",
            "社区发展治理专项保障资金",
            "WUHOU",
            Restriction.RESTRICTED,
            POOL_CHAIN,
            bank=CCB.key,
        ),
        Fund(
            "IP",
            FundKind.INCENTIVE_POOL,
            "Community Governance Incentive Fund",
            "社区发展治理专项激励资金",
            "WUHOU",
            Restriction.RESTRICTED,
            POOL_CHAIN,
            bank=CCB.key,
        ),
    ]
    for s, (street_zh, street_en, communities) in enumerate(names.STREETS, start=1):
        street = f"ST{s:02d}"
        orgs.append(Organization(street, OrgKind.STREET, street_en, street_zh, "WUHOU"))
        for c, (community_zh, community_en) in enumerate(communities, start=1):
            code = f"{street}C{c:02d}"
            orgs.append(
                Organization(
                    code, OrgKind.COMMUNITY, f"{community_en} Community", community_zh, street
                )
            )
            funds.append(
                Fund(
                    f"MF-{code}",
                    FundKind.MICRO,
                    f"{community_en} Community Micro-fund",
                    f"{community_zh}微基金",
                    code,
                    Restriction.RESTRICTED,
                    MICRO_CHAIN,
                    bank=BOCD.key if s % 2 == 0 else None,
                )
            )
            for pool, pool_zh in (("GP", "专项保障资金"), ("IP", "专项激励资金")):
                funds.append(
                    Fund(
                        f"AL-{code}-{pool}",
                        FundKind.ALLOCATION,
                        f"{community_en} Community {pool} allocation",
                        f"{community_zh}{pool_zh}",
                        code,
                        Restriction.RESTRICTED,
                        ALLOCATION_CHAIN,
                        pool,
                        bank=CCB.key,
                    )
                )
    for d, (dept_zh, dept_en, *_rest) in enumerate(names.DEPARTMENTS, start=1):
        orgs.append(Organization(f"D{d:02d}", OrgKind.DEPARTMENT, dept_en, dept_zh, "WUHOU"))
    for e, (enterprise_zh, enterprise_en, _project) in enumerate(names.ENTERPRISES, start=1):
        orgs.append(
            Organization(f"SE{e:02d}", OrgKind.ENTERPRISE, enterprise_en, enterprise_zh, "WUHOU")
        )
    return Registry.build(orgs, funds)


# --- the simulation ---------------------------------------------------------


class _Request(NamedTuple):
    request: str
    fund: Fund
    amount: Decimal
    payee: str
    purpose: str
    sources: dict[str, Decimal]


class _Grant(NamedTuple):
    code: str
    fund: Fund
    enterprise: str
    payee: str
    project: str

    @property
    def link(self) -> str:
        return f"grant-{self.code}"


@functools.cache
def _holidays() -> frozenset[datetime.date]:
    """Public holidays on which the banks book nothing: New Year, Spring Festival, May Day, National Day."""
    days: set[datetime.date] = set()
    spring = {2023: (1, 21), 2024: (2, 10), 2025: (1, 28), 2026: (2, 15)}
    for year, (month, day) in spring.items():
        first = datetime.date(year, month, day)
        days.update(first + datetime.timedelta(days=i) for i in range(8))
        days.add(datetime.date(year, 1, 1))
        days.update(datetime.date(year, 5, d) for d in range(1, 6))
        days.update(datetime.date(year, 10, d) for d in range(1, 8))
    return frozenset(days)


def _workday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5 or day in _holidays():
        day += datetime.timedelta(days=1)
    return day


def _stamp(moment: datetime.datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M}:00{TZ}"


def _at(day: datetime.date, rng: random.Random) -> str:
    return _stamp(
        datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    )


def _fifo_take(queue: deque[list[object]], amount: Decimal) -> dict[str, Decimal]:
    """Consume `amount` from a FIFO of [department, remaining]; per-department shares."""
    shares: dict[str, Decimal] = {}
    rest = amount
    while rest > 0:
        head = queue[0]
        dept, available = str(head[0]), Decimal(str(head[1]))
        take = min(available, rest)
        shares[dept] = shares.get(dept, ZERO) + take
        rest -= take
        if take == available:
            queue.popleft()
        else:
            head[1] = available - take
    return shares


def _src_meta(shares: dict[str, Decimal]) -> dict[str, str]:
    return {f"src_{dept}": f"{value:f}" for dept, value in sorted(shares.items())}


class _Sim:
    """Books the demo's history day by day, keeping every balance it needs."""

    def __init__(self, registry: Registry) -> None:
        self.rng = random.Random(SEED)
        self.registry = registry
        self.entries: list[data.Directive] = []
        self.account: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.fund_balance: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.cash: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.bank_total: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.fifo: dict[str, deque[list[object]]] = defaultdict(deque)
        self.counters: dict[str, int] = defaultdict(int)
        self.queue: list[tuple[datetime.date, int, int, Callable[[datetime.date], None]]] = []
        self.seq = 0
        self.people: dict[tuple[str, str], list[str]] = {}
        self.used_names: set[str] = set()
        self.transactions = 0
        self.grants = 0
        self.departments_contributing: set[str] = set()
        self.communities = [
            org.code for org in registry.orgs.values() if org.kind is OrgKind.COMMUNITY
        ]
        self.departments = [
            org.code for org in registry.orgs.values() if org.kind is OrgKind.DEPARTMENT
        ]

    # -- helpers

    def next_id(self, prefix: str) -> str:
        self.counters[prefix] += 1
        return f"{prefix}{self.counters[prefix]:06d}"

    def person(self, org: str, role: str, index: int = 0) -> str:
        key = (org, role)
        if key not in self.people:
            self.people[key] = []
        staff = self.people[key]
        while len(staff) <= index:
            name = self.rng.choice(names.SURNAMES) + self.rng.choice(names.GIVEN)
            while name in self.used_names:
                name = (
                    self.rng.choice(names.SURNAMES)
                    + self.rng.choice(names.GIVEN_CHARS)
                    + self.rng.choice(names.GIVEN_CHARS)
                )
            self.used_names.add(name)
            staff.append(name)
        return staff[index]

    def money(self, low: int, high: int, step: int = 1) -> Decimal:
        """A random amount in whole multiples of `step` yuan."""
        return Decimal(self.rng.randrange(low // step, high // step + 1) * step).quantize(CENT)

    def at(
        self, day: datetime.date, priority: int, action: Callable[[datetime.date], None]
    ) -> None:
        if day > END:
            return
        self.seq += 1
        heapq.heappush(self.queue, (day, priority, self.seq, action))

    def book(self, entry: data.Transaction) -> None:
        for posting in entry.postings:
            number = posting.units.number
            account = posting.account
            self.account[account] += number
            fund = account.rsplit(":", 1)[1]
            if account.startswith(("Assets:", "Liabilities:")):
                self.fund_balance[fund] += number
            if account.startswith("Assets:Bank:"):
                self.cash[fund] += number
                self.bank_total[account.split(":")[2]] += number
        self.entries.append(entry)
        self.transactions += 1

    def bank_of(self, fund: Fund) -> Bank:
        return next((bank for bank in BANKS if bank.key == fund.bank), ICBC)

    def available(self, fund: Fund) -> Decimal:
        """What a fund can still commit: its balance, bounded by its cash."""
        return min(self.fund_balance[fund.code], self.cash[fund.code])

    # -- income

    def donation(self, day: datetime.date, fund: Fund) -> None:
        community = self.registry.org(fund.org).name_zh
        if self.rng.random() < 0.7:
            donor = self.person(fund.org, "resident", self.rng.randrange(40))
            amount = self.money(100, 3000, 50)
            narration = f"个人捐赠: {community}微基金"
        else:
            donor = self.rng.choice(names.DONOR_BUSINESSES).format(
                place=community.removesuffix("社区")
            )
            amount = self.money(2000, 30000, 100)
            narration = f"企业捐赠: {community}微基金"
        receipt = f"川财捐{day.year}-{self.next_id('RCPT')[4:]}"
        self.book(
            build.contribution(
                fb_id=self.next_id("DN"),
                date=day,
                fund=fund,
                amount=amount,
                bank=self.bank_of(fund),
                income=IncomeKind.DONATION,
                source=donor,
                narration=narration,
                receipt_no=receipt,
                meta={"donor": donor},
            )
        )

    def department_money(self, day: datetime.date, dept: str, pool: Fund, pledged: bool) -> None:
        dept_zh, _en, income, _pools, _pledges = names.DEPARTMENTS[int(dept[1:]) - 1]
        kind = IncomeKind.SERVICE if income == "service" else IncomeKind.SUBSIDY
        label = "政府购买服务" if kind is IncomeKind.SERVICE else "专项补助"
        amount = self.money(60000, 360000, 1000)
        narration = (
            f"{dept_zh}{day.year}年第{(day.month - 1) // 3 + 1}季度{label}资金: {pool.name_zh}"
        )
        meta = {"department": dept}
        bank = self.bank_of(pool)
        self.departments_contributing.add(dept)
        if not pledged:
            self.book(
                build.contribution(
                    fb_id=self.next_id("CT"),
                    date=day,
                    fund=pool,
                    amount=amount,
                    bank=bank,
                    income=kind,
                    source=dept_zh,
                    narration=narration,
                    meta=meta,
                )
            )
            self.fifo[pool.code].append([dept, amount])
            return
        pledge = self.next_id("P")
        link = f"pledge-{pledge}"
        self.book(
            build.pledge(
                fb_id=f"{pledge}-pledge",
                date=day,
                fund=pool,
                amount=amount,
                income=kind,
                source=dept_zh,
                narration=f"认捐: {narration}",
                link=link,
                meta={**meta, "pledge": pledge},
            )
        )

        def receive(when: datetime.date) -> None:
            self.book(
                build.pledge_receipt(
                    fb_id=f"{pledge}-receipt",
                    date=when,
                    fund=pool,
                    amount=amount,
                    bank=bank,
                    source=dept_zh,
                    narration=f"到账: {narration}",
                    link=link,
                    meta={**meta, "pledge": pledge, "bank_reference": self.bank_ref(bank, when)},
                )
            )
            self.fifo[pool.code].append([dept, amount])

        self.at(_workday(day + datetime.timedelta(days=self.rng.randint(15, 45))), 10, receive)

    def bank_ref(self, bank: Bank, day: datetime.date) -> str:
        return f"{bank.key}{day:%Y%m%d}{self.next_id('BR')[2:]}"

    def interest(self, day: datetime.date) -> None:
        for fund in self.registry.funds.values():
            if fund.kind in (FundKind.GUARANTEE_POOL, FundKind.INCENTIVE_POOL, FundKind.ALLOCATION):
                continue  # pooled money is traced to its departments; its interest goes to FDN
            cash = self.cash[fund.code]
            amount = (cash * Decimal("0.0035") / 4).quantize(CENT)
            if amount <= 0:
                continue
            self.book(
                build.contribution(
                    fb_id=self.next_id("IN"),
                    date=day,
                    fund=fund,
                    amount=amount,
                    bank=self.bank_of(fund),
                    income=IncomeKind.INVESTMENT,
                    source=self.bank_of(fund).name_zh.removesuffix("基本户").removesuffix("一般户"),
                    narration=f"{day.year}年第{(day.month - 1) // 3 + 1}季度结息: {fund.name_zh}",
                )
            )
        pooled = sum(
            (
                self.cash[f.code]
                for f in self.registry.funds.values()
                if f.kind in (FundKind.GUARANTEE_POOL, FundKind.INCENTIVE_POOL, FundKind.ALLOCATION)
            ),
            ZERO,
        )
        amount = (pooled * Decimal("0.0035") / 4).quantize(CENT)
        if amount > 0:
            fdn = self.registry.fund("FDN")
            self.book(
                build.contribution(
                    fb_id=self.next_id("IN"),
                    date=day,
                    fund=fdn,
                    amount=amount,
                    bank=ICBC,
                    income=IncomeKind.INVESTMENT,
                    source="建设银行成都武侯支行",
                    narration=f"{day.year}年第{(day.month - 1) // 3 + 1}季度专项资金专户结息",
                )
            )

    def district_income(self, day: datetime.date) -> None:
        dcf = self.registry.fund("DCF")
        self.book(
            build.contribution(
                fb_id=self.next_id("CT"),
                date=day,
                fund=dcf,
                amount=self.money(600000, 900000, 10000),
                bank=ICBC,
                income=IncomeKind.SUBSIDY,
                source="区财政局",
                narration=f"{day.year}年第{(day.month - 1) // 3 + 1}季度区级社区发展基金财政注资",
                meta={"department": "D14"},
            )
        )
        if self.rng.random() < 0.6:
            donor = self.rng.choice(names.DONOR_BUSINESSES).format(place="武侯")
            self.book(
                build.contribution(
                    fb_id=self.next_id("DN"),
                    date=day,
                    fund=dcf,
                    amount=self.money(50000, 300000, 1000),
                    bank=ICBC,
                    income=IncomeKind.DONATION,
                    source=donor,
                    narration="企业定向捐赠: 区级社区发展基金",
                    receipt_no=f"川财捐{day.year}-{self.next_id('RCPT')[4:]}",
                    meta={"donor": donor},
                )
            )

    def foundation_income(self, day: datetime.date) -> None:
        fdn = self.registry.fund("FDN")
        self.book(
            build.contribution(
                fb_id=self.next_id("CT"),
                date=day,
                fund=fdn,
                amount=self.money(150000, 220000, 1000),
                bank=ICBC,
                income=IncomeKind.SERVICE,
                source="区委社治委",
                narration=f"{day.year}年第{(day.month - 1) // 3 + 1}季度基金会运营政府购买服务",
                meta={"department": "D13"},
            )
        )

    def admin(self, day: datetime.date) -> None:
        fdn = self.registry.fund("FDN")
        for item, payee in names.ADMIN_ITEMS:
            if item.startswith("秘书处"):
                amount = self.money(38000, 42000, 100)
            elif item.startswith("办公场所"):
                amount = Decimal("9600.00")
            else:
                amount = self.money(300, 2500, 10)
            if self.available(fdn) < amount:
                continue
            self.book(
                build.expense(
                    fb_id=self.next_id("AD"),
                    date=day,
                    fund=fdn,
                    amount=amount,
                    payee=payee,
                    bank=ICBC,
                    narration=f"{day.year}年{day.month}月{item}",
                    meta={"paid_by": self.person("WHCDF", "accountant")},
                )
            )

    # -- requests

    def approvals(
        self,
        request: str,
        fund: Fund,
        amount: Decimal,
        requested: datetime.date,
        decided: datetime.date,
    ) -> dict[str, str]:
        """Request and approval metadata: times strictly increase, the last step on `decided`."""
        requester = self.person(fund.org, "committee", self.rng.randrange(2))
        steps = self.registry.chain_for(fund.code, amount)
        start = datetime.datetime.combine(
            requested, datetime.time(self.rng.randint(8, 10), self.rng.randint(0, 59))
        )
        end = datetime.datetime.combine(decided, datetime.time(17, 0))
        minutes = max(int((end - start).total_seconds()) // 60, len(steps) + 1)
        offsets = sorted(self.rng.sample(range(1, minutes), len(steps)))
        floor = offsets[-2] if len(offsets) > 1 else 0
        offsets[-1] = minutes - self.rng.randint(0, min(300, minutes - floor - 1))
        meta = {
            "request": request,
            "requested_by": requester,
            "requested_at": _stamp(start),
        }
        for i, (resolved, offset) in enumerate(zip(steps, offsets, strict=True), start=1):
            meta[f"approval_{i}_role"] = resolved.step.role.value
            meta[f"approval_{i}_org"] = resolved.org
            meta[f"approval_{i}_by"] = self.person(resolved.org, resolved.step.role.value)
            meta[f"approval_{i}_at"] = _stamp(start + datetime.timedelta(minutes=offset))
        return meta

    def request(
        self, day: datetime.date, fund: Fund, share: float, purposes: tuple[str, ...]
    ) -> None:
        available = self.available(fund)
        if available < Decimal("1000.00"):
            return
        amount = (
            (available * Decimal(str(round(share * self.rng.uniform(0.5, 1.0), 3))))
            .quantize(Decimal("1"))
            .quantize(CENT)
        )
        if amount < Decimal("500.00"):
            return
        request = self.next_id("R")
        place = self.registry.org(fund.org).name_zh.removesuffix("社区")
        payee = self.rng.choice(names.PROVIDERS).format(place=place)
        purpose = self.rng.choice(purposes)
        sources = (
            _fifo_take(self.fifo[fund.code], amount) if fund.kind is FundKind.ALLOCATION else {}
        )
        requested = day - datetime.timedelta(days=self.rng.randint(3, 12))
        meta = self.approvals(request, fund, amount, requested, day)
        meta.update(_src_meta(sources))
        link = f"req-{request}"
        self.book(
            build.commitment(
                fb_id=f"{request}-commitment",
                date=day,
                fund=fund,
                amount=amount,
                payee=payee,
                narration=f"审批通过: {purpose}",
                link=link,
                meta=meta,
            )
        )
        item = _Request(request, fund, amount, payee, purpose, sources)
        later = _workday(day + datetime.timedelta(days=self.rng.randint(1, 10)))
        if fund.kind is FundKind.MICRO and self.rng.random() < 0.02:
            self.at(later, 20, lambda when: self.void_request(when, item))
        else:
            self.at(later, 20, lambda when: self.pay(when, item))

    def pay(self, day: datetime.date, item: _Request) -> None:
        bank = self.bank_of(item.fund)
        self.book(
            build.payment(
                fb_id=f"{item.request}-payment",
                date=day,
                fund=item.fund,
                amount=item.amount,
                payee=item.payee,
                bank=bank,
                narration=f"支付: {item.purpose}",
                link=f"req-{item.request}",
                bank_reference=self.bank_ref(bank, day),
                meta={
                    "request": item.request,
                    "paid_by": self.person("WHCDF", "accountant"),
                    **_src_meta(item.sources),
                },
            )
        )

    def void_request(self, day: datetime.date, item: _Request) -> None:
        self.book(
            build.void(
                fb_id=f"{item.request}-void",
                date=day,
                fund=item.fund,
                amount=item.amount,
                payee=item.payee,
                narration=f"作废: {item.purpose}(活动取消)",
                link=f"req-{item.request}",
                meta={
                    "request": item.request,
                    "voided_by": self.person("WHCDF", "foundation"),
                    "reason": "活动取消, 未付款",
                },
            )
        )

    # -- allocations

    def allocate(self, day: datetime.date, pool_code: str, share: Decimal) -> None:
        pool = self.registry.fund(pool_code)
        budget = (self.cash[pool_code] * share).quantize(Decimal("1"))
        if budget < 10000:
            return
        weights = [self.rng.uniform(0.6, 1.4) for _ in self.communities]
        total_weight = sum(weights)
        for community, weight in zip(self.communities, weights, strict=True):
            amount = (
                (budget * Decimal(str(round(weight / total_weight, 6))))
                .quantize(Decimal("100"))
                .quantize(CENT)
            )
            if amount <= 0 or amount > self.cash[pool_code]:
                continue
            target = self.registry.fund(f"AL-{community}-{pool_code}")
            allocation = self.next_id("A")
            street = self.registry.street_of(community)
            shares = _fifo_take(self.fifo[pool_code], amount)
            for dept, value in shares.items():
                self.fifo[target.code].append([dept, value])
            proposed = day - datetime.timedelta(days=self.rng.randint(10, 20))
            meta = {
                "allocation": allocation,
                "pool": pool_code,
                "community": community,
                "street": street,
                "proposed_by": self.person(street, "street"),
                "proposed_at": _at(proposed, self.rng),
                "approved_by": self.person("WUHOU", "district"),
                "approved_at": _at(day - datetime.timedelta(days=2), self.rng),
                **_src_meta(shares),
            }
            label = "专项保障资金" if pool_code == "GP" else "专项激励资金"
            self.book(
                build.transfer(
                    fb_id=f"{allocation}-transfer",
                    date=day,
                    source=pool,
                    target=target,
                    amount=amount,
                    bank=CCB,
                    narration=f"{day.year}年{label}下达: {self.registry.org(community).name_zh}",
                    link=f"alloc-{allocation}",
                    meta=meta,
                )
            )

    # -- grants

    def award(self, day: datetime.date, enterprise: str, index: int) -> None:
        dcf = self.registry.fund("DCF")
        total = self.money(120000, 480000, 5000)
        if self.available(dcf) < total + Decimal("100000.00"):
            self.at(
                _workday(day + datetime.timedelta(days=30)),
                40,
                lambda when: self.award(when, enterprise, index),
            )
            return
        self.grants += 1
        enterprise_zh, _en, project = names.ENTERPRISES[int(enterprise[2:]) - 1]
        grant = _Grant(self.next_id("G"), dcf, enterprise, enterprise_zh, project)
        count = 3 + index % 2
        tranche = (total / count).quantize(Decimal("1")).quantize(CENT)
        tranches = [tranche] * (count - 1) + [total - tranche * (count - 1)]
        meta = self.approvals(grant.code, dcf, total, day - datetime.timedelta(days=20), day)
        del meta["request"]
        meta["requested_by"] = self.person(enterprise, "applicant")
        meta.update(
            {
                "grant": grant.code,
                "enterprise": enterprise,
                "agreement_no": f"WHCDF-XY-{grant.code}",
                "tranches": str(count),
                "project": project,
            }
        )
        self.book(
            build.commitment(
                fb_id=f"{grant.code}-award",
                date=day,
                fund=dcf,
                amount=total,
                payee=enterprise_zh,
                narration=f"社会企业项目资助协议: {project}",
                link=grant.link,
                meta=meta,
            )
        )
        ending = index % 5  # 0: refund of unspent money, 1: last tranche voided, else: all paid
        when = day
        for number, amount in enumerate(tranches, start=1):
            when = _workday(when + datetime.timedelta(days=self.rng.randint(80, 130)))
            if ending == 1 and number == count:
                self.at(when, 30, lambda on, a=amount: self.grant_void(on, grant, a))
                break
            self.at(
                when,
                30,
                lambda on, a=amount, n=number: self.grant_tranche(on, grant, a, f"{n}/{count}"),
            )
        if ending == 0:
            unspent = (
                (tranches[-1] * Decimal(str(round(self.rng.uniform(0.05, 0.3), 2))))
                .quantize(Decimal("1"))
                .quantize(CENT)
            )
            closed = _workday(when + datetime.timedelta(days=self.rng.randint(30, 60)))
            self.at(closed, 30, lambda on: self.grant_refund(on, grant, unspent))

    def grant_tranche(self, day: datetime.date, grant: _Grant, amount: Decimal, of: str) -> None:
        self.book(
            build.payment(
                fb_id=f"{grant.code}-tranche-{of.split('/', maxsplit=1)[0]}",
                date=day,
                fund=grant.fund,
                amount=amount,
                payee=grant.payee,
                bank=ICBC,
                narration=f"第{of}期资助款(里程碑报告已验收): {grant.project}",
                link=grant.link,
                bank_reference=self.bank_ref(ICBC, day),
                meta={
                    "grant": grant.code,
                    "tranche": of,
                    "paid_by": self.person("WHCDF", "accountant"),
                },
            )
        )

    def grant_void(self, day: datetime.date, grant: _Grant, amount: Decimal) -> None:
        self.book(
            build.void(
                fb_id=f"{grant.code}-void",
                date=day,
                fund=grant.fund,
                amount=amount,
                payee=grant.payee,
                narration=f"项目提前结项, 末期资助款不再拨付: {grant.project}",
                link=grant.link,
                meta={
                    "grant": grant.code,
                    "voided_by": self.person("WHCDF", "foundation"),
                    "reason": "项目提前结项",
                },
            )
        )

    def grant_refund(self, day: datetime.date, grant: _Grant, amount: Decimal) -> None:
        self.book(
            build.refund(
                fb_id=f"{grant.code}-refund",
                date=day,
                fund=grant.fund,
                amount=amount,
                payee=grant.payee,
                bank=ICBC,
                narration=f"项目结项退回结余资金: {grant.project}",
                link=grant.link,
                meta={
                    "grant": grant.code,
                    "enterprise": grant.enterprise,
                    "bank_reference": self.bank_ref(ICBC, day),
                },
            )
        )

    # -- year end and assertions

    def assert_banks(self, day: datetime.date) -> None:
        for bank in BANKS:
            self.entries.append(
                data.Balance(
                    {"filename": "<fundbook>", "lineno": 0},
                    day,
                    bank.category.account,
                    Amount(self.bank_total[bank.key], "CNY"),
                    None,
                    None,
                )
            )

    # -- the calendar

    def month(self, first: datetime.date) -> None:
        rng = self.rng
        year, month = first.year, first.month
        days = ((first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - first).days

        def day_of(low: int = 1, high: int | None = None) -> datetime.date:
            return _workday(first.replace(day=rng.randint(low, min(high or days, days - 3))))

        if first > START and (year < 2026 or (year, month) == (2026, 1)):
            self.at(first, 0, self.assert_banks)
        for community in self.communities:
            micro = self.registry.fund(f"MF-{community}")
            for _ in range(rng.choice((1, 2, 2, 3))):
                self.at(day_of(), 5, lambda when, fund=micro: self.donation(when, fund))
            if rng.random() < 0.85:
                self.at(
                    day_of(10),
                    25,
                    lambda when, fund=micro: self.request(when, fund, 0.5, names.MICRO_PURPOSES),
                )
            if month % 3 == 0 or rng.random() < 0.35:
                for pool in ("GP", "IP"):
                    allocation = self.registry.fund(f"AL-{community}-{pool}")
                    self.at(
                        day_of(5),
                        25,
                        lambda when, fund=allocation, p=pool: self.request(
                            when, fund, 0.45, names.ALLOCATION_PURPOSES[p]
                        ),
                    )
        self.at(day_of(20), 50, self.admin)
        if month in (1, 4, 7, 10):
            for d, dept in enumerate(self.departments):
                _zh, _en, _income, pools, pledges = names.DEPARTMENTS[d]
                for pool in pools.split():
                    if rng.random() < 0.85:
                        self.at(
                            day_of(1, 20),
                            8,
                            lambda when, dp=dept, p=pool, pl=pledges: self.department_money(
                                when, dp, self.registry.fund(p), pl and rng.random() < 0.7
                            ),
                        )
            self.at(day_of(1, 15), 8, self.district_income)
            self.at(day_of(1, 15), 8, self.foundation_income)
        if month in (2, 5, 8, 11):
            self.at(
                _workday(first.replace(day=10)),
                15,
                lambda when: self.allocate(when, "GP", Decimal("0.85")),
            )
        if month in (6, 12):
            self.at(
                _workday(first.replace(day=12)),
                15,
                lambda when: self.allocate(when, "IP", Decimal("0.90")),
            )
        if month in (3, 6, 9, 12):
            self.at(first.replace(day=21), 12, self.interest)

    def run(self) -> None:
        enterprises = [
            org.code for org in self.registry.orgs.values() if org.kind is OrgKind.ENTERPRISE
        ]
        awards = [START + datetime.timedelta(days=120 + 55 * i) for i in range(22)]
        for index, (enterprise, day) in enumerate(zip(enterprises, awards, strict=False)):
            self.at(_workday(day), 40, lambda when, e=enterprise, i=index: self.award(when, e, i))
        first = START
        while first <= END:
            self.month(first)
            next_first = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
            while self.queue and self.queue[0][0] < next_first:
                day, _priority, _seq, action = heapq.heappop(self.queue)
                action(day)
            first = next_first


def _by_year(entries: list[data.Directive]) -> Iterator[tuple[int, list[data.Directive]]]:
    years: dict[int, list[data.Directive]] = defaultdict(list)
    for entry in entries:
        year = entry.date.year
        if isinstance(entry, data.Balance) and entry.date == datetime.date(2026, 1, 1):
            year = 2025
        years[year].append(entry)
    yield from sorted(years.items())


def _write_journal(layout: Layout, entries: list[data.Directive]) -> None:
    """The open year goes through the writer, one batch per day, so it carries a hash chain."""
    writer = Writer(layout)
    batch: list[data.Transaction] = []
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        if batch and batch[0].date != entry.date:
            writer.append(batch)
            batch = []
        batch.append(entry)
    if batch:
        writer.append(batch)


def build_demo(home: Path) -> DemoSummary:
    """Create the Wuhou demo district in `home` (empty or absent)."""
    layout = Layout(home)
    check_home_empty(layout)
    registry = demo_registry()
    sim = _Sim(registry)
    sim.run()
    grouped = dict(_by_year(sim.entries))
    history = tuple(year for year in grouped if year in CLOSED_YEARS)
    create_book(
        layout,
        BookSpec(
            title=TITLE,
            registry=registry,
            banks=BANKS,
            opened=START,
            history_years=history,
            fava_extension=fava_extension_available(),
        ),
    )
    ensure_import_config(layout.book_dir)
    for year in history:
        write_history(layout, year, grouped[year])
    for year in history:
        # The close an accountant runs (`fundbook close`), refusing what it would refuse.
        book_close(layout, CloseRequest(year=year, today=END))
    _write_journal(
        layout,
        [entry for year, entries in grouped.items() if year not in history for entry in entries],
    )
    for year in history:
        seal_year(home, year, today=END)
    micro = registry.funds_of_kind(FundKind.MICRO)
    return DemoSummary(
        home=home,
        transactions=sim.transactions,
        streets=len(registry.of_kind(OrgKind.STREET)),
        communities=len(registry.of_kind(OrgKind.COMMUNITY)),
        micro_funds=len(micro),
        departments=len(sim.departments_contributing),
        grants=sim.grants,
        years=tuple(grouped),
    )
