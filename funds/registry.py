"""The registry: every organization and fund of a district, and lookups over them.

Built from the book's `custom` directives by `ledger.registry_io`, or directly
from a district's description (`fundbook init`, the demo). Answers the questions the workflow asks: whose fund is this, which
street is a community in, which organization fills a step of a chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from funds.model import ApprovalStep, Fund, FundKind, Organization, OrgKind, Scope


class UnknownCode(KeyError):
    """No organization or fund has this code."""


@dataclass(frozen=True, slots=True)
class ResolvedStep:
    """An approval step with the organization that fills it."""

    step: ApprovalStep
    org: str


@dataclass(frozen=True)
class Registry:
    """All organizations and funds, by code."""

    orgs: Mapping[str, Organization] = field(default_factory=dict)
    funds: Mapping[str, Fund] = field(default_factory=dict)

    @classmethod
    def build(cls, orgs: Iterable[Organization], funds: Iterable[Fund]) -> Registry:
        org_map = {org.code: org for org in orgs}
        fund_map = {fund.code: fund for fund in funds}
        return cls(org_map, fund_map)

    def org(self, code: str) -> Organization:
        try:
            return self.orgs[code]
        except KeyError:
            raise UnknownCode(f"no organization {code!r}") from None

    def fund(self, code: str) -> Fund:
        try:
            return self.funds[code]
        except KeyError:
            raise UnknownCode(f"no fund {code!r}") from None

    def of_kind(self, kind: OrgKind) -> list[Organization]:
        return [org for org in self.orgs.values() if org.kind is kind]

    def single(self, kind: OrgKind) -> Organization:
        """The district or the foundation."""
        found = self.of_kind(kind)
        if len(found) != 1:
            raise UnknownCode(f"expected one {kind.value}, found {len(found)}")
        return found[0]

    def street_of(self, community: str) -> str:
        parent = self.org(community).parent
        if parent is None:
            raise UnknownCode(f"community {community!r} has no street")
        return parent

    def communities_of(self, street: str) -> list[str]:
        return [
            org.code
            for org in self.orgs.values()
            if org.kind is OrgKind.COMMUNITY and org.parent == street
        ]

    def funds_of_org(self, org: str) -> list[Fund]:
        return [fund for fund in self.funds.values() if fund.org == org]

    def funds_of_kind(self, kind: FundKind) -> list[Fund]:
        return [fund for fund in self.funds.values() if fund.kind is kind]

    def ancestors(self, code: str) -> list[str]:
        """Codes of the enclosing organizations, nearest first."""
        chain: list[str] = []
        parent = self.org(code).parent
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self.orgs[parent].parent if parent in self.orgs else None
        return chain

    def resolve_step(self, fund: Fund, step: ApprovalStep) -> ResolvedStep:
        """The organization that fills `step` for a request from `fund`."""
        if step.scope is Scope.COMMUNITY:
            org = fund.org
        elif step.scope is Scope.STREET:
            org = self.street_of(fund.org)
        elif step.scope is Scope.DISTRICT:
            org = self.single(OrgKind.DISTRICT).code
        else:
            org = self.single(OrgKind.FOUNDATION).code
        return ResolvedStep(step, org)

    def chain_for(self, fund_code: str, amount: Decimal) -> list[ResolvedStep]:
        """The resolved approval steps of a request of `amount` from a fund."""
        fund = self.fund(fund_code)
        return [self.resolve_step(fund, step) for step in fund.chain.steps_for(amount)]
