"""A small district for report tests: a registry and chart as Beancount text, and a HOME.

Funds: FDN (foundation, unrestricted), DCF (district, unrestricted), GP
(guarantee pool, restricted), MF-ST01C01 (micro, restricted), AL-ST01C01-GP
(allocation from GP, restricted); bank ICBC; everything opened 2024-01-01.
Departments D01, D02; enterprise SE01.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.parser import printer

from funds.model import Fund, FundKind, Organization, OrgKind, Restriction
from funds.registry import Registry
from ledger import entries as build
from ledger.accounts import Bank, IncomeKind
from ledger.book import PLUGINS, BookSpec, create_book
from ledger.layout import Layout
from ledger.registry_io import chart_entries, registry_entries
from ledger.writer import Writer

OPENED = datetime.date(2024, 1, 1)
ICBC = Bank("ICBC", "工商银行武侯支行基本户", "4402 2010 0900 0123 456")
U, R = Restriction.UNRESTRICTED, Restriction.RESTRICTED


def small_registry() -> Registry:
    orgs = [
        Organization("WUHOU", OrgKind.DISTRICT, "Wuhou District", "武侯区"),
        Organization("WHCDF", OrgKind.FOUNDATION, "Wuhou CDF", "武侯区社区发展基金会", "WUHOU"),
        Organization("ST01", OrgKind.STREET, "Yulin Street", "玉林街道", "WUHOU"),
        Organization("ST01C01", OrgKind.COMMUNITY, "Yulin", "玉林社区", "ST01"),
        Organization("D01", OrgKind.DEPARTMENT, "Civil Affairs", "区民政局", "WUHOU"),
        Organization("D02", OrgKind.DEPARTMENT, "Health", "区卫健局", "WUHOU"),
        Organization("SE01", OrgKind.ENTERPRISE, "Elder Canteen", "长者食堂", "WUHOU"),
    ]
    funds = [
        Fund("FDN", FundKind.FOUNDATION, "Foundation", "基金会非限定性资金", "WHCDF", U),
        Fund("DCF", FundKind.DISTRICT, "District fund", "区级社区发展基金", "WUHOU", U),
        Fund("GP", FundKind.GUARANTEE_POOL, "Guarantee pool", "专项保障资金", "WUHOU", R),
        Fund("MF-ST01C01", FundKind.MICRO, "Yulin micro-fund", "玉林社区微基金", "ST01C01", R),
        Fund(
            "AL-ST01C01-GP",
            FundKind.ALLOCATION,
            "Yulin guarantee",
            "玉林社区保障资金",
            "ST01C01",
            R,
            pool="GP",
        ),
    ]
    return Registry.build(orgs, funds)


def _render(entries: list[data.Directive]) -> str:
    return "\n".join(printer.format_entry(entry) for entry in entries)


def book_text(
    body: str, plugins: tuple[str, ...] = PLUGINS, registry: Registry | None = None
) -> str:
    """A whole book: options, plugins, registry (default `small_registry`), chart and `body`."""
    registry = registry or small_registry()
    lines = ['option "title" "测试基金会"', 'option "operating_currency" "CNY"']
    lines += [f'plugin "{name}"' for name in plugins]
    return "\n".join(
        [
            *lines,
            _render(registry_entries(registry, [ICBC], OPENED)),
            _render(chart_entries(registry, [ICBC], OPENED)),
            body,
        ]
    )


def approval_meta(request: str) -> dict[str, str]:
    return {
        "request": request,
        "requested_by": "王芳",
        "requested_at": "2024-03-20T09:00:00+08:00",
        "approval_1_role": "community_party",
        "approval_1_org": "ST01C01",
        "approval_1_by": "李强",
        "approval_1_at": "2024-03-22T10:00:00+08:00",
        "approval_2_role": "street",
        "approval_2_org": "ST01",
        "approval_2_by": "赵敏",
        "approval_2_at": "2024-03-25T15:30:00+08:00",
        "approval_3_role": "foundation",
        "approval_3_org": "WHCDF",
        "approval_3_by": "陈静",
        "approval_3_at": "2024-03-28T11:00:00+08:00",
    }


def journal_entries() -> list[data.Transaction]:
    """Two years of movements of every kind, built with the ledger's entry builders."""
    reg = small_registry()
    fdn, dcf, gp = reg.fund("FDN"), reg.fund("DCF"), reg.fund("GP")
    mf, al = reg.fund("MF-ST01C01"), reg.fund("AL-ST01C01-GP")
    d = datetime.date
    money = Decimal
    txns = [
        build.contribution(
            fb_id="CT1",
            date=d(2024, 1, 10),
            fund=fdn,
            amount=money("10000.00"),
            bank=ICBC,
            income=IncomeKind.DONATION,
            source="某企业",
            narration="捐赠",
        ),
        build.contribution(
            fb_id="CT2",
            date=d(2024, 1, 15),
            fund=gp,
            amount=money("50000.00"),
            bank=ICBC,
            income=IncomeKind.SUBSIDY,
            source="区民政局",
            narration="专项资金",
            meta={"department": "D01"},
        ),
        build.contribution(
            fb_id="CT3",
            date=d(2024, 2, 1),
            fund=mf,
            amount=money("8000.00"),
            bank=ICBC,
            income=IncomeKind.DONATION,
            source="居民",
            narration="社区捐赠",
        ),
        build.contribution(
            fb_id="CT4",
            date=d(2024, 2, 5),
            fund=dcf,
            amount=money("30000.00"),
            bank=ICBC,
            income=IncomeKind.SUBSIDY,
            source="区财政局",
            narration="区级基金",
        ),
        build.transfer(
            fb_id="A1-transfer",
            date=d(2024, 3, 1),
            source=gp,
            target=al,
            amount=money("20000.00"),
            bank=ICBC,
            narration="下达",
            link="alloc-A000001",
            meta={"src_D01": "20000.00"},
        ),
        build.commitment(
            fb_id="R1-commitment",
            date=d(2024, 4, 1),
            fund=mf,
            amount=money("3000.00"),
            payee="老年协会",
            narration="重阳节",
            link="req-R000001",
            meta=approval_meta("R000001"),
        ),
        build.payment(
            fb_id="R1-payment",
            date=d(2024, 4, 10),
            fund=mf,
            amount=money("3000.00"),
            payee="老年协会",
            bank=ICBC,
            narration="支付: 重阳节",
            link="req-R000001",
            bank_reference="ICBC001",
            meta={"request": "R000001", "paid_by": "周慧"},
        ),
        build.expense(
            fb_id="EX1",
            date=d(2024, 5, 1),
            fund=fdn,
            amount=money("500.00"),
            payee="文具店",
            bank=ICBC,
            narration="办公用品",
        ),
        build.commitment(
            fb_id="R2-commitment",
            date=d(2024, 6, 1),
            fund=al,
            amount=money("5000.00"),
            payee="志愿者协会",
            narration="院落整治",
            link="req-R000002",
            meta={**approval_meta("R000002"), "src_D01": "5000.00"},
        ),
        build.payment(
            fb_id="R2-payment",
            date=d(2024, 6, 5),
            fund=al,
            amount=money("5000.00"),
            payee="志愿者协会",
            bank=ICBC,
            narration="支付: 院落整治",
            link="req-R000002",
            bank_reference="ICBC002",
            meta={"request": "R000002", "paid_by": "周慧", "src_D01": "5000.00"},
        ),
        build.commitment(
            fb_id="G1-award",
            date=d(2024, 7, 15),
            fund=dcf,
            amount=money("12000.00"),
            payee="长者食堂",
            narration="助餐服务",
            link="grant-G000001",
            meta={"enterprise": "SE01"},
        ),
        build.payment(
            fb_id="G1-tranche-1",
            date=d(2024, 8, 1),
            fund=dcf,
            amount=money("6000.00"),
            payee="长者食堂",
            bank=ICBC,
            narration="第1期",
            link="grant-G000001",
            meta={"tranche": "1/2", "milestone": "开业"},
        ),
        build.void(
            fb_id="G1-void",
            date=d(2024, 12, 1),
            fund=dcf,
            amount=money("6000.00"),
            payee="长者食堂",
            narration="结项核销",
            link="grant-G000001",
        ),
        build.contribution(
            fb_id="CT5",
            date=d(2024, 12, 20),
            fund=fdn,
            amount=money("100.00"),
            bank=ICBC,
            income=IncomeKind.INVESTMENT,
            source="工商银行",
            narration="利息",
        ),
        build.contribution(
            fb_id="CT6",
            date=d(2025, 2, 1),
            fund=mf,
            amount=money("2000.00"),
            bank=ICBC,
            income=IncomeKind.DONATION,
            source="居民",
            narration="捐赠",
        ),
        build.commitment(
            fb_id="R3-commitment",
            date=d(2025, 3, 1),
            fund=mf,
            amount=money("1500.00"),
            payee="社工中心",
            narration="邻里节",
            link="req-R000003",
            meta=approval_meta("R000003"),
        ),
    ]
    return txns


