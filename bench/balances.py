"""Fund balance refresh: what keeping balances current costs, at 10k and 100k transactions.

Builds a synthetic book per size (50 funds, history over three years), loads
it once with `FundBalances.load`, then measures `refresh()`:

- with nothing changed (a few stat calls);
- after the writer appended one transaction (parse of the new bytes only);
- after an edit of manual.beancount (parse of that file alone).

Prints the figures and writes them into docs/BENCHMARKS.md under its own
section. With --verify, also compares the balances with a full load at the end.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from beancount.parser import printer  # noqa: E402
from benchmarks_md import write_section  # noqa: E402

from funds.model import Fund, FundKind, Organization, OrgKind, Restriction  # noqa: E402
from funds.registry import Registry  # noqa: E402
from ledger import entries as builders  # noqa: E402
from ledger.accounts import Bank, IncomeKind  # noqa: E402
from ledger.balances import RACY_NS, FundBalances, full_balances  # noqa: E402
from ledger.book import PLUGINS  # noqa: E402
from ledger.layout import Layout  # noqa: E402
from ledger.registry_io import chart_entries, registry_entries  # noqa: E402
from ledger.writer import Writer  # noqa: E402

SECTION = "## Fund balance refresh"
COMMAND = ".venv/bin/python bench/balances.py"
BANK = Bank("ICBC", "工商银行武侯支行基本户", "4402")
OPENED = datetime.date(2023, 1, 1)


def registry() -> Registry:
    orgs = [
        Organization("WUHOU", OrgKind.DISTRICT, "Wuhou", "武侯区"),
        Organization("WHCDF", OrgKind.FOUNDATION, "WHCDF", "基金会", "WUHOU"),
        Organization("ST01", OrgKind.STREET, "Street", "街道", "WUHOU"),
    ]
    funds = [Fund("FDN", FundKind.FOUNDATION, "FDN", "基金会", "WHCDF", Restriction.UNRESTRICTED)]
    for i in range(1, 50):
        code = f"ST01C{i:02d}"
        orgs.append(Organization(code, OrgKind.COMMUNITY, code, f"社区{i}", "ST01"))
        funds.append(
            Fund(f"MF-{code}", FundKind.MICRO, code, f"微基金{i}", code, Restriction.RESTRICTED)
        )
    return Registry.build(orgs, funds)


def build_book(home: Path, transactions: int) -> Layout:
    """A book with `transactions` history transactions and an empty Fundbook journal."""
    layout = Layout(home)
    book = layout.book_dir
    (book / "history").mkdir(parents=True)
    (book / "fundbook").mkdir()
    reg = registry()
    codes = sorted(reg.funds)
    years = (2023, 2024, 2025)
    main = [
        'option "title" "bench"',
        'option "operating_currency" "CNY"',
        *(f'plugin "{plugin}"' for plugin in PLUGINS),
        'include "chart.beancount"',
        'include "registry.beancount"',
        *(f'include "history/{year}.beancount"' for year in years),
        'include "manual.beancount"',
        'include "fundbook/journal.beancount"',
    ]
    layout.main.write_text("\n".join(main) + "\n", encoding="utf-8")
    layout.chart.write_text(
        "".join(printer.format_entry(e) + "\n" for e in chart_entries(reg, [BANK], OPENED)),
        encoding="utf-8",
    )
    layout.registry.write_text(
        "".join(printer.format_entry(e) + "\n" for e in registry_entries(reg, [BANK], OPENED)),
        encoding="utf-8",
    )
    layout.manual.write_text("", encoding="utf-8")
    layout.journal_index.write_text("", encoding="utf-8")
    rnd = random.Random(7)
    per_year = transactions // len(years)
    for year in years:
        blocks = []
        for i in range(per_year):
            fund = codes[rnd.randrange(len(codes))]
            day = datetime.date(year, 1, 1) + datetime.timedelta(days=i * 364 // per_year)
            if i % 3 == 2:
                amount = f"{rnd.randint(1, 500)}.{rnd.randint(0, 99):02d}"
                blocks.append(
                    f'{day} * "供应商" "活动支出 {i}"\n  fund: "{fund}"\n'
                    f"  Expenses:Program:{fund}  {amount} CNY\n"
                    f"  Assets:Bank:ICBC:{fund}  -{amount} CNY\n"
                )
            else:
                amount = f"{rnd.randint(500, 2000)}.{rnd.randint(0, 99):02d}"
                blocks.append(
                    f'{day} * "居民" "捐赠 {i}"\n  fund: "{fund}"\n'
                    f"  Assets:Bank:ICBC:{fund}  {amount} CNY\n"
                    f"  Income:Donation:Restricted:{fund}  -{amount} CNY\n"
                )
        (book / "history" / f"{year}.beancount").write_text("\n".join(blocks), encoding="utf-8")
    return layout


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f} ms"


def _p99(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000:.2f} ms"


def measure(size: int, runs: int, verify: bool) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="fb-bench-balances-") as folder:
        layout = build_book(Path(folder) / "home", size)
        time.sleep(RACY_NS / 1e9 + 0.1)  # as in a live book, the files are not brand new
        started = time.perf_counter()
        tracker = FundBalances.load(layout)
        load_s = time.perf_counter() - started
        idle = []
        for _ in range(runs):
            started = time.perf_counter()
            tracker.refresh()
            idle.append(time.perf_counter() - started)
        writer = Writer(layout)
        fund = registry().fund("MF-ST01C01")
        appended = []
        for i in range(runs):
            writer.append(
                [
                    builders.contribution(
                        fb_id=f"B{i}",
                        date=datetime.date(2026, 1, 2),
                        fund=fund,
                        amount=Decimal("10.00"),
                        bank=BANK,
                        income=IncomeKind.DONATION,
                        source="居民",
                        narration="捐赠",
                    )
                ]
            )
            started = time.perf_counter()
            report = tracker.refresh()
            appended.append(time.perf_counter() - started)
            assert report.appended == 1, report
        edited = []
        for i in range(max(10, runs // 5)):
            with layout.manual.open("a", encoding="utf-8") as stream:
                stream.write(
                    f'\n2025-12-31 * "会计" "手工 {i}"\n'
                    "  Assets:Bank:ICBC:FDN  1.00 CNY\n"
                    "  Income:Other:Unrestricted:FDN  -1.00 CNY\n"
                )
            started = time.perf_counter()
            report = tracker.refresh()
            edited.append(time.perf_counter() - started)
            assert report.reparsed, report
        if verify:
            assert tracker.balances() == full_balances(layout), "balances differ from a full load"
        mb = sum(path.stat().st_size for path in layout.book_dir.rglob("*.beancount")) / 1e6
    return {
        "size": f"{size:,}",
        "mb": f"{mb:.1f}",
        "load": f"{load_s:.1f} s",
        "idle": _ms(idle),
        "append": _ms(appended),
        "append_p99": _p99(appended),
        "edit": _ms(edited),
    }


def table(rows: list[dict[str, str]], runs: int, verify: bool) -> str:
    lines = [
        SECTION,
        "",
        f"Command: `{COMMAND}` (CPython {platform.python_version()}, {runs} refreshes per "
        "case, medians; synthetic book: 50 funds, history over three years, 2 postings "
        "per transaction" + ("; balances verified equal to a full load" if verify else "") + ").",
        "`load` is the one full Beancount load at start (plugins included); every later "
        "`refresh()` stats the included files and parses only what changed. The cost of "
        "a refresh does not grow with the book: it depends on what changed.",
        "",
        "| book transactions | book MB | load once | refresh, nothing changed | "
        "refresh after 1 append (p50 / p99) | refresh after a manual.beancount edit |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['size']} | {r['mb']} | {r['load']} | {r['idle']} | "
        f"{r['append']} / {r['append_p99']} | {r['edit']} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--verify", action="store_true", help="compare with a full load")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    rows = [measure(int(size), args.runs, args.verify) for size in args.sizes.split(",")]
    text = table(rows, args.runs, args.verify)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
