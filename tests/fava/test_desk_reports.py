"""The desk's report links open the audit reports in Fava, from the book Fava loaded."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl

from fava_fundbook.server import make_app
from tests.reports.smallbook import make_home


def test_report_links_render_reports_of_the_loaded_book(tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")
    client = make_app(home, language="zh").test_client()
    slug = client.get("/").headers["Location"].strip("/").split("/")[0]
    page = client.get(f"/{slug}/extension/FundbookDesk/")
    assert page.status_code == 200
    links = re.findall(r'href="(report\?name=balance-sheet[^"]*)"', page.get_data(as_text=True))
    assert len(links) == 1
    base = f"/{slug}/extension/FundbookDesk/"
    sheet = client.get(
        base
        + links[0]
        .replace("&amp;", "&")
        .replace("from=2026", "from=2025")
        .replace("to=2026", "to=2025")
    )
    assert sheet.status_code == 200, sheet.get_data(as_text=True)[:300]
    assert sheet.mimetype == "text/html"
    assert "资产负债表" in sheet.get_data(as_text=True)
    xlsx = client.get(base + "report?name=trial-balance&from=2025-01-01&to=2025-12-31&format=xlsx")
    assert xlsx.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.get_data()))
    numbers = [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, (int, float))
    ]
    assert numbers, "the trial balance holds numeric cells"
    refused = client.get(base + "report?name=no-such-report&from=2025-01-01&to=2025-12-31")
    assert refused.status_code == 400 and "no-such-report" in refused.get_data(as_text=True)
    assert client.get(base + "report?name=trial-balance&from=soon&to=2025-12-31").status_code == 400