def make_home(path: Path, *, close_2024: bool = True) -> Path:
    """A HOME with the small district, its journal written by the ledger's writer."""
    layout = Layout(path)
    create_book(
        layout,
        BookSpec(title="测试基金会", registry=small_registry(), banks=(ICBC,), opened=OPENED),
    )
    writer = Writer(layout)
    txns = journal_entries()
    writer.append([t for t in txns if t.date.year == 2024])
    if close_2024:
        writer.append(year_end_closes(txns, 2024))
    writer.append([t for t in txns if t.date.year == 2025])
    return path


def year_end_closes(txns: list[data.Transaction], year: int) -> list[data.Transaction]:
    """The ledger's closing entries of every fund, from the balances of `txns`."""
    reg = small_registry()
    balances: dict[str, dict[str, Decimal]] = {}
    for txn in txns:
        if txn.date.year != year:
            continue
        for posting in txn.postings:
            account = posting.account
            if account.startswith(("Income:", "Expenses:", "Equity:Interfund:")):
                fund = account.rsplit(":", 1)[1]
                by_fund = balances.setdefault(fund, {})
                by_fund[account] = by_fund.get(account, Decimal("0.00")) + posting.units.number
    closes: list[data.Transaction] = []
    for fund, accounts in sorted(balances.items()):
        closes += build.year_end_close(
            fb_id=f"CLOSE-{year}-{fund}",
            date=datetime.date(year, 12, 31),
            fund=reg.fund(fund),
            balances=accounts,
        )
    return closes
