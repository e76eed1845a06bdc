"""Kill -9 sweep: a real server killed at random points while clients post, then retried.

Each round starts a real API server (uvicorn in a forked process, SQLite),
sends a batch of state-changing POSTs at once, each with its own
Idempotency-Key (contributions, submits, final approvals that book a
commitment, payments that book the cash), kills the server with SIGKILL after
a random delay, starts it again and has every client retry with the same key
and body until it gets its answer, as the API's contract asks of clients.

At the end it counts, over every round:

- tried: kill points (rounds);
- lost: an operation answered 2xx (before or after the kill) whose effect is
  not in the book or the database (the entry, the request, the decision);
- duplicated: an fb_id twice in the journal, two requests for one key, or a
  retry whose answer differs from the first answer of its key;
- stuck: an operation that could not be finished by retrying within a minute.

All three must be 0. It also runs `fundbook check` and the integrity report on
the final book (both must pass) and counts the torn tails the writer repaired.

    .venv/bin/python bench/kill_sweep.py [--rounds 100] [--seed 20261201] [--no-write]

Not run in CI (it takes minutes). Prints the figures and writes them into
docs/RELIABILITY.md under "## Kill -9 sweep".
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger import torn  # noqa: E402
from ledger.layout import Layout  # noqa: E402
from tests.api.serving import fork_server, small_book, today_local, token  # noqa: E402

SECTION = "## Kill -9 sweep"
FUND = "MF-ST01C01"
RETRY_S = 60.0
INTRO = """How it is tested: `bench/kill_sweep.py` (not in CI) builds a small book, then,
for each kill point, sends eight POSTs at once to a real server, each with its
own Idempotency-Key (three contributions, three submits, a final approval that
books a commitment, a payment that books the cash), kills the server with
SIGKILL after a random delay, starts it again and retries every POST with the
same key and body until it is answered. It then checks every answer against
the book and the database: *lost* is an answered operation whose entry,
request or decision is missing; *duplicated* an fb_id twice in the journal,
two requests for one key, or a retry answered differently from the first
answer; *stuck* an operation still unanswered after a minute of retries. What
it showed:
"""
FB_ID = re.compile(r'^  fb_id: "([^"]+)"$', re.MULTILINE)


@dataclass
class Op:
    """One POST a client must see through: its key, body and what it should leave behind."""

    key: str
    who: str
    path: str
    body: dict[str, Any]
    kind: str
    subject: str = ""  # the request code a decision or payment is about
    first: tuple[int, str] | None = None  # the answer before the kill, if any
    final: tuple[int, str] | None = None
    retries: int = 0


@dataclass
class Tally:
    rounds: int = 0
    ops: int = 0
    answered_before_kill: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)


def _post(url: str, tokens: dict[str, str], op: Op, timeout: float) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {tokens[op.who]}", "Idempotency-Key": op.key}
    reply = httpx.post(f"{url}{op.path}", json=op.body, headers=headers, timeout=timeout)
    return reply.status_code, reply.text


def _setup(url: str, tokens: dict[str, str], count: int) -> tuple[list[str], list[str]]:
    """Requests waiting for the foundation's approval, and requests approved (waiting for payment)."""
    waiting, approved = [], []
    with httpx.Client(base_url=url, timeout=60) as client:
        for index in range(2 * count):
            body = {"fund": FUND, "amount": "1.00", "payee": "供应商", "purpose": f"准备 {index}"}
            auth = {"Authorization": f"Bearer {tokens['committee']}"}
            code = client.post("/v1/disbursements", json=body, headers=auth).json()["id"]
            steps = ["party", "street"] + (["foundation"] if index % 2 else [])
            for who in steps:
                reply = client.post(
                    f"/v1/disbursements/{code}/decisions",
                    json={"decision": "approve"},
                    headers={"Authorization": f"Bearer {tokens[who]}"},
                )
                assert reply.status_code == 200, reply.text
            (approved if index % 2 else waiting).append(code)
    return waiting, approved


