"""The statutory forms as printed: headers, lines and columns read back with pdftotext,
no two pieces of text overlapping on a line (pdfplumber), pages numbered.

The small district's 2024 (tests/reports/smallbook.py), worked by hand:
货币资金 83,600.00 at the end (one line for the bank), 非限定性净资产 33,600.00,
限定性净资产 50,000.00; income 98,100.00, expenses 14,500.00, released 8,000.00.
"""

from __future__ import annotations

import datetime
import io
import itertools
import subprocess
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest

from reports.book import Period, load_book, load_text
from reports.context import ReportContext
from reports.forms import activity_rows, balance_sheet_rows
from reports.service import build_document, render_document, render_report
from reports.statements import activities, balance_sheet
from tests.reports.smallbook import book_text, make_home

D = Decimal
Y2024 = Period(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_home(tmp_path_factory.mktemp("forms") / "home")


@pytest.fixture(scope="module")
def pack(home: Path) -> bytes:
    body, _ = render_report(
        name="audit-pack",
        home=home,
        date_from=Y2024.start,
        date_to=Y2024.end,
        fmt="pdf",
        lang="zh",
    )
    return body


def test_form_lines_by_hand(home: Path) -> None:
    view = load_book(home)
    rows = balance_sheet_rows(balance_sheet(ReportContext(view, Y2024)))
    assert rows[1] == (D("0.00"), D("83600.00"))  # 货币资金
    assert rows[20] == rows[60] == (D("0.00"), D("83600.00"))
    assert rows[80] == (D("0.00"), D("0.00"))
    assert rows[101] == (D("0.00"), D("33600.00")) and rows[105] == (D("0.00"), D("50000.00"))
    assert rows[120] == (D("0.00"), D("83600.00"))
    act = activity_rows(activities(ReportContext(view, Y2024)))
    assert act[11][2] == D("98100.00") and act[31][2] == D("14500.00")
    assert act[40] == (D("8000.00"), D("-8000.00"), D("0.00"))
    assert act[45][2] == D("83600.00")


def _text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")


def test_forms_read_back_with_their_headers_and_columns(pack: bytes) -> None:
    text = _text(pack)
    for needle in (
        "会民非01表",
        "编制单位：测试基金会",
        "2024年12月31日",
        "单位：元",
        "会民非02表",
        "会民非03表",
        "2024年度",
        "单位负责人",
        "主管会计工作负责人",
        "会计机构负责人",
        "限定性净资产转为非限定性净资产",
        "会费收入",
        "商品销售收入",
        "筹资费用",
        "受托代理资产",
        "受托代理负债",
        "流动资产合计",
        "流动负债合计",
        "现金流入小计",
        "业务活动产生的现金流量净额",
        "科目名称",
    ):
        assert needle in text, needle
    assert "-0.00" not in text
    assert "基金间划转" not in text.split("3. 业务活动表")[2].split("4. 现金流量表")[0]
    lines = [line.split() for line in text.splitlines()]
    header = next(line for line in lines if line[:2] == ["资产", "行次"])
    assert header == [
        "资产",
        "行次",
        "年初数",
        "期末数",
        "负债和净资产",
        "行次",
        "年初数",
        "期末数",
    ]
    cash = next(line for line in lines if line and line[0] == "货币资金")
    assert cash[1:4] == ["1", "0.00", "83,600.00"]
    assert any(line == ["项目", "行次", *["本年数"] * 3, *["上年数"] * 3] for line in lines)
    assert any(line == ["非限定性", "限定性", "合计"] * 2 for line in lines)
    pages = text.count("\f")
    assert f"第 1 页 共 {pages} 页" in text and f"第 {pages} 页 共 {pages} 页" in text
    contents = text.split("目录", 1)[1].split("\f", 1)[0]
    assert "1. 科目余额表" in contents and " 3" in contents


def _english(home: Path) -> bytes:
    body, _ = render_report(
        name="audit-pack", home=home, date_from=Y2024.start, date_to=Y2024.end, fmt="pdf", lang="en"
    )
    return body


def test_the_english_pack_is_numbered_and_does_not_overlap(home: Path) -> None:
    english = _english(home)
    text = _text(english)
    pages = text.count("\f")
    assert f"Page 1 of {pages}" in text and "Prepared by:" in text
    test_no_two_pieces_of_text_overlap_on_a_line(english)


def test_no_two_pieces_of_text_overlap_on_a_line(pack: bytes) -> None:
    with pdfplumber.open(io.BytesIO(pack)) as pdf:
        for page in pdf.pages:
            chars = sorted(page.chars, key=lambda c: (round(c["top"]), c["x0"]))
            by_line: dict[int, list[dict[str, float]]] = {}
            for char in chars:
                if char["text"].strip():
                    by_line.setdefault(round(char["top"]), []).append(char)
            for line, found in by_line.items():
                for a, b in itertools.pairwise(found):
                    assert b["x0"] >= a["x1"] - 0.6, (page.page_number, line, a["text"], b["text"])


LONG_PAYEES = """
2024-01-05 * "居民" "定向捐赠"
  Assets:Bank:ICBC:MF-ST01C01             10000.00 CNY
  Income:Donation:Restricted:MF-ST01C01  -10000.00 CNY
""" + "".join(
    f"""
2024-0{n}-10 * "{payee}" "审批通过" ^req-R00000{n}
  request: "R00000{n}"
  approval_1_role: "community_party"
  approval_1_org: "ST01C01"
  approval_1_by: "李强"
  approval_1_at: "2024-0{n}-09T10:00:00+08:00"
  Expenses:Program:MF-ST01C01           1234.56 CNY
  Liabilities:Payable:MF-ST01C01       -1234.56 CNY

2024-0{n}-12 * "{payee}" "{purpose}" ^req-R00000{n}
  request: "R00000{n}"
  Liabilities:Payable:MF-ST01C01        1234.56 CNY
  Assets:Bank:ICBC:MF-ST01C01          -1234.56 CNY
"""
    for n, payee, purpose in (
        (1, "玉林社区居民委员会老年协会", "支付: 重阳节敬老活动"),
        (2, "成都市武侯区玉林街道社会工作服务中心", "支付: 院落整治"),
        (3, "四川省成都市武侯区玉林社区志愿者服务队第一分队", "支付: 社区志愿者服务补贴及保险费用"),
    )
)


def test_long_payees_wrap_inside_their_cells() -> None:
    view = load_text(book_text(LONG_PAYEES))
    assert view.errors == ()
    document = build_document(
        view=view, name="disbursements", date_from=Y2024.start, date_to=Y2024.end
    )
    pdf, _ = render_document(document, "pdf")
    test_no_two_pieces_of_text_overlap_on_a_line(pdf)
    assert "1,234.56" in _text(pdf)
