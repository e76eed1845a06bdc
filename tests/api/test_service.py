"""The service layer in-process, on SQLite and PostgreSQL: expiry, return and resubmit,
cancel, void, contributions, outbox redelivery, migrations and start-up refusal.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import NoAuthentication, build_services, create_app
from api.pools_schemas import PledgeCreate
from api.reports_port import RenderedReport, ReportQuery, UnknownReport
from api.schemas import ContributionCreate, DecisionCreate, RequestChange, RequestCreate, VoidCreate
from api.service import contributions, disbursements, holds, outbox, pledges
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import (
    Forbidden,
    InsufficientFunds,
    InvalidTransition,
    SelfApproval,
    ValidationFailed,
)
from api.service.unit import UnitOfWork
from api.settings import Settings
from funds.model import Role
from store.migrate import alembic_config, current, upgrade
from store.tables import Outbox
from tests.api.serving import ROOT, book_balance, small_book, token

FUND = "MF-ST01C01"
COMMITTEE = Caller("居委会", Role.COMMITTEE, "ST01C01", "c")
PARTY = Caller("党委", Role.COMMUNITY_PARTY, "ST01C01", "p")
STREET = Caller("街道", Role.STREET, "ST01", "s")
FOUNDATION = Caller("秘书处", Role.FOUNDATION, None, "f")
ACCOUNTANT = Caller("会计", Role.ACCOUNTANT, None, "a")


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    home = small_book(tmp_path / "home", {FUND: Decimal("100.00")})
    built, engine = build_services(Settings(home=home, database_url=database_url))
    yield built
    engine.dispose()  # type: ignore[attr-defined]


def run(services: Services, use: Any, **kwargs: Any) -> dict[str, Any]:
    with UnitOfWork(session_factory=services.session_factory, book=services.book) as uow:
        return dict(use(uow=uow, services=services, **kwargs))


def submit(services: Services, amount: str) -> str:
    body = RequestCreate(fund=FUND, amount=amount, payee="P", purpose="x")  # type: ignore[arg-type]
    return str(run(services, disbursements.submit, caller=COMMITTEE, body=body)["id"])


def available(services: Services) -> Decimal:
    with services.read() as session:
        return holds.availability(session, services.book, FUND).available


def approve_all(services: Services, code: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for caller in (PARTY, STREET, FOUNDATION):
        result = run(
            services,
            disbursements.decide,
            caller=caller,
            code=code,
            body=DecisionCreate(decision="approve"),
        )
    return result


class _Clock:
    """A clock the test moves by hand, so an expiry never depends on the machine's speed."""

    def __init__(self) -> None:
        self.at = datetime.datetime.now(datetime.UTC)

    def __call__(self) -> datetime.datetime:
        return self.at

    def advance(self, delta: datetime.timedelta) -> None:
        self.at += delta


def test_stale_requests_expire_and_release_their_holds(services: Services) -> None:
    clock = _Clock()
    timed = replace(services, clock=clock, request_ttl=datetime.timedelta(days=30))
    code = submit(timed, "80.00")
    assert available(timed) == Decimal("20.00")
    with pytest.raises(InsufficientFunds):
        submit(timed, "30.00")
    clock.advance(datetime.timedelta(days=29))
    with pytest.raises(InsufficientFunds):  # 29 days undecided: still held
        submit(timed, "30.00")
    clock.advance(datetime.timedelta(days=2))
    second = submit(timed, "30.00")  # the stale request expired under the fund's lock
    assert disbursements.get(services=timed, caller=COMMITTEE, code=code)["status"] == "expired"
    assert available(timed) == Decimal("70.00")
    with pytest.raises(InvalidTransition):
        run(
            timed,
            disbursements.decide,
            caller=PARTY,
            code=code,
            body=DecisionCreate(decision="approve"),
        )
    assert disbursements.get(services=timed, caller=COMMITTEE, code=second)["status"] == "pending"
    clock.advance(datetime.timedelta(days=31))  # a stale request reads as expired at once
    assert disbursements.get(services=timed, caller=COMMITTEE, code=second)["status"] == "expired"
    assert available(timed) == Decimal("100.00")
    listed = disbursements.list_requests(services=timed, caller=COMMITTEE, status="pending")
    assert listed == []


