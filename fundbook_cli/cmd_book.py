"""`fundbook init` and `fundbook demo`: creating a district's book.

fundbook init HOME --config district.toml [--trial-balance tb.csv]
                                            a new district, with its opening balances
fundbook demo HOME [--no-serve]             the Wuhou demo district, then serve it
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bankstatements.config import ensure_import_config
from fundbook_cli.district_config import ConfigError, DistrictConfig, read_config
from ledger.book import BookExists, BookSpec, InvalidTitle, check_home_empty, create_book
from ledger.check import check_book, format_problem
from ledger.entries import InvalidEntry
from ledger.layout import Layout
from ledger.writer import Writer


def fava_extension_available() -> bool:
    """Whether the Fundbook Fava extension can be enabled in a new book."""
    return importlib.util.find_spec("fava_fundbook") is not None


def _build(layout: Layout, config: DistrictConfig) -> list[str]:
    """Write the book of `config` into `layout` (an empty HOME); the problems of the result."""
    create_book(
        layout,
        BookSpec(
            title=config.title,
            registry=config.registry,
            banks=config.banks,
            opened=config.opening_date if config.openings else config.start,
            fava_extension=fava_extension_available(),
        ),
    )
    ensure_import_config(layout.book_dir)
    if config.openings:
        Writer(layout).append(list(config.openings))
    return [format_problem(problem) for problem in check_book(layout).problems]


def _init(args: argparse.Namespace) -> int:
    """Build the book beside HOME, check it, then move it into place: all or nothing."""
    home = Path(args.home).resolve()
    layout = Layout(home)
    try:
        config = read_config(
            Path(args.config),
            trial_balance=Path(args.trial_balance) if args.trial_balance else None,
        )
        check_home_empty(layout)
    except (ConfigError, BookExists) as exc:
        print(f"fundbook init: {exc}", file=sys.stderr)
        return 1
    home.resolve().parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{home.resolve().name}.init-", dir=home.resolve().parent)
    )
    try:
        problems = _build(Layout(staging / "home"), config)
        if problems:
            print("fundbook init: the new book does not check:", file=sys.stderr)
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        if home.exists():
            home.rmdir()  # empty, checked above
        (staging / "home").rename(home)
    except (BookExists, InvalidTitle, InvalidEntry, OSError) as exc:
        print(f"fundbook init: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _print_created(home, config)
    return 0


def _print_created(home: Path, config: DistrictConfig) -> None:
    layout = Layout(home)
    registry = config.registry
    print(
        f"created the book of {config.title} in {home.resolve()}: "
        f"{len(registry.orgs)} organizations, {len(registry.funds)} funds, "
        f"{len(config.banks)} bank accounts"
    )
    if config.openings:
        total = sum(
            (
                posting.units.number
                for entry in config.openings
                for posting in entry.postings
                if posting.account.startswith("Assets:") and posting.units.number is not None
            ),
            Decimal("0.00"),
        )
        print(
            f"opening balances of {len(config.openings)} funds on "
            f"{config.opening_date.isoformat()}: assets {total:,.2f} CNY"
        )
    print(f"  {layout.main.resolve()}")
    print("next steps (docs/ADOPTING.md):")
    print(f"  fundbook check {home}")
    print(f"  fundbook report balance-sheet {home} --from {config.start} --to {config.start}")
    print(f"  fundbook token create {home} --role admin --name NAME")
    print(f"  fundbook serve {home} --port 8000")


def _serve_fava_only(home: Path) -> int:
    """Fava alone on the book, until interrupted."""
    fava = Path(sys.executable).parent / "fava"
    command = [
        str(fava) if fava.exists() else "fava",
        "--host",
        "127.0.0.1",
        "--port",
        "5000",
        str(Layout(home).main),
    ]
    print(
        "the API server (fundbook_cli.serve_demo) is not available; serving Fava alone "
        "at http://127.0.0.1:5000/ (Ctrl-C stops it)"
    )
    process = subprocess.Popen(command)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _demo(args: argparse.Namespace) -> int:
    from fundbook_cli.demo_district import build_demo

    home = Path(args.home).resolve()
    layout = Layout(home)
    if layout.main.exists():
        print(f"the demo district is already built in {home.resolve()}; using it")
    else:
        started = time.monotonic()
        try:
            summary = build_demo(home)
        except BookExists as exc:
            print(f"fundbook demo: {exc}", file=sys.stderr)
            return 1
        print(f"built the Wuhou demo district in {time.monotonic() - started:.1f} s: {summary}")
    print(f"HOME: {home.resolve()}")
    print(f"book: {layout.main.resolve()}")
    if args.no_serve:
        return 0
    if importlib.util.find_spec("fundbook_cli.serve_demo") is None:
        return _serve_fava_only(home)
    serve: Any = importlib.import_module("fundbook_cli.serve_demo").serve_demo
    result = serve(home)
    return int(result) if isinstance(result, int) else 0


def register(subparsers: Any) -> None:
    init = subparsers.add_parser(
        "init", help="create a new district's book from a TOML description"
    )
    init.add_argument("home", help="the HOME directory to create (must be empty or absent)")
    init.add_argument("--config", required=True, help="the district's TOML description")
    init.add_argument(
        "--trial-balance",
        help="the previous books' trial balance (科目余额表) CSV; replaces the TOML's "
        "opening.trial_balance",
    )
    init.set_defaults(handler=_init)
    demo = subparsers.add_parser("demo", help="build the Wuhou demo district and serve it")
    demo.add_argument("home", help="the HOME directory of the demo district")
    demo.add_argument("--no-serve", action="store_true", help="build only, do not start servers")
    demo.set_defaults(handler=_demo)
