"""`fundbook org add`, `fund add` and `chain set` on a book in use, and a running API seeing them."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from fundbook_cli.cmd_api import create_token
from fundbook_cli.main import main
from ledger.layout import Layout
from ledger.registry_io import load_registry
from tests.api.serving import today_local

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "district.toml"
NEW = ["--kind", "community", "--code", "ST01C02", "--parent", "ST01"]
NAMES = ["--name", "Caotang Community", "--name-zh", "草堂社区"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "district"
    assert main(["init", str(home), "--config", str(EXAMPLE)]) == 0
    return home


def _book(home: Path) -> list[data.Directive]:
    entries, errors, _ = loader.load_file(str(Layout(home).main))
    assert errors == []
    return entries


def test_a_new_community_gets_its_micro_fund_with_its_accounts(home: Path) -> None:
    assert main(["org", "add", str(home), *NEW, *NAMES, "--by", "李会计"]) == 0
    book, _entries, problems = load_registry(Layout(home))
    assert problems == []
    assert book.registry.orgs["ST01C02"].parent == "ST01"
    fund = book.registry.funds["MF-ST01C02"]
    assert (fund.kind.value, fund.org, fund.name_zh) == ("micro", "ST01C02", "草堂社区微基金")
    entries = _book(home)
    opened = {
        e.account for e in entries if isinstance(e, data.Open) and e.account.endswith(":MF-ST01C02")
    }
    # every account of the chart, with each bank's share: 21 categories + 2 banks
    assert len(opened) == 23
    assert "Assets:Bank:ICBC:MF-ST01C02" in opened
    assert "Equity:NetAssets:Restricted:MF-ST01C02" in opened
    custom = [e for e in entries if isinstance(e, data.Custom) and e.values[0].value == "ST01C02"]
    assert custom[0].meta["changed_by"] == "李会计"
    assert custom[0].date == today_local()
    assert datetime.datetime.fromisoformat(custom[0].meta["changed_at"]).utcoffset() is not None
    assert main(["check", str(home)]) == 0


def test_a_fund_added_later_opens_its_accounts(home: Path) -> None:
    args = ["--code", "AL-ST02C01-GP", "--kind", "allocation", "--org", "ST02C01", "--pool", "GP"]
    names = [
        "--name",
        "Yulin North Road guarantee allocation",
        "--name-zh",
        "玉林北路社区专项保障资金",
    ]
    assert main(["fund", "add", str(home), *args, *names, "--by", "李会计"]) == 0
    book, _entries, problems = load_registry(Layout(home))
    assert problems == []
    assert book.registry.funds["AL-ST02C01-GP"].pool == "GP"
    assert main(["check", str(home)]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([*NEW[:3], "ST01C01", *NEW[4:], *NAMES], "organization ST01C01 already exists"),
        ([*NEW[:5], "ST01C01", *NAMES], "a community's parent is a street; 'ST01C01' is not one"),
        ([*NEW, *NAMES, "--date", "2999-01-01"], "2999-01-01 is in the future"),
        ([*NEW, *NAMES, "--date", "2025-06-30"], "is before the registry's last change"),
        ([*NEW[:3], "st-01", *NEW[4:], *NAMES], "must match"),
    ],
)
def test_a_change_that_does_not_apply_is_refused_and_nothing_is_written(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["org", "add", str(home), *args, "--by", "李会计"]) == 1
    assert message in capsys.readouterr().err
    assert not Layout(home).registry_changes.exists()


def test_a_chain_for_an_unknown_fund_is_refused(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["chain", "set", str(home), "MF-NOPE", "foundation@foundation", "--by", "x"]) == 1
    assert "fund MF-NOPE does not exist" in capsys.readouterr().err


def _client_token(home: Path, role: str, org: str | None, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(home, role=role, org=org, name=name)}"}


def test_a_community_added_later_submits_its_first_request_and_a_new_chain_applies_after_it(
    home: Path,
) -> None:
    accountant = _client_token(home, "accountant", None, "李会计")
    with TestClient(create_app(Settings(home=home))) as client:
        # the server is running when the community is added: it sees it at its next request
        assert main(["org", "add", str(home), *NEW, *NAMES, "--by", "李会计"]) == 0
        committee = _client_token(home, "committee", "ST01C02", "草堂居委会")
        today = today_local().isoformat()
        gift = {
            "fund": "MF-ST01C02",
            "amount": "5000.00",
            "source": {"kind": "donor", "name": "草堂街坊"},
            "received_on": today,
            "receipt_no": "JZ2026-0001",
        }
        got = client.post(
            "/v1/contributions", json=gift, headers={**accountant, "Idempotency-Key": "gift-1"}
        )
        assert got.status_code == 201, got.text
        body = {
            "fund": "MF-ST01C02",
            "amount": "800.00",
            "payee": "草堂老年协会",
            "purpose": "重阳节敬老活动",
        }
        first = client.post(
            "/v1/disbursements", json=body, headers={**committee, "Idempotency-Key": "req-1"}
        )
        assert first.status_code == 201, first.text
        assert [(s["role"], s["org"]) for s in first.json()["steps"]] == [
            ("community_party", "ST01C02"),
            ("street", "ST01"),
            ("foundation", "WHCDF"),
        ]
        fund = client.get("/v1/funds/MF-ST01C02", headers=committee).json()
        assert (fund["balance"], fund["held"], fund["available"]) == (
            "5000.00",
            "800.00",
            "4200.00",
        )

        chain = "community_party@community foundation@foundation"
        assert main(["chain", "set", str(home), "MF-ST01C02", chain, "--by", "李会计"]) == 0
        second = client.post(
            "/v1/disbursements",
            json={**body, "amount": "300.00"},
            headers={**committee, "Idempotency-Key": "req-2"},
        )
        assert second.status_code == 201, second.text
        assert [s["role"] for s in second.json()["steps"]] == ["community_party", "foundation"]
        # the request submitted before the change keeps its three steps
        again = client.get(f"/v1/disbursements/{first.json()['id']}", headers=committee).json()
        assert [s["role"] for s in again["steps"]] == ["community_party", "street", "foundation"]
    entries = _book(home)
    changes = [e for e in entries if isinstance(e, data.Custom) and e.type == "fundbook-chain"]
    assert [(e.meta["chain"], e.meta["changed_by"]) for e in changes] == [(chain, "李会计")]


def test_each_change_is_recorded_in_the_hash_chain_and_a_hand_edit_shows(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chain = "community_party@community foundation@foundation"
    assert main(["chain", "set", str(home), "MF-ST01C01", chain, "--by", "李会计"]) == 0
    records = [
        e for e in _book(home) if isinstance(e, data.Transaction) and "registry" in (e.tags or ())
    ]
    assert len(records) == 1 and records[0].postings == []
    assert (records[0].meta["fb_seq"], records[0].meta["changed_by"]) == ("1", "李会计")
    assert main(["check", str(home)]) == 0
    capsys.readouterr()

    changes = Layout(home).registry_changes
    text = changes.read_text(encoding="utf-8")
    # the approval chain loosened by hand, skipping the community's party organization
    changes.write_text(text.replace(chain, "foundation@foundation"), encoding="utf-8")
    assert main(["check", str(home)]) == 1
    assert "does not match its record (fb_seq 1): it was changed after it was written" in (
        capsys.readouterr().out
    )

    forged = (
        '\n2026-06-01 custom "fundbook-chain" "MF-ST02C01"\n  chain: "foundation@foundation"\n\n'
    )
    changes.write_text(text + forged, encoding="utf-8")
    assert main(["check", str(home)]) == 1
    assert "a registry directive without fb_change" in capsys.readouterr().out
