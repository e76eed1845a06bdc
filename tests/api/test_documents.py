"""Documents: a 请款函 uploaded to a request is stored by content, linked from the book,
shown on Fava's documents page and in the audit pack's disbursement register,
and `fundbook check` notices when the file goes missing or changes.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from fundbook_cli.main import main
from ledger.documents import SIZE_MAX
from tests.api.serving import small_book, token

FUND = "MF-ST01C01"


def _pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def district(tmp_path: Path):  # type: ignore[no-untyped-def]
    home = small_book(tmp_path / "home", {FUND: Decimal("5000.00")})
    url = f"sqlite:///{home / 'fundbook.db'}"
    people = {
        "committee": token(home, url, "committee", "ST01C01", "王芳"),
        "other_committee": token(home, url, "committee", "ST01C02", "张伟"),
        "community_party": token(home, url, "community_party", "ST01C01", "李强"),
        "street": token(home, url, "street", "ST01", "陈刚"),
        "foundation": token(home, url, "foundation", None, "赵敏"),
        "accountant": token(home, url, "accountant", None, "孙丽"),
    }
    with TestClient(create_app(Settings(home=home, database_url=url))) as client:
        yield home, client, people


def _as(people: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {people[role]}"}


def _check(home: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", str(home)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_request_letter_is_stored_linked_shown_and_checked(district, capsys) -> None:
    home, client, people = district
    request = client.post(
        "/v1/disbursements",
        json={"fund": FUND, "amount": "1200.00", "payee": "玉林社区老年协会", "purpose": "敬老"},
        headers=_as(people, "committee"),
    ).json()
    code = request["id"]
    letter = _pdf("qing kuan han R-letter")
    sha = hashlib.sha256(letter).hexdigest()

    uploaded = client.post(
        f"/v1/disbursements/{code}/documents",
        files={"file": ("请款函-玉林社区.pdf", letter, "application/pdf")},
        data={"kind": "请款函"},
        headers=_as(people, "committee"),
    )
    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    assert body["sha256"] == sha and body["media_type"] == "application/pdf"
    stored = home / "documents" / sha[:2] / f"{sha}.pdf"
    assert body["path"] == f"documents/{sha[:2]}/{sha}.pdf"
    assert stored.read_bytes() == letter

    # The same file again: nothing new is stored or linked.
    again = client.post(
        f"/v1/disbursements/{code}/documents",
        files={"file": ("copy.pdf", letter, "application/pdf")},
        headers=_as(people, "committee"),
    )
    assert again.status_code == 200 and again.json()["created"] is False
    linked = (home / "book" / "documents.beancount").read_text(encoding="utf-8")
    assert linked.count(f'sha256: "{sha}"') == 1
    assert f"^req-{code}" in linked and 'uploaded_by: "王芳"' in linked

    # Refused: a text file called .pdf, a file too large, another community's committee.
    fake = client.post(
        f"/v1/disbursements/{code}/documents",
        files={"file": ("letter.pdf", b"just text, not a PDF", "application/pdf")},
        headers=_as(people, "committee"),
    )
    assert fake.status_code == 422 and "PDF, JPEG or PNG" in fake.json()["detail"]
    big = client.post(
        f"/v1/disbursements/{code}/documents",
        files={"file": ("big.pdf", b"%PDF-" + b"0" * SIZE_MAX, "application/pdf")},
        headers=_as(people, "committee"),
    )
    assert big.status_code == 422
    foreign = client.post(
        f"/v1/disbursements/{code}/documents",
        files={"file": ("a.png", _png(), "image/png")},
        headers=_as(people, "other_committee"),
    )
    assert foreign.status_code == 404
    assert sorted(p.name for p in (home / "documents").rglob("*") if p.is_file()) == [f"{sha}.pdf"]

    # Approve and pay: the payment's register row lists the letter with its hash.
    step = request["next_step"]
    while step is not None:
        decided = client.post(
            f"/v1/disbursements/{code}/decisions",
            json={"decision": "approve", "comment": "同意"},
            headers=_as(people, step["role"]),
        ).json()
        step = decided["next_step"]
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    paid = client.post(
        f"/v1/disbursements/{code}/payment",
        json={"paid_on": today.isoformat(), "bank_reference": "ICBC-77"},
        headers=_as(people, "accountant"),
    )
    assert paid.status_code == 200, paid.text

    assert _check(home, capsys)[0] == 0

    out = home.parent / "pack.json"
    year = today.year
    assert (
        main(
            [
                "report",
                "audit-pack",
                str(home),
                "--from",
                f"{year}-01-01",
                "--to",
                f"{year}-12-31",
                "--format",
                "json",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    pack = out.read_text(encoding="utf-8")
    rows = [
        row
        for row in _register_rows(json.loads(pack))
        if code in json.dumps(row, ensure_ascii=False)
    ]
    assert len(rows) == 1
    assert f"sha256:{sha}" in json.dumps(rows[0], ensure_ascii=False)
    assert "请款函" in json.dumps(rows[0], ensure_ascii=False)

    # Fava's documents page lists it, on the fund's bank account.
    from fava_fundbook.server import make_app

    fava = make_app(home).test_client()
    slug = urlsplit(fava.get("/").headers["Location"]).path.strip("/").split("/")[0]
    assert fava.get(f"/{slug}/documents/").status_code == 200
    listed = fava.get(f"/{slug}/api/documents").get_json()["data"]
    assert [(d["account"], Path(d["filename"]).name) for d in listed] == [
        (f"Assets:Bank:ICBC:{FUND}", f"{sha}.pdf")
    ]
    assert f"req-{code}" in listed[0]["links"]

    # `fundbook check` finds a changed and a missing file.
    stored.chmod(0o644)
    stored.write_bytes(letter + b"%changed")
    code_changed, text = _check(home, capsys)
    assert code_changed != 0 and "changed" in text and sha in text
    stored.unlink()
    code_missing, text = _check(home, capsys)
    assert code_missing != 0 and "missing" in text


def _register_rows(pack: object) -> list[object]:
    """The rows of the disbursement register table, wherever the pack nests it."""
    found: list[object] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("key") == "disbursements" and "rows" in node:
                found.extend(node["rows"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(pack)
    return found


def test_documents_attach_to_contributions_too(district) -> None:
    home, client, people = district
    contribution = client.post(
        "/v1/contributions",
        json={
            "fund": FUND,
            "amount": "800.00",
            "source": {"kind": "donor", "name": "热心居民"},
            "received_on": datetime.date.today().isoformat(),
            "receipt_no": "JZ-1",
        },
        headers=_as(people, "accountant"),
    )
    assert contribution.status_code == 201, contribution.text
    cid = contribution.json()["id"]
    receipt = _png()
    answer = client.post(
        f"/v1/contributions/{cid}/documents",
        files={"file": ("receipt.png", receipt, "image/png")},
        headers=_as(people, "accountant"),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == "捐赠票据"
    sha = hashlib.sha256(receipt).hexdigest()
    assert (home / "documents" / sha[:2] / f"{sha}.png").is_file()
    assert f"^contribution-{cid}" in (home / "book" / "documents.beancount").read_text()
    refused = client.post(
        f"/v1/contributions/{cid}/documents",
        files={"file": ("receipt.png", receipt, "image/png")},
        headers=_as(people, "committee"),
    )
    assert refused.status_code == 403
    unknown = client.post(
        "/v1/grants/G9999/tranches/1/documents",
        files={"file": ("report.png", receipt, "image/png")},
        headers=_as(people, "foundation"),
    )
    assert unknown.status_code == 404
