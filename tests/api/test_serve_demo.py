"""`fundbook demo HOME` on a built demo: prints a working token per role, serves API and Fava,
and stops both on Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.serving import ROOT, free_port

pytestmark = pytest.mark.slow

ROLES = (
    "committee",
    "community_party",
    "street",
    "district",
    "foundation",
    "accountant",
    "department",
    "auditor",
    "admin",
)


def test_demo_serves_the_api_and_fava_with_a_token_per_role(demo_copy: Path) -> None:
    api_port, fava_port = free_port(), free_port()
    out = demo_copy / "demo.out"
    process = subprocess.Popen(
        [sys.executable, "-m", "fundbook_cli.main", "demo", str(demo_copy)],
        cwd=ROOT,
        stdout=out.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={
            **os.environ,
            "FUNDBOOK_API_PORT": str(api_port),
            "FUNDBOOK_FAVA_PORT": str(fava_port),
        },
    )
    try:
        deadline = time.monotonic() + 120
        api_up = fava_up = False
        while time.monotonic() < deadline and not (api_up and fava_up):
            assert process.poll() is None, out.read_text()[-3000:]
            try:
                api_up = (
                    api_up
                    or httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=2).status_code
                    == 200
                )
                fava_up = fava_up or httpx.get(
                    f"http://127.0.0.1:{fava_port}/", timeout=30
                ).status_code in (200, 302)
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert api_up and fava_up, out.read_text()[-3000:]
        printed = dict(re.findall(r"^\s+(\w+)\s.*?(fbk_\S+)$", out.read_text(), re.MULTILINE))
        assert set(printed) == set(ROLES)
        for role, token in printed.items():
            me = httpx.get(
                f"http://127.0.0.1:{api_port}/v1/me",
                timeout=30,
                headers={"Authorization": f"Bearer {token}"},
            )
            assert me.status_code == 200 and me.json()["role"] == role
        # the demo's history exists only in the book, and reads through the same endpoint
        history = httpx.get(
            f"http://127.0.0.1:{api_port}/v1/disbursements/R004000",
            timeout=30,
            headers={"Authorization": f"Bearer {printed['auditor']}"},
        )
        assert history.status_code == 200, history.text
        shown = history.json()
        assert shown["origin"] == "book" and shown["status"] in ("paid", "voided", "approved")
        assert shown["steps"] and all(step["decision"] == "approve" for step in shown["steps"])
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
