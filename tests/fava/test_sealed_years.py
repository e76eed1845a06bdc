"""`fundbook fava HOME` serves the live book and, in Fava's ledger switcher, each sealed year."""

from __future__ import annotations

from pathlib import Path

from fava_fundbook.server import make_app
from tests.ledger.test_seal import sealed_district


def test_fava_switches_between_the_live_book_and_each_sealed_year(tmp_path: Path) -> None:
    home = sealed_district(tmp_path / "home")
    app = make_app(home, language="zh")
    client = app.test_client()
    assert client.get("/").status_code == 302
    ledgers = app.config["LEDGERS"]
    titles = [ledger.options["title"] for ledger in ledgers.ledgers]
    assert titles == ["Test district", "Test district 2025年度", "Test district 2024年度"]
    files = [
        Path(ledger.beancount_file_path).relative_to(home / "book") for ledger in ledgers.ledgers
    ]
    assert files == [
        Path("main.beancount"),
        Path("years/2025/main.beancount"),
        Path("years/2024/main.beancount"),
    ]
    for slug, ledger in ledgers.items():
        page = client.get(f"/{slug}/balance_sheet/")
        assert page.status_code == 200, slug
        assert ledger.errors == [], slug
