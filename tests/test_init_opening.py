"""`fundbook init` with opening balances: a district carried over from its old books.

The trial balance below is what 用友/金蝶-style software exports at the end of
2025 (GBK, title lines above the header, thousands separators, parent rows
and a 合计 row). Worked by hand, fund by fund:

    FDN         cash 1,200 + ICBC 300,000 + receivable 5,000 = 306,200 = 3101 306,200
    DCF         ICBC 200,000                                 = 3102 200,000
    MF-ST01C01  ICBC 60,000 = payable 15,000 + 3102 45,000
    MF-ST02C01  ICBC 50,000                                  = 3102 50,000
    GP          CCB 250,000                                  = 3102 250,000

    assets 1,200 + 610,000 + 250,000 + 5,000 = 866,200; liabilities 15,000;
    net assets 306,200 unrestricted + 545,000 restricted = 851,200.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from beancount import loader

from fundbook_cli.main import main
from ledger.layout import Layout

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "district.toml"

TRIAL_BALANCE = """科目余额表
编制单位：成都市武侯区社区发展基金会,,,,,
科目编码,科目名称,期初借方,期初贷方,本期借方,本期贷方
1001,库存现金,"1,200.00",,,
1002,银行存款,"860,000.00",,,
100201,工商银行基本户,"610,000.00",,,
10020101,基本户-基金会非限定性资金,"300,000.00",,,
10020102,基本户-区级社区发展基金,"200,000.00",,,
10020103,基本户-锦里社区微基金,"60,000.00",,,
10020104,基本户-玉林北路社区微基金,"50,000.00",,,
100202,建设银行专项资金专户,"250,000.00",,,
1122,应收款项,"5,000.00",,,
2202,应付款项,,"15,000.00",,
3101,非限定性净资产,,"306,200.00",,
3102,限定性净资产,,"545,000.00",,
310201,区级社区发展基金,,"200,000.00",,
310202,锦里社区微基金,,"45,000.00",,
310203,玉林北路社区微基金,,"50,000.00",,
310204,专项保障资金,,"250,000.00",,
,合计,"866,200.00","866,200.00",,
"""

MAPPING = """
[opening]
trial_balance = "tb-2025.csv"

[[opening.accounts]]
code = "1001"
fund = "FDN"
account = "cash"

[[opening.accounts]]
code = "10020101"
fund = "FDN"
account = "bank:ICBC"

[[opening.accounts]]
code = "10020102"
fund = "DCF"
account = "bank"

[[opening.accounts]]
code = "10020103"
fund = "MF-ST01C01"
account = "bank"

[[opening.accounts]]
code = "10020104"
fund = "MF-ST02C01"
account = "bank"

[[opening.accounts]]
code = "100202"
fund = "GP"
account = "bank"

[[opening.accounts]]
code = "1122"
fund = "FDN"
account = "receivable"

[[opening.accounts]]
code = "2202"
fund = "MF-ST01C01"
account = "payable"

[[opening.accounts]]
code = "3101"
fund = "FDN"
account = "net_assets"

[[opening.accounts]]
code = "310201"
fund = "DCF"
account = "net_assets"

[[opening.accounts]]
code = "310202"
fund = "MF-ST01C01"
account = "net_assets"

[[opening.accounts]]
code = "310203"
fund = "MF-ST02C01"
account = "net_assets"

[[opening.accounts]]
code = "310204"
fund = "GP"
account = "net_assets"
"""


def district_with_openings(
    tmp_path: Path, trial_balance: str = TRIAL_BALANCE, mapping: str = MAPPING
) -> Path:
    config = tmp_path / "district.toml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8") + mapping, encoding="utf-8")
    (tmp_path / "tb-2025.csv").write_bytes(trial_balance.encode("gbk"))
    return config


def _balance_sheet(home: Path, tmp_path: Path) -> dict[str, dict[str, str]]:
    out = tmp_path / "bs.json"
    args = ["report", "balance-sheet", str(home), "--from", "2026-01-01", "--to", "2026-01-01"]
    assert main([*args, "--format", "json", "--out", str(out)]) == 0
    data: dict[str, dict[str, str]] = json.loads(out.read_text())["sections"][0]["data"]
    return data


def test_a_district_from_a_trial_balance_opens_with_the_csv_totals(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert main(["init", str(home), "--config", str(district_with_openings(tmp_path))]) == 0
    sheet = _balance_sheet(home, tmp_path)
    expected = {
        "total_assets": "866200.00",
        "total_liabilities": "15000.00",
        "net_unrestricted": "306200.00",
        "net_restricted": "545000.00",
        "total_net_assets": "851200.00",
        "total_liabilities_net_assets": "866200.00",
    }
    for key, amount in expected.items():
        # the balances are those at the end of 2025-12-31: already the opening column
        assert (key, sheet[key]["opening"], sheet[key]["closing"]) == (key, amount, amount)


def test_each_fund_opens_with_its_own_share_and_the_book_checks(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert main(["init", str(home), "--config", str(district_with_openings(tmp_path))]) == 0
    entries, errors, _ = loader.load_file(str(Layout(home).main))
    assert errors == []
    openings = {
        e.meta["fund"]: e for e in entries if hasattr(e, "tags") and "opening" in (e.tags or ())
    }
    assert sorted(openings) == ["DCF", "FDN", "GP", "MF-ST01C01", "MF-ST02C01"]
    jinli = {p.account: str(p.units.number) for p in openings["MF-ST01C01"].postings}
    assert jinli == {
        "Assets:Bank:ICBC:MF-ST01C01": "60000.00",
        "Liabilities:Payable:MF-ST01C01": "-15000.00",
        "Equity:NetAssets:Restricted:MF-ST01C01": "-45000.00",
    }
    gp = {p.account: str(p.units.number) for p in openings["GP"].postings}
    assert gp == {
        "Assets:Bank:CCB:GP": "250000.00",
        "Equity:NetAssets:Restricted:GP": "-250000.00",
    }
    assert {str(e.date) for e in openings.values()} == {"2025-12-31"}
    assert main(["check", str(home)]) == 0


def test_opening_balances_written_in_the_toml(tmp_path: Path) -> None:
    mapping = """