def test_return_resubmit_cancel_and_void(services: Services) -> None:
    code = submit(services, "40.00")
    returned = run(
        services,
        disbursements.decide,
        caller=PARTY,
        code=code,
        body=DecisionCreate(decision="return", comment="补充材料"),
    )
    assert returned["status"] == "returned" and returned["next_step"] is None
    assert available(services) == Decimal("60.00")  # still held while returned
    with pytest.raises(InsufficientFunds):
        run(
            services,
            disbursements.resubmit,
            caller=COMMITTEE,
            code=code,
            body=RequestChange(amount="100.01"),
        )  # type: ignore[arg-type]
    again = run(
        services,
        disbursements.resubmit,
        caller=COMMITTEE,
        code=code,
        body=RequestChange(amount="50.00", purpose="修改后"),
    )  # type: ignore[arg-type]
    assert again["status"] == "pending" and again["amount"] == "50.00"
    assert [s["decision"] for s in again["steps"]] == [None, None, None]
    approved = approve_all(services, code)
    assert approved["status"] == "approved"
    assert services.book.balance(FUND) == Decimal("50.00")
    voided = run(
        services,
        disbursements.void,
        caller=FOUNDATION,
        code=code,
        body=VoidCreate(reason="重复申请"),
    )
    assert voided["status"] == "voided"
    assert voided["ledger"]["entries"] == [f"{code}-commitment", f"{code}-void"]
    assert services.book.balance(FUND) == Decimal("100.00")
    other = submit(services, "10.00")
    assert (
        run(services, disbursements.cancel, caller=COMMITTEE, code=other)["status"] == "cancelled"
    )
    with pytest.raises(InvalidTransition):
        run(services, disbursements.cancel, caller=COMMITTEE, code=other)
    assert available(services) == Decimal("100.00")
    balance, errors, entries = book_balance(services.book.layout.home, FUND)
    assert errors == [] and balance == Decimal("100.00")
    void = next(e for e in entries if e.meta.get("fb_id") == f"{code}-void")
    assert f"req-{code}" in void.links and void.meta["reason"] == "重复申请"


def test_only_the_requester_resubmits_and_one_person_fills_one_step_across_rounds(
    services: Services,
) -> None:
    code = submit(services, "10.00")
    run(
        services,
        disbursements.decide,
        caller=PARTY,
        code=code,
        body=DecisionCreate(decision="approve"),
    )
    run(
        services,
        disbursements.decide,
        caller=STREET,
        code=code,
        body=DecisionCreate(decision="return"),
    )
    # another committee member who also sits on the party committee cannot rewrite the
    # request and then approve it as if someone else had submitted it
    colleague = Caller("委员乙", Role.COMMITTEE, "ST01C01", "c2")
    with pytest.raises(Forbidden):
        run(
            services,
            disbursements.resubmit,
            caller=colleague,
            code=code,
            body=RequestChange(payee="委员乙"),
        )
    run(services, disbursements.resubmit, caller=COMMITTEE, code=code, body=RequestChange())
    other_party = Caller("党委乙", Role.COMMUNITY_PARTY, "ST01C01", "p2")
    run(
        services,
        disbursements.decide,
        caller=other_party,
        code=code,
        body=DecisionCreate(decision="approve"),
    )
    # who approved the party step of the first round does not take the street step now
    party_as_street = Caller(PARTY.name, Role.STREET, "ST01", "s2")
    with pytest.raises(SelfApproval):
        run(
            services,
            disbursements.decide,
            caller=party_as_street,
            code=code,
            body=DecisionCreate(decision="approve"),
        )
    # the same step again in a later round is the same duty
    assert (
        run(
            services,
            disbursements.decide,
            caller=STREET,
            code=code,
            body=DecisionCreate(decision="approve"),
        )["next_step"]["role"]
        == "foundation"
    )


CONTRIBUTIONS = [
    ({"kind": "department", "org": "D01", "name": "民政局"}, None, "Income:Subsidy:Restricted"),
    (
        {"kind": "department", "org": "D01", "name": "民政局"},
        "service",
        "Income:Service:Restricted",
    ),
    ({"kind": "donor", "name": "张先生"}, None, "Income:Donation:Restricted"),
    ({"kind": "interest", "name": "工商银行"}, None, "Income:Investment:Restricted"),
    ({"kind": "other", "name": "其他"}, None, "Income:Other:Restricted"),
]


def test_contributions_book_the_right_income(services: Services) -> None:
    recorded = []
    for index, (source, income, _account) in enumerate(CONTRIBUTIONS):
        body = ContributionCreate.model_validate(
            {
                "fund": FUND,
                "amount": "12.34",
                "source": source,
                "received_on": "2026-02-01",
                "receipt_no": f"No.{index}",
                **({"income": income} if income else {}),
            }
        )
        recorded.append(run(services, contributions.record, caller=ACCOUNTANT, body=body)["id"])
    assert services.book.balance(FUND) == Decimal("100.00") + 5 * Decimal("12.34")
    _, errors, entries = book_balance(services.book.layout.home, FUND)
    assert errors == []
    by_id = {e.meta.get("fb_id"): e for e in entries}
    for index, (code, (_source, _income, account)) in enumerate(
        zip(recorded, CONTRIBUTIONS, strict=True)
    ):
        entry = by_id[code]
        assert {p.account for p in entry.postings} == {
            "Assets:Bank:ICBC:" + FUND,
            f"{account}:{FUND}",
        }
        assert entry.meta["receipt_no"] == f"No.{index}"


