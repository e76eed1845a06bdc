"""A small district for plugin and check tests: registry, chart and plugin lines as text.

Funds: FDN (foundation), DCF (district), GP and IP (pools), MF-ST01C01 and
MF-ST01C02 (micro-funds), AL-ST01C01-GP and AL-ST01C02-IP (allocation funds),
one bank ICBC. Everything is opened on 2024-01-01.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data
from beancount.parser import printer

from funds.model import Fund, FundKind, Organization, OrgKind, Restriction
from funds.registry import Registry
from ledger.accounts import Bank
from ledger.book import PLUGINS
from ledger.registry_io import chart_entries, registry_entries

OPENED = datetime.date(2024, 1, 1)
ICBC = Bank("ICBC", "工商银行武侯支行基本户", "4402 2010 0900 0123 456")
U, R = Restriction.UNRESTRICTED, Restriction.RESTRICTED


def small_registry() -> Registry:
    orgs = [
        Organization("WUHOU", OrgKind.DISTRICT, "Wuhou District", "武侯区"),
        Organization("WHCDF", OrgKind.FOUNDATION, "Wuhou CDF", "武侯区社区发展基金会", "WUHOU"),
        Organization("ST01", OrgKind.STREET, "Yulin Street", "玉林街道", "WUHOU"),
        Organization("ST01C01", OrgKind.COMMUNITY, "Yulin", "玉林社区", "ST01"),
        Organization("ST01C02", OrgKind.COMMUNITY, "Fangcao", "芳草社区", "ST01"),
    ]
    funds = [
        Fund("FDN", FundKind.FOUNDATION, "Foundation", "基金会非限定性资金", "WHCDF", U),
        Fund("DCF", FundKind.DISTRICT, "District fund", "区级社区发展基金", "WUHOU", U),
        Fund("GP", FundKind.GUARANTEE_POOL, "Guarantee pool", "专项保障资金", "WUHOU", R),
        Fund("IP", FundKind.INCENTIVE_POOL, "Incentive pool", "专项激励资金", "WUHOU", R),
        Fund("MF-ST01C01", FundKind.MICRO, "Yulin micro-fund", "玉林社区微基金", "ST01C01", R),
        Fund("MF-ST01C02", FundKind.MICRO, "Fangcao micro-fund", "芳草社区微基金", "ST01C02", R),
        Fund(
            "AL-ST01C01-GP",
            FundKind.ALLOCATION,
            "Yulin guarantee",
            "玉林社区保障资金",
            "ST01C01",
            R,
            pool="GP",
        ),
        Fund(
            "AL-ST01C02-IP",
            FundKind.ALLOCATION,
            "Fangcao incentive",
            "芳草社区激励资金",
            "ST01C02",
            R,
            pool="IP",
        ),
    ]
    return Registry.build(orgs, funds)


def render(entries: Sequence[data.Directive]) -> str:
    """Directives as text, each followed by a blank line (as the writer leaves them)."""
    return "".join(printer.format_entry(entry) + "\n" for entry in entries)


def registry_text() -> str:
    return render(registry_entries(small_registry(), [ICBC], OPENED))


def chart_text() -> str:
    return render(chart_entries(small_registry(), [ICBC], OPENED))


def header(plugins: Sequence[str] = PLUGINS) -> str:
    lines = ['option "title" "Test district"', 'option "operating_currency" "CNY"']
    lines += [f'plugin "{name}"' for name in plugins]
    return "\n".join(lines) + "\n"


def load(body: str, plugins: Sequence[str]) -> tuple[list[data.Directive], list[Any]]:
    """Load registry, chart and `body` with only `plugins`; return entries and errors."""
    text = "\n".join([header(plugins), registry_text(), chart_text(), body])
    entries, errors, _ = loader.load_string(text)
    return entries, errors


def messages(errors: Sequence[Any]) -> list[str]:
    return [error.message for error in errors]


def write_home(
    home: Path,
    *,
    manual: str = "",
    journal: dict[int, str] | None = None,
    history: dict[int, str] | None = None,
) -> Path:
    """A HOME with the small district's book: main (with every plugin), chart, registry,
    history files, manual.beancount and Fundbook's journal files (one per year)."""
    book = home / "book"
    (book / "fundbook").mkdir(parents=True)
    (book / "history").mkdir()
    history = history or {}
    journal = journal or {}
    includes = [
        "chart.beancount",
        "registry.beancount",
        *(f"history/{year}.beancount" for year in sorted(history)),
        "manual.beancount",
        "fundbook/journal.beancount",
    ]
    main = header() + "".join(f'include "{name}"\n' for name in includes)
    (book / "main.beancount").write_text(main, encoding="utf-8")
    (book / "chart.beancount").write_text(chart_text(), encoding="utf-8")
    (book / "registry.beancount").write_text(registry_text(), encoding="utf-8")
    for year, text in history.items():
        (book / "history" / f"{year}.beancount").write_text(text, encoding="utf-8")
    (book / "manual.beancount").write_text(manual, encoding="utf-8")
    index = "".join(f'include "{year}.beancount"\n' for year in sorted(journal))
    (book / "fundbook" / "journal.beancount").write_text(index, encoding="utf-8")
    for year, text in journal.items():
        (book / "fundbook" / f"{year}.beancount").write_text(text, encoding="utf-8")
    return home
