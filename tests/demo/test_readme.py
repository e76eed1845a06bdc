"""The README's commands as written, from a fresh copy of the repository.

`bash scripts/dev demo` runs in a temporary copy of the repository with its
relative HOME `demo-home`, exactly as the README says. The copy reuses this
suite's venv (a symlink: `scripts/dev setup` sees it is already installed and
installs nothing) and takes its ports from FUNDBOOK_API_PORT and
FUNDBOOK_FAVA_PORT, so it never clashes with another server. Every Fava page,
the JSON behind Fava's client-side pages, the desk and the API's docs must
answer without a server error; then the demo is stopped as a person stops it
(Ctrl-C) and must leave no process behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fava.servers import fava_base, free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# Not part of a fresh clone.
_NOT_CLONED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "demo-home",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
)
FAVA_PAGES = (
    "income_statement",
    "balance_sheet",
    "trial_balance",
    "journal",
    "query",
    "holdings",
    "commodities",
    "documents",
    "events",
    "statistics",
    "editor",
    "errors",
    "import",
    "options",
    "help",
    "extension/FundbookDesk",
)
FAVA_DATA = (
    "income_statement",
    "balance_sheet",
    "trial_balance",
    "journal_page?page=1&order=desc",
    "commodities",
    "documents",
    "events",
    "statistics",
    "imports",
    "options",
    "errors",
    "source",
    "query?query_string=" + urllib.parse.quote("SELECT account, sum(position) GROUP BY account"),
    "account_report?a=Assets",
)


def _status(url: str, timeout: float = 120.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _wait(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            _status(url, timeout=5)
            return
        except (urllib.error.URLError, OSError):
            pass
        if process.poll() is not None:
            raise RuntimeError(f"the demo exited: {log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A copy of the repository as a clone has it, with this suite's venv linked in."""
    stamp = Path(sys.prefix) / ".fundbook-installed"
    want = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    # Otherwise `scripts/dev setup` would reinstall into the linked venv, pointing
    # it at the copy: the suite's venv must be set up by `scripts/dev setup`.
    assert stamp.is_file() and stamp.read_text().strip() == want, "run bash scripts/dev setup"
    copy = tmp_path / "fundbook"
    shutil.copytree(REPO, copy, ignore=_NOT_CLONED)
    (copy / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return copy


@pytest.fixture
def demo(clone: Path) -> Iterator[tuple[str, str, subprocess.Popen[bytes], Path]]:
    api_port, fava_port = free_port(), free_port()
    log = clone.parent / "demo.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("FUNDBOOK_DATABASE_URL", "VIRTUAL_ENV")
    }
    env |= {"FUNDBOOK_API_PORT": str(api_port), "FUNDBOOK_FAVA_PORT": str(fava_port)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", "scripts/dev", "demo"],  # the README's command, as written
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            api, fava = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{fava_port}"
            _wait(f"{api}/healthz", process, log)
            _wait(f"{fava}/", process, log)
            yield api, fava_base(fava_port), process, log
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_readme_demo_command_serves_every_page_without_an_error(demo, clone) -> None:
    api, fava, process, log = demo
    assert (clone / "demo-home" / "book" / "main.beancount").is_file()
    statuses = {page: _status(f"{fava}/{page}/") for page in FAVA_PAGES}
    statuses |= {f"api/{path}": _status(f"{fava}/api/{path}") for path in FAVA_DATA}
    statuses |= {path: _status(f"{api}{path}") for path in ("/docs", "/openapi.json", "/healthz")}
    failed = {page: status for page, status in statuses.items() if status != 200}
    assert not failed, f"{failed}\n{log.read_text(errors='replace')[-3000:]}"
    # The book loads without an error in Fava, and the desk shows its funds.
    with urllib.request.urlopen(f"{fava}/api/errors", timeout=60) as response:
        assert json.loads(response.read())["data"] == []
    with urllib.request.urlopen(f"{fava}/extension/FundbookDesk/", timeout=60) as response:
        assert 'data-fund="MF-ST01C01"' in response.read().decode()

    # Ctrl-C stops the API and Fava, and nothing the command started is left.
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=30) == 0
    deadline = time.monotonic() + 15
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _group_alive(process.pid)
