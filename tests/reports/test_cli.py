"""`fundbook report` as a person runs it: a process, a file written, refusals with exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reports.smallbook import make_home


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_home(tmp_path_factory.mktemp("cli") / "home")


def fundbook(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fundbook_cli.main", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env=None if env is None else {**os.environ, **env},
    )


def test_report_writes_the_file(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "funds.json"
    done = fundbook(
        "report",
        "funds",
        str(home),
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--format",
        "json",
        "--lang",
        "en",
        "--out",
        str(out),
        "--fund",
        "GP",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    (gp,) = report["sections"][0]["data"]["funds"]
    assert (gp["code"], gp["closing"], gp["transfers_out"]) == ("GP", "30000.00", "20000.00")


def test_audit_pack_pdf(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    done = fundbook(
        "report",
        "audit-pack",
        str(home),
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--format",
        "pdf",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")


def test_refusals_exit_2(home: Path, tmp_path: Path) -> None:
    done = fundbook("report", "funds", str(home), "--fund", "NOPE", "--format", "json")
    assert done.returncode == 2 and "NOPE" in done.stderr
    done = fundbook("report", "funds", str(tmp_path / "nothing"), "--format", "json")
    assert done.returncode == 2 and "no book" in done.stderr
    done = fundbook("report", "funds", str(home), "--from", "2025-01-01", "--to", "2024-01-01")
    assert done.returncode == 2 and "before it begins" in done.stderr


def test_the_workflow_database_of_the_environment(home: Path, tmp_path: Path) -> None:
    """As the API and Fava do, the report reads FUNDBOOK_DATABASE_URL when --database is absent."""
    from store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    upgrade(url)
    out = tmp_path / "integrity.json"
    done = fundbook(
        "report",
        "integrity",
        str(home),
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--format",
        "json",
        "--out",
        str(out),
        env={"FUNDBOOK_DATABASE_URL": url},
    )
    data = json.loads(out.read_text(encoding="utf-8"))["sections"][0]["data"]
    assert data["database_checked"] is True
    # An empty database knows none of the book's requests: each is a finding, and the exit says so.
    kinds = [m["kind"] for m in data["mismatches"]]
    assert kinds and set(kinds) == {"missing_in_database"}
    assert done.returncode == 1 and f"{len(kinds)} integrity finding" in done.stderr