def test_contribution_codes_continue_the_book_on_a_new_database(
    services: Services, tmp_path: Path
) -> None:
    def record(target: Services, name: str) -> str:
        body = ContributionCreate.model_validate(
            {
                "fund": FUND,
                "amount": "2.00",
                "source": {"kind": "donor", "name": name},
                "received_on": "2026-02-01",
            }
        )
        return str(run(target, contributions.record, caller=ACCOUNTANT, body=body)["id"])

    first = record(services, "甲")
    # the same book served from a new, empty database (e.g. moved to PostgreSQL)
    fresh, engine = build_services(
        Settings(home=services.book.layout.home, database_url=f"sqlite:///{tmp_path / 'new.db'}")
    )
    try:
        second = record(fresh, "乙")
        outbox.mark_delivered(fresh.session_factory, fresh.book)  # rows are marked lazily
        with fresh.read() as session:
            assert outbox.pending(session) == []  # delivered, not stuck on an id clash
    finally:
        engine.dispose()  # type: ignore[attr-defined]
    assert second != first
    balance, errors, entries = book_balance(services.book.layout.home, FUND)
    assert errors == [] and balance == Decimal("104.00")
    assert {e.meta.get("fb_id") for e in entries} >= {first, second}


def test_income_only_for_departments(services: Services) -> None:
    body = ContributionCreate.model_validate(
        {
            "fund": FUND,
            "amount": "1.00",
            "source": {"kind": "donor", "name": "x"},
            "received_on": "2026-02-01",
            "income": "service",
        }
    )
    with pytest.raises(ValidationFailed):
        run(services, contributions.record, caller=ACCOUNTANT, body=body)


def test_no_contribution_into_a_year_the_book_has_closed(services: Services) -> None:
    from api.service.book import BookState
    from ledger import entries as build
    from ledger.writer import Writer

    registry = services.book.registry
    closed_on = datetime.date(2026, 1, 31)
    Writer(services.book.layout).append(
        build.year_end_close(
            fb_id=f"CLOSE-{FUND}",
            date=closed_on,
            fund=registry.fund(FUND),
            balances={f"Income:Donation:Restricted:{FUND}": Decimal("-100.00")},
        )
    )

    def record(fund: str, received_on: str) -> dict[str, Any]:
        body = ContributionCreate.model_validate(
            {
                "fund": fund,
                "amount": "1.00",
                "source": {"kind": "donor", "name": "x"},
                "received_on": received_on,
            }
        )
        return run(services, contributions.record, caller=ACCOUNTANT, body=body)

    for day in ("2026-01-15", "2026-01-31"):
        with pytest.raises(ValidationFailed, match="closed"):
            record(FUND, day)
    for day in ("2026-01-15", "2025-12-31"):  # closed; before the fund opened
        pledge = PledgeCreate.model_validate(
            {
                "fund": FUND,
                "department": "D01",
                "amount": "1.00",
                "pledged_on": day,
                "purpose": "补助",
            }
        )
        with pytest.raises(ValidationFailed, match=r"closed|opened"):
            run(services, pledges.create, caller=ACCOUNTANT, body=pledge)
    assert services.book.balance(FUND) == Decimal("100.00")
    assert record(FUND, "2026-02-01")["fund"] == FUND
    other = next(code for code in registry.funds if code != FUND)
    assert record(other, "2026-01-15")["fund"] == other  # another fund's year is still open
    assert BookState(services.book.layout).closed_through(FUND) == closed_on  # full load too
    _, errors, _ = book_balance(services.book.layout.home, FUND)
    assert errors == []


def test_outbox_rows_left_undone_are_delivered_once(services: Services) -> None:
    code = submit(services, "10.00")
    approve_all(services, code)
    with services.session_factory() as session:  # as if the process died before marking done
        for row in session.exec(select(Outbox)):
            row.done = False
            session.add(row)
        session.commit()
    assert outbox.deliver(services.session_factory, services.book) == 1
    outbox.mark_delivered(services.session_factory, services.book)  # as the sweeper does
    assert outbox.deliver(services.session_factory, services.book) == 0
    _, errors, entries = book_balance(services.book.layout.home, FUND)
    assert errors == []
    assert [e.meta.get("fb_id") for e in entries].count(f"{code}-commitment") == 1


