"""More banks' corporate (对公) statements: 建设银行 and 中国银行 CSV exports, in GBK.

The samples follow each bank's own export: 建设银行 prints 借方发生额（支取） /
贷方发生额（收入） with the date in 记账日期 and its serial in
账户明细编号-交易流水号; 中国银行 prints bilingual headers, one signed
交易金额 and both the payer and the payee of each line.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from bankstatements.importer import BankStatementImporter
from bankstatements.statement import decode, parse_statement

CCB_NUMBER = "5105 0146 3708 0000 1688"
CCB = (
    "中国建设银行单位账户明细\n"
    "账号,51050146370800001688\n"
    "账户名称,成都市武侯区社区发展基金会\n"
    "交易时间,借方发生额（支取）,贷方发生额（收入）,余额,币种,对方户名,对方账号,"
    "对方开户机构,记账日期,摘要,备注,账户明细编号-交易流水号,企业流水号\n"
    '2026-03-11 09:30:12,,"20,000.00","820,000.00",人民币,区民政局,'
    "\t510101000011112222,建行成都分行,20260311,拨款,,CCB-0001-202603110001,\n"
    '2026-03-12 15:02:45,"1,260.00",,"818,740.00",人民币,玉林社区老年协会,'
    "\t6217000011115555,建行武侯支行,20260312,支付 重阳节敬老活动,,CCB-0001-202603120002,\n"
)
BOC_NUMBER = "1001 3000 0045 6789"
BOC = (
    "账号[ Account No. ],1001300000456789\n"
    "交易日期[ Transaction Date ],交易时间[ Transaction time ],交易类型[ Transaction Type ],"
    "付款人账号[ Payer's Account Number ],付款人名称[ Payer's Name ],"
    "收款人账号[ Payee's Account Number ],收款人名称[ Payee's Name ],"
    "交易金额[ Trade Amount ],交易后余额[ After-transaction balance ],"
    "用途[ Purpose ],交易流水号[ Transaction reference number ]\n"
    "20260313,10:00:00,来账,6222000011117777,玉林街道热心居民,1001300000456789,"
    '成都市武侯区社区发展基金会,500.00,"60,500.00",捐赠,BOC2026031300001\n'
    "20260314,11:20:00,往账,1001300000456789,成都市武侯区社区发展基金会,"
    '6222000011118888,芳草社区志愿者队,-120.00,"60,380.00",活动经费,BOC2026031400002\n'
)


def test_ccb_corporate_statement(tmp_path: Path) -> None:
    statement = parse_statement(decode(CCB.encode("gbk")))
    assert statement.account_number == "51050146370800001688"
    first, second = statement.lines
    assert (first.date, first.amount, first.balance) == (
        datetime.date(2026, 3, 11),
        Decimal("20000.00"),
        Decimal("820000.00"),
    )
    assert (first.payee, first.payee_account, first.reference) == (
        "区民政局",
        "510101000011112222",
        "CCB-0001-202603110001",
    )
    assert (second.amount, second.balance, second.narration) == (
        Decimal("-1260.00"),
        Decimal("818740.00"),
        "支付 重阳节敬老活动",
    )
    path = tmp_path / "ccb.csv"
    path.write_bytes(CCB.encode("gbk"))
    assert BankStatementImporter(key="CCB", number=CCB_NUMBER).identify(str(path))
    assert not BankStatementImporter(key="BOCD", number=BOC_NUMBER).identify(str(path))


def test_boc_corporate_statement_names_the_other_side_of_each_line(tmp_path: Path) -> None:
    statement = parse_statement(decode(BOC.encode("gbk")))
    assert statement.account_number == "1001300000456789"
    money_in, money_out = statement.lines
    assert (money_in.date, money_in.amount, money_in.balance) == (
        datetime.date(2026, 3, 13),
        Decimal("500.00"),
        Decimal("60500.00"),
    )
    # Money in: the counterparty is the payer; money out: the payee.
    assert (money_in.payee, money_in.payee_account) == ("玉林街道热心居民", "6222000011117777")
    assert (money_out.payee, money_out.payee_account) == ("芳草社区志愿者队", "6222000011118888")
    assert (money_out.amount, money_out.reference, money_out.narration) == (
        Decimal("-120.00"),
        "BOC2026031400002",
        "活动经费",
    )
    path = tmp_path / "boc.csv"
    path.write_bytes(BOC.encode("gbk"))
    assert BankStatementImporter(key="BOCD", number=BOC_NUMBER).identify(str(path))
    entries = BankStatementImporter(key="BOCD", number=BOC_NUMBER).extract(str(path), [])
    balances = [e for e in entries if type(e).__name__ == "Balance"]
    # Each day's closing balance, asserted at the start of the next day.
    assert [(b.date, b.amount.number) for b in balances] == [
        (datetime.date(2026, 3, 14), Decimal("60500.00")),
        (datetime.date(2026, 3, 15), Decimal("60380.00")),
    ]
