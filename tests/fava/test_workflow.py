"""The desk reads the workflow database read-only, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from fava_fundbook.workflow import (
    WorkflowUnavailable,
    database_url,
    read_only_engine,
    read_workflow,
)
from store.engine import make_engine
from store.migrate import upgrade
from store.pools import Allocation
from store.tables import Decision, Outbox, Request

UTC = datetime.UTC


def _request(session, *, id_, code, fund, amount, status, round_=1):
    moment = datetime.datetime(2026, 3, 5, 1, 2, 3, tzinfo=UTC)
    session.add(
        Request(
            id=id_,
            code=code,
            fund=fund,
            amount=Decimal(amount),
            payee="玉林社区老年协会",
            purpose="重阳节敬老活动",
            status=status,
            requested_by="王芳",
            created_at=moment,
            submitted_at=moment,
            updated_at=moment,
            round=round_,
        )
    )


def _decision(session, *, request_id, round_, step, role, org, by, decision="approve"):
    session.add(
        Decision(
            request_id=request_id,
            round=round_,
            step=step,
            role=role,
            org=org,
            decision=decision,
            by=by,
            at=datetime.datetime(2026, 3, 5, 2, step, 0, tzinfo=UTC),
        )
    )


@pytest.fixture
def filled(database_url: str) -> str:
    upgrade(database_url)
    engine = make_engine(database_url, pool_size=1)
    with Session(engine) as session:
        _request(
            session, id_=1, code="R000001", fund="MF-ST01C01", amount="100.10", status="pending"
        )
        _request(
            session, id_=2, code="R000002", fund="MF-ST01C01", amount="20.00", status="returned"
        )
        _request(session, id_=3, code="R000003", fund="MF-ST01C02", amount="7.00", status="pending")
        _request(
            session,
            id_=4,
            code="R000004",
            fund="MF-ST01C01",
            amount="800.00",
            status="approved",
            round_=2,
        )
        _request(session, id_=5, code="R000005", fund="MF-ST01C01", amount="9.00", status="paid")
        _request(
            session, id_=6, code="R000006", fund="MF-ST01C02", amount="5.00", status="rejected"
        )
        session.flush()
        # Round 1 of R000004 was returned; round 2 climbed the whole chain.
        _decision(
            session,
            request_id=4,
            round_=1,
            step=1,
            role="community_party",
            org="ST01C01",
            by="旧审批人",
            decision="return",
        )
        _decision(
            session,
            request_id=4,
            round_=2,
            step=1,
            role="community_party",
            org="ST01C01",
            by="李明",
        )
        _decision(
            session, request_id=4, round_=2, step=2, role="foundation", org="WHCDF", by="张伟"
        )
        # Not yet in the book: a decrease (held, as the API holds it) and an increase (not).
        session.add(
            Outbox(
                fb_id="R000004-commitment",
                fund="MF-ST01C01",
                delta=Decimal("-800.00"),
                payload="{}",
            )
        )
        session.add(
            Outbox(fb_id="C000009", fund="MF-ST01C02", delta=Decimal("50.00"), payload="{}")
        )
        session.add(
            Outbox(
                fb_id="R000005-payment",
                fund="MF-ST01C01",
                delta=Decimal("-9.00"),
                payload="{}",
                done=True,
            )
        )
        # Allocations from a pool hold the pool's money until booked.
        for code, amount, status in (
            ("A000001", "300.00", "pending"),
            ("A000002", "45.50", "approved"),
            ("A000003", "1000.00", "booked"),
            ("A000004", "70.00", "rejected"),
        ):
            session.add(
                Allocation(
                    code=code,
                    pool="GP",
                    community="ST01C01",
                    street="ST01",
                    target="AL-ST01C01-GP",
                    amount=Decimal(amount),
                    purpose="社区营造",
                    status=status,
                    proposed_by="街道",
                )
            )
        session.commit()
    engine.dispose()
    return database_url


def test_holds_queue_and_outbox_as_the_workflow_has_them(filled):
    engine = read_only_engine(filled)
    try:
        workflow = read_workflow(engine, zone=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    finally:
        engine.dispose()
    assert workflow.held == {
        "MF-ST01C01": Decimal("920.10"),
        "MF-ST01C02": Decimal("7.00"),
        "GP": Decimal("345.50"),
    }
    assert [r.code for r in workflow.approved] == ["R000004"]
    request = workflow.approved[0]
    assert request.amount == Decimal("800.00") and request.requested_by == "王芳"
    assert [(a.role, a.org, a.by) for a in request.approvals] == [
        ("community_party", "ST01C01", "李明"),
        ("foundation", "WHCDF", "张伟"),
    ]
    assert request.approvals[0].at == "2026-03-05T10:01:00+08:00"
    assert workflow.outbox_pending == 2


def test_the_desk_cannot_write_to_the_workflow_database(filled):
    engine = read_only_engine(filled)
    try:
        with pytest.raises(SQLAlchemyError), engine.begin() as conn:
            conn.execute(text("UPDATE request SET status = 'paid' WHERE id = 4"))
    finally:
        engine.dispose()
    check = make_engine(filled, pool_size=1)
    with check.connect() as conn:
        assert conn.execute(text("SELECT status FROM request WHERE id = 4")).scalar() == "approved"
    check.dispose()


def test_a_missing_database_is_reported_not_created(tmp_path: Path):
    book = tmp_path / "home" / "book"
    url = database_url(book, environ={})
    assert url == f"sqlite:///{tmp_path / 'home' / 'fundbook.db'}"
    with pytest.raises(WorkflowUnavailable):
        read_only_engine(url)
    assert not (tmp_path / "home" / "fundbook.db").exists()
    assert (
        database_url(book, environ={"FUNDBOOK_DATABASE_URL": "postgresql://x/y"})
        == "postgresql://x/y"
    )


def test_an_unmigrated_database_is_reported(tmp_path: Path):
    path = tmp_path / "fundbook.db"
    create_engine(f"sqlite:///{path}").connect().close()
    engine = read_only_engine(f"sqlite:///{path}")
    with pytest.raises(WorkflowUnavailable):
        read_workflow(engine)
    engine.dispose()
