"""Authorization matrix of the pooled-fund routes: pledges, sources, allocations, grants.

Every route x every role x own and other community, street or department: a
call the role or scope may not make gets 403 or 404 and changes nothing (no
row of the workflow database, no byte of the book).
"""

from __future__ import annotations

import datetime
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.layout import Layout
from tests.api.pools_book import pools_book
from tests.api.serving import ForkedServer, fork_server, today_local, token

pytestmark = pytest.mark.slow

# name -> (role, org)
TOKENS = {
    "committee_own": ("committee", "ST01C01"),
    "committee_other": ("committee", "ST02C01"),
    "party_own": ("community_party", "ST01C01"),
    "party_other": ("community_party", "ST02C01"),
    "street_own": ("street", "ST01"),
    "street_other": ("street", "ST02"),
    "department_own": ("department", "D01"),
    "department_other": ("department", "D02"),
    "district": ("district", None),
    "foundation": ("foundation", None),
    "accountant": ("accountant", None),
    "auditor": ("auditor", None),
    "admin": ("admin", None),
}
WIDE = {"district", "foundation", "accountant", "auditor", "admin"}


def _calls(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any] | None, set[str]]]:
    """(method, path, body, token names allowed to make the call)."""
    today = today_local()
    due = str(today + datetime.timedelta(days=30))
    pledge_body = {
        "fund": "GP",
        "department": "D01",
        "amount": "1.00",
        "pledged_on": str(today),
        "purpose": "m",
    }
    grant_body = {
        "enterprise": "SE01",
        "project": "p",
        "fund": "DCF",
        "total": "1.00",
        "tranches": [{"amount": "1.00", "due": due, "milestone": "m"}],
    }
    g = f"/v1/grants/{ids['grant']}"
    return [
        ("GET", f"/v1/pledges/{ids['pledge']}", None, WIDE | {"department_own"}),
        ("GET", "/v1/pledges", None, WIDE | {"department_own", "department_other"}),
        ("POST", "/v1/pledges", pledge_body, {"accountant"}),
        (
            "POST",
            f"/v1/pledges/{ids['pledged']}/receipt",
            {"received_on": str(today), "bank_reference": "B"},
            {"accountant"},
        ),
        ("GET", "/v1/sources/D01", None, WIDE | {"department_own"}),
        ("GET", "/v1/sources", None, WIDE | {"department_own", "department_other"}),
        (
            "GET",
            f"/v1/allocations/{ids['pending']}",
            None,
            WIDE | {"street_own", "committee_own", "party_own"},
        ),
        (
            "GET",
            f"/v1/allocations/{ids['booked']}",
            None,
            WIDE | {"street_own", "committee_own", "party_own", "department_own"},
        ),
        (
            "POST",
            "/v1/allocations",
            {"pool": "GP", "community": "ST01C01", "amount": "1.00", "purpose": "m"},
            {"street_own"},
        ),
        (
            "POST",
            f"/v1/allocations/{ids['pending']}/decisions",
            {"decision": "approve"},
            {"district"},
        ),
        (
            "POST",
            f"/v1/allocations/{ids['pending']}/decisions",
            {"decision": "reject"},
            {"district"},
        ),
        ("POST", f"/v1/allocations/{ids['pending']}/cancel", {}, {"street_own"}),
        ("POST", f"/v1/allocations/{ids['approved']}/booking", {}, {"accountant"}),
        ("GET", g, None, WIDE),
        ("GET", "/v1/grants", None, WIDE),
        ("POST", "/v1/grants", grant_body, {"foundation"}),
        ("POST", f"{g}/tranches/2/report", {"report": "r"}, {"foundation"}),
        ("POST", f"{g}/tranches/2/acceptance", {"decision": "accept"}, {"foundation"}),
        ("POST", f"{g}/tranches/1/release", {}, {"foundation"}),
        (
            "POST",
            f"{g}/tranches/1/payment",
            {"paid_on": str(today), "bank_reference": "B"},
            {"accountant"},
        ),
        ("POST", f"{g}/close", {}, {"foundation"}),
        ("POST", f"{g}/cancel", {}, {"foundation"}),
    ]


