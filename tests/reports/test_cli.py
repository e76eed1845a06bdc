"""`fundbook report` as a person runs it: a process, a file written, refusals with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reports.smallbook import make_home


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_home(tmp_path_factory.mktemp("cli") / "home")


def fundbook(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fundbook_cli.main", *args],
                          check=False, capture_output=True, text=True, timeout=300)


def test_report_writes_the_file(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "funds.json"
    done = fundbook("report", "funds", str(home), "--from", "2024-01-01", "--to", "2024-12-31",
                    "--format", "json", "--lang", "en", "--out", str(out), "--fund", "GP")
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    (gp,) = report["sections"][0]["data"]["funds"]
    assert (gp["code"], gp["closing"], gp["transfers_out"]) == ("GP", "30000.00", "20000.00")


def test_audit_pack_pdf(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "pack.pdf"
    done = fundbook("report", "audit-pack", str(home), "--from", "2024-01-01", "--to",
                    "2024-12-31", "--format", "pdf", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")


def test_refusals_exit_2(home: Path, tmp_path: Path) -> None:
    done = fundbook("report", "funds", str(home), "--fund", "NOPE", "--format", "json")
    assert done.returncode == 2 and "NOPE" in done.stderr
    done = fundbook("report", "funds", str(tmp_path / "nothing"), "--format", "json")
    assert done.returncode == 2 and "no book" in done.stderr
    done = fundbook("report", "funds", str(home), "--from", "2025-01-01", "--to", "2024-01-01")
    assert done.returncode == 2 and "before it begins" in done.stderr
