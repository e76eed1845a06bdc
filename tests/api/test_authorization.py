"""Authorization matrix and bad input, over HTTP against one server on a small book.

Every route x every role x own and other community: a call from another
community, street or department, or from a role that may not make it, gets
403 or 404 and changes nothing (no request, decision, outbox row or byte of
the book). Bad input gets 422 with a clear message and changes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.layout import Layout
from tests.api.serving import ForkedServer, fork_server, small_book, today_local, token

pytestmark = pytest.mark.slow

FUND = "MF-ST01C01"

# name -> (role, org, in the scope of FUND?)
TOKENS = {
    "committee_own": ("committee", "ST01C01", True),
    "committee_other": ("committee", "ST02C01", False),
    "party_own": ("community_party", "ST01C01", True),
    "party_other": ("community_party", "ST02C01", False),
    "street_own": ("street", "ST01", True),
    "street_other": ("street", "ST02", False),
    "department": ("department", "D01", False),
    "district": ("district", None, True),
    "foundation": ("foundation", None, True),
    "accountant": ("accountant", None, True),
    "auditor": ("auditor", None, True),
    "admin": ("admin", None, True),
}
READ_ROLES = {
    "committee",
    "community_party",
    "street",
    "district",
    "foundation",
    "accountant",
    "auditor",
    "admin",
}


def _calls(pending: str, approved: str) -> list[tuple[str, str, dict[str, Any] | None, set[str]]]:
    """(method, path, body, roles that may make the call when in scope)."""
    today = today_local().isoformat()
    return [
        ("GET", f"/v1/funds/{FUND}", None, READ_ROLES),
        ("GET", f"/v1/disbursements/{pending}", None, READ_ROLES),
        (
            "POST",
            "/v1/disbursements",
            {"fund": FUND, "amount": "1.00", "payee": "P", "purpose": "matrix"},
            {"committee"},
        ),
        (
            "POST",
            f"/v1/disbursements/{pending}/decisions",
            {"decision": "approve"},
            {"community_party", "street", "foundation"},
        ),
        (
            "POST",
            f"/v1/disbursements/{pending}/decisions",
            {"decision": "reject"},
            {"community_party", "street", "foundation"},
        ),
        ("POST", f"/v1/disbursements/{pending}/resubmit", {"amount": "2.00"}, {"committee"}),
        ("POST", f"/v1/disbursements/{pending}/cancel", {}, {"committee"}),
        (
            "POST",
            f"/v1/disbursements/{approved}/payment",
            {"paid_on": today, "bank_reference": "M-1"},
            {"accountant"},
        ),
        ("POST", f"/v1/disbursements/{approved}/void", {"reason": "matrix"}, {"foundation"}),
        (
            "POST",
            "/v1/contributions",
            {
                "fund": FUND,
                "amount": "5.00",
                "received_on": today,
                "source": {"kind": "donor", "name": "捐赠人"},
            },
            {"accountant"},
        ),
        (
            "GET",
            "/v1/reports/trial-balance",
            None,
            {"auditor", "accountant", "foundation", "district", "admin"},
        ),
    ]


def _snapshot(home: Path) -> tuple[Any, ...]:
    with sqlite3.connect(home / "fundbook.db") as db:
        requests = db.execute(
            "SELECT code, status, amount, round FROM request ORDER BY id"
        ).fetchall()
        decisions = db.execute("SELECT COUNT(*) FROM decision").fetchone()
        outbox = db.execute("SELECT COUNT(*) FROM outbox").fetchone()
        contributions = db.execute("SELECT COUNT(*) FROM contribution").fetchone()
    journal = tuple(
        (p.name, p.stat().st_size) for p in sorted(Layout(home).journal_dir.glob("*.beancount"))
    )
    return requests, decisions, outbox, contributions, journal


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, ForkedServer, dict[str, str], str, str]]:
    home = small_book(
        tmp_path_factory.mktemp("authz") / "home",
        {FUND: Decimal("1000.00"), "MF-ST02C01": Decimal("500.00")},
    )
    url = f"sqlite:///{home / 'fundbook.db'}"
    tokens = {name: token(home, url, role, org, name) for name, (role, org, _) in TOKENS.items()}
    server = fork_server(home, url)
    try:

        def post(name: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
            reply = httpx.post(
                server.url + path,
                json=body,
                timeout=30,
                headers={"Authorization": f"Bearer {tokens[name]}"},
            )
            assert reply.status_code in (200, 201), reply.text
            return dict(reply.json())

        body = {"fund": FUND, "amount": "10.00", "payee": "P", "purpose": "x"}
        pending = post("committee_own", "/v1/disbursements", body)["id"]
        approved = post("committee_own", "/v1/disbursements", body)["id"]
        for name in ("party_own", "street_own", "foundation"):
            post(name, f"/v1/disbursements/{approved}/decisions", {"decision": "approve"})
        yield home, server, tokens, pending, approved
    finally:
        server.kill()


def test_cross_scope_and_foreign_roles_get_403_or_404_and_change_nothing(world: Any) -> None:
    home, server, tokens, pending, approved = world
    checked = 0
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for name, (role, _org, in_scope) in TOKENS.items():
            headers = {"Authorization": f"Bearer {tokens[name]}"}
            me = client.get("/v1/me", headers=headers)
            assert me.status_code == 200 and me.json()["role"] == role
            for method, path, body, roles in _calls(pending, approved):
                if in_scope and role in roles:
                    continue  # allowed: the lifecycle tests exercise it
                before = _snapshot(home)
                reply = client.request(method, path, json=body, headers=headers)
                assert reply.status_code in (403, 404), (name, method, path, reply.text)
                assert reply.headers["content-type"].startswith("application/problem+json")
                assert reply.json()["code"] in ("forbidden", "not_found")
                assert _snapshot(home) == before, (name, method, path)
                checked += 1
            listed = client.get("/v1/disbursements", headers=headers).json()
            funds = {fund["code"] for fund in client.get("/v1/funds", headers=headers).json()}
            if in_scope and role in READ_ROLES:
                assert {pending, approved} <= {r["id"] for r in listed}
                assert FUND in funds
            else:
                assert listed == [] and FUND not in funds, name
    assert checked > 60
    for method, path, body, _ in _calls(pending, approved):
        reply = httpx.request(method, server.url + path, json=body, timeout=30)
        assert reply.status_code == 401 and reply.json()["code"] == "unauthenticated"
        bad = httpx.request(
            method,
            server.url + path,
            json=body,
            timeout=30,
            headers={"Authorization": "Bearer fbk_not-a-token"},
        )
        assert bad.status_code == 401


def test_separation_of_duties_by_person(world: Any, tmp_path: Path) -> None:
    home, server, tokens, _pending, _approved = world
    url = f"sqlite:///{home / 'fundbook.db'}"
    # the committee member also holds a party token: one person, so no self-approval
    same_person = token(home, url, "community_party", "ST01C01", "committee_own")
    # the party secretary also holds the street's token: no two steps of one chain
    party_and_street = token(home, url, "street", "ST01", "party_own")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        created = client.post(
            "/v1/disbursements",
            headers={"Authorization": f"Bearer {tokens['committee_own']}"},
            json={"fund": FUND, "amount": "3.00", "payee": "P", "purpose": "sod"},
        ).json()
        code = created["id"]
        before = _snapshot(home)
        own = client.post(
            f"/v1/disbursements/{code}/decisions",
            json={"decision": "approve"},
            headers={"Authorization": f"Bearer {same_person}"},
        )
        assert own.status_code == 403 and own.json()["code"] == "self_approval"
        assert _snapshot(home) == before
        first = client.post(
            f"/v1/disbursements/{code}/decisions",
            json={"decision": "approve"},
            headers={"Authorization": f"Bearer {tokens['party_own']}"},
        )
        assert first.status_code == 200
        twice = client.post(
            f"/v1/disbursements/{code}/decisions",
            json={"decision": "approve"},
            headers={"Authorization": f"Bearer {party_and_street}"},
        )
        assert twice.status_code == 403 and twice.json()["code"] == "self_approval"
        turn = client.post(
            f"/v1/disbursements/{code}/decisions",
            json={"decision": "approve"},
            headers={"Authorization": f"Bearer {tokens['foundation']}"},
        )
        assert turn.status_code == 409 and turn.json()["code"] == "invalid_transition"


BAD_REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("number", {"amount": 7}),
    ("float", {"amount": 7.5}),
    ("exponent", {"amount": "1e3"}),
    ("negative", {"amount": "-5.00"}),
    ("plus sign", {"amount": "+5.00"}),
    ("zero", {"amount": "0.00"}),
    ("three decimals", {"amount": "1.001"}),
    ("nan", {"amount": "NaN"}),
    ("infinity", {"amount": "Infinity"}),
    ("spaces", {"amount": " 5.00"}),
    ("unknown fund", {"fund": "MF-NOWHERE"}),
    ("bad fund code", {"fund": "mf\nx"}),
    ("oversized payee", {"payee": "长" * 501}),
    ("oversized purpose", {"purpose": "x" * 2001}),
    ("oversized category", {"category": "类" * 101}),  # the column holds 100
    ("newline injection", {"payee": 'P"\n2026-01-01 open Assets:Evil:MF-ST01C01 CNY\n'}),
    ("NUL", {"purpose": "a\x00b"}),
    ("line separator", {"purpose": "a\u2028b"}),
    ("bidi override", {"payee": "abc\u202edef"}),
    ("zero-width space", {"payee": "供应\u200b商"}),
    ("tag characters", {"purpose": "ok\U000e0041\U000e007f"}),
    ("empty payee", {"payee": "  "}),
    ("missing purpose", {"purpose": None}),
    ("unknown field", {"extra": "x"}),
]


@pytest.mark.parametrize(("label", "change"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_input_gets_422_and_changes_nothing(
    world: Any, label: str, change: dict[str, Any]
) -> None:
    home, server, tokens, _pending, _approved = world
    body: dict[str, Any] = {"fund": FUND, "amount": "5.00", "payee": "P", "purpose": "ok"}
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    before = _snapshot(home)
    reply = httpx.post(
        server.url + "/v1/disbursements",
        json=body,
        timeout=30,
        headers={
            "Authorization": f"Bearer {tokens['committee_own']}",
            "Idempotency-Key": "bad-" + label.replace(" ", "-"),
        },
    )
    assert reply.status_code == 422, (label, reply.text)
    problem = reply.json()
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "validation_error" and problem["status"] == 422
    assert problem["detail"] and len(problem["detail"]) < 2000
    assert _snapshot(home) == before


def test_bad_payment_contribution_and_key_get_422(world: Any) -> None:
    home, server, tokens, _pending, approved = world
    before = _snapshot(home)
    accountant = {"Authorization": f"Bearer {tokens['accountant']}"}
    cases = [
        (f"/v1/disbursements/{approved}/payment", {"paid_on": "2026-13-01", "bank_reference": "B"}),
        (f"/v1/disbursements/{approved}/payment", {"paid_on": "2999-01-01", "bank_reference": "B"}),
        (
            f"/v1/disbursements/{approved}/payment",
            {"paid_on": today_local().isoformat(), "bank_reference": "B\r\n"},
        ),
        (
            "/v1/contributions",
            {
                "fund": FUND,
                "amount": 5,
                "received_on": "2026-01-02",
                "source": {"kind": "donor", "name": "D"},
            },
        ),
        (
            "/v1/contributions",
            {
                "fund": "NOPE",
                "amount": "5.00",
                "received_on": "2026-01-02",
                "source": {"kind": "donor", "name": "D"},
            },
        ),
        (
            "/v1/contributions",
            {
                "fund": FUND,
                "amount": "5.00",
                "received_on": "2026-01-02",
                "source": {"kind": "thief", "name": "D"},
            },
        ),
        (
            "/v1/contributions",
            {
                "fund": FUND,
                "amount": "5.00",
                "received_on": "2026-01-02",
                "source": {"kind": "department", "org": "ST01", "name": "D"},
            },
        ),
        (
            "/v1/contributions",
            {
                "fund": FUND,
                "amount": "5.00",
                "received_on": "2025-12-31",
                "source": {"kind": "donor", "name": "before the book opened"},
            },
        ),
    ]
    for path, body in cases:
        reply = httpx.post(server.url + path, json=body, headers=accountant, timeout=30)
        assert reply.status_code == 422, (path, body, reply.text)
        assert reply.json()["code"] == "validation_error"
    reply = httpx.post(
        server.url + "/v1/contributions",
        timeout=30,
        json={
            "fund": FUND,
            "amount": "5.00",
            "received_on": "2026-01-02",
            "source": {"kind": "donor", "name": "D"},
        },
        headers={**accountant, "Idempotency-Key": "bad key with spaces"},
    )
    assert reply.status_code == 422
    assert _snapshot(home) == before
