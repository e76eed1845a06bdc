"""PDF tables at scale: one reportlab table against tables of at most CHUNK_ROWS rows.

Renders a document holding one table of N register-like rows (date, payee,
purpose, amount) with `reports.render_pdf`, the register summary turned off so
every row is laid out, once as a single table and once split into tables of
at most `CHUNK_ROWS` rows (what the renderer does), and prints milliseconds
per row. reportlab's split of one huge table grows faster than its rows; the
chunks stay flat. Registers longer than `LONG_TABLE_ROWS` are summarized in the
audit pack anyway; this measures the tables that remain.

Writes the figures into docs/BENCHMARKS.md under "## PDF tables", with the command.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from decimal import Decimal

from benchmarks_md import write_section

from reports import render_pdf
from reports.document import Column, Document, Row, Section, Table

SECTION = "## PDF tables"


def document(rows: int) -> Document:
    columns = (
        Column("date", "日期"),
        Column("payee", "收款人"),
        Column("purpose", "用途"),
        Column("amount", "金额", "money"),
    )
    body = tuple(
        Row(
            (
                (datetime.date(2025, 1, 1) + datetime.timedelta(days=n % 365)).isoformat(),
                f"成都市武侯区玉林社区第{n}老年协会",
                "支付: 社区活动经费（重阳节敬老活动、院落整治及志愿者服务补贴）",
                Decimal(100 + n % 900),
            )
        )
        for n in range(rows)
    )
    table = Table("register", "支出登记簿", columns, body)
    return Document(
        name="disbursements",
        title="支出登记簿",
        entity="bench",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        fund=None,
        lang="zh",
        generated_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        sections=(Section("disbursements", "支出登记簿", (table,)),),
    )


def timed(rows: int, chunk: int) -> float:
    render_pdf.LONG_TABLE_ROWS = rows + 1  # lay out every row
    render_pdf.CHUNK_ROWS = chunk
    start = time.perf_counter()
    render_pdf.render_pdf(document(rows))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="1000,4000,8000")
    parser.add_argument("--runs", type=int, default=2, help="the fastest of this many runs")
    args = parser.parse_args()
    sizes = [int(x) for x in args.rows.split(",")]
    chunk, summarized = render_pdf.CHUNK_ROWS, render_pdf.LONG_TABLE_ROWS
    lines = []
    for rows in sizes:
        single = min(timed(rows, rows) for _ in range(args.runs))
        chunked = min(timed(rows, chunk) for _ in range(args.runs))
        lines.append(
            f"| {rows:,} | {single:.1f} s | {single / rows * 1000:.2f} ms "
            f"| {chunked:.1f} s | {chunked / rows * 1000:.2f} ms |"
        )
        print(lines[-1], flush=True)
    load = os.getloadavg()[1]
    text = (
        f"{SECTION}\n\n"
        f"Command: `.venv/bin/python bench/pdf_tables.py --rows {args.rows} --runs {args.runs}` "
        f"(Python {platform.python_version()}, {os.cpu_count()} cores; the fastest of "
        f"{args.runs} runs each; the PDF is laid "
        f"out twice and drawn once, the first pass finding the contents' page numbers; load average over the "
        f"last 5 minutes {load:.1f}, so read the figures as orders of magnitude).\n\n"
        f"| rows | one table | per row | tables of ≤ {chunk} rows | per row |\n"
        "|---|---|---|---|---|\n" + "\n".join(lines) + "\n\n"
        f"In the audit pack a register or exception list longer than "
        f"{summarized} rows is printed as a summary (its size and totals, "
        "and where the full list is in the XLSX and JSON of the same pack), so no table "
        "of the PDF grows with the period's postings.\n"
    )
    write_section(text, SECTION)


if __name__ == "__main__":
    main()
