"""An Idempotency-Key whose first POST was killed between its claim and its work still finishes.

A real server process is killed with SIGKILL after it committed the claim and
while its use case waits for the fund's lock; the retry with the same key, on
a restarted server, runs the work exactly once and later retries replay it.
On SQLite, a real process killed right after claiming leaves the same row.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from api.service import idempotency
from store.engine import make_engine
from store.migrate import upgrade
from store.tables import IdempotencyKey
from tests.api.serving import ROOT, serving, small_book, start_server, token

FUND = "MF-ST01C01"
BODY = {"fund": FUND, "amount": "100.00", "payee": "供应商", "purpose": "被中断的请求"}


def _claims(url: str) -> list[tuple[str, int | None, str | None]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT key, status_code, owner FROM idempotency_key")).all()
    finally:
        engine.dispose()
    return [(str(key), status, owner) for key, status, owner in rows]


def test_a_server_killed_between_claim_and_work_lets_the_retry_finish(
    tmp_path: Path, postgres_url: str
) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("1000.00")})
    committee = token(home, postgres_url, "committee", "ST01C01", "居委会")
    headers = {"Authorization": f"Bearer {committee}", "Idempotency-Key": "crash-key-1"}
    holder = create_engine(postgres_url)
    server = start_server(home, postgres_url)
    try:
        with holder.connect() as conn:  # hold the fund's lock: the use case waits after claiming
            conn.execute(text("INSERT INTO fund_state (fund, version) VALUES (:f, 0)"), {"f": FUND})
            conn.commit()
            conn.execute(text("SELECT * FROM fund_state WHERE fund = :f FOR UPDATE"), {"f": FUND})
            replies: list[object] = []

            def submit() -> None:
                try:
                    replies.append(
                        httpx.post(
                            f"{server.url}/v1/disbursements", json=BODY, headers=headers, timeout=30
                        )
                    )
                except httpx.HTTPError as error:
                    replies.append(error)

            thread = threading.Thread(target=submit)
            thread.start()
            deadline = time.monotonic() + 30
            while not _claims(postgres_url) and time.monotonic() < deadline:
                time.sleep(0.05)
            [(key, status, owner)] = _claims(postgres_url)
            assert (key, status) == ("crash-key-1", None) and owner
            server.kill()  # SIGKILL between the claim and the work
            thread.join()
            conn.rollback()
        assert isinstance(replies[0], httpx.HTTPError)
    finally:
        server.stop()
        holder.dispose()

    with serving(home, postgres_url) as again, again.client() as client:
        started = time.monotonic()
        retry = client.post("/v1/disbursements", json=BODY, headers=headers)
        took = time.monotonic() - started
        assert retry.status_code == 201, retry.text
        assert took < 10, f"the retry waited {took:.1f} s for a dead claim"
        replay = client.post("/v1/disbursements", json=BODY, headers=headers)
        assert (replay.status_code, replay.json()) == (201, retry.json())
        auth = {"Authorization": f"Bearer {committee}"}
        listed = client.get("/v1/disbursements", headers=auth).json()
        assert [item["id"] for item in listed] == [retry.json()["id"]]
        assert client.get(f"/v1/funds/{FUND}", headers=auth).json()["held"] == "100.00"


_CLAIMER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from sqlalchemy.orm import sessionmaker
    from sqlmodel import Session
    from api.service import idempotency
    from store.engine import make_engine
    factory = sessionmaker(make_engine({url!r}, pool_size=1), class_=Session)
    held = idempotency.claim(factory, caller="c", key="k", print_="p")
    print("claimed", held.id, flush=True)
    time.sleep(600)
    """
)


def test_a_claim_whose_process_was_killed_is_taken_over_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fundbook.db'}"
    upgrade(url)
    child = subprocess.Popen(
        [sys.executable, "-c", _CLAIMER.format(root=str(ROOT), url=url)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        assert line[0] == b"claimed"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    factory = sessionmaker(make_engine(url, pool_size=2), class_=Session, expire_on_commit=False)
    started = time.monotonic()
    taken = idempotency.claim(factory, caller="c", key="k", print_="p")
    assert isinstance(taken, idempotency.Claim) and taken.id == int(line[1])
    assert time.monotonic() - started < 5
    assert taken.owner == idempotency.owner()
    with factory() as session:  # the work commits its response with its state change
        idempotency.settle(session, taken, 201, '{"id": "R1"}')
        session.commit()
    assert idempotency.claim(factory, caller="c", key="k", print_="p") == idempotency.Replay(
        201, {"id": "R1"}
    )


def test_a_slow_owner_whose_lease_ran_out_cannot_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fundbook.db'}"
    upgrade(url)
    factory = sessionmaker(make_engine(url, pool_size=2), class_=Session, expire_on_commit=False)
    first = idempotency.claim(factory, caller="c", key="k", print_="p")
    assert isinstance(first, idempotency.Claim)
    slow = idempotency.Claim(first.id, "otherhost:4242:0a1b2c")
    with factory() as session:  # another host's owner, still working when its lease runs out
        row = session.exec(select(IdempotencyKey)).one()
        row.owner, row.lease_until = slow.owner, row.created_at
        session.commit()
    second = idempotency.claim(factory, caller="c", key="k", print_="p")
    assert isinstance(second, idempotency.Claim) and second.id == first.id
    with factory() as session, pytest.raises(idempotency.ClaimLost):
        idempotency.settle(session, slow, 201, "{}")
    with factory() as session:
        idempotency.settle(session, second, 201, '{"id": "R2"}')
        session.commit()
    assert idempotency.claim(factory, caller="c", key="k", print_="p") == idempotency.Replay(
        201, {"id": "R2"}
    )