[[opening.balances]]
fund = "MF-ST02C01"
account = "bank"
debit = "1250.50"

[[opening.balances]]
fund = "MF-ST02C01"
account = "net_assets"
credit = "1250.50"
"""
    home = tmp_path / "home"
    assert (
        main(
            ["init", str(home), "--config", str(district_with_openings(tmp_path, mapping=mapping))]
        )
        == 0
    )
    sheet = _balance_sheet(home, tmp_path)
    assert sheet["total_assets"]["closing"] == "1250.50"
    assert sheet["net_restricted"]["closing"] == "1250.50"
    assert sheet["net_unrestricted"]["closing"] == "0.00"


def _refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], config: Path) -> str:
    home = tmp_path / "home"
    assert main(["init", str(home), "--config", str(config)]) == 1
    assert not home.exists()
    assert not [p for p in tmp_path.iterdir() if ".init-" in p.name]
    return capsys.readouterr().err


def test_a_fund_whose_lines_do_not_balance_is_named_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 310202 mapped to the wrong community: the file balances, the funds do not
    mapping = MAPPING.replace(
        'code = "310202"\nfund = "MF-ST01C01"', 'code = "310202"\nfund = "MF-ST02C01"'
    )
    err = _refused(tmp_path, capsys, district_with_openings(tmp_path, mapping=mapping))
    assert "fund MF-ST01C01 (锦里社区微基金): opening debits 60,000.00 and credits 15,000.00" in err
    assert (
        "fund MF-ST02C01 (玉林北路社区微基金): opening debits 50,000.00 and credits 95,000.00"
        in err
    )


def test_a_fund_that_would_start_below_zero_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = """
[[opening.balances]]
fund = "MF-ST02C01"
account = "payable"
credit = "100.00"

[[opening.balances]]
fund = "MF-ST02C01"
account = "net_assets"
debit = "100.00"
"""
    err = _refused(tmp_path, capsys, district_with_openings(tmp_path, mapping=mapping))
    assert "fund MF-ST02C01 (玉林北路社区微基金): it would start below zero" in err


def test_money_the_mapping_leaves_out_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tb = TRIAL_BALANCE.replace(
        '1122,应收款项,"5,000.00",,,', '1122,应收款项,"5,000.00",,,\n1141,预付账款,"300.00",,,'
    )
    err = _refused(tmp_path, capsys, district_with_openings(tmp_path, trial_balance=tb))
    assert "1141 预付账款) has an opening balance of 300.00 (debit) that opening.accounts" in err
    # the file itself no longer adds up either
    assert "合计): 866,200.00 / 866,200.00 is not the sum of the top-level accounts" in err


def test_a_parent_row_that_its_sub_accounts_do_not_add_up_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tb = TRIAL_BALANCE.replace(
        '100202,建设银行专项资金专户,"250,000.00"', '100202,建设银行专项资金专户,"249,000.00"'
    )
    err = _refused(tmp_path, capsys, district_with_openings(tmp_path, trial_balance=tb))
    assert (
        "(1002 银行存款): its balance is 860,000.00 (debit minus credit) but its sub-accounts add up to 859,000.00"
        in err
    )


def test_the_trial_balance_on_the_command_line_replaces_the_tomls(tmp_path: Path) -> None:
    config = district_with_openings(tmp_path)
    other = tmp_path / "other.csv"
    other.write_text(TRIAL_BALANCE, encoding="utf-8-sig")  # UTF-8 with BOM reads too
    (tmp_path / "tb-2025.csv").unlink()
    home = tmp_path / "home"
    assert main(["init", str(home), "--config", str(config), "--trial-balance", str(other)]) == 0
    assert _balance_sheet(home, tmp_path)["total_assets"]["closing"] == "866200.00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("title =", "titel = 1\ntitle ="), "top level: unknown key 'titel'"),
        (('restriction = "restricted"', 'restrction = "restricted"'), "unknown key 'restrction'"),
        (('number = "4402', 'numbr = "x"\nnumber = "4402'), "bank 'ICBC': unknown key 'numbr'"),
        (
            ('street = "ST01"', 'street = "ST01"\nparent = "ST01"'),
            "community 'ST01C01': unknown key 'parent'",
        ),
    ],
)
def test_an_unknown_toml_key_is_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], message: str
) -> None:
    config = tmp_path / "district.toml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    err = _refused(tmp_path, capsys, config)
    assert message in err


def test_an_unknown_key_in_the_opening_tables_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = MAPPING.replace('account = "cash"', 'acount = "cash"')
    err = _refused(tmp_path, capsys, district_with_openings(tmp_path, mapping=mapping))
    assert "opening.accounts[0]: unknown key 'acount'" in err
