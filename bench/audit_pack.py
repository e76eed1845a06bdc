"""Audit pack of one demo year: from a cold start, from a running service, next to bean-check.

Builds the Wuhou demo district in a temporary HOME (not timed), then measures
for one year:

- `bean-check -C` on the same book (parse, plugins, validation; no cache);
- a cold start: `fundbook report audit-pack HOME --from Y-01-01 --to Y-12-31
  --format F --out FILE` as a new process, per format;
- a running service: `fundbook serve HOME` (a real uvicorn process), then
  `GET /v1/reports/audit-pack?...&format=F` with an auditor's token; the
  first request loads the book, later ones reuse it while it is unchanged.

Prints the figures and writes them into docs/BENCHMARKS.md under its own
section ("## Audit pack"), with the command that produced them.
"""

from __future__ import annotations

import argparse
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

from benchmarks_md import write_section

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Audit pack"
FORMATS = ("pdf", "html", "xlsx", "json")


def timed(command: list[str], **kw: object) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, **kw)  # type: ignore[call-overload]
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fundbook(*args: str) -> list[str]:
    return [sys.executable, "-m", "fundbook_cli.main", *args]


def get(url: str, token: str) -> tuple[float, int]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        size = len(response.read())
    return time.perf_counter() - start, size


def service(home: Path, year: int, runs: int) -> dict[str, tuple[float, float, int]]:
    """(first request, median of later requests, bytes) per format, from `fundbook serve`."""
    token = (
        subprocess.run(
            fundbook("token", "create", str(home), "--role", "auditor", "--name", "审计员"),
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    log = open(home / "serve.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        fundbook("serve", str(home), "--port", str(port), "--log-level", "warning"),
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        results = {}
        for fmt in FORMATS:
            url = (
                f"{base}/v1/reports/audit-pack?from={year}-01-01&to={year}-12-31"
                f"&format={fmt}&lang=zh"
            )
            first, size = get(url, token)
            later = [get(url, token)[0] for _ in range(runs)]
            results[fmt] = (first, statistics.median(later), size)
        return results
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def measure(year: int, runs: int, home: Path | None) -> str:
    workdir = Path(tempfile.mkdtemp(prefix="fundbook-bench-"))
    try:
        if home is None:
            home = workdir / "home"
            start = time.perf_counter()
            sys.path.insert(0, str(ROOT))
            from fundbook_cli.demo_district import build_demo

            build_demo(home)
            print(f"demo built in {time.perf_counter() - start:.1f} s")
        main = home / "book" / "main.beancount"
        transactions = sum(1 for line in _book_lines(home) if line[:4].isdigit() and " * " in line)
        check = [
            timed([str(Path(sys.executable).parent / "bean-check"), "-C", str(main)])
            for _ in range(runs)
        ]
        print(f"bean-check -C: {statistics.median(check):.2f} s")
        cold: dict[str, tuple[float, int]] = {}
        for fmt in FORMATS:
            out = workdir / f"pack.{fmt}"
            times = [
                timed(
                    fundbook(
                        "report",
                        "audit-pack",
                        str(home),
                        "--from",
                        f"{year}-01-01",
                        "--to",
                        f"{year}-12-31",
                        "--format",
                        fmt,
                        "--lang",
                        "zh",
                        "--out",
                        str(out),
                    )
                )
                for _ in range(runs)
            ]
            cold[fmt] = (statistics.median(times), out.stat().st_size)
            print(f"cold {fmt}: {cold[fmt][0]:.2f} s, {cold[fmt][1]:,} bytes")
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        warm = service(home, year, runs)
        for fmt, (first, later, _) in warm.items():
            print(f"service {fmt}: first {first:.2f} s, later {later:.2f} s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    load = os.getloadavg()[1]
    return render(year, runs, transactions, statistics.median(check), cold, warm, rss, load)


def _book_lines(home: Path) -> list[str]:
    lines: list[str] = []
    for path in sorted((home / "book").rglob("*.beancount")):
        lines += path.read_text(encoding="utf-8").splitlines()
    return lines


def render(
    year: int,
    runs: int,
    transactions: int,
    check: float,
    cold: dict[str, tuple[float, int]],
    warm: dict[str, tuple[float, float, int]],
    rss: float,
    load: float,
) -> str:
    lines = [
        SECTION,
        "",
        f"Command: `.venv/bin/python bench/audit_pack.py --year {year} --runs {runs}` "
        f"(Python {platform.python_version()}, {os.cpu_count()} cores; medians of {runs} runs; "
        f"the Wuhou demo district, {transactions:,} transactions in the whole book, all "
        f"years loaded; the audit pack covers {year}; load average over the last 5 minutes "
        f"{load:.1f}, so read the figures as orders of magnitude).",
        "",
        f"Plain `bean-check -C` on the same book: **{check:.2f} s**. "
        f"Largest resident size of a cold-start process: {rss:.0f} MB.",
        "",
        "| format | size | cold start (new `fundbook report` process) | running service, "
        "first request (loads the book) | running service, book unchanged |",
        "|---|---|---|---|---|",
    ]
    for fmt in FORMATS:
        seconds, size = cold[fmt]
        first, later, _ = warm[fmt]
        lines.append(
            f"| {fmt} | {size / 1024:,.0f} KB | {seconds:.2f} s | {first:.2f} s | {later:.2f} s |"
        )
    lines += [
        "",
        "A cold start pays for starting Python, loading the book (parse, booking, "
        "plugins, as bean-check does) and building every report; the running service "
        "keeps the loaded book while no file of it changed, so a later request pays "
        "only for the reports and the rendering. The first service request of the "
        "table is the pdf one; later formats reuse the book it loaded.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--home", type=Path, help="an existing HOME instead of a fresh demo")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    text = measure(args.year, args.runs, args.home)
    print(text)
    if not args.no_write:
        write_section(text, SECTION)


if __name__ == "__main__":
    main()
