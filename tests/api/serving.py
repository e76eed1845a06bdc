"""Helpers of the API tests: small books, tokens, real uvicorn servers on free ports."""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx

from fundbook_cli.cmd_api import create_token
from funds.chains import parse_chain
from funds.model import Fund, FundKind, Organization, OrgKind, Restriction
from funds.registry import Registry
from ledger import entries as build
from ledger.accounts import Bank, IncomeKind
from ledger.book import BookSpec, create_book
from ledger.layout import Layout
from ledger.writer import Writer

ROOT = Path(__file__).resolve().parents[2]
ICBC = Bank("ICBC", "工商银行基本户", "4402 0000 0000 0001")
OPENED = datetime.date(2026, 1, 1)
CHAIN = parse_chain("community_party@community street@street foundation@foundation")


def small_registry() -> Registry:
    orgs = [
        Organization("WUHOU", OrgKind.DISTRICT, "Wuhou", "武侯区"),
        Organization("WHCDF", OrgKind.FOUNDATION, "Foundation", "基金会", "WUHOU"),
        Organization("ST01", OrgKind.STREET, "Street 1", "一街道", "WUHOU"),
        Organization("ST02", OrgKind.STREET, "Street 2", "二街道", "WUHOU"),
        Organization("ST01C01", OrgKind.COMMUNITY, "Community 1", "一社区", "ST01"),
        Organization("ST01C02", OrgKind.COMMUNITY, "Community 2", "二社区", "ST01"),
        Organization("ST02C01", OrgKind.COMMUNITY, "Community 3", "三社区", "ST02"),
        Organization("D01", OrgKind.DEPARTMENT, "Civil Affairs", "民政局", "WUHOU"),
    ]
    funds = [
        Fund(
            "FDN",
            FundKind.FOUNDATION,
            "Foundation fund",
            "基金会资金",
            "WHCDF",
            Restriction.UNRESTRICTED,
            parse_chain("foundation@foundation"),
        )
    ]
    for community in ("ST01C01", "ST01C02", "ST02C01"):
        funds.append(
            Fund(
                f"MF-{community}",
                FundKind.MICRO,
                f"Micro {community}",
                f"{community}微基金",
                community,
                Restriction.RESTRICTED,
                CHAIN,
            )
        )
    return Registry.build(orgs, funds)


def small_book(home: Path, seed: dict[str, Decimal]) -> Path:
    """A new book with three micro-funds, each funded with `seed[fund]` by a donation."""
    registry = small_registry()
    layout = Layout(home)
    create_book(
        layout,
        BookSpec(
            title="测试基金会",
            registry=registry,
            banks=(ICBC,),
            opened=OPENED,
            fava_extension=False,
        ),
    )
    writer = Writer(layout)
    writer.append(
        [
            build.contribution(
                fb_id=f"SEED-{code}",
                date=OPENED,
                fund=registry.fund(code),
                amount=amount,
                bank=ICBC,
                income=IncomeKind.DONATION,
                source="捐赠人",
                narration="初始捐赠",
            )
            for code, amount in seed.items()
        ]
    )
    return home


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    home: Path
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, token: str | None = None, timeout: float = 60.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the server and all its workers."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(
    home: Path,
    database_url: str,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    wait_s: float = 90.0,
) -> Server:
    port = free_port()
    log = home / f"server-{port}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fundbook_cli.main",
            "serve",
            str(home),
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--database-url",
            database_url,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "FUNDBOOK_SWEEP_INTERVAL_SECONDS": "2", **(env or {})},
    )
    server = Server(home, f"http://127.0.0.1:{port}", database_url, process, log)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")


@contextlib.contextmanager
def serving(home: Path, database_url: str, **kwargs: object) -> Iterator[Server]:
    server = start_server(home, database_url, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def token(
    home: Path, database_url: str, role: str, org: str | None = None, name: str | None = None
) -> str:
    return create_token(
        home, role=role, org=org, name=name or f"{role}-{org or 'all'}", url=database_url
    )


def book_balance(home: Path, fund: str) -> tuple[Decimal, list[object], list[object]]:
    """Load the whole book with its plugins (bean-check): fund balance, errors, entries."""
    from beancount import loader
    from beancount.core import data

    entries, errors, _options = loader.load_file(str(Layout(home).main))
    total = Decimal("0.00")
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                parts = posting.account.split(":")
                if parts[0] in ("Assets", "Liabilities") and parts[-1] == fund:
                    total += posting.units.number
    return total, errors, entries


def today_local() -> datetime.date:
    from zoneinfo import ZoneInfo

    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()


@dataclass
class ForkedServer:
    """A uvicorn server in a process forked from the test (imports already done: starts fast)."""

    url: str
    pid: int

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def fork_server(home: Path, database_url: str, *, wait_s: float = 60.0) -> ForkedServer:
    """Fork a process that serves the API of `home` with uvicorn; returns once it answers."""
    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    port = free_port()
    log = os.open(home / f"forked-{port}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    pid = os.fork()
    if pid == 0:  # the server process
        code = 0
        try:
            os.setsid()
            os.dup2(log, 1)
            os.dup2(log, 2)
            settings = Settings(home=home, database_url=database_url, sweep_interval_seconds=3600)
            uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(log)
    server = ForkedServer(f"http://127.0.0.1:{port}", pid)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            raise RuntimeError(
                f"server exited: {(home / f'forked-{port}.log').read_text()[-3000:]}"
            )
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    server.kill()
    raise RuntimeError("forked server did not start")
