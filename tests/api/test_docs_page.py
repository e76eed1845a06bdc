"""`/docs` and `/redoc` work without internet: headless Chromium with every outside host blocked.

Chromium resolves no host name at all (`--host-resolver-rules`), so a page
that needs a CDN stays blank; the server is reached by its IP address.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.api.serving import Server, serving, small_book, token

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
NO_NETWORK = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def chromium(url: str, *extra: str, budget_ms: int = 15000) -> subprocess.CompletedProcess[str]:
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        return subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--host-resolver-rules={NO_NETWORK}",
                f"--user-data-dir={profile}",
                f"--virtual-time-budget={budget_ms}",
                *extra,
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = small_book(tmp_path_factory.mktemp("docs") / "home", {"MF-ST01C01": Decimal("100.00")})
    url = f"sqlite:///{home}/fundbook.db"
    token(home, url, "admin")
    with serving(home, url) as running:
        yield running


def test_the_docs_pages_load_nothing_from_outside(server: Server) -> None:
    for page in ("/docs", "/redoc"):
        html = httpx.get(server.url + page).text
        links = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert links, page
        assert all(link.startswith("/docs/assets/") for link in links), (page, links)
        for link in links:
            assert httpx.get(server.url + link).status_code == 200, link


def test_swagger_renders_offline_with_an_authorize_button(server: Server) -> None:
    dom = chromium(f"{server.url}/docs", "--dump-dom").stdout
    assert 'class="btn authorize' in dom
    assert "Fundbook API" in dom
    assert "/v1/disbursements" in dom


def test_redoc_renders_offline(server: Server) -> None:
    dom = chromium(f"{server.url}/redoc", "--dump-dom").stdout
    assert "/v1/disbursements" in dom
    assert "bearerAuth" in dom


def test_a_screenshot_of_the_docs_has_visible_content(server: Server, tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    shot = tmp_path / "docs.png"
    chromium(f"{server.url}/docs", f"--screenshot={shot}", "--window-size=1280,1400")
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 1400)
    assert ImageStat.Stat(image).stddev[0] > 20
