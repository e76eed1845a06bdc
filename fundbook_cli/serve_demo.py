"""`fundbook demo HOME` after the build: tokens for every demo role, then the API and Fava.

Creates (or migrates) the workflow database, creates one token per demo role
and prints them, then serves the API (http://127.0.0.1:8000) and Fava
(http://127.0.0.1:5000) side by side until Ctrl-C (FUNDBOOK_API_PORT and
FUNDBOOK_FAVA_PORT choose other ports).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fundbook_cli.cmd_api import create_token, database_url, registry_of
from funds.model import FundKind, OrgKind


def _port(variable: str, default: int) -> int:
    """A port from the environment, read when serving (never at import time)."""
    return int(os.environ.get(variable, str(default)))


def demo_roles(home: Path) -> list[tuple[str, str | None, str]]:
    """(role, org, person) for each demo role, on the first community with a micro-fund."""
    registry = registry_of(home)
    micro = sorted(fund.org for fund in registry.funds_of_kind(FundKind.MICRO))
    community = (
        micro[0] if micro else sorted(o.code for o in registry.of_kind(OrgKind.COMMUNITY))[0]
    )
    street = registry.street_of(community)
    departments = sorted(org.code for org in registry.of_kind(OrgKind.DEPARTMENT))
    roles: list[tuple[str, str | None, str]] = [
        ("committee", community, "王芳"),
        ("community_party", community, "李强"),
        ("street", street, "陈刚"),
        ("district", None, "刘洋"),
        ("foundation", None, "赵敏"),
        ("accountant", None, "孙丽"),
    ]
    if departments:
        roles.append(("department", departments[0], "周杰"))
    roles += [("auditor", None, "吴静"), ("admin", None, "郑伟")]
    return roles


def create_demo_tokens(home: Path) -> list[tuple[str, str | None, str, str]]:
    url = database_url(home, None)
    return [
        (role, org, name, create_token(home, role=role, org=org, name=name, url=url))
        for role, org, name in demo_roles(home)
    ]


def serve_demo(home: Path) -> int:
    api_port, fava_port = _port("FUNDBOOK_API_PORT", 8000), _port("FUNDBOOK_FAVA_PORT", 5000)
    tokens = create_demo_tokens(home)
    print("API tokens of the demo roles (shown once; only their hashes are stored):")
    for role, org, name, token in tokens:
        print(f"  {role:16} {org or '':8} {name}  {token}")
    api = f"http://127.0.0.1:{api_port}"
    print(f"API:  {api}/docs   e.g. curl -H 'Authorization: Bearer <token>' {api}/v1/funds")
    print(f"Fava: http://127.0.0.1:{fava_port}/   (Ctrl-C stops both)", flush=True)
    command = [sys.executable, "-m", "fundbook_cli.main"]
    processes = [
        subprocess.Popen([*command, "serve", str(home), "--port", str(api_port)]),
        subprocess.Popen([*command, "fava", str(home), "--port", str(fava_port)]),
    ]
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        return max(process.poll() or 0 for process in processes)
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
