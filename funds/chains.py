"""Approval chains as text, and who fills each step for a given fund.

A chain is stored in the book as one metadata string, steps separated by
spaces, each `role@scope` with an optional `>=amount` threshold:

    community_party@community street@street>=5000.00 foundation@foundation

reads: the community party organization always decides first, the street only
for 5,000.00 or more, then the foundation. At least one step has no threshold,
so every request has someone to decide it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from funds.model import ApprovalChain, ApprovalStep, Role, Scope
from funds.money import cents, format_amount

_STEP = re.compile(r"([a-z_]+)@([a-z_]+)(?:>=([0-9]+(?:\.[0-9]{1,2})?))?")


class InvalidChain(ValueError):
    """Chain text that does not describe an approval chain."""


def parse_chain(text: str) -> ApprovalChain:
    """Parse chain text; raises InvalidChain with the offending step."""
    steps = []
    for token in text.split():
        match = _STEP.fullmatch(token)
        if match is None:
            raise InvalidChain(f"approval step {token!r} is not role@scope[>=amount]")
        role_text, scope_text, threshold = match.groups()
        try:
            role, scope = Role(role_text), Scope(scope_text)
        except ValueError as exc:
            raise InvalidChain(f"approval step {token!r}: {exc}") from None
        amount_min = cents(Decimal(threshold)) if threshold else Decimal("0.00")
        steps.append(ApprovalStep(role, scope, amount_min))
    if not steps:
        raise InvalidChain("an approval chain needs at least one step")
    if all(step.amount_min > 0 for step in steps):
        # Otherwise a small request would have no step: nobody could ever decide it.
        raise InvalidChain(
            "an approval chain needs a step without threshold, applying to every amount"
        )
    return ApprovalChain(tuple(steps))


def format_chain(chain: ApprovalChain) -> str:
    """The inverse of parse_chain."""
    parts = []
    for step in chain.steps:
        text = f"{step.role.value}@{step.scope.value}"
        if step.amount_min > 0:
            text += f">={format_amount(step.amount_min)}"
        parts.append(text)
    return " ".join(parts)
