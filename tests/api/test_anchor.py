"""The chain's head anchored in the database: an amount changed with the chain recomputed is found.

Two contributions are booked through a real server that signs the head with
the foundation's key; then the first entry's amount is changed in the journal
and every later fb_prev/fb_hash recomputed, so the chain verifies on its own
and Beancount loads the book without an error. `fundbook check` compares the
book with the head recorded in the database and finds it.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import parser

from ledger import text
from ledger.anchor import sign
from ledger.chain import entry_hash, verify_chain
from ledger.layout import Layout
from tests.api.serving import ROOT, serving, small_book, today_local, token

FUND = "MF-ST01C01"


def _fundbook(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fundbook_cli.main", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rewrite_chain(journal: Path, fb_id: str, amount: Decimal) -> None:
    """Change the amount of `fb_id`'s entry and recompute the chain from there on, as a forger would."""
    content = journal.read_text("utf-8")
    header = content[: content.index("\n\n") + 2]
    entries = [e for e in parser.parse_string(content)[0] if isinstance(e, data.Transaction)]
    out, prev, changed = [], None, False
    for entry in entries:
        meta = {k: v for k, v in entry.meta.items() if k not in ("filename", "lineno")}
        if meta["fb_id"] == fb_id:
            changed = True
            entry = entry._replace(
                postings=[
                    p._replace(units=Amount(amount if p.units.number > 0 else -amount, "CNY"))
                    for p in entry.postings
                ]
            )
        if changed:
            meta["fb_prev"] = prev or meta["fb_prev"]
            meta.pop("fb_hash")
            meta["fb_hash"] = entry_hash(entry._replace(meta=meta), meta["fb_prev"])
        entry = entry._replace(meta=meta)
        prev = meta["fb_hash"]
        out.append(text.render(entry) + "\n")
    journal.write_text(header + "".join(out), "utf-8")


def test_a_rewritten_chain_is_found_against_the_signed_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("1000.00")})
    url = f"sqlite:///{home / 'fundbook.db'}"
    key_file = tmp_path / "chain.key"
    key_file.write_text("the foundation's own secret key\n")
    env = {"FUNDBOOK_CHAIN_KEY_FILE": str(key_file)}
    monkeypatch.setenv(
        "FUNDBOOK_CHAIN_KEY_FILE", str(key_file)
    )  # the CLI signs what it records too
    accountant = token(home, url, "accountant", None, "会计")
    with serving(home, url, env=env) as server, server.client(accountant) as client:
        for number, amount in enumerate(("321.00", "45.00")):
            reply = client.post(
                "/v1/contributions",
                json={
                    "fund": FUND,
                    "amount": amount,
                    "received_on": str(today_local()),
                    "source": {"kind": "donor", "name": f"捐赠人{number}"},
                },
            )
            assert reply.status_code == 201, reply.text
    with sqlite3.connect(home / "fundbook.db") as db:
        head = db.execute(
            "SELECT seq, hash, signature FROM chain_anchor WHERE name='head'"
        ).fetchone()
    journal = Layout(home).journal_for_year(today_local().year)
    lines = journal.read_text().splitlines()
    assert head[0] == 3 and f'  fb_hash: "{head[1]}"' in lines  # seed, then two contributions
    assert head[2] == sign(key_file.read_text().strip().encode(), 3, head[1])
    checked = _fundbook("check", str(home), "--key-file", str(key_file))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    rewrite_chain(journal, "C000001", Decimal("3210.00"))
    entries, errors, _ = loader.load_file(str(Layout(home).main))
    assert errors == [] and verify_chain(entries) == []  # the forgery passes bean-check alone
    checked = _fundbook("check", str(home))
    assert checked.returncode == 1
    assert "fb_seq 3 has fb_hash" in checked.stdout and "the chain was rewritten" in checked.stdout
    year = today_local().year
    out = tmp_path / "integrity.json"
    reported = _fundbook(
        "report",
        "integrity",
        str(home),
        "--from",
        f"{year}-01-01",
        "--to",
        f"{year}-12-31",
        "--format",
        "json",
        "--lang",
        "en",
        "--out",
        str(out),
    )
    assert reported.returncode == 1, reported.stderr
    found = json.loads(out.read_text())["sections"][0]["data"]
    assert [(m["kind"], m["fb_id"], m["detail"]) for m in found["mismatches"]] == [
        ("amount_differs", "C000001", "3210.00 ≠ 321.00")
    ]
    assert len(found["anchor_problems"]) == 1  # the head; the adopted history is fb_seq 1

    # Whoever can write the database cannot move the head there without the key.
    forged = [e for e in entries if isinstance(e, data.Transaction) and e.meta["fb_seq"] == "3"]
    with sqlite3.connect(home / "fundbook.db") as db:
        db.execute(
            "UPDATE chain_anchor SET hash = ?, signature = NULL", (forged[0].meta["fb_hash"],)
        )
    checked = _fundbook("check", str(home), "--key-file", str(key_file))
    assert checked.returncode == 1
    assert "not signed with the chain key" in checked.stdout, checked.stdout
