"""The demo district's book, loaded once per test process for the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.book import BookView, load_book


@pytest.fixture(scope="session")
def demo_view(demo_home: Path) -> BookView:
    return load_book(demo_home)
