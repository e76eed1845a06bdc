"""Where a worker's CPU goes under load: py-spy samples `fundbook serve` during disbursements.

Starts a real server (SQLite by default, or `--database-url` for PostgreSQL)
on a copy of the demo book, runs disbursements from `--clients` concurrent
clients (as `bench/disbursements.py` does: submit, each approval, payment),
and records every server process with py-spy while they run, sampling only
the thread that holds the GIL, so the samples are Python CPU (waits on locks,
sockets and the database are left out). Server CPU per disbursement is
measured first, without the profiler, from /proc. Each sample is charged to the innermost frame that belongs
to a known part (SQLAlchemy, the database driver, the web stack, Beancount,
Fundbook itself; the standard library is charged to its caller), then the
top functions by own and by inclusive samples are printed.

    .venv/bin/python bench/profile.py [--demo-home HOME] [--clients 8] [--seconds 20]
        [--database-url URL] [--label before] [--no-write]

Writes the tables into docs/BENCHMARKS.md under "## Profile: <label>".
Needs py-spy (`pip install py-spy`) and permission to ptrace the server.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks_md import write_section  # noqa: E402
from disbursements import Server, disburse, tokens  # noqa: E402

RATE = 100
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*)\)$")
FUNDBOOK = ("api", "store", "ledger", "funds", "reports", "fava_fundbook", "fundbook_cli")
# Innermost first: the part a sample is charged to is the first one found walking out.
PARTS = (
    ("SQLAlchemy / SQLModel", ("sqlalchemy/", "sqlmodel/")),
    ("database driver", ("sqlite3/", "psycopg/", "psycopg_pool/", "_sqlite3")),
    ("pydantic", ("pydantic/", "pydantic_core/")),
    (
        "web stack (uvicorn, starlette, fastapi, anyio, asyncio, h11, httptools)",
        (
            "uvicorn/",
            "starlette/",
            "fastapi/",
            "anyio/",
            "asyncio/",
            "h11/",
            "httptools/",
            "concurrent/futures/",
            "selectors.py",
            "socket.py",
        ),
    ),
    ("Beancount", ("beancount/",)),
)


def part_of(file: str) -> str | None:
    for name, markers in PARTS:
        if any(marker in file for marker in markers):
            return name
    relative = file.removeprefix(str(ROOT) + os.sep)
    if relative != file and relative.split(os.sep, 1)[0] in FUNDBOOK:
        return "Fundbook (" + relative.split(os.sep, 1)[0] + "/)"
    return None


def parse_raw(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    """py-spy's raw (collapsed) output: one `frame;frame;... count` line per stack."""
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for text in stack.split(";"):
            match = FRAME.match(text)
            frames.append((match["function"], match["file"]) if match else (text, ""))
        stacks.append((frames, int(count)))
    return stacks


def short(function: str, file: str) -> str:
    relative = file.removeprefix(str(ROOT) + os.sep)
    for marker in ("site-packages" + os.sep, "lib" + os.sep + "python3."):
        if marker in relative:
            relative = relative.split(marker, 1)[1]
            if marker.startswith("lib"):
                relative = relative.split(os.sep, 1)[-1]
    return f"{function} ({relative})"


def summarize(stacks: list[tuple[list[tuple[str, str]], int]], top: int) -> dict[str, object]:
    total = sum(count for _, count in stacks) or 1
    parts: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    for frames, count in stacks:
        # frames are outermost first
        charged = "other (standard library, interpreter)"
        for _function, file in reversed(frames):
            found = part_of(file)
            if found is not None:
                charged = found
                break
        parts[charged] += count
        if frames:
            own[short(*frames[-1])] += count
        seen = set()
        for function, file in frames:
            # the server's entry point and the fork of its workers are on every stack
            if (part_of(file) or "").startswith("Fundbook") and "fundbook_cli" not in file:
                name = short(function, file)
                if name not in seen:
                    seen.add(name)
                    inclusive[name] += count
    return {
        "total": total,
        "parts": parts.most_common(),
        "own": own.most_common(top),
        "inclusive": inclusive.most_common(top),
    }


def server_pids(root: int) -> list[int]:
    """The server process and its workers."""
    found = [root]
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(root)], check=False, capture_output=True, text=True
    )
    for line in out.stdout.split():
        found.extend(server_pids(int(line)))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def load(url: str, toks: dict[str, str], clients: int, stop: threading.Event) -> list[float]:
    """Run disbursements from `clients` threads until `stop`; the moment each one finished."""
    from zoneinfo import ZoneInfo

    import httpx

    paid_on = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    latencies: list[float] = []
    lock = threading.Lock()

    def loop() -> None:
        sessions = {
            key: httpx.Client(base_url=url, timeout=300, headers={"Authorization": f"Bearer {t}"})
            for key, t in toks.items()
        }
        try:
            while not stop.is_set():
                try:
                    disburse(sessions, paid_on)
                except httpx.HTTPError as error:
                    print(f"a disbursement failed: {error!r}", file=sys.stderr)
                    continue
                with lock:
                    latencies.append(time.monotonic())
        finally:
            for session in sessions.values():
                session.close()

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join()
    return latencies


