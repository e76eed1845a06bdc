"""Sealed years: the live book stays small however many years are closed.

Command: `.venv/bin/python bench/sealed_years.py [--runs 3] [--no-write]`

Builds two districts into temporary HOMEs:

- the demo (`build_demo`: 2023-2025 sealed, 2026 open);
- a synthetic ten-year district: the demo's simulation run from 2016 instead
  of 2023 (the same yearly volume), 2016-2025 closed and sealed, 2026 open.

On each it measures, with Fava (in-process, Flask test client) and the API
(`fundbook serve`, a real process) on the same HOME:

- the API server's start: spawn to `/healthz`, and to the first `/v1/funds`;
- Fava's page after an API write: a contribution posted to the API (booked
  through the writer into the live journal), then the first request of Fava's
  income statement and of the Fundbook desk page (Fava reloads the live book);
- the audit pack of the closed year 2025 (`fundbook report audit-pack`, JSON,
  a new process each run): the first run (sealed years loaded, cache written)
  and later runs (sealed years read from `HOME/cache/`);
- a three-year report (业务活动表 over 2023-2025) in-process, counting the
  Beancount loads of sealed books (`ledger.sealed_books.LOADS`): the first run
  and a second run with the process's memory dropped (served from the cache).

Prints the figures and writes them into docs/BENCHMARKS.md under its own section.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks_md import write_section  # noqa: E402

from fundbook_cli import demo_district  # noqa: E402
from ledger import sealed_books  # noqa: E402
from ledger.check import load_book  # noqa: E402
from ledger.layout import Layout  # noqa: E402
from ledger.seals import seals_of  # noqa: E402

SECTION = "## Sealed years: live book, Fava, API start, audit pack"
COMMAND = ".venv/bin/python bench/sealed_years.py"


def build(home: Path, first_year: int) -> float:
    """The demo's simulation from `first_year`, every year before 2026 closed and sealed."""
    start = datetime.date(first_year, 1, 1)
    saved = (demo_district.START, demo_district.CLOSED_YEARS)
    demo_district.START = start
    demo_district.CLOSED_YEARS = tuple(range(first_year, 2026))
    try:
        started = time.perf_counter()
        demo_district.build_demo(home)
        return time.perf_counter() - started
    finally:
        demo_district.START, demo_district.CLOSED_YEARS = saved


