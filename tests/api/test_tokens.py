"""Tokens listed, revoked, rotated and expired; the access log of their use.

A revoked or expired token is refused with a 401 at once: the service reads
the token from the database on every call, so every worker of a server
refuses it from the first request after the revocation (the last test runs a
real server with four workers).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from api.settings import Settings
from fundbook_cli.main import main as fundbook
from tests.api.serving import serving, small_book, token

FUND = "MF-ST01C01"


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = fundbook(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@dataclass
class Desk:
    home: Path
    url: str
    client: TestClient
    tokens: dict[str, str]

    def get(self, who: str, path: str) -> httpx.Response:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[who]}"})


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    home = small_book(tmp_path / "home", {FUND: Decimal("100.00")})
    url = f"sqlite:///{home}/fundbook.db"
    tokens = {
        "admin": token(home, url, "admin", None, "管理员"),
        "auditor": token(home, url, "auditor", None, "审计员"),
        "committee": token(home, url, "committee", "ST01C01", "张敏"),
    }
    with TestClient(create_app(Settings(home=home, database_url=url))) as client:
        yield Desk(home, url, client, tokens)


def test_an_admin_lists_and_revokes_tokens_and_a_revoked_one_is_refused_at_once(
    desk: Desk,
) -> None:
    assert desk.get("committee", "/v1/me").status_code == 200
    listed = desk.get("admin", "/v1/tokens").json()
    assert [(t["id"], t["name"], t["role"], t["org"], t["status"]) for t in listed] == [
        (1, "管理员", "admin", None, "active"),
        (2, "审计员", "auditor", None, "active"),
        (3, "张敏", "committee", "ST01C01", "active"),
    ]
    assert all(desk.tokens["committee"] not in str(t) for t in listed)
    for who in ("committee", "auditor"):  # only the admin manages tokens
        assert desk.get(who, "/v1/tokens").status_code == 403
    refused = desk.client.delete(
        "/v1/tokens/3", headers={"Authorization": f"Bearer {desk.tokens['committee']}"}
    )
    assert refused.status_code == 403
    revoked = desk.client.delete(
        "/v1/tokens/3", headers={"Authorization": f"Bearer {desk.tokens['admin']}"}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_at"] is not None
    after = desk.get("committee", "/v1/me")
    assert (after.status_code, after.json()["code"]) == (401, "unauthenticated")
    missing = desk.client.delete(
        "/v1/tokens/99", headers={"Authorization": f"Bearer {desk.tokens['admin']}"}
    )
    assert missing.status_code == 404


def test_the_cli_lists_revokes_rotates_and_expires_tokens(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(desk.home)
    code, out, _ = _cli(
        capsys,
        "token", "create", home, "--role", "street", "--org", "ST01", "--name", "周杰",
        "--expires", "2020-01-31",
    )  # fmt: skip
    assert code == 0 and "until 2020-02-01T00:00:00+08:00" in out
    expired = out.strip().splitlines()[-1]
    reply = desk.client.get("/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert (reply.status_code, reply.json()["code"]) == (401, "unauthenticated")
    later = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    code, out, _ = _cli(
        capsys,
        "token", "create", home, "--role", "street", "--org", "ST01", "--name", "周杰",
        "--expires", later,
    )  # fmt: skip
    working = out.strip().splitlines()[-1]
    assert desk.client.get("/v1/me", headers={"Authorization": f"Bearer {working}"}).json() == {
        "name": "周杰",
        "role": "street",
        "org": "ST01",
    }
    code, out, _ = _cli(capsys, "token", "list", home)
    assert code == 0
    rows = {int(line.split()[0]): line.split()[1] for line in out.splitlines()[1:]}
    assert rows == {1: "active", 2: "active", 3: "active", 4: "expired", 5: "active"}
    assert working not in out and expired not in out
    # rotate 5: it is refused, its person's new token works, with the same expiry
    code, out, _ = _cli(capsys, "token", "rotate", home, "5")
    assert code == 0 and "token 5 is revoked; new token 6 of 周杰" in out
    fresh = out.strip().splitlines()[-1]
    assert re.fullmatch(r"fbk_\S+", fresh)
    assert (
        desk.client.get("/v1/me", headers={"Authorization": f"Bearer {working}"}).status_code == 401
    )
    assert (
        desk.client.get("/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    )
    listed = desk.get("admin", "/v1/tokens").json()
    assert listed[5]["expires_at"] == listed[4]["expires_at"] and listed[5]["status"] == "active"
    code, out, _ = _cli(capsys, "token", "revoke", home, "6")
    assert code == 0 and "token 6 of 周杰 (street) is revoked" in out
    assert (
        desk.client.get("/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 401
    )
    code, _, err = _cli(capsys, "token", "revoke", home, "42")
    assert code == 2 and "no token 42" in err
    with pytest.raises(SystemExit):  # argparse refuses it, naming the option
        _cli(
            capsys, "token", "create", home, "--role", "auditor", "--name", "x", "--expires", "soon"
        )
    assert "--expires" in capsys.readouterr().err


def test_the_access_log_names_person_role_route_and_status_and_keeps_no_token_or_body(
    desk: Desk,
) -> None:
    headers = {"Authorization": f"Bearer {desk.tokens['committee']}", "Idempotency-Key": "k1"}
    body = {"fund": FUND, "amount": "20.00", "payee": "一社区居委会", "purpose": "秘密用途"}
    submitted = desk.client.post("/v1/disbursements", json=body, headers=headers)
    assert submitted.status_code == 201
    code = submitted.json()["id"]
    assert desk.get("committee", f"/v1/disbursements/{code}?colour=red").status_code == 422
    assert desk.get("committee", "/v1/disbursements/R999999").status_code == 404
    desk.client.delete("/v1/tokens/3", headers={"Authorization": f"Bearer {desk.tokens['admin']}"})
    assert desk.get("committee", "/v1/me").status_code == 401  # a revoked token's use is logged
    assert (
        desk.client.get("/v1/me", headers={"Authorization": "Bearer fbk_nobody"}).status_code == 401
    )
    assert desk.get("committee", "/v1/access-log").status_code == 401
    log = desk.get("auditor", "/v1/access-log").json()
    assert [
        (e["person"], e["role"], e["org"], e["method"], e["route"], e["status"]) for e in log
    ] == [
        ("张敏", "committee", "ST01C01", "GET", "/v1/access-log", 401),
        ("张敏", "committee", "ST01C01", "GET", "/v1/me", 401),
        ("管理员", "admin", None, "DELETE", "/v1/tokens/{token_id}", 200),
        ("张敏", "committee", "ST01C01", "GET", "/v1/disbursements/{code}", 404),
        ("张敏", "committee", "ST01C01", "GET", "/v1/disbursements/{code}", 422),
        ("张敏", "committee", "ST01C01", "POST", "/v1/disbursements", 201),
    ]
    assert all(e["at"].endswith("+08:00") and e["token_id"] in (1, 3) for e in log)
    only = desk.get("auditor", "/v1/access-log?person=管理员").json()
    assert [e["route"] for e in only] == ["/v1/tokens/{token_id}"]
    assert desk.get("committee", "/v1/access-log").status_code == 401
    assert desk.get("admin", "/v1/access-log").status_code == 200
    # nothing of the token, the body or the path's values is in the table
    engine = create_engine(desk.url)
    with engine.connect() as connection:
        stored = " ".join(str(row) for row in connection.execute(text("SELECT * FROM access_log")))
    engine.dispose()
    for secret in (*desk.tokens.values(), "秘密用途", "20.00", code, "R999999", "colour"):
        assert secret not in stored


@pytest.mark.slow
def test_a_revoked_token_is_refused_by_every_worker_of_a_four_worker_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("100.00")})
    url = f"sqlite:///{home}/fundbook.db"
    committee = token(home, url, "committee", "ST01C01", "张敏")
    with serving(home, url, workers=4, wait_s=240) as server:
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        assert len(children.read_text().split()) == 4
        # a fresh connection per request, so that the workers share them out
        for _ in range(24):
            with server.client(committee) as client:
                assert client.get("/v1/me").status_code == 200
        code, out, _ = _cli(capsys, "token", "revoke", str(home), "1", "--database-url", url)
        assert code == 0, out
        answers = []
        for _ in range(24):
            with server.client(committee) as client:
                answers.append(client.get("/v1/me").status_code)
        assert answers == [401] * 24
