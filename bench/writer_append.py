"""Benchmark: the writer's cost per append does not grow with the journal.

Builds journals of increasing size through `ledger.writer.Writer`, then
measures, at each size: opening a writer (its one full scan of the journal),
appending one transaction (lock, catch-up, render, hash, write, fsync), and an
append after another writer appended (catch-up reads only the new bytes).
Prints the figures and writes them into docs/BENCHMARKS.md under its own
section.

    .venv/bin/python bench/writer_append.py [--sizes 0,10000,100000]
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.core.amount import Amount

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks_md import write_section  # noqa: E402

from ledger.layout import Layout  # noqa: E402
from ledger.writer import Writer  # noqa: E402

SECTION = "## Writer: append cost against journal size"
COMMAND = ".venv/bin/python bench/writer_append.py"


def _txn(fb_id: str, day: int) -> data.Transaction:
    value = Decimal("123.45")
    return data.Transaction(
        {"fb_id": fb_id, "fund": "MF-ST01C01", "request": "R000042", "paid_by": "张会计"},
        datetime.date(2026, 1, 1) + datetime.timedelta(days=day % 360),
        "*",
        "玉林社区老年协会",
        "支付: 重阳节敬老活动",
        frozenset(),
        frozenset({"req-R000042"}),
        [
            data.Posting(
                "Liabilities:Payable:MF-ST01C01", Amount(value, "CNY"), None, None, None, None
            ),
            data.Posting(
                "Assets:Bank:ICBC:MF-ST01C01", Amount(-value, "CNY"), None, None, None, None
            ),
        ],
    )


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(size: int, appends: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        layout = Layout(Path(tmp))
        writer = Writer(layout)
        for start in range(0, size, 2000):
            writer.append([_txn(f"F{i}", i) for i in range(start, min(size, start + 2000))])
        started = time.perf_counter()
        mine = Writer(layout)
        open_s = time.perf_counter() - started
        other = Writer(layout)
        own, after_other = [], []
        for i in range(appends):
            started = time.perf_counter()
            mine.append([_txn(f"A{i}", i)])
            own.append(time.perf_counter() - started)
            other.append([_txn(f"O{i}", i)])
            started = time.perf_counter()
            mine.append([_txn(f"B{i}", i)])
            after_other.append(time.perf_counter() - started)
        journal_mb = sum(p.stat().st_size for p in layout.journal_dir.glob("*.beancount")) / 1e6
        return {
            "size": size,
            "mb": journal_mb,
            "open_ms": open_s * 1000,
            "append_ms": _median_ms(own),
            "after_other_ms": _median_ms(after_other),
        }


def table(rows: list[dict[str, float]], appends: int) -> str:
    lines = [
        SECTION,
        "",
        f"Command: `{COMMAND}` ({platform.python_implementation()} {platform.python_version()}, "
        f"{appends} appends per size, medians; each append is one transaction with lock, "
        "catch-up, render, hash, write and fsync).",
        "",
        "| journal entries | journal MB | open a writer (full scan) | append | append after another writer appended |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {int(row['size']):,} | {row['mb']:.1f} | {row['open_ms']:.0f} ms | "
            f"{row['append_ms']:.2f} ms | {row['after_other_ms']:.2f} ms |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,10000,100000")
    parser.add_argument("--appends", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    rows = [measure(int(size), args.appends) for size in args.sizes.split(",")]
    text = table(rows, args.appends)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