def _state(home: Path) -> str:
    """A digest of every row of the workflow database and every byte of the journal."""
    digest = hashlib.sha256()
    with sqlite3.connect(home / "fundbook.db") as db:
        tables = [
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        for table in tables:
            # Tokens and keys are the callers' own; the access log records every
            # call, refused ones included, by design.
            if table in ("token", "idempotency_key", "access_log"):
                continue
            for row in db.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr((table, row)).encode())
    for path in sorted(Layout(home).journal_dir.glob("*.beancount")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, ForkedServer, dict[str, str], dict[str, str]]]:
    home = pools_book(tmp_path_factory.mktemp("pools-authz") / "home")
    url = f"sqlite:///{home / 'fundbook.db'}"
    tokens = {name: token(home, url, role, org, name) for name, (role, org) in TOKENS.items()}
    server = fork_server(home, url)
    today = str(today_local())
    try:

        def post(name: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
            reply = httpx.post(
                server.url + path,
                json=body,
                timeout=60,
                headers={"Authorization": f"Bearer {tokens[name]}"},
            )
            assert reply.status_code in (200, 201), reply.text
            return dict(reply.json())

        ids: dict[str, str] = {}
        ids["pledge"] = post(
            "accountant",
            "/v1/pledges",
            {
                "fund": "GP",
                "department": "D01",
                "amount": "900.00",
                "pledged_on": today,
                "purpose": "m",
            },
        )["id"]
        post(
            "accountant",
            f"/v1/pledges/{ids['pledge']}/receipt",
            {"received_on": today, "bank_reference": "B0"},
        )
        ids["pledged"] = post(
            "accountant",
            "/v1/pledges",
            {
                "fund": "GP",
                "department": "D01",
                "amount": "5.00",
                "pledged_on": today,
                "purpose": "m",
            },
        )["id"]
        alloc = {"pool": "GP", "community": "ST01C01", "amount": "100.00", "purpose": "m"}
        for name in ("booked", "approved", "pending"):
            ids[name] = post("street_own", "/v1/allocations", alloc)["id"]
        for name in ("booked", "approved"):
            post("district", f"/v1/allocations/{ids[name]}/decisions", {"decision": "approve"})
        post("accountant", f"/v1/allocations/{ids['booked']}/booking", {})
        due = str(today_local() + datetime.timedelta(days=30))
        ids["grant"] = post(
            "foundation",
            "/v1/grants",
            {
                "enterprise": "SE01",
                "project": "p",
                "fund": "DCF",
                "total": "3.00",
                "tranches": [
                    {"amount": "1.00", "due": due, "milestone": "m1"},
                    {"amount": "2.00", "due": due, "milestone": "m2"},
                ],
            },
        )["id"]
        g = f"/v1/grants/{ids['grant']}/tranches"
        post("foundation", f"{g}/1/report", {"report": "r"})
        post("foundation", f"{g}/1/acceptance", {"decision": "accept"})
        post("foundation", f"{g}/2/report", {"report": "r"})
        yield home, server, tokens, ids
    finally:
        server.kill()


def test_foreign_roles_and_scopes_get_403_or_404_and_change_nothing(world: Any) -> None:
    home, server, tokens, ids = world
    checked = 0
    with httpx.Client(base_url=server.url, timeout=60) as client:
        before = _state(home)
        for method, path, body, allowed in _calls(ids):
            for name in TOKENS:
                if name in allowed:
                    continue
                reply = client.request(
                    method, path, json=body, headers={"Authorization": f"Bearer {tokens[name]}"}
                )
                assert reply.status_code in (403, 404), (name, method, path, reply.text)
                assert reply.headers["content-type"].startswith("application/problem+json")
                checked += 1
            reply = client.request(method, path, json=body)
            assert reply.status_code == 401, (method, path)
        assert _state(home) == before
        # The allowed reads answer (the writes are walked in the flow tests).
        for method, path, _body, allowed in _calls(ids):
            if method == "GET":
                for name in allowed:
                    reply = client.get(path, headers={"Authorization": f"Bearer {tokens[name]}"})
                    assert reply.status_code == 200, (name, path, reply.text)
    assert checked > 150
