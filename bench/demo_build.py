"""Demo district: how long building it and checking it take.

Command: `.venv/bin/python bench/demo_build.py [--runs 3] [--no-write]`

Builds the Wuhou demo district into fresh temporary HOMEs (`build_demo`:
simulation, chart, registry, three history files, 2026 through the writer in
one batch per day), then runs plain `bean-check` on it without the pickle
cache (every plugin of the book included). Prints the figures and writes them
into docs/BENCHMARKS.md under its own section.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks_md import write_section

from fundbook_cli.demo_district import build_demo
from ledger.layout import Layout

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Demo district: build and bean-check"


def measure(runs: int) -> dict[str, str]:
    builds: list[float] = []
    checks: list[float] = []
    summary = None
    size = 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            started = time.perf_counter()
            summary = build_demo(home)
            builds.append(time.perf_counter() - started)
            book = Layout(home).book_dir
            size = sum(path.stat().st_size for path in book.rglob("*.beancount"))
            started = time.perf_counter()
            result = subprocess.run(
                [
                    str(Path(sys.executable).parent / "bean-check"),
                    "--no-cache",
                    str(Layout(home).main),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            checks.append(time.perf_counter() - started)
            if result.returncode or result.stdout or result.stderr:
                raise SystemExit(f"bean-check failed:\n{result.stdout}{result.stderr}")
    assert summary is not None
    return {
        "transactions": f"{summary.transactions:,}",
        "mb": f"{size / 1e6:.1f}",
        "build": f"{statistics.median(builds):.1f} s",
        "check": f"{statistics.median(checks):.1f} s",
    }


def table(row: dict[str, str], runs: int) -> str:
    return (
        f"{SECTION}\n\n"
        f"Command: `.venv/bin/python bench/demo_build.py --runs {runs}` (CPython "
        f"{platform.python_version()}, medians of {runs} runs; build = simulation and every "
        "book file, the 2026 journal through the writer with one fsync'd batch per day; "
        "bean-check = plain `bean-check --no-cache` with the book's five plugins).\n\n"
        "| transactions | book MB | build | bean-check |\n|---|---|---|---|\n"
        f"| {row['transactions']} | {row['mb']} | {row['build']} | {row['check']} |\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    text = table(measure(args.runs), args.runs)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
