"""A restart never deletes a delivered entry: the torn-tail scenarios on a real server.

A contribution is booked through the API (delivered by the outbox), the server
stopped, the journal damaged as an editor or a hand would, and the server
started again.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ledger import torn
from ledger.layout import Layout
from tests.api.serving import (
    ROOT,
    book_balance,
    serving,
    small_book,
    start_server,
    today_local,
    token,
)

FUND = "MF-ST01C01"


def _contribute(home: Path, url: str, accountant: str) -> str:
    with serving(home, url) as server, server.client(accountant) as client:
        reply = client.post(
            "/v1/contributions",
            json={
                "fund": FUND,
                "amount": "321.00",
                "received_on": str(today_local()),
                "source": {"kind": "donor", "name": "捐赠人甲"},
            },
            headers={"Idempotency-Key": "gift-1"},
        )
        assert reply.status_code == 201, reply.text
    [fb_id] = [
        line.split('"')[1]
        for line in Layout(home).journal_for_year(today_local().year).read_text().splitlines()
        if line.startswith("  fb_id:") and "SEED" not in line
    ]
    return fb_id


def _fundbook(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fundbook_cli.main", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def booked(tmp_path: Path) -> tuple[Path, str, str, str]:
    home = small_book(tmp_path / "home", {FUND: Decimal("1000.00")})
    url = f"sqlite:///{home / 'fundbook.db'}"
    accountant = token(home, url, "accountant", None, "会计")
    return home, url, accountant, _contribute(home, url, accountant)


def test_a_removed_final_newline_is_completed_on_restart(
    booked: tuple[Path, str, str, str],
) -> None:
    home, url, accountant, fb_id = booked
    journal = Layout(home).journal_for_year(today_local().year)
    whole = journal.read_bytes()
    journal.write_bytes(whole[:-1])  # truncate -s -1
    with serving(home, url) as server, server.client(accountant) as client:
        assert client.get(f"/v1/funds/{FUND}").json()["balance"] == "1321.00"
    assert journal.read_bytes() == whole
    assert book_balance(home, FUND)[0] == Decimal("1321.00")
    checked = _fundbook("check", str(home))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"completed by the writer ({fb_id})" in checked.stderr


def test_a_delivered_entry_cut_mid_string_stops_the_server_until_repaired(
    booked: tuple[Path, str, str, str],
) -> None:
    home, url, accountant, fb_id = booked
    journal = Layout(home).journal_for_year(today_local().year)
    whole = journal.read_bytes()
    journal.write_bytes(whole[: whole.rindex("捐赠人甲".encode()) + 3])  # a cut mid-string
    damaged = journal.read_bytes()

    with pytest.raises(RuntimeError, match="fundbook repair HOME"):
        start_server(home, url, wait_s=60)
    assert journal.read_bytes() == damaged  # nothing was cut

    checked = _fundbook("check", str(home))
    assert checked.returncode == 1 and "torn tail" in checked.stdout, checked.stdout

    shown = _fundbook("repair", str(home))
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert f"delivered by the outbox and not whole in the book: {fb_id}" in shown.stdout
    assert "--rebuild" in shown.stdout and "--cut" in shown.stdout
    assert journal.read_bytes() == damaged

    rebuilt = _fundbook("repair", str(home), "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    with serving(home, url) as server, server.client(accountant) as client:
        assert client.get(f"/v1/funds/{FUND}").json()["balance"] == "1321.00"
    assert journal.read_bytes() == whole  # the same entry, with the same place in the chain
    [repair] = torn.repairs(Layout(home))
    assert (repair.action, repair.by, repair.fb_ids) == ("rebuilt", "operator", (fb_id,))
    checked = _fundbook("check", str(home))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "rebuilt by the operator" in checked.stderr
