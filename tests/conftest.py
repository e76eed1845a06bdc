"""Fixtures shared by the whole suite: a built demo district and fresh databases.

The demo district is built once per test run (all xdist workers share it under
a file lock) and must be treated as read-only; tests that change a book copy it
first with `copy_home`. Its directory is named by a hash of the code that builds
it, so a checkout with another builder never reuses a demo built by this one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "FUNDBOOK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _builder_digest() -> str:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for package in ("funds", "ledger", "fundbook_cli"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A HOME with the Wuhou demo district's book (built once, shared, read-only)."""
    from fundbook_cli.demo_district import build_demo

    # Keyed by the code that builds it: a demo built by other code (an earlier
    # run, another checkout) is never taken for this code's.
    shared = tmp_path_factory.getbasetemp().parent / f"fundbook-demo-{_builder_digest()}"
    shared.mkdir(parents=True, exist_ok=True)
    home = shared / "home"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "built").exists():
            if home.exists():
                shutil.rmtree(home)
            build_demo(home)
            (shared / "built").touch()
    return home


def copy_home(source: Path, target: Path) -> Path:
    """A private, writable copy of a HOME (without its database).

    Beancount's pickle cache is left behind too: it records the absolute paths
    of the files it was made from, so a copied cache would answer for the
    original book even after the copy is edited.
    """
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.db", ".lock", "*.picklecache"))
    return target


@pytest.fixture
def demo_copy(demo_home: Path, tmp_path: Path) -> Path:
    """A private copy of the demo district that a test may change."""
    return copy_home(demo_home, tmp_path / "home")


def _fresh_postgres() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = f"fb_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database, dropped afterwards."""
    yield from _fresh_postgres()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database of each engine: the same tests run on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fundbook.db'}"
    else:
        yield from _fresh_postgres()