def _round_ops(number: int, waiting: list[str], approved: list[str]) -> list[Op]:
    today = today_local().isoformat()
    ops = [
        Op(
            f"k{number}-gift{i}",
            "accountant",
            "/v1/contributions",
            {
                "fund": FUND,
                "amount": "5.00",
                "received_on": today,
                "source": {"kind": "donor", "name": f"捐赠人 {number}-{i}"},
            },
            "contribution",
        )
        for i in range(3)
    ]
    ops += [
        Op(
            f"k{number}-ask{i}",
            "committee",
            "/v1/disbursements",
            {"fund": FUND, "amount": "1.00", "payee": "供应商", "purpose": f"请款 {number}-{i}"},
            "submit",
        )
        for i in range(3)
    ]
    code = waiting[number]
    ops.append(
        Op(
            f"k{number}-approve",
            "foundation",
            f"/v1/disbursements/{code}/decisions",
            {"decision": "approve"},
            "approve",
            code,
        )
    )
    code = approved[number]
    ops.append(
        Op(
            f"k{number}-pay",
            "accountant",
            f"/v1/disbursements/{code}/payment",
            {"paid_on": today, "bank_reference": f"B-{code}"},
            "pay",
            code,
        )
    )
    return ops


def _retry(url: str, tokens: dict[str, str], op: Op) -> None:
    deadline = time.monotonic() + RETRY_S
    while time.monotonic() < deadline:
        op.retries += 1
        try:
            status, text = _post(url, tokens, op, timeout=30)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        in_progress = status == 409 and '"idempotency_conflict"' in text
        if status < 500 and not in_progress:
            op.final = (status, text)
            return
        time.sleep(0.2)


def _journal_ids(home: Path) -> Counter[str]:
    ids: Counter[str] = Counter()
    for path in sorted(Layout(home).journal_dir.glob("[0-9][0-9][0-9][0-9].beancount")):
        ids.update(FB_ID.findall(path.read_text(encoding="utf-8")))
    return ids


def _verify(home: Path, url: str, tokens: dict[str, str], ops: list[Op], tally: Tally) -> None:
    ids = _journal_ids(home)
    tally.duplicated += [f"fb_id {i} x{n}" for i, n in ids.items() if n > 1]
    purposes: Counter[str] = Counter()
    with httpx.Client(base_url=url, timeout=60) as client:
        auth = {"Authorization": f"Bearer {tokens['accountant']}"}
        offset = 0
        while True:
            page = client.get(
                "/v1/disbursements", params={"limit": 1000, "offset": offset}, headers=auth
            ).json()
            purposes.update(item["purpose"] for item in page)
            if len(page) < 1000:
                break
            offset += 1000
        for op in ops:
            if op.final is None:
                tally.stuck.append(f"{op.key}: no answer in {RETRY_S:.0f} s")
                continue
            status, text = op.final
            if op.first is not None and op.first[0] < 500 and op.first != op.final:
                tally.duplicated.append(f"{op.key}: answered {op.first[0]}, then {status}")
            if not 200 <= status < 300:
                tally.stuck.append(f"{op.key}: {status} {text[:200]}")
                continue
            body = json.loads(text)
            if op.kind == "contribution" and ids[body["id"]] != 1:
                tally.lost.append(f"{op.key}: contribution {body['id']} not in the book")
            elif op.kind == "submit":
                if purposes[op.body["purpose"]] != 1:
                    where = "duplicated" if purposes[op.body["purpose"]] > 1 else "lost"
                    getattr(tally, where).append(
                        f"{op.key}: {purposes[op.body['purpose']]} requests"
                    )
            elif op.kind == "approve" and ids[f"{op.subject}-commitment"] != 1:
                tally.lost.append(f"{op.key}: commitment of {op.subject} not in the book")
            elif op.kind == "pay" and ids[f"{op.subject}-payment"] != 1:
                tally.lost.append(f"{op.key}: payment of {op.subject} not in the book")


