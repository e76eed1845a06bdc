"""Inboxes and filters of `GET /v1/disbursements`, and unknown query parameters.

The fund here has a chain with thresholds, so a request's chain depends on its
amount:

    community_party@community street@street>=50.00 foundation@foundation>=80.00

under 50.00 the party alone decides; from 50.00 the street too; from 80.00
the foundation last. The property test submits random requests, moves each a
random way up its chain, and checks that `awaiting=me` gives every approver
exactly the requests whose next step is theirs and that they may decide (not
one they submitted, not one where they decided another step), worked out in
the test from the chain, not by the service's own rule.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import build_services, create_app
from api.schemas import DecisionCreate, RequestCreate
from api.service import disbursements
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import InvalidTransition
from api.service.request_filters import RequestFilter
from api.service.unit import UnitOfWork
from api.settings import Settings
from funds.chains import parse_chain
from funds.model import Role
from funds.registry import Registry
from ledger import entries as build
from ledger.accounts import IncomeKind
from ledger.book import BookSpec, create_book
from ledger.layout import Layout
from ledger.writer import Writer
from tests.api.serving import ICBC, OPENED, small_registry, token

FUND = "MF-ST01C01"
CHAIN = "community_party@community street@street>=50.00 foundation@foundation>=80.00"

REQUESTERS = (
    Caller("张敏", Role.COMMITTEE, "ST01C01", "c1"),
    Caller("王刚", Role.COMMITTEE, "ST01C01", "c2"),  # also a street official, below
)
APPROVERS = (
    Caller("李华", Role.COMMUNITY_PARTY, "ST01C01", "p1"),
    Caller("王刚", Role.COMMUNITY_PARTY, "ST01C01", "p2"),
    Caller("王刚", Role.STREET, "ST01", "s1"),
    Caller("周杰", Role.STREET, "ST01", "s2"),
    Caller("孙丽", Role.STREET, "ST02", "s3"),  # another street: never its turn here
    Caller("陈静", Role.FOUNDATION, None, "f1"),
    Caller("李华", Role.FOUNDATION, None, "f2"),  # the party secretary again
)


def _registry() -> Registry:
    registry = small_registry()
    funds = [
        replace(f, chain=parse_chain(CHAIN)) if f.code == FUND else f
        for f in registry.funds.values()
    ]
    return Registry.build(list(registry.orgs.values()), funds)


def _home(home: Path, seed: Decimal) -> Path:
    registry = _registry()
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
    Writer(layout).append(
        [
            build.contribution(
                fb_id=f"SEED-{FUND}",
                date=OPENED,
                fund=registry.fund(FUND),
                amount=seed,
                bank=ICBC,
                income=IncomeKind.DONATION,
                source="捐赠人",
                narration="初始捐赠",
            )
        ]
    )
    return home


@pytest.fixture
def services(tmp_path: Path, database_url: str) -> Iterator[Services]:
    home = _home(tmp_path / "home", Decimal("1000000.00"))
    built, engine = build_services(Settings(home=home, database_url=database_url))
    yield built
    engine.dispose()  # type: ignore[attr-defined]


def run(services: Services, use: Any, **kwargs: Any) -> dict[str, Any]:
    with UnitOfWork(session_factory=services.session_factory, book=services.book) as uow:
        return dict(use(uow=uow, services=services, **kwargs))


def _chain_of(amount: Decimal) -> list[tuple[Role, str | None]]:
    """The chain of CHAIN for `amount`, worked out here."""
    steps: list[tuple[Role, str | None]] = [(Role.COMMUNITY_PARTY, "ST01C01")]
    if amount >= Decimal("50.00"):
        steps.append((Role.STREET, "ST01"))
    if amount >= Decimal("80.00"):
        steps.append((Role.FOUNDATION, None))
    return steps


def _may_decide(
    person: Caller, step: tuple[Role, str | None], requester: str, deciders: list[str]
) -> bool:
    role, org = step
    return (
        person.role is role
        and (org is None or person.org == org)
        and person.name != requester
        and person.name not in deciders
    )


lives = st.lists(
    st.tuples(
        st.sampled_from(range(len(REQUESTERS))),
        st.integers(min_value=1, max_value=120).map(lambda n: Decimal(n).quantize(Decimal("0.01"))),
        st.lists(st.integers(min_value=0, max_value=10), max_size=3),  # who decides each step
        st.booleans(),  # whether the last decision is a return
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lives=lives)
def test_awaiting_me_gives_each_approver_exactly_their_turn(
    services: Services, lives: list[tuple[int, Decimal, list[int], bool]]
) -> None:
    expected: dict[str, set[str]] = {a.token_hash: set() for a in APPROVERS}
    made: list[str] = []
    for who, amount, picks, returned in lives:
        requester = REQUESTERS[who]
        body = RequestCreate(fund=FUND, amount=str(amount), payee="P", purpose="x")  # type: ignore[arg-type]
        code = str(run(services, disbursements.submit, caller=requester, body=body)["id"])
        made.append(code)
        chain = _chain_of(amount)
        deciders: list[str] = []
        status = "pending"
        for position, pick in enumerate(picks):
            if position >= len(chain):
                break
            able = [
                a for a in APPROVERS if _may_decide(a, chain[position], requester.name, deciders)
            ]
            if not able:
                break
            person = able[pick % len(able)]
            last = position == len(picks) - 1
            verdict = "return" if last and returned else "approve"
            shown = run(
                services,
                disbursements.decide,
                caller=person,
                code=code,
                body=DecisionCreate(decision=verdict),  # type: ignore[arg-type]
            )
            deciders.append(person.name)
            status = str(shown["status"])
            if status != "pending":
                break
        if status == "pending":
            step = chain[len(deciders)]
            for approver in APPROVERS:
                if _may_decide(approver, step, requester.name, deciders):
                    expected[approver.token_hash].add(code)
    for approver in APPROVERS:
        inbox = disbursements.list_requests(
            services=services, caller=approver, where=RequestFilter(awaiting_me=True), limit=1000
        )
        mine = {r["id"] for r in inbox if r["id"] in made}
        assert mine == expected[approver.token_hash], (approver.name, approver.role)
        for shown in inbox:  # everything in an inbox is the approver's own turn
            assert shown["status"] == "pending"
            assert shown["next_step"]["role"] == approver.role.value
    # the committee's inbox is empty: it decides nothing
    for requester in REQUESTERS:
        waiting = disbursements.list_requests(
            services=services, caller=requester, where=RequestFilter(awaiting_me=True)
        )
        assert waiting == []
    for code in made:  # release the holds for the next example
        with contextlib.suppress(InvalidTransition):  # approved or rejected: nothing held
            run(services, disbursements.cancel, caller=REQUESTERS[0], code=code)


@dataclass
class Desk:
    client: TestClient
    auth: dict[str, dict[str, str]]

    def submit(self, amount: str, purpose: str, key: str) -> str:
        reply = self.client.post(
            "/v1/disbursements",
            json={"fund": FUND, "amount": amount, "payee": "一社区居委会", "purpose": purpose},
            headers={**self.auth["committee"], "Idempotency-Key": key},
        )
        assert reply.status_code == 201, reply.text
        return str(reply.json()["id"])

    def ids(self, role: str, query: str) -> list[str]:
        reply = self.client.get(f"/v1/disbursements?{query}", headers=self.auth[role])
        assert reply.status_code == 200, reply.text
        return [r["id"] for r in reply.json()]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    home = _home(tmp_path / "home", Decimal("1000.00"))
    url = f"sqlite:///{home}/fundbook.db"
    people = {
        "committee": ("committee", "ST01C01", "张敏"),
        "party": ("community_party", "ST01C01", "李华"),
        "street": ("street", "ST01", "周杰"),
    }
    auth = {
        key: {"Authorization": "Bearer " + token(home, url, role, org, name)}
        for key, (role, org, name) in people.items()
    }
    with TestClient(create_app(Settings(home=home, database_url=url))) as client:
        yield Desk(client, auth)


def test_filters_paging_and_unknown_parameters(desk: Desk) -> None:
    first = desk.submit("30.00", "重阳节慰问", "a")
    second = desk.submit("60.00", "困难群众慰问", "b")
    third = desk.submit("90.00", "社区书屋图书", "c")
    assert desk.ids("committee", "") == [first, second, third]
    assert desk.ids("committee", "amount_min=50.00") == [second, third]
    assert desk.ids("committee", "amount_min=30.00&amount_max=60.00") == [first, second]
    assert desk.ids("committee", "q=慰问") == [first, second]
    assert desk.ids("committee", f"q={second.lower()}") == [second]
    today = datetime.date.today()
    after = today + datetime.timedelta(days=2)
    assert desk.ids("committee", f"created_from={after}") == []
    assert desk.ids("committee", "created_from=2026-01-01&created_to=2100-12-31") == [
        first,
        second,
        third,
    ]
    # pages in the same stable order
    assert desk.ids("committee", "limit=2") == [first, second]
    assert desk.ids("committee", "limit=2&offset=2") == [third]
    # the party decides every first step; once it approves 60.00 the street's turn comes
    assert desk.ids("party", "awaiting=me") == [first, second, third]
    assert desk.ids("street", "awaiting=me") == []
    reply = desk.client.post(
        f"/v1/disbursements/{second}/decisions",
        json={"decision": "approve", "comment": ""},
        headers={**desk.auth["party"], "Idempotency-Key": "d"},
    )
    assert reply.status_code == 200, reply.text
    assert desk.ids("party", "awaiting=me") == [first, third]
    assert desk.ids("street", "awaiting=me") == [second]
    assert desk.ids("street", "awaiting=me&status=approved") == []
    # bad filters and unknown parameters are 422, never ignored
    for query in (
        "colour=red",
        "statuss=pending",
        "amount_min=1e3",
        "amount_min=90.00&amount_max=30.00",
        "created_from=2026-02-01&created_to=2026-01-01",
        "awaiting=you",
    ):
        bad = desk.client.get(f"/v1/disbursements?{query}", headers=desk.auth["committee"])
        assert (bad.status_code, bad.json()["code"]) == (422, "validation_error"), query
    for path in ("/v1/funds?x=1", "/v1/allocations?x=1", f"/v1/disbursements/{first}?x=1"):
        bad = desk.client.get(path, headers=desk.auth["committee"])
        assert bad.status_code == 422, path
    unknown = desk.client.get(
        "/v1/disbursements?colour=red", headers={**desk.auth["committee"], "Accept-Language": "en"}
    )
    assert "colour" in unknown.json()["detail"]
