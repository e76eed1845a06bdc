"""The Fundbook desk in a real Fava on the demo district, next to the real API.

One district for the module: the demo book, an API (`fundbook serve`) that
takes a request through its approval chain and holds another, and Fava
(`fundbook fava`) on the same HOME. The desk's figures must be the API's.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import copy_home
from tests.fava.servers import BIN, fava_base, free_port, fundbook_fava, running
from tests.fava.smallbook import write_small_book
from tests.fava.statements import NEW_REFERENCES, icbc_csv, write_statement


def _district_today() -> str:
    """Today in the district (the API refuses a payment dated before its approval, made today)."""
    return datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date().isoformat()


pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class District:
    home: Path
    api: str
    fava: str
    tokens: dict[str, str]
    approved: str
    held_fund: str
    held_amount: Decimal


def _call(url: str, *, token: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="GET" if body is None else "POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read().decode()


def _get_until(url: str, condition: Callable[[str], bool], *, timeout: float = 30.0) -> str:
    """The page once `condition` holds: Fava notices a changed file within a moment."""
    deadline = time.monotonic() + timeout
    while True:
        page = _get(url)
        if condition(page) or time.monotonic() > deadline:
            return page
        time.sleep(0.2)


@pytest.fixture(scope="module")
def district(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    from fundbook_cli.cmd_api import create_token

    home = copy_home(demo_home, tmp_path_factory.mktemp("desk") / "home")
    people = {
        "accountant": None,
        "committee": "ST01C01",
        "community_party": "ST01C01",
        "street": "ST01",
        "foundation": None,
    }
    tokens = {
        role: create_token(home, role=role, org=org, name=f"测试-{role}")
        for role, org in people.items()
    }
    api_port, fava_port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    with running(
        [str(BIN / "fundbook"), "serve", str(home), "--port", str(api_port)],
        ready_url=f"{api}/healthz",
        log=home.parent / "api.log",
    ):
        first = _call(
            f"{api}/v1/disbursements",
            token=tokens["committee"],
            body={
                "fund": "MF-ST01C01",
                "amount": "800.00",
                "payee": "玉林社区老年协会",
                "purpose": "重阳节敬老活动",
            },
        )
        assert isinstance(first, dict)
        request = first
        while request["next_step"] is not None:
            role = request["next_step"]["role"]
            request = _call(
                f"{api}/v1/disbursements/{first['id']}/decisions",
                token=tokens[role],
                body={"decision": "approve", "comment": "同意"},
            )
            assert isinstance(request, dict)
        assert request["status"] == "approved"
        _call(
            f"{api}/v1/disbursements",
            token=tokens["committee"],
            body={
                "fund": "MF-ST01C01",
                "amount": "150.50",
                "payee": "锦里社区志愿者队",
                "purpose": "环境整治",
            },
        )
        # A street's proposed allocation holds its pool's money.
        _call(
            f"{api}/v1/allocations",
            token=tokens["street"],
            body={"pool": "GP", "community": "ST01C01", "amount": "300.00", "purpose": "社区营造"},
        )
        with running(
            fundbook_fava(home, fava_port),
            ready_url=f"http://127.0.0.1:{fava_port}/",
            log=home.parent / "fava.log",
        ):
            yield District(
                home,
                api,
                fava_base(fava_port),
                tokens,
                str(first["id"]),
                "MF-ST01C01",
                Decimal("150.50"),
            )


_ROW = re.compile(r'<tr data-fund="([^"]+)">(.*?)</tr>', re.S)
_FIELD = re.compile(r'data-field="(\w+)">([^<]*)<')


def desk_funds(page: str) -> dict[str, dict[str, str]]:
    rows = {}
    for code, body in _ROW.findall(page):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        # Amounts are shown with thousands separators: "12,345.60".
        fields = {name: value.replace(",", "") for name, value in _FIELD.findall(body)}
        rows[code] = {"name_zh": cells[1], **fields}
    return rows


def test_every_fund_on_the_desk_has_the_api_figures(district):
    page = _get(f"{district.fava}/extension/FundbookDesk/?funds=all")
    desk = desk_funds(page)
    funds = _call(f"{district.api}/v1/funds", token=district.tokens["accountant"])
    assert isinstance(funds, list) and len(funds) > 100
    api = {
        fund["code"]: {
            "name_zh": fund["name_zh"],
            "balance": fund["balance"],
            "held": fund["held"],
            "available": fund["available"],
        }
        for fund in funds
    }
    assert desk == api
    assert Decimal(desk[district.held_fund]["held"]) == district.held_amount
    assert Decimal(desk["GP"]["held"]) >= Decimal("300.00")
    # By default only the funds with activity are listed: the others have nothing at all.
    shown = desk_funds(_get(f"{district.fava}/extension/FundbookDesk/"))
    assert district.held_fund in shown and set(shown) <= set(desk)
    for code in set(desk) - set(shown):
        assert desk[code]["balance"] == desk[code]["held"] == "0.00", code


def test_the_payment_queue_shows_the_approved_request_and_its_chain(district):
    page = _get(f"{district.fava}/extension/FundbookDesk/")
    match = re.search(rf'<tr data-request="{district.approved}">(.*?)</tr>', page, re.S)
    assert match, "the approved request is not in the payment queue"
    row = match.group(1)
    assert "800.00" in row and "玉林社区老年协会" in row
    assert "社区党组织 ST01C01: 测试-community_party" in row
    assert "基金会秘书处 WHCDF: 测试-foundation" in row
    assert 'data-request="' not in page.replace(f'data-request="{district.approved}"', "")


def test_every_bank_has_its_reconciliation(district):
    from beancount.parser import parser

    entries, _, _ = parser.parse_file(str(district.home / "book" / "registry.beancount"))
    banks = [
        e.values[0].value
        for e in entries
        if e.__class__.__name__ == "Custom" and e.type == "fundbook-bank"
    ]
    page = _get(f"{district.fava}/extension/FundbookDesk/")
    states = dict(re.findall(r'<tr data-bank="(\w+)">.*?data-state="(\w+)"', page, re.S))
    assert len(banks) >= 2 and sorted(states) == sorted(banks)
    # The demo's book agrees with every statement balance it records.
    assert set(states.values()) <= {"ok", "stale"}


def test_a_screenshot_of_the_desk_has_visible_content(district, tmp_path):
    from PIL import Image, ImageStat

    shot = tmp_path / "desk.png"
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--screenshot={shot}",
                "--window-size=1280,1600",
                "--virtual-time-budget=5000",
                f"{district.fava}/extension/FundbookDesk/",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 1600)
    assert ImageStat.Stat(image).stddev[0] > 20
    dark = sum(image.histogram()[:128])
    assert dark > 0.02 * 1280 * 1600


def test_paying_the_approved_request_empties_the_queue(district):
    """Run last on the district: the payment changes the book, so Fava reloads it."""
    url = f"{district.fava}/extension/FundbookDesk/"
    paid = _call(
        f"{district.api}/v1/disbursements/{district.approved}/payment",
        token=district.tokens["accountant"],
        body={"paid_on": _district_today(), "bank_reference": "ICBC20261130001"},
    )
    assert isinstance(paid, dict) and paid["status"] == "paid"
    page = _get_until(
        url, lambda page: f'data-request="{district.approved}"' not in page, timeout=120
    )
    assert f'data-request="{district.approved}"' not in page
    funds = _call(f"{district.api}/v1/funds", token=district.tokens["accountant"])
    assert isinstance(funds, list)
    api = {fund["code"]: fund["balance"] for fund in funds}
    shown = {code: row["balance"] for code, row in desk_funds(page).items()}
    assert shown == {code: api[code] for code in shown}


def test_english_desk_follows_the_book_as_the_accountant_edits_it(tmp_path):
    home = write_small_book(tmp_path / "home").home
    port = free_port()
    with running(
        fundbook_fava(home, port, "--lang", "en"),
        ready_url=f"http://127.0.0.1:{port}/",
        log=tmp_path / "fava.log",
    ):
        url = f"{fava_base(port)}/extension/FundbookDesk/"
        page = _get(url)
        assert "<h2>Funds</h2>" in page and "Bank reconciliation" in page
        assert desk_funds(page)["MF-ST01C01"]["balance"] == "11200.00"
        assert re.search(r'<tr data-bank="ICBC">.*?data-field="difference">0.00<', page, re.S)

        # Fava's import page finds the statement and extracts only the new lines.
        statement = write_statement(home / "imports" / "icbc-2026-03.csv", icbc_csv(), "gbk")
        imports = json.loads(_get(f"{fava_base(port)}/api/imports"))["data"]
        assert [(f["basename"], [i["importer_name"] for i in f["importers"]]) for f in imports] == [
            ("icbc-2026-03.csv", ["fundbook.bank.ICBC"])
        ]
        query = urllib.parse.urlencode(
            {"filename": str(statement), "importer": "fundbook.bank.ICBC"}
        )
        extracted = json.loads(_get(f"{fava_base(port)}/api/extract?{query}"))["data"]
        assert {
            e["meta"]["bank_reference"] for e in extracted if e["t"] == "Transaction"
        } == NEW_REFERENCES
        assert all(e["flag"] == "!" for e in extracted if e["t"] == "Transaction")
        assert sum(e["t"] == "Balance" for e in extracted) == 3

        # A statement balance the book does not have: Fava reloads the book and
        # the desk, computed once per load, shows the difference.
        manual = home / "book" / "manual.beancount"
        manual.write_text(
            "2026-03-08 balance Assets:Bank:ICBC  64300.50 CNY\n\n"
            + manual.read_text(encoding="utf-8"),
            encoding="utf-8",
        )
        page = _get_until(url, lambda page: "2026-03-08" in page)
        row = re.search(r'<tr data-bank="ICBC">(.*?)</tr>', page, re.S)
        assert row and 'data-state="difference"' in row.group(1)
        assert 'data-field="difference">100.00<' in row.group(1)
        assert 'data-field="book_balance">64,200.50<' in row.group(1)
    assert (home / "book" / "importers.py").is_file()
