"""Acting from the desk, in headless Chromium: log in with a token, pay, record money received.

A copy of the demo district, the real API (`fundbook serve`) taking a request
through its approval chain, and Fava (`fundbook fava --login`) on the same
HOME. The accountant 孙丽 logs in once with her token, pays the approved
request from the payment queue and records a donation; the book then holds
the payment with `paid_by: "孙丽"` and the donation with `recorded_by`. A
committee member logged in at the desk is refused the payment by the API's
own rule, and a form sent twice pays once.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest

from tests.conftest import copy_home
from tests.fava.servers import BIN, fava_base, free_port, fundbook_fava, running

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ACCOUNTANT = "孙丽"


@dataclass(frozen=True)
class Desk:
    home: Path
    api: str
    fava: str
    tokens: dict[str, str]
    approved: str


def _call(url: str, *, token: str, body: object | None = None) -> dict[str, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="GET" if body is None else "POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    assert isinstance(answer, dict)
    return answer


@pytest.fixture(scope="module")
def desk(demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    from fundbook_cli.cmd_api import create_token

    home = copy_home(demo_home, tmp_path_factory.mktemp("acting") / "home")
    people = {
        "accountant": (None, ACCOUNTANT),
        "committee": ("ST01C01", "王芳"),
        "community_party": ("ST01C01", "李强"),
        "street": ("ST01", "陈刚"),
        "foundation": (None, "赵敏"),
    }
    tokens = {
        role: create_token(home, role=role, org=org, name=name)
        for role, (org, name) in people.items()
    }
    api_port, fava_port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    with running(
        [str(BIN / "fundbook"), "serve", str(home), "--port", str(api_port)],
        ready_url=f"{api}/healthz",
        log=home.parent / "api.log",
    ):
        request = _call(
            f"{api}/v1/disbursements",
            token=tokens["committee"],
            body={
                "fund": "MF-ST01C01",
                "amount": "1260.00",
                "payee": "玉林社区老年协会",
                "purpose": "重阳节敬老活动",
            },
        )
        code = str(request["id"])
        while request["next_step"] is not None:
            step = request["next_step"]
            assert isinstance(step, dict)
            request = _call(
                f"{api}/v1/disbursements/{code}/decisions",
                token=tokens[str(step["role"])],
                body={"decision": "approve", "comment": "同意"},
            )
        assert request["status"] == "approved"
        with running(
            fundbook_fava(home, fava_port, "--login"),
            ready_url=f"http://127.0.0.1:{fava_port}/",
            log=home.parent / "fava.log",
        ):
            yield Desk(home, api, fava_base(fava_port), tokens, code)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _log_in(browser, desk: Desk, role: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.goto(f"{desk.fava}/extension/FundbookDesk/")
    # Every page needs the login (--login): the desk sends the browser to it.
    assert "/extension/FundbookDesk/login" in page.url
    page.fill("input[name=token]", desk.tokens[role])
    page.click("form.fundbook-login button[type=submit]")
    page.wait_for_selector("[data-person]")
    return context, page


def _book_entries(home: Path) -> list[object]:
    from beancount import loader

    entries, errors, _ = loader._uncached_load_file(  # type: ignore[attr-defined]
        str(home / "book" / "main.beancount"), None, None, None
    )
    assert errors == []
    return list(entries)


def test_fava_pages_need_the_login_and_a_wrong_token_is_refused(desk, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{desk.fava}/income_statement/")
    assert "/extension/FundbookDesk/login" in page.url
    page.fill("input[name=token]", "fbk_not-a-token")
    page.click("form.fundbook-login button[type=submit]")
    assert "令牌无效或已撤销" in page.inner_text("body")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{desk.fava}/api/errors", timeout=60)
    assert refused.value.code == 401
    context.close()


def test_a_committee_member_at_the_desk_cannot_pay(desk, browser) -> None:
    context, page = _log_in(browser, desk, "committee")
    try:
        assert page.inner_text("[data-person]") == "王芳"
        assert "社区居委会" in page.inner_text("div.who")
        # The desk offers no pay form to a committee; the route refuses one sent anyway.
        assert page.locator("form.fundbook-pay").count() == 0
        # The session cookie is HttpOnly: no script on the page can read it.
        assert "fundbook_desk" not in page.evaluate("document.cookie")
        form = {"request": desk.approved, "paid_on": "2026-01-05", "bank_reference": "X1"}
        url = f"{desk.fava}/extension/FundbookDesk/pay"
        # Without the form's CSRF field nothing is done.
        answer = context.request.post(url, form=form, max_redirects=0, timeout=180_000)
        assert answer.status == 303 and "error=csrf" in answer.headers["location"]
        csrf = page.locator("div.who input[name=csrf]").input_value()
        answer = context.request.post(
            url, form={**form, "csrf": csrf}, max_redirects=0, timeout=180_000
        )
        assert answer.status == 303 and "error=forbidden" in answer.headers["location"]
        page.goto(urljoin(desk.fava, answer.headers["location"]))
        assert "您的角色无权执行此操作" in page.inner_text("p.failed")
    finally:
        context.close()
    status = _call(f"{desk.api}/v1/disbursements/{desk.approved}", token=desk.tokens["accountant"])
    assert status["status"] == "approved"


def test_the_accountant_pays_from_the_desk_and_the_book_names_her(desk, browser) -> None:
    context, page = _log_in(browser, desk, "accountant")
    try:
        assert page.inner_text("[data-person]") == ACCOUNTANT
        assert "会计" in page.inner_text("div.who")
        row = page.locator(f'tr[data-request="{desk.approved}"]')
        form = row.locator("form.fundbook-pay")
        form.locator("input[name=bank_reference]").fill("ICBC-DESK-0001")
        fields = {
            name: form.locator(f"input[name={name}]").input_value()
            for name in ("csrf", "request", "key", "paid_on", "bank_reference")
        }
        form.locator("button[type=submit]").click()
        page.wait_for_selector('[data-done="pay"]')
        assert desk.approved in page.inner_text('[data-done="pay"]')
        assert page.locator(f'tr[data-request="{desk.approved}"]').count() == 0

        # The same form sent again (a reload, a second click) answers the first result.
        again = context.request.post(
            f"{desk.fava}/extension/FundbookDesk/pay", form=fields, max_redirects=0, timeout=180_000
        )
        assert again.status == 303 and "done=pay" in again.headers["location"]

        # Money received, recorded from the desk.
        contribution = page.locator("form.fundbook-contribution")
        contribution.locator("select[name=fund]").select_option("MF-ST01C01")
        contribution.locator("input[name=amount]").fill("3000.00")
        contribution.locator("select[name=source_kind]").select_option("donor")
        contribution.locator("input[name=source_name]").fill("玉林街道热心居民")
        contribution.locator("input[name=receipt_no]").fill("JZ2026-0099")
        contribution.locator("button[type=submit]").click()
        page.wait_for_selector('[data-done="contribution"]')
    finally:
        context.close()

    paid = _call(f"{desk.api}/v1/disbursements/{desk.approved}", token=desk.tokens["accountant"])
    assert paid["status"] == "paid"
    entries = _book_entries(desk.home)
    payments = [
        e for e in entries if getattr(e, "meta", {}).get("fb_id") == f"{desk.approved}-payment"
    ]
    assert len(payments) == 1
    payment = payments[0]
    assert payment.meta["paid_by"] == ACCOUNTANT
    assert payment.meta["bank_reference"] == "ICBC-DESK-0001"
    bank = [p for p in payment.postings if p.account.startswith("Assets:Bank")]
    assert [str(p.units.number) for p in bank] == ["-1260.00"]
    donations = [
        e
        for e in entries
        if getattr(e, "meta", {}).get("receipt_no") == "JZ2026-0099"
        or "JZ2026-0099" in str(getattr(e, "meta", {}))
    ]
    assert len(donations) == 1
    assert donations[0].meta["recorded_by"] == ACCOUNTANT
    assert sum(p.units.number for p in donations[0].postings if p.units.number > 0) == 3000
    journal = (desk.home / "book" / "fundbook").glob("*.beancount")
    assert any(re.search(r'paid_by: "孙丽"', path.read_text()) for path in journal)