def test_a_key_keeps_the_committed_response_when_delivery_fails_after_the_commit(
    services: Services,
) -> None:
    from api.run import _run

    def commit_then_fail(uow: UnitOfWork) -> None:
        uow.commit({"done": True})
        raise ValidationFailed("the book refused the posting")

    def call(action: Any) -> Any:
        return _run(
            services=services,
            caller=ACCOUNTANT,
            key="k-1",
            method="POST",
            path="/v1/x",
            body=b"{}",
            status=201,
            action=action,
        )

    assert call(commit_then_fail).status_code == 422
    replay = call(lambda uow: pytest.fail("a replay runs nothing"))
    assert (replay.status_code, replay.body) == (201, b'{"done": true}')


def test_migrations_upgrade_twice_to_head(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert head is not None and current(database_url) == head


def test_the_server_refuses_to_start_without_tokens(tmp_path: Path) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("1.00")})
    with pytest.raises(NoAuthentication), TestClient(create_app(Settings(home=home))):
        pass
    result = subprocess.run(
        [sys.executable, "-m", "fundbook_cli.main", "serve", str(home)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "no API token" in result.stderr


def test_token_create_prints_the_token_last_and_stores_a_hash(tmp_path: Path) -> None:
    import sqlite3

    home = small_book(tmp_path / "home", {FUND: Decimal("1.00")})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fundbook_cli.main",
            "token",
            "create",
            str(home),
            "--role",
            "committee",
            "--org",
            "ST01C01",
            "--name",
            "王芳",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip().splitlines()[-1]
    with sqlite3.connect(home / "fundbook.db") as db:
        stored = db.execute("SELECT token_hash, role, org, name FROM token").fetchall()
    assert secret not in str(stored) and stored[0][1:] == ("committee", "ST01C01", "王芳")
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "fundbook_cli.main",
            "token",
            "create",
            str(home),
            "--role",
            "committee",
            "--org",
            "ST01",
            "--name",
            "x",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0 and "community" in bad.stderr


def test_reports_go_through_the_injected_renderer(tmp_path: Path) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("1.00")})
    url = f"sqlite:///{home / 'fundbook.db'}"
    auditor = token(home, url, "auditor")
    department = token(home, url, "department", "D01")
    asked: list[ReportQuery] = []

    def render(query: ReportQuery) -> RenderedReport:
        asked.append(query)
        if query.name == "nope":
            raise UnknownReport(query.name)
        return RenderedReport("application/json", b'{"report": "%s"}' % query.name.encode())

    with TestClient(create_app(Settings(home=home))) as client:
        reply = client.get("/v1/reports/funds", headers={"Authorization": f"Bearer {auditor}"})
        assert reply.status_code == 501 and reply.json()["code"] == "not_configured"
    with TestClient(create_app(Settings(home=home), report_renderer=render)) as client:
        auth = {"Authorization": f"Bearer {auditor}"}
        reply = client.get(
            "/v1/reports/trial-balance?from=2026-01-01&to=2026-12-31&lang=en", headers=auth
        )
        assert reply.status_code == 200 and reply.json() == {"report": "trial-balance"}
        assert asked[-1].period_from == datetime.date(2026, 1, 1) and asked[-1].lang == "en"
        assert client.get("/v1/reports/nope", headers=auth).status_code == 404
        dept = {"Authorization": f"Bearer {department}"}
        assert client.get("/v1/reports/trial-balance", headers=dept).status_code == 403
        assert client.get("/v1/reports/sources", headers=dept).status_code == 200
        assert asked[-1].org == "D01"
        assert client.get("/openapi.json").status_code == 200


def test_the_composition_root_wires_the_reports_renderer(tmp_path: Path) -> None:
    from api.reports_port import InvalidReportQuery
    from fundbook_cli.cmd_api import report_renderer

    home = small_book(tmp_path / "home", {FUND: Decimal("1.00")})
    renderer = report_renderer()
    assert renderer is not None
    query = ReportQuery(
        name="no-such-report",
        period_from=None,
        period_to=None,
        format="json",
        lang="en",
        role="auditor",
        org=None,
        home=home,
    )
    with pytest.raises(UnknownReport):
        renderer(query)
    with pytest.raises((InvalidReportQuery, UnknownReport)):
        renderer(replace(query, name="trial-balance", format="docx"))
    rendered = renderer(replace(query, name="trial-balance"))
    assert rendered.media_type.startswith("application/json") and rendered.content
