"""docs/ADOPTING.md end to end: from the old books' trial balance to the first approved payment.

The district opens from the trial balance of tests/test_init_opening.py:
锦里社区微基金 (MF-ST01C01) has ICBC 60,000.00 and owes 15,000.00, so its
balance (net assets) is 45,000.00. Its committee asks 800.00, the chain
approves it, the accountant pays it. By hand:

    MF-ST01C01  60,000.00 − 800.00 bank, −15,000.00 payable  = 44,200.00
    assets      866,200.00 − 800.00                          = 865,400.00
    liabilities 15,000.00 (the commitment of 800.00 is paid)
    net assets  306,200.00 unrestricted, 545,000.00 − 800.00 = 544,200.00 restricted
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from fundbook_cli.cmd_api import create_token
from fundbook_cli.main import main
from tests.api.serving import today_local
from tests.test_init_opening import district_with_openings

PEOPLE = {
    "committee": ("ST01C01", "锦里居委会张三"),
    "community_party": ("ST01C01", "锦里社区党委刘书记"),
    "street": ("ST01", "浆洗街街道陈主任"),
    "foundation": (None, "基金会秘书处赵秘书长"),
    "accountant": (None, "李会计"),
}


def test_from_the_trial_balance_to_the_first_approved_payment(tmp_path: Path) -> None:
    home = tmp_path / "HOME"
    assert main(["init", str(home), "--config", str(district_with_openings(tmp_path))]) == 0
    auth = {
        role: {"Authorization": f"Bearer {create_token(home, role=role, org=org, name=name)}"}
        for role, (org, name) in PEOPLE.items()
    }
    today = today_local().isoformat()
    with TestClient(create_app(Settings(home=home))) as client:
        body = {
            "fund": "MF-ST01C01",
            "amount": "800.00",
            "payee": "锦里社区老年协会",
            "purpose": "重阳节敬老活动",
        }
        asked = client.post(
            "/v1/disbursements",
            json=body,
            headers={**auth["committee"], "Idempotency-Key": "jinli-2026-001"},
        )
        assert asked.status_code == 201, asked.text
        code = asked.json()["id"]
        for role in ("community_party", "street", "foundation"):
            decided = client.post(
                f"/v1/disbursements/{code}/decisions",
                json={"decision": "approve", "comment": "同意"},
                headers={**auth[role], "Idempotency-Key": f"{code}-{role}"},
            )
            assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "approved"
        paid = client.post(
            f"/v1/disbursements/{code}/payment",
            json={"paid_on": today, "bank_reference": "ICBC20260115001"},
            headers={**auth["accountant"], "Idempotency-Key": f"{code}-payment"},
        )
        assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text
        fund = client.get("/v1/funds/MF-ST01C01", headers=auth["committee"]).json()
        assert (fund["balance"], fund["held"], fund["available"]) == (
            "44200.00",
            "0.00",
            "44200.00",
        )

    out = tmp_path / "bs.json"
    args = ["report", "balance-sheet", str(home), "--from", "2026-01-01", "--to", today]
    assert main([*args, "--format", "json", "--out", str(out)]) == 0
    sheet = json.loads(out.read_text())["sections"][0]["data"]
    closing = {key: sheet[key]["closing"] for key in sheet if isinstance(sheet[key], dict)}
    assert closing["total_assets"] == "865400.00"
    assert closing["total_liabilities"] == "15000.00"
    assert closing["net_unrestricted"] == "306200.00"
    assert closing["net_restricted"] == "544200.00"
    assert closing["total_liabilities_net_assets"] == "865400.00"
    assert main(["check", str(home)]) == 0
