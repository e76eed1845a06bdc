"""A small district book written in the test, for the Fava tests.

Two communities with micro-funds, the foundation's fund, one bank (ICBC), a
few contributions, a commitment and a payment with a bank reference (appended
by the real writer), and a balance assertion in the accountant's file: a book
made by `ledger.book.create_book`, loading in a fraction of a second.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from funds.model import Fund, FundKind, Organization, OrgKind, Restriction
from funds.registry import Registry
from ledger import entries as build
from ledger.accounts import Bank, IncomeKind
from ledger.book import BookSpec, create_book
from ledger.layout import Layout
from ledger.writer import Writer

ICBC = Bank("ICBC", "工商银行武侯支行基本户", "4402201009000123456")
OPENED = datetime.date(2024, 1, 1)


def registry() -> Registry:
    orgs = [
        Organization("WUHOU", OrgKind.DISTRICT, "Wuhou District", "武侯区"),
        Organization("WHCDF", OrgKind.FOUNDATION, "Wuhou CDF", "武侯区社区发展基金会"),
        Organization("ST01", OrgKind.STREET, "Yulin Street", "玉林街道", "WUHOU"),
        Organization("ST01C01", OrgKind.COMMUNITY, "Yulin", "玉林社区", "ST01"),
        Organization("ST01C02", OrgKind.COMMUNITY, "Fangcao", "芳草社区", "ST01"),
    ]
    funds = [
        Fund(
            "FDN",
            FundKind.FOUNDATION,
            "Foundation",
            "基金会非限定性资金",
            "WHCDF",
            Restriction.UNRESTRICTED,
        ),
        Fund(
            "MF-ST01C01",
            FundKind.MICRO,
            "Yulin micro-fund",
            "玉林社区微基金",
            "ST01C01",
            Restriction.RESTRICTED,
        ),
        Fund(
            "MF-ST01C02",
            FundKind.MICRO,
            "Fangcao micro-fund",
            "芳草社区微基金",
            "ST01C02",
            Restriction.RESTRICTED,
        ),
    ]
    return Registry.build(orgs, funds)


def write_small_book(home: Path) -> Layout:
    """Write the small book into `home` (the real book files, plugins and writer)."""
    layout = Layout(home)
    reg = registry()
    create_book(layout, BookSpec(title="小账本", registry=reg, banks=(ICBC,), opened=OPENED))
    fdn, yulin, fangcao = (reg.fund(code) for code in ("FDN", "MF-ST01C01", "MF-ST01C02"))
    day = datetime.date(2026, 3, 1)
    Writer(layout).append(
        [
            build.contribution(
                fb_id="C1",
                date=day,
                fund=fdn,
                amount=Decimal("50000.00"),
                bank=ICBC,
                income=IncomeKind.DONATION,
                source="爱心企业",
                narration="捐赠",
                receipt_no="JZ2026001",
            ),
            build.contribution(
                fb_id="C2",
                date=day,
                fund=yulin,
                amount=Decimal("12000.00"),
                bank=ICBC,
                income=IncomeKind.DONATION,
                source="居民众筹",
                narration="微基金捐赠",
                receipt_no="JZ2026002",
            ),
            build.contribution(
                fb_id="C3",
                date=day,
                fund=fangcao,
                amount=Decimal("3000.50"),
                bank=ICBC,
                income=IncomeKind.DONATION,
                source="芳草商户",
                narration="微基金捐赠",
                receipt_no="JZ2026003",
            ),
            build.commitment(
                fb_id="R000001-commitment",
                date=datetime.date(2026, 3, 5),
                fund=yulin,
                amount=Decimal("800.00"),
                payee="玉林社区老年协会",
                narration="重阳节敬老活动",
                link="req-R000001",
                meta={"request": "R000001"},
            ),
            build.payment(
                fb_id="R000001-payment",
                date=datetime.date(2026, 3, 6),
                fund=yulin,
                amount=Decimal("800.00"),
                payee="玉林社区老年协会",
                bank=ICBC,
                narration="支付: 重阳节敬老活动",
                link="req-R000001",
                bank_reference="ICBC20260306001",
                meta={"request": "R000001"},
            ),
        ]
    )
    manual = layout.manual.read_text(encoding="utf-8")
    layout.manual.write_text(
        "2026-03-02 balance Assets:Bank:ICBC  65000.50 CNY\n\n" + manual, encoding="utf-8"
    )
    return layout
