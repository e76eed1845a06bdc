"""Book plugins: the time each of Fundbook's plugins adds to a load, at 10k and 100k transactions.

Parses a synthetic book once (50 funds; donations, spending, interfund
transfers from the foundation fund, a tenth of the entries hash-chained) and
times each plugin function over the parsed entries, as the loader calls it.
Prints the figures and writes them into docs/BENCHMARKS.md under its own section.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from beancount import loader  # noqa: E402
from beancount.core import data  # noqa: E402
from beancount.core.amount import Amount  # noqa: E402

from bench.balances import BANK, OPENED, registry, write_section  # noqa: E402
from ledger.book import PLUGINS  # noqa: E402
from ledger.book import render_entries as render  # noqa: E402
from ledger.chain import GENESIS, entry_hash  # noqa: E402
from ledger.registry_io import chart_entries, registry_entries  # noqa: E402

SECTION = "## Book plugins"
COMMAND = ".venv/bin/python bench/plugins.py"


def _txn(
    day: datetime.date,
    i: int,
    postings: list[tuple[str, Decimal]],
    tags: frozenset[str] = frozenset(),
) -> data.Transaction:
    return data.Transaction(
        {"filename": "<bench>", "lineno": i, "fb_id": f"T{i}"},
        day,
        "*",
        None,
        f"t{i}",
        tags,
        frozenset(),
        [data.Posting(a, Amount(n, "CNY"), None, None, None, None) for a, n in postings],
    )


def entries(size: int) -> list[data.Directive]:
    reg = registry()
    book, _, _ = loader.load_string(
        render(registry_entries(reg, [BANK], OPENED)) + render(chart_entries(reg, [BANK], OPENED))
    )
    micro = sorted(code for code in reg.funds if code != "FDN")
    rnd = random.Random(3)
    made: list[data.Directive] = [
        _txn(
            OPENED,
            -n,
            [
                (f"Assets:Bank:ICBC:{code}", Decimal(size) * 100),
                (f"Income:Donation:Restricted:{code}", -Decimal(size) * 100),
            ],
        )
        for n, code in enumerate(sorted(reg.funds), start=1)
    ]
    previous = GENESIS
    seq = 0
    for i in range(size):
        day = datetime.date(2023, 1, 2) + datetime.timedelta(days=i * 1000 // size)
        fund = micro[rnd.randrange(len(micro))]
        amount = Decimal(rnd.randint(100, 9999)) / 100
        kind = i % 10
        if kind == 0:
            entry = _txn(
                day,
                i,
                [
                    ("Assets:Bank:ICBC:FDN", -amount),
                    ("Equity:Interfund:FDN", amount),
                    (f"Assets:Bank:ICBC:{fund}", amount),
                    (f"Equity:Interfund:{fund}", -amount),
                ],
                frozenset({"interfund"}),
            )
        elif kind < 6:
            entry = _txn(
                day,
                i,
                [
                    (f"Assets:Bank:ICBC:{fund}", amount * 3),
                    (f"Income:Donation:Restricted:{fund}", -amount * 3),
                ],
            )
        elif kind < 9:
            entry = _txn(
                day,
                i,
                [(f"Expenses:Program:{fund}", amount), (f"Assets:Bank:ICBC:{fund}", -amount)],
            )
        else:
            seq += 1
            entry = _txn(
                day,
                i,
                [
                    (f"Assets:Bank:ICBC:{fund}", amount),
                    (f"Income:Donation:Restricted:{fund}", -amount),
                ],
            )
            entry.meta.update({"fb_seq": str(seq), "fb_prev": previous})
            previous = entry.meta["fb_hash"] = entry_hash(entry, previous)
        made.append(entry)
    return [*book, *made]


def measure(size: int) -> dict[str, float]:
    parsed = entries(size)
    row: dict[str, float] = {"size": size}
    for name in PLUGINS:
        module = importlib.import_module(name)
        function = getattr(module, module.__plugins__[0])
        started = time.perf_counter()
        _, errors = function(parsed, {})
        row[name] = time.perf_counter() - started
        assert not errors, (name, errors[:3])
    return row


def table(rows: list[dict[str, float]]) -> str:
    names = [name.rsplit(".", 1)[1] for name in PLUGINS]
    lines = [
        SECTION,
        "",
        f"Command: `{COMMAND}` (CPython {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; each plugin function "
        "once over a parsed synthetic book of 50 funds, a tenth of the transactions "
        "hash-chained; no errors found). Each plugin is one pass over the entries.",
        "",
        "| transactions | " + " | ".join(names) + " | all five |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for row in rows:
        cells = [f"{row[name] * 1000:.0f} ms" for name in PLUGINS]
        total = sum(row[name] for name in PLUGINS) * 1000
        lines.append(f"| {int(row['size']):,} | " + " | ".join(cells) + f" | {total:.0f} ms |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    text = table([measure(int(size)) for size in args.sizes.split(",")])
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
