"""ledger.book: any registry, whatever its names hold, makes a book that loads and reads back equal."""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

import pytest
from beancount import loader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funds.chains import parse_chain
from funds.model import Fund, FundKind, Organization, OrgKind, Restriction
from funds.registry import Registry
from ledger.accounts import Bank
from ledger.book import BookExists, BookSpec, InvalidTitle, create_book, main_text, write_history
from ledger.layout import Layout
from ledger.registry_io import read_registry

# Any text an organization may be named with: Chinese, quotes, backslashes,
# semicolons, directive keywords; no control characters (refused upstream).
names = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf")),
    min_size=1,
    max_size=30,
).filter(lambda text: text.strip() != "")
tricky = st.sampled_from(
    ['玉林"社区', "a\\", '\\"', '" \ninclude "x', "; 2026-01-01 open X", "社区 ^req-1 #t"]
)
name = st.one_of(names, tricky.filter(lambda t: "\n" not in t))


def _registry(street_names: list[str], community_names: list[str]) -> Registry:
    orgs = [
        Organization("D", OrgKind.DISTRICT, "District", street_names[0]),
        Organization("F", OrgKind.FOUNDATION, "Foundation", community_names[0], "D"),
    ]
    funds = [
        Fund(
            "FDN",
            FundKind.FOUNDATION,
            "Own",
            street_names[-1],
            "F",
            Restriction.UNRESTRICTED,
            parse_chain("foundation@foundation"),
        )
    ]
    for s, street in enumerate(street_names, start=1):
        orgs.append(Organization(f"ST{s:02d}", OrgKind.STREET, street, street, "D"))
        for c, community in enumerate(community_names, start=1):
            code = f"ST{s:02d}C{c:02d}"
            orgs.append(Organization(code, OrgKind.COMMUNITY, community, community, f"ST{s:02d}"))
            funds.append(
                Fund(
                    f"MF-{code}",
                    FundKind.MICRO,
                    community,
                    community + street,
                    code,
                    Restriction.RESTRICTED,
                    parse_chain(
                        "community_party@community street@street>=5000.00 foundation@foundation"
                    ),
                )
            )
    return Registry.build(orgs, funds)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    streets=st.lists(name, min_size=1, max_size=3),
    communities=st.lists(name, min_size=1, max_size=3),
    title=name,
    bank_name=name,
)
def test_any_names_round_trip_through_a_new_book(
    streets: list[str], communities: list[str], title: str, bank_name: str
) -> None:
    registry = _registry(streets, communities)
    banks = (Bank("ICBC", bank_name, "6222 0000"),)
    with tempfile.TemporaryDirectory() as tmp:
        layout = Layout(Path(tmp) / "home")
        create_book(
            layout,
            BookSpec(
                title=title,
                registry=registry,
                banks=banks,
                opened=datetime.date(2026, 1, 1),
                fava_extension=False,
            ),
        )
        entries, errors, options = loader._uncached_load_file(  # type: ignore[attr-defined]
            str(layout.main), None, None, None
        )
        assert errors == []
        assert options["title"] == title
        book, problems = read_registry(entries)
        assert problems == []
        assert book.registry == registry
        assert book.banks == banks


def test_titles_that_cannot_stay_on_one_line_are_refused(tmp_path: Path) -> None:
    spec = BookSpec(
        title="基金会\n",
        registry=_registry(["a"], ["b"]),
        banks=(),
        opened=datetime.date(2026, 1, 1),
    )
    with pytest.raises(InvalidTitle):
        main_text(spec)
    with pytest.raises(InvalidTitle):
        create_book(Layout(tmp_path / "home"), spec)


def test_history_files_are_included_in_order_and_never_overwritten(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "home")
    spec = BookSpec(
        title="基金会",
        registry=_registry(["a"], ["b"]),
        banks=(Bank("ICBC", "工行", ""),),
        opened=datetime.date(2023, 1, 1),
        history_years=(2023, 2024),
        fava_extension=True,
    )
    create_book(layout, spec)
    text = layout.main.read_text(encoding="utf-8")
    assert text.index('include "history/2023.beancount"') < text.index(
        'include "history/2024.beancount"'
    )
    assert text.index('include "history/2024.beancount"') < text.index('include "manual.beancount"')
    assert 'custom "fava-extension" "fava_fundbook"' in text
    write_history(layout, 2023, [])
    with pytest.raises(FileExistsError):
        write_history(layout, 2023, [])
    with pytest.raises(BookExists):
        create_book(layout, spec)
