"""The Wuhou demo district: deterministic, big enough, and valid for bean-check and Fava."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data

from funds.model import FundKind, OrgKind
from ledger.layout import Layout
from ledger.registry_io import read_registry
from ledger.sealed_books import entries_for_years, load_sealed_entries
from ledger.seals import is_opening, seals_of

BIN = Path(sys.executable).parent


def _load(main_file: Path) -> tuple[list[Any], list[Any], dict[str, Any]]:
    # Without the pickle cache: nothing is written into the shared demo HOME.
    return loader._uncached_load_file(str(main_file), None, None, None)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def book(demo_home: Path) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """The demo's whole history: the sealed years 2023-2025 joined to the live book."""
    layout = Layout(demo_home)
    entries, errors, options = _load(layout.main)
    for seal in seals_of(entries):
        errors = [*errors, *load_sealed_entries(layout, seal)[1]]
    joined, _chain_errors = entries_for_years(layout, entries, 2023, 2026)
    return joined, errors, options


def test_the_closed_years_are_sealed_and_the_live_book_holds_2026(demo_home: Path) -> None:
    layout = Layout(demo_home)
    entries, errors, _ = _load(layout.main)
    assert errors == []
    assert [seal.year for seal in seals_of(entries)] == [2023, 2024, 2025]
    txns = _transactions(entries)
    assert {t.date.year for t in txns} == {2026}
    openings = [t for t in txns if is_opening(t)]
    assert {t.date.isoformat() for t in openings} == {"2026-01-01"}
    assert {t.meta["fund"] for t in openings} <= set(read_registry(entries)[0].registry.funds)
    assert len(openings) > 100
    for year in (2023, 2024, 2025):
        assert layout.sealed_main(year).is_file()
    assert "history/" not in layout.main.read_text(encoding="utf-8")


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_plain_bean_check_accepts_each_sealed_year_alone(demo_home: Path, year: int) -> None:
    result = subprocess.run(
        [str(BIN / "bean-check"), "--no-cache", str(Layout(demo_home).sealed_main(year))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def _transactions(entries: list[Any]) -> list[data.Transaction]:
    return [entry for entry in entries if isinstance(entry, data.Transaction)]


def test_the_demo_loads_with_every_plugin_and_no_error(book) -> None:  # type: ignore[no-untyped-def]
    _entries, errors, options = book
    assert errors == []
    assert options["title"] == "成都市武侯区社区发展基金会"
    assert [name for name, _config in options["plugin"]] == [
        "ledger.plugins.registered_funds",
        "ledger.plugins.fund_balance",
        "ledger.plugins.restricted_spending",
        "ledger.plugins.no_overdraft",
        "ledger.plugins.hash_chain",
    ]


def test_plain_bean_check_reports_nothing(demo_home: Path) -> None:
    result = subprocess.run(
        [str(BIN / "bean-check"), "--no-cache", str(Layout(demo_home).main)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_fundbook_check_passes(demo_home: Path) -> None:
    result = subprocess.run(
        [str(BIN / "fundbook"), "check", str(demo_home)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": str(BIN), "BEANCOUNT_DISABLE_LOAD_CACHE": "1", "HOME": str(demo_home)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_fund_goes_below_zero_on_any_date(book) -> None:  # type: ignore[no-untyped-def]
    entries, _errors, _options = book
    balance: dict[str, Decimal] = defaultdict(Decimal)
    cash: dict[str, Decimal] = defaultdict(Decimal)
    lowest = Decimal(0)
    for txn in _transactions(entries):
        for posting in txn.postings:
            fund = posting.account.rsplit(":", 1)[1]
            if posting.account.startswith(("Assets:", "Liabilities:")):
                balance[fund] += posting.units.number
                lowest = min(lowest, balance[fund])
            if posting.account.startswith("Assets:Bank:"):
                cash[fund] += posting.units.number
                lowest = min(lowest, cash[fund])
    assert lowest == 0
    assert len(balance) >= 150


def test_bank_parent_accounts_have_monthly_assertions(book) -> None:  # type: ignore[no-untyped-def]
    entries, errors, _options = book
    assertions = [entry for entry in entries if isinstance(entry, data.Balance)]
    assert {entry.account for entry in assertions} == {
        "Assets:Bank:ICBC",
        "Assets:Bank:CCB",
        "Assets:Bank:BOCD",
    }
    assert len({entry.date for entry in assertions}) >= 30
    assert all(entry.amount.number > 0 for entry in assertions)
    assert errors == []  # so every one of them holds


def test_the_demo_has_the_size_of_wuhou(book) -> None:  # type: ignore[no-untyped-def]
    entries, _errors, _options = book
    registry = read_registry(entries)[0].registry
    assert len(registry.of_kind(OrgKind.STREET)) == 13
    assert "浆洗街街道" in {org.name_zh for org in registry.of_kind(OrgKind.STREET)}
    micro = registry.funds_of_kind(FundKind.MICRO)
    assert len(micro) >= 46
    assert all(fund.restricted for fund in micro)
    assert len(registry.of_kind(OrgKind.DEPARTMENT)) == 22
    txns = _transactions(entries)
    assert len(txns) >= 10_000
    contributing = {
        t.meta["department"]
        for t in txns
        if t.meta.get("fund") in ("GP", "IP") and "department" in t.meta
    }
    assert len(contributing) >= 20
    grants = {t.meta["grant"] for t in txns if "grant" in t.meta}
    assert len(grants) >= 20
    paid_tranches = Counter(t.meta["grant"] for t in txns if "tranche" in t.meta)
    assert sum(1 for count in paid_tranches.values() if count >= 2) >= 15
    assert any(t.meta["fb_id"].endswith("-refund") for t in txns if "grant" in t.meta)
    assert any(t.meta["fb_id"].endswith("-void") for t in txns if "grant" in t.meta)
    assert any(t.meta["fb_id"].endswith("-void") for t in txns if "request" in t.meta)
    years = {t.date.year for t in txns}
    assert years == {2023, 2024, 2025, 2026}
    closes = {t.date.isoformat() for t in txns if "close" in t.tags}
    assert closes == {"2023-12-31", "2024-12-31", "2025-12-31"}
    assert any("release" in t.tags for t in txns)
    receipts = [t.meta["receipt_no"] for t in txns if "receipt_no" in t.meta]
    assert len(receipts) == len(set(receipts)) > 1000
    assert len({t.meta["fb_id"] for t in txns}) == len(txns)


def test_year_end_closes_zero_income_and_expenses(book) -> None:  # type: ignore[no-untyped-def]
    entries, _errors, _options = book
    for year in (2023, 2024, 2025):
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for txn in _transactions(entries):
            if txn.date.year > year:
                break
            for posting in txn.postings:
                if posting.account.startswith(("Income:", "Expenses:", "Equity:Interfund:")):
                    totals[posting.account] += posting.units.number
        assert {account: total for account, total in totals.items() if total} == {}, year


def test_pooled_money_is_traced_to_departments(book) -> None:  # type: ignore[no-untyped-def]
    entries, _errors, _options = book
    registry = read_registry(entries)[0].registry
    transfers = commitments = 0
    for txn in _transactions(entries):
        fund = registry.funds.get(txn.meta.get("fund", ""))
        sources = {key: Decimal(value) for key, value in txn.meta.items() if key.startswith("src_")}
        if "interfund" in txn.tags:
            transfers += 1
            target = registry.fund(txn.meta["target_fund"])
            assert fund is not None and fund.kind in (
                FundKind.GUARANTEE_POOL,
                FundKind.INCENTIVE_POOL,
            )
            assert target.kind is FundKind.ALLOCATION and target.pool == fund.code
            amount = max(posting.units.number for posting in txn.postings)
            assert sum(sources.values()) == amount
        elif fund is not None and fund.kind is FundKind.ALLOCATION and "request" in txn.meta:
            commitments += 1
            amount = max(abs(posting.units.number) for posting in txn.postings)
            assert sum(sources.values()) == amount, txn.meta["fb_id"]
        assert all(key[4:] in registry.orgs for key in sources)
    assert transfers > 500
    assert commitments > 1000


def test_commitments_carry_their_approval_chain(book) -> None:  # type: ignore[no-untyped-def]
    entries, _errors, _options = book
    registry = read_registry(entries)[0].registry
    checked = 0
    for txn in _transactions(entries):
        if not txn.meta["fb_id"].endswith("-commitment"):
            continue
        amount = next(p.units.number for p in txn.postings if p.account.startswith("Expenses:"))
        steps = registry.chain_for(txn.meta["fund"], amount)
        people = {txn.meta["requested_by"]}
        for i, resolved in enumerate(steps, start=1):
            assert txn.meta[f"approval_{i}_role"] == resolved.step.role.value
            assert txn.meta[f"approval_{i}_org"] == resolved.org
            assert txn.meta[f"approval_{i}_at"].endswith("+08:00")
            people.add(txn.meta[f"approval_{i}_by"])
        assert f"approval_{len(steps) + 1}_role" not in txn.meta
        times = [txn.meta["requested_at"]] + [
            txn.meta[f"approval_{i}_at"] for i in range(1, len(steps) + 1)
        ]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert times[-1].startswith(txn.date.isoformat())
        assert len(people) == len(steps) + 1  # no one fills two places
        assert txn.links == {f"req-{txn.meta['request']}"}
        checked += 1
    assert checked > 2000


def test_management_expenses_stay_under_ten_percent(book) -> None:  # type: ignore[no-untyped-def]
    entries, _errors, _options = book
    for year in (2023, 2024, 2025):
        admin = total = Decimal(0)
        for txn in _transactions(entries):
            if txn.date.year != year or "close" in txn.tags:
                continue
            for posting in txn.postings:
                if posting.account.startswith("Expenses:"):
                    total += posting.units.number
                    if posting.account.startswith("Expenses:Admin:"):
                        admin += posting.units.number
        assert 0 < admin < total * Decimal("0.10"), year


def test_2026_is_written_by_the_writer_with_a_hash_chain(demo_home: Path, book) -> None:  # type: ignore[no-untyped-def]
    entries, _errors, _options = book
    layout = Layout(demo_home)
    assert 'include "2026.beancount"' in layout.journal_index.read_text(encoding="utf-8")
    chained = [t for t in _transactions(entries) if "fb_seq" in t.meta]
    assert len(chained) > 2000
    # 2026, and the closes of 2023-2025, booked by `fundbook close`'s code through the writer.
    assert {t.date.year for t in chained if "close" not in t.tags and "release" not in t.tags} == {
        2026
    }
    closes = {t.date.isoformat() for t in chained if "close" in t.tags or "release" in t.tags}
    assert closes == {"2023-12-31", "2024-12-31", "2025-12-31"}
    assert not any(is_opening(t) for t in _transactions(entries))
    assert max(t.date for t in chained).isoformat() <= "2026-11-30"
    assert sorted(int(t.meta["fb_seq"]) for t in chained) == list(range(1, len(chained) + 1))


@pytest.mark.slow
def test_the_demo_is_deterministic(demo_home: Path, tmp_path: Path) -> None:
    # Built again by the command line in another process, with another string
    # hash seed: nothing may depend on set order or on the time of the build.
    again = tmp_path / "again"
    result = subprocess.run(
        [str(BIN / "fundbook"), "demo", str(again), "--no-serve"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": str(BIN), "PYTHONHASHSEED": "4242", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert f"HOME: {again.resolve()}" in result.stdout

    def files(home: Path) -> dict[str, bytes]:
        book_dir = Layout(home).book_dir
        return {
            str(path.relative_to(book_dir)): path.read_bytes()
            for path in sorted(book_dir.rglob("*.beancount"))
        }

    first, second = files(demo_home), files(again)
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.geturl(), response.read().decode("utf-8")


@pytest.mark.slow
def test_real_fava_serves_the_demo_without_errors(demo_copy: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "fava"), "--host", "127.0.0.1", "--port", str(port), "main.beancount"],
        cwd=Layout(demo_copy).book_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={"PATH": str(BIN), "BEANCOUNT_DISABLE_LOAD_CACHE": "1", "HOME": str(demo_copy)},
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                status, landing, _body = _get(base + "/")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "Fava did not answer within 90 s"
                time.sleep(0.5)
        assert status == 200
        slug = landing.removeprefix(base + "/").split("/")[0]
        assert slug
        status, _url, page = _get(f"{base}/{slug}/balance_sheet/")
        assert status == 200
        assert "Assets" in page
        status, _url, body = _get(f"{base}/{slug}/api/errors")
        assert status == 200
        assert json.loads(body)["data"] == []
        status, _url, body = _get(f"{base}/{slug}/api/ledger_data")
        ledger_data = json.loads(body)["data"]
        assert ledger_data["errors"] == []
        assert ledger_data["options"]["title"] == "成都市武侯区社区发展基金会"
        assert "Assets:Bank:ICBC:MF-ST01C01" in ledger_data["accounts"]

        # An accountant's entry goes to manual.beancount, above the insert-entry option.
        entry = {
            "t": "Transaction",
            "date": "2026-11-30",
            "flag": "*",
            "payee": "武侯区爱心人士",
            "narration": "非限定性捐赠(手工录入)",
            "tags": [],
            "links": [],
            "meta": {"receipt_no": "川财捐2026-M00001"},
            "postings": [
                {"account": "Assets:Bank:ICBC:FDN", "amount": "888.00 CNY"},
                {"account": "Income:Donation:Unrestricted:FDN", "amount": "-888.00 CNY"},
            ],
        }
        request = urllib.request.Request(
            f"{base}/{slug}/api/add_entries",
            method="PUT",
            data=json.dumps({"entries": [entry]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
        manual = Layout(demo_copy).manual.read_text(encoding="utf-8").rstrip("\n").splitlines()
        assert manual[-1].endswith('custom "fava-option" "insert-entry" ".*"')
        assert any("非限定性捐赠(手工录入)" in line for line in manual)
        _status, _url, body = _get(f"{base}/{slug}/api/errors")
        assert json.loads(body)["data"] == []
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


def test_fundbook_demo_reuses_a_built_home_and_prints_it(
    demo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fundbook_cli.main import main

    before = {path: path.stat().st_mtime_ns for path in demo_home.rglob("*.beancount")}
    assert main(["demo", str(demo_home), "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert f"HOME: {demo_home.resolve()}" in out
    assert {path: path.stat().st_mtime_ns for path in demo_home.rglob("*.beancount")} == before


def test_fundbook_demo_refuses_a_foreign_non_empty_home(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fundbook_cli.main import main

    (tmp_path / "thesis.txt").write_text("mine", encoding="utf-8")
    assert main(["demo", str(tmp_path), "--no-serve"]) == 1
    assert "not an empty directory" in capsys.readouterr().err
