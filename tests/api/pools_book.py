"""A small district with pools, allocation funds, departments and an enterprise, for the
pooled-fund API tests; and helpers to check the book after a flow.

Funds: FDN, DCF (district fund, seeded with 100,000.00), GP and IP (pools, empty),
AL-ST01C01-GP, AL-ST02C01-GP (allocation funds, the standard chain), MF-ST01C01.
Departments D01-D03, enterprise SE01. One bank, ICBC.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from funds.chains import parse_chain
from funds.model import Fund, FundKind, Organization, OrgKind, Restriction
from funds.registry import Registry
from ledger import entries as build
from ledger.accounts import IncomeKind
from ledger.book import BookSpec, create_book
from ledger.layout import Layout
from ledger.writer import Writer
from tests.api.serving import ICBC, OPENED

CHAIN = parse_chain("community_party@community street@street foundation@foundation")
R, U = Restriction.RESTRICTED, Restriction.UNRESTRICTED
DCF_SEED = Decimal("100000.00")


def pools_registry() -> Registry:
    orgs = [
        Organization("WUHOU", OrgKind.DISTRICT, "Wuhou", "武侯区"),
        Organization("WHCDF", OrgKind.FOUNDATION, "Foundation", "武侯区社区发展基金会", "WUHOU"),
        Organization("ST01", OrgKind.STREET, "Street 1", "玉林街道", "WUHOU"),
        Organization("ST02", OrgKind.STREET, "Street 2", "浆洗街街道", "WUHOU"),
        Organization("ST01C01", OrgKind.COMMUNITY, "Yulin", "玉林社区", "ST01"),
        Organization("ST01C02", OrgKind.COMMUNITY, "Fangcao", "芳草社区", "ST01"),
        Organization("ST02C01", OrgKind.COMMUNITY, "Jiangxi", "浆洗社区", "ST02"),
        Organization("D01", OrgKind.DEPARTMENT, "Civil Affairs", "区民政局", "WUHOU"),
        Organization("D02", OrgKind.DEPARTMENT, "Health", "区卫健局", "WUHOU"),
        Organization("D03", OrgKind.DEPARTMENT, "Disabled", "区残联", "WUHOU"),
        Organization(
            "SE01", OrgKind.ENTERPRISE, "Chan'ai", "成都馋爱善食餐饮管理社会企业有限公司", "WUHOU"
        ),
    ]
    funds = [
        Fund(
            "FDN",
            FundKind.FOUNDATION,
            "Foundation fund",
            "基金会非限定性资金",
            "WHCDF",
            U,
            parse_chain("foundation@foundation"),
        ),
        Fund(
            "DCF",
            FundKind.DISTRICT,
            "District fund",
            "区级社区发展基金",
            "WUHOU",
            U,
            parse_chain("foundation@foundation"),
        ),
        Fund(
            "GP",
            FundKind.GUARANTEE_POOL,
            "Guarantee pool",
            "社区发展治理专项保障资金",
            "WUHOU",
            R,
            parse_chain("district@district"),
        ),
        Fund(
            "IP",
            FundKind.INCENTIVE_POOL,
            "Incentive pool",
            "社区发展治理专项激励资金",
            "WUHOU",
            R,
            parse_chain("district@district"),
        ),
        Fund(
            "AL-ST01C01-GP",
            FundKind.ALLOCATION,
            "Yulin guarantee",
            "玉林社区保障资金",
            "ST01C01",
            R,
            CHAIN,
            pool="GP",
        ),
        Fund(
            "AL-ST02C01-GP",
            FundKind.ALLOCATION,
            "Jiangxi guarantee",
            "浆洗社区保障资金",
            "ST02C01",
            R,
            CHAIN,
            pool="GP",
        ),
        Fund("MF-ST01C01", FundKind.MICRO, "Yulin micro", "玉林社区微基金", "ST01C01", R, CHAIN),
    ]
    return Registry.build(orgs, funds)


def pools_book(home: Path) -> Path:
    """A new book of the small district; only DCF holds money (a donation of 100,000.00)."""
    registry = pools_registry()
    layout = Layout(home)
    create_book(
        layout,
        BookSpec(
            title="测试基金会",
            registry=registry,
            banks=(ICBC,),
            opened=OPENED,
            fava_extension=False,
        ),
    )
    Writer(layout).append(
        [
            build.contribution(
                fb_id="SEED-DCF",
                date=OPENED,
                fund=registry.fund("DCF"),
                amount=DCF_SEED,
                bank=ICBC,
                income=IncomeKind.DONATION,
                source="区财政",
                narration="初始资金",
            )
        ]
    )
    return home


def load_book(home: Path) -> tuple[list[object], list[object]]:
    """The whole book loaded with its plugins, as bean-check does: (entries, errors)."""
    from beancount import loader

    entries, errors, _options = loader.load_file(str(Layout(home).main))
    return entries, errors


def balances(entries: list[object]) -> dict[str, Decimal]:
    """Every fund's balance (net assets: its Assets and Liabilities postings)."""
    from beancount.core import data

    totals: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                parts = posting.account.split(":")
                if parts[0] in ("Assets", "Liabilities") and len(parts) >= 3:
                    fund = parts[-1]
                    totals[fund] = totals.get(fund, Decimal("0.00")) + posting.units.number
    return {fund: totals.get(fund, Decimal("0.00")) for fund in pools_registry().funds}


def account_balance(entries: list[object], account: str) -> Decimal:
    from beancount.core import data

    return sum(
        (
            p.units.number
            for e in entries
            if isinstance(e, data.Transaction)
            for p in e.postings
            if p.account == account
        ),
        Decimal("0.00"),
    )
