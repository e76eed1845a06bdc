"""registered_funds: postings only to accounts of funds the book registers."""

from __future__ import annotations

from tests.plugins.book import load, messages

PLUGIN = ["ledger.plugins.registered_funds"]


def test_accepts_postings_to_registered_funds() -> None:
    _, errors = load(
        """
2026-03-01 * "捐赠" "社区活动捐款"
  Assets:Bank:ICBC:MF-ST01C01                   100.00 CNY
  Income:Donation:Restricted:MF-ST01C01        -100.00 CNY
""",
        PLUGIN,
    )
    assert errors == []


def test_rejects_posting_to_the_shared_parent_account() -> None:
    _, errors = load(
        """
2026-03-01 * "捐赠" "记到了总账户"
  fb_id: "D000001"
  Assets:Bank:ICBC                              100.00 CNY
  Income:Donation:Restricted:MF-ST01C01        -100.00 CNY
""",
        PLUGIN,
    )
    assert len(errors) == 1
    (message,) = messages(errors)
    assert "Assets:Bank:ICBC," in message
    assert "belongs to no fund" in message
    assert '2026-03-01 "记到了总账户" (fb_id D000001)' in message
    assert errors[0].source["lineno"] > 0


def test_rejects_posting_to_an_unregistered_fund() -> None:
    _, errors = load(
        """
2024-01-01 open Income:Donation:Restricted:MF-ST99C99
2026-03-01 * "捐赠" "不存在的社区"
  Assets:Bank:ICBC:MF-ST01C01                   100.00 CNY
  Income:Donation:Restricted:MF-ST99C99        -100.00 CNY
""",
        PLUGIN,
    )
    (message,) = messages(errors)
    assert "Income:Donation:Restricted:MF-ST99C99" in message
    assert "fund MF-ST99C99, which is not registered" in message
    assert '"不存在的社区"' in message


def test_reports_a_registry_directive_that_does_not_load() -> None:
    _, errors = load(
        """
2024-01-01 custom "fundbook-fund" "XF"
  kind: "no-such-kind"
  name: "X"
  name_zh: "某基金"
  org: "WHCDF"
  restriction: "restricted"
  chain: "foundation@foundation"
""",
        PLUGIN,
    )
    assert any("fundbook-fund XF" in message for message in messages(errors))