def sweep(rounds: int, seed: int) -> tuple[Tally, dict[str, Any]]:
    rng = random.Random(seed)
    base = Path(tempfile.mkdtemp(prefix="fundbook-kill-sweep-"))
    home = small_book(base / "home", {FUND: Decimal("100000.00")})
    url = f"sqlite:///{home / 'fundbook.db'}"
    tokens = {
        "committee": token(home, url, "committee", "ST01C01", "居委会"),
        "party": token(home, url, "community_party", "ST01C01", "党委"),
        "street": token(home, url, "street", "ST01", "街道"),
        "foundation": token(home, url, "foundation", None, "秘书处"),
        "accountant": token(home, url, "accountant", None, "会计"),
    }
    started = time.monotonic()
    server = fork_server(home, url)
    waiting, approved = _setup(server.url, tokens, rounds)
    setup_s = time.monotonic() - started
    tally = Tally()
    every: list[Op] = []
    delays: list[float] = []
    started = time.monotonic()
    for number in range(rounds):
        ops = _round_ops(number, waiting, approved)
        every += ops

        def send(op: Op, server_url: str = server.url) -> None:
            with contextlib.suppress(httpx.HTTPError):
                op.first = _post(server_url, tokens, op, timeout=30)

        threads = [threading.Thread(target=send, args=(op,)) for op in ops]
        for thread in threads:
            thread.start()
        delay = rng.uniform(0.0, 1.2)
        delays.append(delay)
        time.sleep(delay)
        server.kill()
        for thread in threads:
            thread.join()
        tally.rounds += 1
        tally.ops += len(ops)
        tally.answered_before_kill += sum(1 for op in ops if op.first is not None)
        server = fork_server(home, url)
        retries = [threading.Thread(target=_retry, args=(server.url, tokens, op)) for op in ops]
        for thread in retries:
            thread.start()
        for thread in retries:
            thread.join()
        if (number + 1) % 10 == 0:
            print(f"  {number + 1} kill points, {time.monotonic() - started:.0f} s", flush=True)
    sweep_s = time.monotonic() - started
    _verify(home, server.url, tokens, every, tally)
    server.kill()
    os.environ.pop("FUNDBOOK_DATABASE_URL", None)
    check = subprocess.run(
        [sys.executable, "-m", "fundbook_cli.main", "check", str(home)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    year = today_local().year
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "fundbook_cli.main",
            "report",
            "integrity",
            str(home),
            "--from",
            f"{year}-01-01",
            "--to",
            f"{year}-12-31",
            "--format",
            "json",
            "--out",
            str(base / "integrity.json"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    repairs = Counter(r.action for r in torn.repairs(Layout(home)))
    figures = {
        "setup_s": setup_s,
        "sweep_s": sweep_s,
        "delay_max": max(delays),
        "check": check.returncode,
        "check_text": (check.stdout + check.stderr).strip().splitlines()[-1:],
        "integrity": report.returncode,
        "integrity_text": report.stderr.strip(),
        "repairs": dict(repairs),
        "retries": sum(op.retries for op in every),
        "entries": sum(_journal_ids(home).values()),
    }
    shutil.rmtree(base, ignore_errors=True)
    return tally, figures


def _markdown(tally: Tally, figures: dict[str, Any], command: str) -> str:
    today = datetime.date.today().isoformat()
    lines = [
        SECTION,
        "",
        *INTRO.splitlines(),
        "",
        f"`{command}` ({today}, {os.cpu_count()} cores shared with other work, SQLite,",
        "one uvicorn worker forked per start):",
        "",
        "| tried (kill points) | operations | answered before the kill | lost | duplicated | stuck |",
        "|---|---|---|---|---|---|",
        f"| {tally.rounds} | {tally.ops} | {tally.answered_before_kill} | {len(tally.lost)} | "
        f"{len(tally.duplicated)} | {len(tally.stuck)} |",
        "",
        f"- kill delays uniform in 0-{figures['delay_max']:.2f} s after the batch was sent; "
        f"{figures['retries']} retries in all; sweep {figures['sweep_s']:.0f} s "
        f"(setup {figures['setup_s']:.0f} s);",
        f"- torn tails the writer repaired on restart: {figures['repairs'] or 'none'};",
        f"- the final book: {figures['entries']} journal entries; `fundbook check` exit "
        f"{figures['check']}, `fundbook report integrity` exit {figures['integrity']}.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    command = f"python bench/kill_sweep.py --rounds {args.rounds} --seed {args.seed}"
    tally, figures = sweep(args.rounds, args.seed)
    print(
        f"tried {tally.rounds}, operations {tally.ops} (answered before the kill "
        f"{tally.answered_before_kill}): lost {len(tally.lost)}, duplicated "
        f"{len(tally.duplicated)}, stuck {len(tally.stuck)}"
    )
    for name in ("lost", "duplicated", "stuck"):
        for line in getattr(tally, name)[:10]:
            print(f"  {name}: {line}")
    print(f"check exit {figures['check']} {figures['check_text']}")
    print(f"integrity exit {figures['integrity']} {figures['integrity_text']}")
    print(f"repairs {figures['repairs']}, retries {figures['retries']}")
    if not args.no_write:
        path = ROOT / "docs" / "RELIABILITY.md"
        text = path.read_text(encoding="utf-8") if path.exists() else "# Reliability\n"
        block = _markdown(tally, figures, command)
        if SECTION in text:
            before, rest = text.split(SECTION, 1)
            after = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
            text = before + block + ("\n" + after if after else "")
        else:
            text = text.rstrip("\n") + "\n\n" + block
        path.write_text(text, encoding="utf-8")
    bad = tally.lost or tally.duplicated or tally.stuck or figures["check"] or figures["integrity"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
