"""Entry builders: the year-end close and the release of restrictions."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from beancount.core import data

from ledger import entries as build
from ledger.book import PLUGINS
from tests.plugins.book import ICBC, load, render, small_registry

DAY = datetime.date(2026, 12, 31)
REGISTRY = small_registry()


def totals(entries: list[data.Transaction], opening: dict[str, Decimal]) -> dict[str, Decimal]:
    """Account balances after `entries`, accounts at zero left out."""
    balances: dict[str, Decimal] = defaultdict(Decimal, opening)
    for entry in entries:
        for posting in entry.postings:
            balances[posting.account] += posting.units.number
    return {account: number for account, number in balances.items() if number != 0}


def test_a_restricted_fund_closes_income_and_transfers_to_3102_and_releases_its_expenses() -> None:
    fund = REGISTRY.fund("MF-ST01C01")
    opening = {
        "Income:Donation:Restricted:MF-ST01C01": Decimal("-1000.00"),
        "Expenses:Program:MF-ST01C01": Decimal("300.00"),
        "Equity:Interfund:MF-ST01C01": Decimal("-200.00"),
    }
    close, release = build.year_end_close(
        fb_id="CLOSE-2026-MF", date=DAY, fund=fund, balances=opening
    )
    assert "close" in close.tags and "release" in release.tags
    assert release.meta["fb_id"] == "CLOSE-2026-MF-release"
    assert totals([close, release], opening) == {
        "Equity:NetAssets:Restricted:MF-ST01C01": Decimal("-900.00"),
    }


def test_an_unrestricted_fund_closes_everything_to_3101_without_a_release() -> None:
    fund = REGISTRY.fund("FDN")
    opening = {
        "Income:Donation:Unrestricted:FDN": Decimal("-500.00"),
        "Expenses:Admin:FDN": Decimal("100.00"),
        "Equity:Interfund:FDN": Decimal("200.00"),
    }
    (close,) = build.year_end_close(fb_id="CLOSE-2026-FDN", date=DAY, fund=fund, balances=opening)
    assert totals([close], opening) == {"Equity:NetAssets:Unrestricted:FDN": Decimal("-200.00")}


def test_negative_expenses_of_a_restricted_fund_go_back_to_restricted_net_assets() -> None:
    # A commitment of last year voided this year: the year's expenses are -50.00.
    fund = REGISTRY.fund("MF-ST01C01")
    opening = {"Expenses:Program:MF-ST01C01": Decimal("-50.00")}
    close, release = build.year_end_close(
        fb_id="CLOSE-2026-MF", date=DAY, fund=fund, balances=opening
    )
    assert "release" in release.tags
    assert totals([close, release], opening) == {
        "Equity:NetAssets:Restricted:MF-ST01C01": Decimal("-50.00"),
    }


def test_the_close_and_its_release_pass_every_plugin() -> None:
    body = """
2026-03-01 * "捐赠"
  Assets:Bank:ICBC:MF-ST01C01                   100.00 CNY
  Income:Donation:Restricted:MF-ST01C01        -100.00 CNY
2026-06-01 * "退回"
  Assets:Bank:ICBC:MF-ST01C01                    50.00 CNY
  Expenses:Program:MF-ST01C01                   -50.00 CNY
"""
    fund = REGISTRY.fund("MF-ST01C01")
    closing = build.year_end_close(
        fb_id="CLOSE-2026-MF",
        date=DAY,
        fund=fund,
        balances={
            "Income:Donation:Restricted:MF-ST01C01": Decimal("-100.00"),
            "Expenses:Program:MF-ST01C01": Decimal("-50.00"),
        },
    )
    _, errors = load(body + render(closing), PLUGINS)
    assert errors == []


@pytest.mark.parametrize(
    "meta", [{"fund": "MF-ST01C02"}, {"fb_id": "OTHER"}, {"target_fund": "AL-ST01C02-IP"}]
)
def test_extra_metadata_never_contradicts_the_builders_arguments(meta: dict[str, str]) -> None:
    fund, target = REGISTRY.fund("GP"), REGISTRY.fund("AL-ST01C01-GP")
    with pytest.raises(build.InvalidEntry, match="contradicts"):
        build.transfer(
            fb_id="A1-transfer",
            date=DAY,
            source=fund,
            target=target,
            amount=Decimal("1.00"),
            bank=ICBC,
            narration="下达",
            link="alloc-A1",
            meta=meta,
        )
    if "target_fund" not in meta:
        with pytest.raises(build.InvalidEntry, match="contradicts"):
            build.commitment(
                fb_id="R1-commitment",
                date=DAY,
                fund=fund,
                amount=Decimal("1.00"),
                payee="x",
                narration="审批通过",
                link="req-R1",
                meta=meta,
            )
    same = build.commitment(
        fb_id="R1-commitment",
        date=DAY,
        fund=fund,
        amount=Decimal("1.00"),
        payee="x",
        narration="审批通过",
        link="req-R1",
        meta={"fund": "GP", "request": "R1"},
    )
    assert same.meta == {"fb_id": "R1-commitment", "fund": "GP", "request": "R1"}
