"""Screenshots of the accountants' desk in Chinese, for docs/: the desk, Fava's import page
and the bank reconciliation, taken in headless Chromium on a fresh demo district.

    .venv/bin/python scripts/screenshots.py [OUT_DIR]     # default: docs/

Builds the demo in a temporary HOME, takes one request through its approval
chain through the API so the payment queue has a row, puts a GBK statement of
the basic account into imports/, logs in as the accountant (孙丽) and writes
desk.png, import.png and reconciliation.png. Stops every server it started.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


def _call(url: str, token: str, body: object) -> dict[str, object]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    assert isinstance(answer, dict)
    return answer


def _statement(home: Path) -> Path:
    """A GBK statement of the basic account for today, continuing the book's balance."""
    from beancount import loader

    from fava_fundbook.figures import compute_desk

    entries, _, _ = loader._uncached_load_file(  # type: ignore[attr-defined]
        str(home / "book" / "main.beancount"), None, None, None
    )
    today = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    icbc = next(b for b in compute_desk(entries, today).banks if b.key == "ICBC")
    balance = icbc.book_balance
    rows = []
    for narration, income, expense, payee, account, serial in (
        ("结息", "35.20", "", "工商银行成都武侯支行", "", "ICBC-SHOT-1"),
        ("手续费", "", "5.00", "工商银行成都武侯支行", "", "ICBC-SHOT-2"),
        ("个人捐赠", "5,000.00", "", "高文", "", "ICBC-SHOT-3"),
        ("个人捐赠", "200.00", "", "严刚", "6222000011117777", "ICBC-SHOT-4"),
    ):
        balance += _decimal(income) - _decimal(expense)
        rows.append(
            [
                today.isoformat(),
                narration,
                income,
                expense,
                f"{balance:.2f}",
                payee,
                account,
                serial,
            ]
        )
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [
            [
                "交易日期",
                "摘要",
                "收入金额",
                "支出金额",
                "余额",
                "对方户名",
                "对方账号",
                "交易流水号",
            ],
            *rows,
        ]
    )
    head = (
        "中国工商银行 账户明细查询\n"
        f"账号：{icbc.number},户名：成都市武侯区社区发展基金会\n"
        f"起止日期：{today} 至 {today},币种：人民币\n"
    )
    path = home / "imports" / f"icbc-{today}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((head + out.getvalue()).encode("gbk"))
    return path


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "")) if text else Decimal("0")


def main(out_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    from fundbook_cli.cmd_api import create_token

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fundbook-shots-") as tmp:
        home = Path(tmp) / "home"
        subprocess.run([str(BIN / "fundbook"), "demo", str(home), "--no-serve"], check=True)
        people = {
            "committee": ("ST01C01", "王芳"),
            "community_party": ("ST01C01", "李强"),
            "street": ("ST01", "陈刚"),
            "foundation": (None, "赵敏"),
            "accountant": (None, "孙丽"),
        }
        tokens = {
            role: create_token(home, role=role, org=org, name=name)
            for role, (org, name) in people.items()
        }
        api_port, fava_port = _free_port(), _free_port()
        api = f"http://127.0.0.1:{api_port}"
        servers = [
            subprocess.Popen(
                [str(BIN / "fundbook"), "serve", str(home), "--port", str(api_port)],
                start_new_session=True,
            )
        ]
        try:
            _wait(f"{api}/healthz")
            for amount, payee, purpose in (
                ("1260.00", "玉林社区老年协会", "重阳节敬老活动"),
                ("3480.50", "玉林社区志愿者服务队", "社区环境整治"),
            ):
                request = _call(
                    f"{api}/v1/disbursements",
                    tokens["committee"],
                    {"fund": "MF-ST01C01", "amount": amount, "payee": payee, "purpose": purpose},
                )
                while request["next_step"] is not None:
                    step = request["next_step"]
                    assert isinstance(step, dict)
                    request = _call(
                        f"{api}/v1/disbursements/{request['id']}/decisions",
                        tokens[str(step["role"])],
                        {"decision": "approve", "comment": "同意"},
                    )
            statement = _statement(home)
            servers.append(
                subprocess.Popen(
                    [str(BIN / "fundbook"), "fava", str(home), "--port", str(fava_port)],
                    start_new_session=True,
                )
            )
            _wait(f"http://127.0.0.1:{fava_port}/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
                page.set_default_timeout(180_000)
                page.goto(f"http://127.0.0.1:{fava_port}/")
                base = page.url.split("/income_statement")[0]
                page.goto(f"{base}/extension/FundbookDesk/login")
                page.fill("input[name=token]", tokens["accountant"])
                page.click("form.fundbook-login button[type=submit]")
                page.wait_for_selector("[data-person]")
                page.wait_for_timeout(1000)
                page.screenshot(path=str(out_dir / "desk.png"))
                page.goto(f"{base}/extension/FundbookDesk/?bank=ICBC#reconcile")
                page.wait_for_selector("table.fundbook-statement")
                page.locator("section.fundbook-reconciliation").screenshot(
                    path=str(out_dir / "reconciliation.png")
                )
                page.goto(f"{base}/import/")
                page.wait_for_selector(f"text={statement.name}")
                page.locator("button", has_text="导出").first.click()  # Fava's 导出: extract
                page.wait_for_timeout(10_000)
                page.wait_for_timeout(500)
                page.screenshot(path=str(out_dir / "import.png"))
                browser.close()
        finally:
            for server in servers:
                if server.poll() is None:
                    os.killpg(server.pid, signal.SIGTERM)
            for server in servers:
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs")
