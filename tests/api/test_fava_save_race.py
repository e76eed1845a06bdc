"""Submits during Fava-style saves of `manual.beancount` never hold more than the fund has.

The micro-fund was given 1,000.00 and `manual.beancount` (saved again and
again the way Fava saves: truncate, then rewrite) pays 900.00 out of it, at the
end of 400 lines of notes. Worked by hand: 100.00 is available, so exactly ten
requests of 10.00 are accepted out of sixty, whatever a save is doing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx

from ledger.layout import Layout
from tests.api.serving import ROOT, serving, small_book, token
from tests.ledger.test_balances_fava_save import FAVA_SAVES, FUND, manual_text


def test_no_submit_is_accepted_beyond_the_funds_money_while_fava_saves(tmp_path: Path) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("1000.00")})
    layout = Layout(home)
    layout.manual.write_text(manual_text(), encoding="utf-8")
    url = f"sqlite:///{home / 'fundbook.db'}"
    committee = token(home, url, "committee", "ST01C01", "居委会")
    with serving(home, url) as server:
        headers = {"Authorization": f"Bearer {committee}"}
        assert (
            httpx.get(f"{server.url}/v1/funds/{FUND}", headers=headers).json()["available"]
            == "100.00"
        )
        saver = subprocess.Popen(
            [sys.executable, "-c", FAVA_SAVES, str(layout.manual), "600"],
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
        try:
            time.sleep(0.5)

            def submit(number: int) -> tuple[int, str]:
                body = {
                    "fund": FUND,
                    "amount": "10.00",
                    "payee": "供应商",
                    "purpose": f"第{number}次",
                }
                with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                    reply = client.post("/v1/disbursements", json=body)
                    return reply.status_code, "" if reply.is_success else reply.json()["code"]

            with ThreadPoolExecutor(4) as pool:
                statuses = list(pool.map(submit, range(60)))
        finally:
            saver.kill()
            saver.wait()
        layout.manual.write_text(manual_text(), encoding="utf-8")  # the kill may tear a save
        assert statuses.count((201, "")) == 10, statuses
        assert set(statuses) == {(201, ""), (409, "insufficient_funds")}, statuses
        fund = httpx.get(f"{server.url}/v1/funds/{FUND}", headers=headers).json()
        assert (fund["held"], fund["available"]) == ("100.00", "0.00")
