"""Every list route refuses an offset past what the database can take with 422, never a 500."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.api.serving import serving, small_book, token


def test_an_offset_beyond_64_bits_is_a_validation_error_on_every_list_route(
    tmp_path: Path,
) -> None:
    home = small_book(tmp_path / "home", {"MF-ST01C01": Decimal("10.00")})
    url = f"sqlite:///{home / 'fundbook.db'}"
    accountant = token(home, url, "accountant", None, "会计")
    auditor = {"Authorization": f"Bearer {token(home, url, 'auditor', None, '审计')}"}
    with serving(home, url) as server, server.client(accountant) as client:
        spec = client.get("/openapi.json").json()
        routes = [
            path
            for path, methods in spec["paths"].items()
            if "{" not in path
            and any(p["name"] == "offset" for p in methods.get("get", {}).get("parameters", []))
        ]
        assert len(routes) >= 5, routes  # disbursements, allocations, grants, pledges, public
        for path in routes:
            for offset in ("9223372036854775808", "9223372036854775807", "-1"):
                reply = client.get(path, params={"offset": offset})
                assert reply.status_code == 422, (path, offset, reply.text)
                assert reply.json()["code"] == "validation_error"
            reply = client.get(path, params={"offset": "2147483647"})
            if reply.status_code == 403:  # a route for auditors (the access log)
                reply = client.get(path, params={"offset": "2147483647"}, headers=auditor)
            assert reply.status_code == 200, (path, reply.text)