def record(pid: int, seconds: float, out: Path) -> None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    subprocess.run(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--format",
            "raw",
            "--full-filenames",
            "--nolineno",
            "--gil",
            "--rate",
            str(RATE),
            "--duration",
            str(int(seconds)),
            "--output",
            str(out),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def table(
    summary: dict[str, object],
    *,
    label: str,
    command: str,
    done: int,
    wall: float,
    cpu: float,
    workers: int,
    engine: str,
    clients: int,
) -> str:
    total = int(summary["total"])  # type: ignore[call-overload]
    lines = [
        f"## Profile: {label}",
        "",
        f"Command: `{command}` (CPython {platform.python_version()}, {os.cpu_count()} cores, "
        f"{engine}, `fundbook serve --workers {workers}`, {clients} clients). Without the "
        f"profiler: {done} disbursements in {wall:.0f} s ({done / wall:.1f}/s), "
        f"**{cpu / max(done, 1) * 1000:.0f} ms of server CPU per disbursement** (user + "
        f"system time of every server process, from /proc). Then py-spy at {RATE} Hz over "
        f"every server process for as long, only threads holding the GIL sampled (so waits "
        f"on locks, sockets and files, and time inside SQLite's C code, are left out): "
        f"{total:,} samples.",
        "",
        "Each sample is charged to the innermost frame of a known part (the standard "
        "library is charged to its caller):",
        "",
        "| part | share of CPU |",
        "|---|---|",
        *(f"| {name} | {count / total:.0%} |" for name, count in summary["parts"]),  # type: ignore[attr-defined]
        "",
        "Top functions by own samples:",
        "",
        "| function | own |",
        "|---|---|",
        *(f"| `{name}` | {count / total:.1%} |" for name, count in summary["own"]),  # type: ignore[attr-defined]
        "",
        "Fundbook functions by inclusive samples (the function and everything it calls):",
        "",
        "| function | inclusive |",
        "|---|---|",
        *(f"| `{name}` | {count / total:.1%} |" for name, count in summary["inclusive"]),  # type: ignore[attr-defined]
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--demo-home", type=Path, default=None, help="a built demo HOME to copy")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="default: HOME/fundbook.db")
    parser.add_argument("--label", default="a worker under load")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fundbook-bench-profile-") as tmp:
        home = Path(tmp) / "demo"
        if args.demo_home:
            shutil.copytree(args.demo_home, home, ignore=shutil.ignore_patterns("*.db*", "*.lock"))
        else:
            from fundbook_cli.demo_district import build_demo

            build_demo(home)
        if args.database_url:
            os.environ["FUNDBOOK_DATABASE_URL"] = args.database_url
        toks = tokens(home)
        server = Server(home, args.workers)
        try:
            warm = threading.Event()
            warmer = threading.Thread(target=load, args=(server.url, toks, 4, warm))
            warmer.start()
            time.sleep(3)
            warm.set()
            warmer.join()
            stop = threading.Event()
            finished: list[float] = []
            clients = threading.Thread(
                target=lambda: finished.extend(load(server.url, toks, args.clients, stop))
            )
            clients.start()
            time.sleep(1)
            pids = server_pids(server.process.pid)
            started, cpu_before = time.monotonic(), cpu_seconds(pids)
            time.sleep(args.seconds)
            wall, cpu = time.monotonic() - started, cpu_seconds(pids) - cpu_before
            raw = Path(tmp) / "profile.txt"
            record(server.process.pid, args.seconds, raw)
            stop.set()
            clients.join()
            done = sum(1 for moment in finished if started <= moment <= started + wall)
        finally:
            server.stop()
            log = (home / "bench-server.log").read_text(errors="replace")
            if "Traceback" in log:
                print(log[-3000:], file=sys.stderr)
        summary = summarize(parse_raw(raw), args.top)
    engine = "PostgreSQL" if args.database_url else "SQLite"
    command = (
        f".venv/bin/python bench/profile.py --clients {args.clients} --workers {args.workers} "
        f"--seconds {args.seconds:g}"
        + (" --database-url postgresql://..." if args.database_url else "")
        + (f" --label {args.label!r}" if args.label != "a worker under load" else "")
    )
    text = table(
        summary,
        label=args.label,
        command=command,
        done=done,
        wall=wall,
        cpu=cpu,
        workers=args.workers,
        engine=engine,
        clients=args.clients,
    )
    print(text)
    if not args.no_write:
        write_section(text, f"## Profile: {args.label}")


if __name__ == "__main__":
    main()
