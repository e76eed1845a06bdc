"""The plugins really run when a book declares them.

Beancount skips a plugin module without `__plugins__` silently and turns a
raising plugin into one "Error applying plugin", so a book that merely loads
proves nothing: a book that breaks every rule must get every plugin's error.
"""

from __future__ import annotations

import datetime
import importlib

import pytest

from ledger.plugins.fund_balance import FundImbalanceError
from ledger.plugins.no_overdraft import OverdraftError
from ledger.plugins.registered_funds import UnregisteredFundError
from ledger.plugins.restricted_spending import RestrictedSpendingError
from tests.plugins.book import PLUGINS, load, render
from tests.plugins.chained import chained_payments

FUNDED = """
2026-01-05 * "捐赠"
  Assets:Bank:ICBC:MF-ST01C01                   500.00 CNY
  Income:Donation:Restricted:MF-ST01C01        -500.00 CNY
2026-01-05 * "部门资金"
  Assets:Bank:ICBC:GP                          1000.00 CNY
  Income:Subsidy:Restricted:GP                -1000.00 CNY
2026-02-01 * "保障资金划拨" #interfund
  Assets:Bank:ICBC:GP                          -400.00 CNY
  Equity:Interfund:GP                           400.00 CNY
  Assets:Bank:ICBC:AL-ST01C01-GP                400.00 CNY
  Equity:Interfund:AL-ST01C01-GP               -400.00 CNY
"""

BROKEN = """
2026-04-01 * "记到了总账户"
  Assets:Bank:ICBC                              10.00 CNY
  Income:Donation:Unrestricted:FDN             -10.00 CNY
2026-04-02 * "直接划拨"
  Assets:Bank:ICBC:GP                          -10.00 CNY
  Assets:Bank:ICBC:MF-ST01C02                   10.00 CNY
2026-04-03 * "挪用" #interfund
  Assets:Bank:ICBC:MF-ST01C01                   -10.00 CNY
  Equity:Interfund:MF-ST01C01                    10.00 CNY
  Assets:Bank:ICBC:MF-ST01C02                    10.00 CNY
  Equity:Interfund:MF-ST01C02                   -10.00 CNY
2026-04-04 * "超支"
  Expenses:Program:AL-ST01C01-GP              1000.00 CNY
  Assets:Bank:ICBC:AL-ST01C01-GP             -1000.00 CNY
"""


@pytest.mark.parametrize("name", PLUGINS)
def test_each_plugin_module_declares_its_function(name: str) -> None:
    module = importlib.import_module(name)
    function_name = name.rsplit(".", 1)[1]
    assert module.__plugins__ == (function_name,)
    assert callable(getattr(module, function_name))
    assert "Accepted" in (module.__doc__ or "") and "Rejected" in (module.__doc__ or "")


def test_a_clean_book_loads_without_errors_under_all_plugins() -> None:
    chain = render(chained_payments("MF-ST01C01", ["10.00", "20.00"], datetime.date(2026, 3, 1)))
    _, errors = load(FUNDED + chain, PLUGINS)
    assert errors == []


def test_every_plugin_reports_its_rule_when_the_book_declares_it() -> None:
    chain = chained_payments("MF-ST01C01", ["10.00", "20.00"], datetime.date(2026, 3, 1))
    text = render(chain).replace("  20.00 CNY", "  25.00 CNY").replace("-20.00 CNY", "-25.00 CNY")
    _, errors = load(FUNDED + text + BROKEN, PLUGINS)
    kinds = {type(error).__name__ for error in errors}
    assert not [
        e
        for e in errors
        if "Error applying plugin" in e.message or "Error importing plugin" in e.message
    ]
    assert {
        UnregisteredFundError.__name__,
        FundImbalanceError.__name__,
        RestrictedSpendingError.__name__,
        OverdraftError.__name__,
        "ChainError",
    } <= kinds
