"""Every example of the OpenAPI replays against the app, and every error it answers is documented.

The district is examples/district.toml. The replay walks the API's life in
order (money in, requests decided and paid, returned and resubmitted, voided,
pledges, allocations, grants, a close, reports, disclosure), sending each
operation's documented example: its path and query parameters, its body, as
the role that may call it. Dates in examples are illustrative: the replay
moves every date of a body to today, since a payment is dated neither in the
future nor before its approval. Each answer must be the operation's
documented success and match its documented schema (types, patterns of
amounts). Steps marked `setup` reuse an example with other values to bring a
resource into the state the next example needs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from api.app import create_app
from api.problems import MEDIA_TYPE
from api.settings import Settings
from fundbook_cli.cmd_api import create_token, report_renderer
from fundbook_cli.main import main
from tests.api.serving import today_local

ROOT = Path(__file__).resolve().parents[2]
ROLES = {
    "committee": "ST01C01",
    "community_party": "ST01C01",
    "street": "ST01",
    "district": None,
    "foundation": None,
    "accountant": None,
    "department": "D01",
    "auditor": None,
    "admin": None,
}
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class Api:
    client: TestClient
    document: dict[str, Any]
    tokens: dict[str, str]
    replayed: set[tuple[str, str]] = field(default_factory=set)
    keys: int = 0

    def operation(self, method: str, path: str) -> dict[str, Any]:
        return self.document["paths"][path][method]

    def send(
        self,
        method: str,
        path: str,
        role: str | None,
        *,
        body: dict[str, Any] | None = None,
        setup: bool = False,
    ) -> Any:
        """Send the documented example of an operation (`body` replaces the example's fields)."""
        operation = self.operation(method, path)
        url, query, headers = path, {}, {}
        for param in operation.get("parameters", []):
            if param["in"] == "path":
                url = url.replace("{" + param["name"] + "}", str(param["example"]))
            elif param["in"] == "query":
                query[param["name"]] = param["example"]
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        if method == "post":
            self.keys += 1
            headers["Idempotency-Key"] = f"replay-{self.keys}"
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        payload = None
        if content is not None:
            payload = _today({**content["example"], **(body or {})})
        reply = self.client.request(
            method.upper(), url, params=query, json=payload, headers=headers
        )
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert str(reply.status_code) in success, (method, path, role, reply.text)
        schema = operation["responses"][str(reply.status_code)].get("content", {})
        if "application/json" in schema and reply.headers["content-type"].startswith(
            "application/json"
        ):
            self.check(schema["application/json"]["schema"], reply.json(), f"{method} {path}")
        if not setup:
            self.replayed.add((method, path))
        return reply.json() if reply.headers["content-type"].startswith("application/") else None

    def check(self, schema: dict[str, Any], value: Any, where: str) -> None:
        text = json.dumps(schema).replace('"#/components', '"urn:openapi#/components')
        resource = Resource(contents=self.document, specification=DRAFT202012)
        registry: Registry[Any] = Registry().with_resource("urn:openapi", resource)
        errors = list(Draft202012Validator(json.loads(text), registry=registry).iter_errors(value))
        assert not errors, (where, [e.message for e in errors[:3]])


def _today(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _today(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_today(v) for v in value]
    if isinstance(value, str) and DATE.fullmatch(value):
        return today_local().isoformat()
    return value


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    home = tmp_path_factory.mktemp("replay") / "home"
    assert main(["init", str(home), "--config", str(ROOT / "examples" / "district.toml")]) == 0
    tokens = {
        role: create_token(home, role=role, org=org, name=f"{role}-person")
        for role, org in ROLES.items()
    }
    app = create_app(Settings(home=home), report_renderer=report_renderer())
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
        yield Api(client, document, tokens)


def _steps(api: Api) -> None:
    send = api.send
    send("get", "/healthz", None)
    for path in ("/v1/me", "/v1/orgs", "/v1/funds", "/v1/funds/{code}"):
        send("get", path, "committee")
    contribution = send("post", "/v1/contributions", "accountant")  # 5,000.00 into MF-ST01C01
    _upload(api, "/v1/contributions/{code}/documents", "accountant", contribution["id"])
    send(
        "post",
        "/v1/contributions",
        "accountant",
        body={"fund": "DCF", "amount": "50000.00", "receipt_no": "JZ2026-0002"},
        setup=True,
    )
    ids = [send("post", "/v1/disbursements", "committee")["id"] for _ in range(3)]
    assert ids == ["R000001", "R000002", "R000003"]
    decide = "/v1/disbursements/{code}/decisions"
    send("post", decide, "community_party")  # R000001
    for role in ("street", "foundation"):
        send("post", decide, role, setup=True)
    send("get", "/v1/disbursements", "committee")
    send("get", "/v1/disbursements/{code}", "committee")
    paid = send("post", "/v1/disbursements/{code}/payment", "accountant")
    assert paid["status"] == "paid"
    _upload(api, "/v1/disbursements/{code}/documents", "committee", "R000001")
    # R000002: returned, resubmitted, cancelled
    _on(
        api,
        decide,
        "R000002",
        "community_party",
        {"decision": "return", "comment": "请补充困难群众名单"},
    )
    assert send("post", "/v1/disbursements/{code}/resubmit", "committee")["status"] == "pending"
    assert send("post", "/v1/disbursements/{code}/cancel", "committee")["status"] == "cancelled"
    # R000003: approved, voided
    for role in ("community_party", "street", "foundation"):
        _on(api, decide, "R000003", role, {})
    assert send("post", "/v1/disbursements/{code}/void", "foundation")["status"] == "voided"

    send("post", "/v1/pledges", "accountant")
    send("get", "/v1/pledges", "accountant")
    send("get", "/v1/pledges/{code}", "accountant")
    assert send("post", "/v1/pledges/{code}/receipt", "accountant")["status"] == "received"
    send("get", "/v1/sources", "auditor")
    send("get", "/v1/sources/{department}", "department")

    send("post", "/v1/allocations", "street")  # A000001
    send("get", "/v1/allocations", "street")
    send("get", "/v1/allocations/{code}", "street")
    send("post", "/v1/allocations/{code}/decisions", "district")
    send("post", "/v1/allocations/{code}/booking", "accountant")
    source = {"kind": "department", "org": "D01", "name": "区民政局"}
    send(
        "post",
        "/v1/contributions",
        "accountant",
        body={
            "fund": "GP",
            "amount": "1000.00",
            "source": source,
            "income": "subsidy",
            "receipt_no": None,
            "bank": "CCB",
        },
        setup=True,
    )
    send("post", "/v1/allocations", "street", body={"amount": "100.00"}, setup=True)  # A000002
    assert send("post", "/v1/allocations/{code}/cancel", "street")["status"] == "cancelled"

    send("post", "/v1/grants", "foundation")  # G000001
    send("get", "/v1/grants", "foundation")
    send("get", "/v1/grants/{code}", "foundation")
    for step, role in (
        ("report", "foundation"),
        ("acceptance", "foundation"),
        ("release", "foundation"),
        ("payment", "accountant"),
    ):
        send("post", f"/v1/grants/{{code}}/tranches/{{number}}/{step}", role)
    _upload(api, "/v1/grants/{code}/tranches/{number}/documents", "foundation", "G000001")
    send("post", "/v1/grants/{code}/close", "foundation")
    send("post", "/v1/grants", "foundation", setup=True)  # G000002
    send("post", "/v1/grants/{code}/cancel", "foundation")

    send("post", "/v1/closes", "accountant")
    send("get", "/v1/reports/{name}", "auditor")
    send("get", "/public/funds", None)
    send("get", "/public/payments", None)
    send("get", "/v1/tokens", "admin")
    send("get", "/v1/access-log", "auditor")
    send("delete", "/v1/tokens/{token_id}", "admin")


# The smallest PDF a parser accepts: what the upload checks is its content's type.
_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _upload(api: Api, path: str, role: str, code: str) -> None:
    """A multipart upload (its example is a file, not JSON) to the resource `code`."""
    operation = api.operation("post", path)
    url = path.replace("{code}", code).replace("{number}", "1")
    reply = api.client.post(
        url,
        files={"file": ("请款函.pdf", _PDF, "application/pdf")},
        data={"kind": "请款函"},
        headers={"Authorization": f"Bearer {api.tokens[role]}"},
    )
    assert str(reply.status_code) in operation["responses"], (path, reply.text)
    assert reply.status_code == 201, (path, reply.text)
    api.replayed.add(("post", path))


def _on(api: Api, path: str, code: str, role: str, body: dict[str, Any]) -> None:
    """A setup step on another resource than the example's."""
    operation = api.operation("post", path)
    example = operation["requestBody"]["content"]["application/json"]["example"]
    api.keys += 1
    reply = api.client.post(
        path.replace("{code}", code),
        json={**example, **body},
        headers={
            "Authorization": f"Bearer {api.tokens[role]}",
            "Idempotency-Key": f"setup-{api.keys}",
        },
    )
    assert reply.status_code == 200, reply.text


def test_every_documented_example_replays(api: Api) -> None:
    _steps(api)
    every = {(method, path) for path, item in api.document["paths"].items() for method in item}
    assert every - api.replayed == set(), "operations whose example the replay does not send"


def test_every_error_answered_is_documented_with_its_code(api: Api) -> None:
    """No token, each role, an unknown resource, an empty body: whatever comes back is documented."""
    for path, item in api.document["paths"].items():
        for method, operation in item.items():
            documented = {
                status: set(response["content"][MEDIA_TYPE]["examples"])
                for status, response in operation["responses"].items()
                if status >= "400"
            }
            url = re.sub(r"\{[a-z]+\}", "X999999", path).replace("/tranches/X999999", "/tranches/1")
            for role in (None, "committee", "street", "auditor"):
                headers = {"Authorization": f"Bearer {api.tokens[role]}"} if role else {}
                if method == "post":
                    headers["Idempotency-Key"] = f"sweep-{method}-{url}-{role}"
                for body in ({}, {"amount": 1}):
                    reply = api.client.request(
                        method.upper(),
                        url,
                        json=body if method == "post" else None,
                        headers=headers,
                    )
                    if reply.status_code < 400:
                        continue
                    status = str(reply.status_code)
                    where = (method, path, role, body, reply.text[:200])
                    assert status in documented, where
                    assert reply.json()["code"] in documented[status], where
