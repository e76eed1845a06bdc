"""Disbursement throughput and latency over HTTP, on the demo book and on one 10x larger.

One disbursement is the whole lifecycle of a small micro-fund request, each
step an HTTP call to a real `fundbook serve` (SQLite, 2 uvicorn workers):
submit -> community party approves -> foundation approves (which books the
commitment: append + fsync) -> accountant pays (books the payment: append +
fsync). Clients run 1, 8 and 32 at a time, each doing disbursements one after
another; latency is per disbursement (all four calls), throughput is
disbursements per second of wall time.

The larger book is a copy of the demo with synthetic history appended through
the writer (donations, commitments and payments across the micro-funds) until
it has at least ten times the demo's transactions. Only the server's start
(one full load per worker) grows with the book; the write path never reloads it.

    .venv/bin/python bench/disbursements.py [--demo-home HOME] [--factor 10] [--no-write]

Prints the figures and writes them into docs/BENCHMARKS.md under its own
section, "## Disbursements".
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks_md import write_section  # noqa: E402

from fundbook_cli.cmd_api import create_token  # noqa: E402
from ledger import entries as build  # noqa: E402
from ledger.accounts import IncomeKind  # noqa: E402
from ledger.layout import Layout  # noqa: E402

SECTION = "## Disbursements"
CONCURRENCY = (1, 8, 32)
COMMUNITY = "ST01C01"
FUND = f"MF-{COMMUNITY}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def count_transactions(home: Path) -> int:
    total = 0
    for path in Layout(home).book_dir.rglob("*.beancount"):
        with path.open(encoding="utf-8") as file:
            total += sum(1 for line in file if line[:4].isdigit() and " * " in line[:14])
    return total


def grow(home: Path, target: int) -> int:
    """Append synthetic history through the writer until the book has `target` transactions."""
    from beancount.parser import parser

    from ledger import registry_io
    from ledger.writer import Writer

    entries, _, _ = parser.parse_file(str(Layout(home).registry))
    book, _ = registry_io.read_registry(entries)
    registry, bank = book.registry, book.banks[0]
    micro = sorted(code for code, fund in registry.funds.items() if fund.kind.value == "micro")
    writer = Writer(Layout(home))
    have = count_transactions(home)
    start = datetime.date.today() - datetime.timedelta(days=300)
    batch: list[object] = []
    index = 0
    while have < target:
        fund = registry.fund(micro[index % len(micro)])
        day = start + datetime.timedelta(days=(index // 600) % 290)
        link = f"syn-{index:07d}"
        batch += [
            build.contribution(
                fb_id=f"SYN{index:07d}-in",
                date=day,
                fund=fund,
                amount=Decimal("100.00"),
                bank=bank,
                income=IncomeKind.DONATION,
                source="合成捐赠人",
                narration="合成历史: 捐赠",
                link=link,
            ),
            build.commitment(
                fb_id=f"SYN{index:07d}-c",
                date=day,
                fund=fund,
                amount=Decimal("40.00"),
                payee="合成收款人",
                narration="合成历史: 批准",
                link=link,
            ),
            build.payment(
                fb_id=f"SYN{index:07d}-p",
                date=day,
                fund=fund,
                amount=Decimal("40.00"),
                payee="合成收款人",
                bank=bank,
                narration="合成历史: 支付",
                link=link,
            ),
        ]
        have += 3
        index += 1
        if len(batch) >= 3000:
            writer.append(batch)  # type: ignore[arg-type]
            batch = []
    if batch:
        writer.append(batch)  # type: ignore[arg-type]
    return have


class Server:
    def __init__(self, home: Path, workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (home / "bench-server.log").open("wb")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fundbook_cli.main",
                "serve",
                str(home),
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {home / 'bench-server.log'}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.start_s = time.monotonic() - started

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def tokens(home: Path) -> dict[str, str]:
    from beancount.parser import parser

    from ledger import registry_io

    entries, _, _ = parser.parse_file(str(Layout(home).registry))
    registry = registry_io.read_registry(entries)[0].registry
    street = registry.street_of(COMMUNITY)
    people = {
        "committee": ("committee", COMMUNITY, "测试居委会"),
        "party": ("community_party", COMMUNITY, "测试党委"),
        "street": ("street", street, "测试街道"),
        "foundation": ("foundation", None, "测试秘书处"),
        "accountant": ("accountant", None, "测试会计"),
    }
    return {
        key: create_token(home, role=role, org=org, name=name)
        for key, (role, org, name) in people.items()
    }


def disburse(clients: dict[str, httpx.Client], paid_on: str) -> float:
    started = time.perf_counter()
    reply = clients["committee"].post(
        "/v1/disbursements",
        json={"fund": FUND, "amount": "1.00", "payee": "基准收款人", "purpose": "基准测试"},
    )
    reply.raise_for_status()
    request = reply.json()
    for step in request["steps"]:
        who = {"community_party": "party", "street": "street", "foundation": "foundation"}[
            step["role"]
        ]
        clients[who].post(
            f"/v1/disbursements/{request['id']}/decisions", json={"decision": "approve"}
        ).raise_for_status()
    clients["accountant"].post(
        f"/v1/disbursements/{request['id']}/payment",
        json={"paid_on": paid_on, "bank_reference": f"BENCH-{request['id']}"},
    ).raise_for_status()
    return time.perf_counter() - started


def run_level(
    url: str, toks: dict[str, str], concurrency: int, per_client: int, paid_on: str
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()

    def client_loop() -> None:
        clients = {
            k: httpx.Client(base_url=url, timeout=300, headers={"Authorization": f"Bearer {v}"})
            for k, v in toks.items()
        }
        try:
            for _ in range(per_client):
                took = disburse(clients, paid_on)
                with lock:
                    latencies.append(took)
        finally:
            for client in clients.values():
                client.close()

    threads = [threading.Thread(target=client_loop) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(home: Path, label: str, workers: int) -> Iterator[tuple[str, ...]]:
    from zoneinfo import ZoneInfo

    toks = tokens(home)
    transactions = count_transactions(home)
    size_mb = sum(p.stat().st_size for p in Layout(home).book_dir.rglob("*.beancount")) / 1e6
    server = Server(home, workers)
    paid_on = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    try:
        run_level(server.url, toks, 8, 2, paid_on)  # warm up every worker
        for concurrency in CONCURRENCY:
            per_client = max(2, 40 // concurrency)
            wall, latencies = run_level(server.url, toks, concurrency, per_client, paid_on)
            row = (
                label,
                f"{transactions:,}",
                f"{size_mb:.1f}",
                f"{server.start_s:.1f} s",
                str(concurrency),
                str(len(latencies)),
                f"{len(latencies) / wall:.1f}",
                f"{statistics.median(latencies) * 1000:.0f} ms",
                f"{percentile(latencies, 0.99) * 1000:.0f} ms",
            )
            print(" | ".join(row), flush=True)
            yield row
    finally:
        server.stop()


def table(rows: list[tuple[str, ...]], command: str, workers: int) -> str:
    lines = [
        SECTION,
        "",
        f"Command: `{command}` (CPython {platform.python_version()}, {os.cpu_count()} cores, "
        f"SQLite, `fundbook serve --workers {workers}`). One disbursement = submit, each "
        "approval of its chain (the last books the commitment: append + fsync) and the "
        "payment (append + fsync), four or five HTTP calls; latency is per disbursement, "
        "throughput in disbursements per second. The larger book is the demo with synthetic "
        "history appended through the writer. Only the server's start (one full load of the "
        "book per worker) grows with the book; the cost of a disbursement does not, because "
        "the write path never reloads the book (fund balances follow the appends).",
        "",
        "| book | transactions | book MB | server start | clients | disbursements | per second | p50 | p99 |",
        "|---|---|---|---|---|---|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--demo-home",
        type=Path,
        default=None,
        help="an already built demo HOME to copy (default: build one)",
    )
    parser.add_argument("--factor", type=int, default=10, help="size of the larger book")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fundbook-bench-disb-") as tmp:
        demo = Path(tmp) / "demo"
        if args.demo_home:
            shutil.copytree(args.demo_home, demo, ignore=shutil.ignore_patterns("*.db*", "*.lock"))
        else:
            from fundbook_cli.demo_district import build_demo

            build_demo(demo)
        large = Path(tmp) / "large"
        shutil.copytree(demo, large)
        demo_size = count_transactions(demo)
        started = time.monotonic()
        grown = grow(large, demo_size * args.factor)
        print(
            f"grew the larger book to {grown:,} transactions in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        rows = [
            *measure(demo, "demo", args.workers),
            *measure(large, f"demo x{args.factor}", args.workers),
        ]
    command = ".venv/bin/python bench/disbursements.py"
    text = table(rows, command, args.workers)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
