"""The desk's close in a real Fava: the plan of 2025 (a dry run), then the button that books it.

The year is the one of `tests.reports.test_periods`, booked by hand in
`manual.beancount`. The accountant logs in at the desk with her token; the
close is refused while the bank is not reconciled at the year end, then
booked once with the bank allowed unreconciled. A committee member is refused.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ledger.book import BookSpec, create_book
from ledger.layout import Layout
from tests.fava.servers import fava_base, free_port, fundbook_fava, running
from tests.reports.smallbook import ICBC, OPENED, small_registry
from tests.reports.test_periods import YEAR

pytestmark = pytest.mark.slow


class Browser:
    """urllib with cookies: a person logged in at the desk."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def fetch(self, url: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(urllib.request.Request(url, data=data), timeout=60) as reply:
                return reply.status, reply.geturl(), reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, url, error.read().decode()


def _form(page: str) -> dict[str, str]:
    return dict(re.findall(r"name='(year|csrf|key)' value='([^']*)'", page))


def test_the_desk_plans_and_books_the_close(tmp_path: Path) -> None:
    from fundbook_cli.cmd_api import create_token

    home = tmp_path / "home"
    layout = Layout(home)
    create_book(
        layout,
        BookSpec(title="测试基金会", registry=small_registry(), banks=(ICBC,), opened=OPENED),
    )
    with layout.manual.open("a", encoding="utf-8") as manual:
        manual.write(YEAR)
    accountant = create_token(home, role="accountant", org=None, name="孙丽")
    committee = create_token(home, role="committee", org="ST01C01", name="王芳")
    port = free_port()
    with running(
        fundbook_fava(home, port, "--login"),
        ready_url=f"http://127.0.0.1:{port}/",
        log=tmp_path / "fava.log",
        env={"FUNDBOOK_DATABASE_URL": ""},
    ):
        desk = f"{fava_base(port)}/extension/FundbookDesk"
        anonymous = Browser()
        _, _, page = anonymous.fetch(f"{desk}/close?year=2025")
        assert "CLOSE-2025" not in page and 'name="token"' in page  # the login page

        person = Browser()
        person.fetch(f"{desk}/login", {"token": accountant})
        status, _, page = person.fetch(f"{desk}/close?year=2025")
        assert status == 200 and "CLOSE-2025-MF-ST01C01-release" in page
        assert "bank account Assets:Bank:ICBC" in page  # no assertion at the year end
        form = _form(page)
        assert form["year"] == "2025" and form["csrf"]
        _, where, _ = person.fetch(f"{desk}/close", form)
        assert "error=close_refused" in where and "Assets%3ABank%3AICBC" in where
        assert not layout.journal_for_year(2025).exists()

        _, _, page = person.fetch(f"{desk}/close?year=2025&allow=ICBC")
        form = _form(page)
        _, where, desk_page = person.fetch(f"{desk}/close", {**form, "allow": "ICBC"})
        assert "done=close" in where, where
        assert 'data-done="close"' in desk_page
        journal = layout.journal_for_year(2025).read_text(encoding="utf-8")
        assert 'fb_id: "CLOSE-2025-FDN"' in journal
        # The same form sent twice books once.
        person.fetch(f"{desk}/close", {**form, "allow": "ICBC"})
        assert layout.journal_for_year(2025).read_text(encoding="utf-8") == journal
        _, _, page = person.fetch(f"{desk}/close?year=2025")
        assert "already closed" in page

        member = Browser()
        member.fetch(f"{desk}/login", {"token": committee})
        _, _, page = member.fetch(f"{desk}/close?year=2024")
        _, where, _ = member.fetch(f"{desk}/close", _form(page))
        assert "error=forbidden" in where
        _, _, desk_page = person.fetch(f"{desk}/")
        assert "close?year=" in desk_page
