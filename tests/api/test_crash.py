"""Crash safety: the server is killed with SIGKILL at random moments while paying.

Each trial starts a uvicorn server process (forked from the test so that it
starts in a fraction of a second; its start reconciles the outbox with the book),
sends payments of approved requests concurrently, kills the server at a random
moment, and reconciles as the next start would. Then every payment the client
saw acknowledged is in the book exactly once, no posting is there twice, every
posting is one of the attempted payments, and the database agrees with the
book. At the end the whole book passes bean-check.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from api.app import build_services, sweep
from api.schemas import DecisionCreate, RequestCreate
from api.service import disbursements
from api.service.callers import Caller
from api.service.context import Services
from api.service.unit import UnitOfWork
from api.settings import Settings
from funds.model import Role
from ledger.layout import Layout
from store.tables import Request
from tests.api.serving import book_balance, fork_server, small_book, today_local, token

pytestmark = pytest.mark.slow

FUND = "MF-ST01C01"
TRIALS = 50
PER_TRIAL = 2
FB_ID = re.compile(r'^\s+fb_id: "([^"]+)"', re.MULTILINE)


def _caller(role: Role, org: str | None, name: str) -> Caller:
    return Caller(name=name, role=role, org=org, token_hash=name)


def _approved(services: Services, count: int) -> list[str]:
    """Requests taken through the whole chain by the service layer itself."""
    committee = _caller(Role.COMMITTEE, "ST01C01", "居委会")
    steps = [
        _caller(Role.COMMUNITY_PARTY, "ST01C01", "党委"),
        _caller(Role.STREET, "ST01", "街道"),
        _caller(Role.FOUNDATION, None, "秘书处"),
    ]
    codes = []
    for index in range(count):
        with UnitOfWork(session_factory=services.session_factory, book=services.book) as uow:
            body = RequestCreate(fund=FUND, amount="1.00", payee="供应商", purpose=f"活动 {index}")  # type: ignore[arg-type]
            code = disbursements.submit(uow=uow, services=services, caller=committee, body=body)[
                "id"
            ]
        for caller in steps:
            with UnitOfWork(session_factory=services.session_factory, book=services.book) as uow:
                disbursements.decide(
                    uow=uow,
                    services=services,
                    caller=caller,
                    code=code,
                    body=DecisionCreate(decision="approve"),
                )
        codes.append(code)
    return codes


def _journal_ids(home: Path) -> Counter[str]:
    ids: Counter[str] = Counter()
    for path in sorted(Layout(home).journal_dir.glob("*.beancount")):
        ids.update(FB_ID.findall(path.read_text(encoding="utf-8")))
    return ids


def test_sigkill_while_paying_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("1000.00")})
    url = f"sqlite:///{home / 'fundbook.db'}"
    accountant = token(home, url, "accountant", None, "会计")
    settings = Settings(home=home, database_url=url)
    services, engine = build_services(settings)
    started = time.monotonic()
    codes = _approved(services, TRIALS * PER_TRIAL)
    print(f"setup {time.monotonic() - started:.1f} s")
    before = _journal_ids(home)
    assert all(count == 1 for count in before.values())
    rng = random.Random(20260301)
    paid_on = today_local().isoformat()
    acknowledged: set[str] = set()
    attempted: set[str] = set()
    for trial in range(TRIALS):
        batch = codes[trial * PER_TRIAL : (trial + 1) * PER_TRIAL]
        server = fork_server(home, url)
        results: dict[str, int] = {}

        def pay(code: str, server_url: str = server.url, results: dict[str, int] = results) -> None:
            try:
                reply = httpx.post(
                    f"{server_url}/v1/disbursements/{code}/payment",
                    json={"paid_on": paid_on, "bank_reference": f"B-{code}"},
                    headers={"Authorization": f"Bearer {accountant}"},
                    timeout=30,
                )
                results[code] = reply.status_code
            except httpx.HTTPError:
                results[code] = -1

        threads = [threading.Thread(target=pay, args=(code,)) for code in batch]
        attempted.update(batch)
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.05, 0.9))
        server.kill()
        for thread in threads:
            thread.join()
        acknowledged.update(code for code, status in results.items() if status == 200)
        sweep(services)  # what the next start does: reconcile the outbox with the book
        ids = _journal_ids(home)
        assert all(count == 1 for count in ids.values()), [i for i, c in ids.items() if c > 1]
        new = set(ids) - set(before)
        assert new <= {f"{code}-payment" for code in attempted}, new
        assert {f"{code}-payment" for code in acknowledged} <= new
        with services.read() as session:
            paid = {
                row.code for row in session.exec(select(Request).where(Request.status == "paid"))
            }
        assert {f"{code}-payment" for code in paid} == new
    engine.dispose()  # type: ignore[attr-defined]
    print(
        f"{len(acknowledged)} of {len(attempted)} payments acknowledged before the kills, "
        f"{len(_journal_ids(home)) - len(before)} booked"
    )
    assert acknowledged, "no payment was ever acknowledged: the kills came too early"
    assert len(acknowledged) < len(attempted), "no kill interrupted a payment"
    balance, errors, _ = book_balance(home, FUND)
    assert errors == [], errors[:3]
    assert balance == Decimal("1000.00") - TRIALS * PER_TRIAL * Decimal("1.00")
