"""The audit pack of one demo year in every format: PDF text, XLSX numbers, HTML in Chromium."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image

from reports.book import BookView
from reports.document import Document
from reports.render_html import render_html
from reports.render_json import render_json
from reports.render_pdf import render_pdf
from reports.render_xlsx import HEADER_ROW, render_xlsx
from reports.service import SECTIONS, build_document

CHROMIUM = "/usr/bin/chromium"
HEADINGS_ZH = (
    "审计资料汇编",
    "目录",
    "科目余额表",
    "资产负债表",
    "业务活动表",
    "现金流量表",
    "基金收支表",
    "支出登记簿",
    "资金来源追溯",
    "资助项目登记簿",
    "合规性检查",
    "账簿完整性",
    "限定性净资产转为非限定性净资产",
    "非限定性",
    "限定性",
)


@pytest.fixture(scope="module")
def pack(demo_view: BookView) -> Document:
    year = max(t.date.year for t in demo_view.transactions) - 1
    return build_document(
        view=demo_view,
        name="audit-pack",
        date_from=datetime.date(year, 1, 1),
        date_to=datetime.date(year, 12, 31),
        lang="zh",
    )


def test_the_pack_holds_every_report(pack: Document) -> None:
    assert [s.key for s in pack.sections] == list(SECTIONS)
    assert pack.cover


def test_pdf_text_has_the_chinese_headings(pack: Document, tmp_path: Path) -> None:
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(render_pdf(pack))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for heading in HEADINGS_ZH:
        assert heading in text, heading
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    assert "WenQuanYiZenHei" in fonts and " yes " in fonts  # embedded


def _number(value: object) -> Decimal:
    assert isinstance(value, int | float), value
    return Decimal(str(value))


def test_xlsx_numbers_equal_the_json_report(pack: Document, tmp_path: Path) -> None:
    report = json.loads(render_json(pack))
    path = tmp_path / "pack.xlsx"
    path.write_bytes(render_xlsx(pack))
    book = load_workbook(path, read_only=True)
    tables = [t for s in report["sections"] for t in s["tables"]]
    assert len(book.sheetnames) == len(tables)
    numeric = 0
    for sheet_name, table in zip(book.sheetnames, tables, strict=True):
        rows = list(book[sheet_name].iter_rows(min_row=HEADER_ROW, values_only=True))
        assert list(rows[0][: len(table["columns"])]) == [c["label"] for c in table["columns"]]
        assert len(rows) - 1 >= len(table["rows"])
        for row, expected in zip(rows[1:], table["rows"], strict=False):
            for column, got, want in zip(table["columns"], row, expected["cells"], strict=False):
                if want is None:
                    assert got is None
                elif column["kind"] in ("money", "percent"):
                    assert _number(got) == Decimal(want), (sheet_name, column["key"])
                    numeric += 1
                else:
                    assert ("" if got is None else str(got)) == str(want)
    assert numeric > 1000
    # One figure by name: total assets at the year end.
    balance = next(s for s in report["sections"] if s["key"] == "balance-sheet")
    total = balance["data"]["total_assets"]["closing"]
    sheet = next(n for n in book.sheetnames if "资产负债表" in n)
    values = [
        r[3]
        for r in book[sheet].iter_rows(min_row=HEADER_ROW + 1, values_only=True)
        if r[0] == "资产总计" and r[1] == "60"
    ]
    assert [_number(v) for v in values] == [Decimal(total)]


def test_html_renders_in_chromium(pack: Document, tmp_path: Path) -> None:
    html = tmp_path / "pack.html"
    html.write_bytes(render_html(pack))
    text = html.read_text(encoding="utf-8")
    assert "<svg" in text and "资产负债表" in text
    shot = tmp_path / "pack.png"
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--screenshot={shot}",
                "--window-size=1280,2000",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 2000)
    histogram = image.histogram()
    assert sum(histogram[:200]) > 0.005 * image.size[0] * image.size[1]  # ink on the page


def test_english_labels(demo_view: BookView) -> None:
    doc = build_document(
        view=demo_view,
        name="activities",
        date_from=datetime.date(2024, 1, 1),
        date_to=datetime.date(2024, 12, 31),
        lang="en",
    )
    text = render_html(doc).decode()
    assert "Statement of activities" in text and "Net assets released from restriction" in text
