"""The registry survives the book: in memory and through Beancount text."""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount import loader

from funds.chains import parse_chain
from funds.model import Fund, FundKind, Organization, OrgKind, Restriction
from funds.registry import Registry
from ledger import registry_io
from ledger.accounts import Bank
from ledger.text import render

DAY = datetime.date(2024, 1, 1)
REGISTRY = Registry.build(
    [
        Organization("WUHOU", OrgKind.DISTRICT, "Wuhou", "武侯区"),
        Organization("ST01", OrgKind.STREET, "Yulin", "玉林街道", "WUHOU"),
        Organization("ST01C01", OrgKind.COMMUNITY, "Yulin East", "玉林东路社区", "ST01"),
    ],
    [
        Fund(
            "MF-ST01C01",
            FundKind.MICRO,
            "Yulin East micro-fund",
            "玉林东路社区微基金",
            "ST01C01",
            Restriction.RESTRICTED,
            parse_chain("community_party@community street@street>=5000.00 foundation@foundation"),
        ),
    ],
)
BANKS = (Bank("ICBC", "工商银行武侯支行基本户", "4402 0001"),)


def test_registry_reads_back_from_entries_built_in_memory() -> None:
    book, errors = registry_io.read_registry(registry_io.registry_entries(REGISTRY, BANKS, DAY))
    assert errors == []
    assert book.registry == REGISTRY
    assert book.banks == BANKS


def test_registry_reads_back_through_the_parser() -> None:
    directives = [
        *registry_io.registry_entries(REGISTRY, BANKS, DAY),
        *registry_io.chart_entries(REGISTRY, BANKS, DAY),
    ]
    entries, errors, _ = loader.load_string("\n".join(render(entry) for entry in directives))
    assert errors == []
    book, registry_errors = registry_io.read_registry(entries)
    assert registry_errors == []
    assert book.registry == REGISTRY
    chain = book.registry.fund("MF-ST01C01").chain
    assert [step.role.value for step in chain.steps_for(Decimal("100.00"))] == [
        "community_party",
        "foundation",
    ]
    assert [step.role.value for step in chain.steps_for(Decimal("5000.00"))] == [
        "community_party",
        "street",
        "foundation",
    ]


def test_a_fund_of_an_unknown_organization_is_an_error() -> None:
    text = '2024-01-01 custom "fundbook-fund" "MF-X"\n  kind: "micro"\n  name: "x"\n  name_zh: "x"\n  org: "NOWHERE"\n  restriction: "restricted"\n  chain: "foundation@foundation"\n'
    entries, _, _ = loader.load_string(text)
    _, errors = registry_io.read_registry(entries)
    assert [error.message for error in errors] == ["fund MF-X: unknown organization NOWHERE"]


def test_a_second_definition_of_a_code_is_an_error_and_never_replaces_the_first() -> None:
    # Redefining a micro-fund as a foundation fund would let it give money to any fund.
    redefinition = (
        '2026-01-01 custom "fundbook-fund" "MF-ST01C01"\n  kind: "foundation"\n  name: "x"\n'
        '  name_zh: "x"\n  org: "ST01C01"\n  restriction: "unrestricted"\n'
        '  chain: "foundation@foundation"\n'
    )
    original = "\n".join(
        render(entry) for entry in registry_io.registry_entries(REGISTRY, BANKS, DAY)
    )
    entries, parse_errors, _ = loader.load_string(original + "\n" + redefinition)
    assert parse_errors == []
    book, errors = registry_io.read_registry(entries)
    assert [error.message for error in errors] == [
        "fundbook-fund MF-ST01C01: is defined twice; a code is registered once"
    ]
    assert book.registry == REGISTRY


def test_an_organization_under_an_unknown_parent_is_an_error() -> None:
    # A community of a street the book does not know: no one could fill its street step.
    text = (
        '2024-01-01 custom "fundbook-org" "ST09C01"\n  kind: "community"\n  name: "x"\n'
        '  name_zh: "x"\n  parent: "ST09"\n'
    )
    entries, _, _ = loader.load_string(text)
    _, errors = registry_io.read_registry(entries)
    assert [error.message for error in errors] == ["organization ST09C01: unknown parent ST09"]
