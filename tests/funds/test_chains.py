"""Approval chains as text: parse, format, and the steps a request climbs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from funds.chains import InvalidChain, format_chain, parse_chain

TEXT = "community_party@community street@street>=5000.00 foundation@foundation"


def test_a_chain_reads_back_and_applies_its_thresholds() -> None:
    chain = parse_chain(TEXT)
    assert format_chain(chain) == TEXT
    assert [s.role.value for s in chain.steps_for(Decimal("4999.99"))] == [
        "community_party",
        "foundation",
    ]
    assert [s.role.value for s in chain.steps_for(Decimal("5000.00"))] == [
        "community_party",
        "street",
        "foundation",
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "at least one step"),
        ("street@street>=5000.00", "a step without threshold"),
        ("street@street>=1.00 foundation@foundation>=0.01", "a step without threshold"),
        ("nobody@street", "nobody@street"),
        ("street@street>=5000.001", "role@scope[>=amount]"),
    ],
)
def test_a_chain_some_request_could_not_climb_is_refused(text: str, words: str) -> None:
    with pytest.raises(InvalidChain) as caught:
        parse_chain(text)
    assert words in str(caught.value)
