"""Sample bank statements as Chinese banks export them, written in the test."""

from __future__ import annotations

import csv
import io
from pathlib import Path

ICBC_NUMBER = "4402 2010 0900 0123 456"

# The small book (tests/fava/smallbook.py) has booked: three contributions on
# 2026-03-01 (receipts JZ2026001..3) and a payment of 800.00 on 2026-03-06
# (bank_reference ICBC20260306001). Running balance after each line.
ICBC_ROWS = [
    # date, narration, income, expense, balance, payee, payee account, serial
    (
        "2026-03-01",
        "捐赠",
        "50,000.00",
        "",
        "50000.00",
        "爱心企业",
        "6222000011112222",
        "JZ2026001",
    ),
    (
        "2026-03-01",
        "微基金捐赠",
        "12,000.00",
        "",
        "62000.00",
        "居民众筹",
        "6222000011113333",
        "JZ2026002",
    ),
    (
        "2026-03-01",
        "微基金捐赠",
        "3,000.50",
        "",
        "65000.50",
        "芳草商户",
        "6222000011114444",
        "JZ2026003",
    ),
    (
        "2026-03-06",
        "支付: 重阳节敬老活动",
        "",
        "800.00",
        "64200.50",
        "玉林社区老年协会",
        "6222000011115555",
        "ICBC20260306001",
    ),
    ("2026-03-09", "利息", "35.20", "", "64235.70", "工商银行", "", "ICBC20260309001"),
    ("2026-03-09", "手续费", "", "5.00", "64230.70", "工商银行", "", "ICBC20260309002"),
    (
        "2026-03-10",
        "退回多付款",
        "120.00",
        "",
        "64350.70",
        "芳草社区居委会",
        "6222000011116666",
        "ICBC20260310001",
    ),
]
NEW_REFERENCES = {"ICBC20260309001", "ICBC20260309002", "ICBC20260310001"}


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def icbc_csv(*, rows: list[tuple[str, ...]] | None = None, variant: str = "icbc") -> str:
    """A statement's text: `icbc` (收入金额/支出金额) or `debit-credit` (借方/贷方发生额)."""
    rows = ICBC_ROWS if rows is None else rows
    if variant == "icbc":
        head = (
            "中国工商银行 账户明细查询\n"
            f"账号：{ICBC_NUMBER},户名：成都市武侯区社区发展基金会\n"
            "起止日期：2026-03-01 至 2026-03-31,币种：人民币\n"
        )
        table = [
            [
                "交易日期",
                "摘要",
                "收入金额",
                "支出金额",
                "余额",
                "对方户名",
                "对方账号",
                "交易流水号",
            ],
            *(list(row) for row in rows),
            ["合计", "", "", "", "", "", "", ""],
        ]
        return head + _csv(table)
    head = f"账户明细\n账号,{ICBC_NUMBER.replace(' ', '')}\n"
    table = [
        [
            "记账日期",
            "交易时间",
            "借方发生额",
            "贷方发生额",
            "余额",
            "对方户名",
            "对方账号",
            "摘要",
            "交易流水号",
        ]
    ]
    for date, narration, income, expense, balance, payee, account, serial in rows:
        table.append(
            [
                date.replace("-", ""),
                "10:00:00",
                expense,
                income,
                balance,
                payee,
                f"\t{account}",
                narration,
                serial,
            ]
        )
    return head + _csv(table)


def write_statement(path: Path, text: str, encoding: str) -> Path:
    """Write `text` as GBK, UTF-8, or UTF-8 with BOM ("utf-8-sig")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