def fundbook(*args: str) -> list[str]:
    return [sys.executable, "-m", "fundbook_cli.main", *args]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token(home: Path, role: str) -> str:
    result = subprocess.run(
        fundbook("token", "create", str(home), "--role", role, "--name", "会计"),
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return result.stdout.strip().splitlines()[-1]


def call(url: str, secret: str, body: dict[str, object] | None = None, key: str = "") -> int:
    headers = {"Authorization": f"Bearer {secret}"}
    data = None
    if body is not None:
        headers |= {"Content-Type": "application/json", "Idempotency-Key": key}
        data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()
        return int(response.status)


def counts(home: Path) -> tuple[int, int, int]:
    """Transactions in the live book, in all books, and the number of sealed years."""
    layout = Layout(home)
    entries, _, _ = load_book(layout)
    live = sum(1 for entry in entries if entry.__class__.__name__ == "Transaction")
    seals = seals_of(entries)
    total = live
    for seal in seals:
        sealed, _ = sealed_books.load_sealed_entries(layout, seal)
        total += sum(
            1
            for entry in sealed
            if entry.__class__.__name__ == "Transaction" and "fb_seal" not in entry.meta
        )
    return live, total, len(seals)


def api_and_fava(home: Path, runs: int) -> dict[str, float]:
    """API start, and Fava's pages after each of `runs` contributions posted to the API."""
    from fava_fundbook.server import make_app

    secret = token(home, "accountant")
    app = make_app(home)
    client = app.test_client()
    slug = client.get("/").headers["Location"].strip("/").split("/")[0]
    assert client.get(f"/{slug}/income_statement/").status_code == 200
    assert client.get(f"/{slug}/extension/FundbookDesk/").status_code == 200
    warm_income, warm_desk = [], []
    for _ in range(runs):
        page = time.perf_counter()
        assert client.get(f"/{slug}/income_statement/").status_code == 200
        warm_income.append(time.perf_counter() - page)
        page = time.perf_counter()
        assert client.get(f"/{slug}/extension/FundbookDesk/").status_code == 200
        warm_desk.append(time.perf_counter() - page)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (home / "serve.log").open("wb")
    started = time.perf_counter()
    server = subprocess.Popen(
        fundbook("serve", str(home), "--port", str(port), "--log-level", "warning"),
        stdout=log,
        stderr=log,
        cwd=ROOT,
    )
    try:
        for _ in range(3000):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        healthz = time.perf_counter() - started
        assert call(f"{base}/v1/funds", secret) == 200
        first_funds = time.perf_counter() - started
        income, desk, income_cpu, desk_cpu = [], [], [], []
        for run in range(runs):
            body = {
                "fund": "MF-ST01C01",
                "amount": "100.00",
                "source": {"kind": "donor", "name": "张三"},
                "received_on": "2026-11-30",
                "receipt_no": f"BENCH-{run}",
            }
            assert call(f"{base}/v1/contributions", secret, body, f"bench-{run}") == 201
            time.sleep(1.0)  # Fava's file watcher notices the journal changed
            page, used = time.perf_counter(), time.process_time()
            assert client.get(f"/{slug}/income_statement/").status_code == 200
            income.append(time.perf_counter() - page)
            income_cpu.append(time.process_time() - used)
            time.sleep(0.2)
            body["receipt_no"] = f"BENCH-{run}-b"
            assert call(f"{base}/v1/contributions", secret, body, f"bench-{run}-b") == 201
            time.sleep(1.0)
            page, used = time.perf_counter(), time.process_time()
            assert client.get(f"/{slug}/extension/FundbookDesk/").status_code == 200
            desk.append(time.perf_counter() - page)
            desk_cpu.append(time.process_time() - used)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    return {
        "healthz": healthz,
        "first_funds": first_funds,
        "income_warm": statistics.median(warm_income),
        "desk_warm": statistics.median(warm_desk),
        "income_after_write": statistics.median(income),
        "desk_after_write": statistics.median(desk),
        "income_after_write_cpu": statistics.median(income_cpu),
        "desk_after_write_cpu": statistics.median(desk_cpu),
    }


def audit_pack(home: Path, runs: int) -> dict[str, float]:
    out = home / "pack.json"
    command = fundbook(
        "report", "audit-pack", str(home), "--from", "2025-01-01", "--to", "2025-12-31"
    )
    command += ["--format", "json", "--lang", "zh", "--out", str(out)]
    times, cpu = [], []
    for _ in range(runs + 1):
        started, used = time.perf_counter(), _children_cpu()
        done = subprocess.run(command, check=False, capture_output=True, cwd=ROOT)
        assert done.returncode in (0, 1), done.stderr  # 1: the pack holds integrity findings
        times.append(time.perf_counter() - started)
        cpu.append(_children_cpu() - used)
    return {
        "pack_first": times[0],
        "pack_later": statistics.median(times[1:]),
        "pack_first_cpu": cpu[0],
        "pack_later_cpu": statistics.median(cpu[1:]),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def three_years(home: Path) -> dict[str, object]:
    from reports.service import render_report

    layout = Layout(home)
    seals = {seal.year: seal.seal for seal in seals_of(load_book(layout)[0])}
    for path in layout.cache_dir.glob("*"):  # the audit packs wrote them: start empty
        path.unlink()
    sealed_books.forget()

    def run() -> tuple[tuple[float, float], dict[int, int]]:
        before = dict(sealed_books.LOADS)
        started, used = time.perf_counter(), time.process_time()
        render_report(
            name="activities",
            home=home,
            date_from=datetime.date(2023, 1, 1),
            date_to=datetime.date(2025, 12, 31),
            fmt="json",
        )
        loads = {
            year: sealed_books.LOADS[seal] - before.get(seal, 0) for year, seal in seals.items()
        }  # Beancount loads of sealed books during this run
        took = (time.perf_counter() - started, time.process_time() - used)
        return took, {y: n for y, n in loads.items() if n}

    first, first_loads = run()
    sealed_books.forget()
    second, second_loads = run()
    return {
        "three_first": first[0],
        "three_first_cpu": first[1],
        "three_first_loads": first_loads,
        "three_second": second[0],
        "three_second_cpu": second[1],
        "three_second_loads": second_loads,
    }


def measure(home: Path, first_year: int, runs: int) -> dict[str, object]:
    stamp = home.with_suffix(".built")
    if not stamp.exists():  # --work keeps the built districts between runs of the script
        if home.exists():
            shutil.rmtree(home)
        stamp.write_text(str(build(home, first_year)), encoding="utf-8")
    result: dict[str, object] = {"build": float(stamp.read_text(encoding="utf-8"))}
    print(f"{home.name}: built in {result['build']:.1f} s", flush=True)
    # The caches start empty: the build's seals loaded each year in this process only.
    sealed_books.forget()
    for path in Layout(home).cache_dir.glob("*"):
        path.unlink()
    result |= audit_pack(home, runs)
    print(f"{home.name}: audit pack {result['pack_first']:.2f} s", flush=True)
    result |= three_years(home)
    result["live"], result["total"], result["sealed"] = counts(home)
    result |= api_and_fava(home, runs)
    print(f"{home.name}: {result}", flush=True)
    return result


def render(demo: dict[str, object], ten: dict[str, object], runs: int) -> str:
    def s(value: object) -> str:
        return f"{float(value):.2f} s"  # type: ignore[arg-type]

    def sc(wall: object, cpu: object) -> str:
        return f"{float(wall):.2f} s ({float(cpu):.2f} s CPU)"  # type: ignore[arg-type]

    def loads(value: object) -> str:
        found = dict(value)  # type: ignore[call-overload]
        return ", ".join(f"{y}: {n}" for y, n in sorted(found.items())) or "none (cache)"

    rows = [
        ("transactions, all years", lambda r: f"{r['total']:,}"),
        ("sealed years", lambda r: str(r["sealed"])),
        ("transactions in the live book", lambda r: f"{r['live']:,}"),
        ("build (simulation, journal, every seal)", lambda r: s(r["build"])),
        ("API start: spawn to /healthz", lambda r: s(r["healthz"])),
        ("API start: spawn to the first /v1/funds", lambda r: s(r["first_funds"])),
        ("Fava income statement, no write (page only)", lambda r: s(r["income_warm"])),
        ("Fava desk page, no write (page only)", lambda r: s(r["desk_warm"])),
        (
            "Fava income statement after an API write",
            lambda r: sc(r["income_after_write"], r["income_after_write_cpu"]),
        ),
        (
            "Fava desk page after an API write",
            lambda r: sc(r["desk_after_write"], r["desk_after_write_cpu"]),
        ),
        (
            "audit pack 2025 (JSON), first run",
            lambda r: sc(r["pack_first"], r["pack_first_cpu"]),
        ),
        (
            "audit pack 2025 (JSON), later runs",
            lambda r: sc(r["pack_later"], r["pack_later_cpu"]),
        ),
        ("activities 2023-2025, first run", lambda r: sc(r["three_first"], r["three_first_cpu"])),
        ("  sealed-book loads, by year", lambda r: loads(r["three_first_loads"])),
        (
            "activities 2023-2025, memory dropped",
            lambda r: sc(r["three_second"], r["three_second_cpu"]),
        ),
        ("  sealed-book loads, by year", lambda r: loads(r["three_second_loads"])),
    ]
    lines = [
        SECTION,
        "",
        f"Command: `{COMMAND} --runs {runs}` (one run of the script; medians of {runs} where",
        "repeated). The ten-year district is the demo's simulation started in 2016: the",
        "demo's yearly volume, 2016-2025 sealed. Each API write is a contribution posted",
        "to `fundbook serve`; Fava (in-process) then reloads the live book only.",
        "",
        "| | demo (2023-2026) | ten years (2016-2026) |",
        "|---|---|---|",
        *(f"| {name} | {cell(demo)} | {cell(ten)} |" for name, cell in rows),
        "",
        "Audit pack on ten years / on the demo, CPU: later runs "
        f"{float(ten['pack_later_cpu']) / float(demo['pack_later_cpu']):.2f}x, "  # type: ignore[arg-type]
        f"first runs {float(ten['pack_first_cpu']) / float(demo['pack_first_cpu']):.2f}x "  # type: ignore[arg-type]
        "(wall clock: "
        f"{float(ten['pack_later']) / float(demo['pack_later']):.2f}x, "  # type: ignore[arg-type]
        f"{float(ten['pack_first']) / float(demo['pack_first']):.2f}x). CPU is the time "  # type: ignore[arg-type]
        "the measured process spent computing; the wall clock includes waiting for the "
        "shared cores.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[1]:.1f} "
        "(the machine is shared: read the figures as orders of magnitude).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--work", type=Path, help="keep the built districts here (reused)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fundbook-bench-sealed-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        demo = measure(work / "demo", 2023, args.runs)
        ten = measure(work / "ten", 2016, args.runs)
    text = render(demo, ten, args.runs)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
