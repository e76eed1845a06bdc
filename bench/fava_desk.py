"""The Fava desk on the demo district: what one load, one recompute and one page cost.

Builds the demo district in a temporary HOME (or uses --home), then measures:

- `compute_desk` over the loaded entries (done once per load of the book);
- the desk page through Fava's app in-process (Flask test client): the first
  request (Fava's full load plus the desk's compute), later requests (cached
  figures, only the page rendered), and the first request after
  manual.beancount changed (Fava reloads, the desk recomputes once).

Prints the figures and writes them into docs/BENCHMARKS.md under its own section.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from beancount import loader  # noqa: E402
from benchmarks_md import write_section  # noqa: E402

from fava_fundbook.figures import compute_desk  # noqa: E402
from fava_fundbook.server import make_app  # noqa: E402
from fundbook_cli.demo_district import build_demo  # noqa: E402
from ledger.layout import Layout  # noqa: E402

SECTION = "## Fava desk"
COMMAND = ".venv/bin/python bench/fava_desk.py"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def measure(home: Path, runs: int) -> dict[str, object]:
    layout = Layout(home)
    loader.initialize(use_cache=False)
    started = time.perf_counter()
    entries, errors, _ = loader.load_file(str(layout.main))
    load = time.perf_counter() - started
    computes = []
    for _ in range(5):
        started = time.perf_counter()
        desk = compute_desk(entries, datetime.date.today())
        computes.append(time.perf_counter() - started)
    transactions = sum(1 for entry in entries if entry.__class__.__name__ == "Transaction")

    app = make_app(home)
    client = app.test_client()
    started = time.perf_counter()
    slug = client.get("/").headers["Location"].strip("/").split("/")[0]
    fava_load = time.perf_counter() - started
    url = f"/{slug}/extension/FundbookDesk/"
    started = time.perf_counter()
    first = client.get(url)
    first_page = time.perf_counter() - started
    assert first.status_code == 200, first.status_code
    pages = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        pages.append(time.perf_counter() - started)
    with layout.manual.open("a", encoding="utf-8") as manual:
        manual.write("; touched by bench/fava_desk.py\n")
    time.sleep(1.0)  # Fava's file watcher notices the change
    started = time.perf_counter()
    assert client.get(url).status_code == 200
    after_edit = time.perf_counter() - started
    return {
        "transactions": transactions,
        "funds": len(desk.funds),
        "errors": len(errors),
        "load": load,
        "fava_load": fava_load,
        "compute": statistics.median(computes),
        "first": first_page,
        "page": statistics.median(pages),
        "after_edit": after_edit,
    }


def render(result: dict[str, object], runs: int) -> str:
    return (
        f"{SECTION}\n\n"
        f"Command: `{COMMAND}` (CPython {platform.python_version()}; the demo district, "
        f"desk page through Fava's app in-process, median of {runs} later pages; no workflow "
        "database, so the page shows that it cannot read one). The desk's figures are "
        "computed once per load of the book; a page only renders them.\n\n"
        "| transactions | funds | Beancount load, uncached | Fava's first request (its load) "
        "| compute_desk | first desk page (compute + render) | later page (render) "
        "| page after a manual.beancount edit (reload + compute) |\n"
        "|---|---|---|---|---|---|---|---|\n"
        f"| {result['transactions']:,} | {result['funds']} | {_ms(float(result['load']))} "  # type: ignore[arg-type]
        f"| {_ms(float(result['fava_load']))} "  # type: ignore[arg-type]
        f"| {_ms(float(result['compute']))} | {_ms(float(result['first']))} "  # type: ignore[arg-type]
        f"| {_ms(float(result['page']))} | {_ms(float(result['after_edit']))} |\n"  # type: ignore[arg-type]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="an existing HOME (copied)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        if args.home:
            import shutil

            shutil.copytree(args.home, home, ignore=shutil.ignore_patterns("*.db"))
        else:
            build_demo(home)
        result = measure(home, args.runs)
    text = render(result, args.runs)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
