"""Organizations and funds: the things a foundation's money belongs to.

A district has one foundation, streets, communities under the streets,
contributing departments and social enterprises. Each fund belongs to one
organization, is restricted or not, and carries the approval chain a
disbursement from it must climb.

Codes are ASCII (`[A-Z][A-Z0-9-]*`) because they appear in Beancount account
names; Chinese names are data.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from decimal import Decimal

from funds.money import CURRENCY

CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
CODE_LENGTH_MAX = 40


class OrgKind(enum.StrEnum):
    DISTRICT = "district"
    FOUNDATION = "foundation"
    STREET = "street"
    COMMUNITY = "community"
    DEPARTMENT = "department"
    ENTERPRISE = "enterprise"


class FundKind(enum.StrEnum):
    FOUNDATION = "foundation"
    DISTRICT = "district"
    MICRO = "micro"
    GUARANTEE_POOL = "guarantee_pool"
    INCENTIVE_POOL = "incentive_pool"
    ALLOCATION = "allocation"


POOL_KINDS = frozenset({FundKind.GUARANTEE_POOL, FundKind.INCENTIVE_POOL})


class Restriction(enum.StrEnum):
    """非限定性 (unrestricted) or 限定性 (restricted, donor- or law-imposed)."""

    UNRESTRICTED = "unrestricted"
    RESTRICTED = "restricted"


class Role(enum.StrEnum):
    COMMITTEE = "committee"
    COMMUNITY_PARTY = "community_party"
    STREET = "street"
    DISTRICT = "district"
    FOUNDATION = "foundation"
    ACCOUNTANT = "accountant"
    DEPARTMENT = "department"
    AUDITOR = "auditor"
    ADMIN = "admin"


SCOPED_ROLES = frozenset({Role.COMMITTEE, Role.COMMUNITY_PARTY, Role.STREET, Role.DEPARTMENT})


class InvalidCode(ValueError):
    """A code that cannot name an organization or a fund."""


def check_code(code: str) -> str:
    """Return `code` if it can be an organization or fund code, else raise."""
    if len(code) > CODE_LENGTH_MAX or not CODE_PATTERN.fullmatch(code):
        raise InvalidCode(
            f"code {code[:60]!r} must match [A-Z][A-Z0-9]*(-[A-Z0-9]+)* "
            f"and have at most {CODE_LENGTH_MAX} characters"
        )
    return code


@dataclass(frozen=True, slots=True)
class Organization:
    """A party in the district.

    Attributes:
      code: ASCII code, e.g. "ST01C03".
      kind: what sort of organization it is.
      name: English or pinyin name.
      name_zh: Chinese name, e.g. "玉林社区".
      parent: code of the enclosing organization (a community's street), or None.
    """

    code: str
    kind: OrgKind
    name: str
    name_zh: str
    parent: str | None = None

    def __post_init__(self) -> None:
        check_code(self.code)
        if self.parent is not None:
            check_code(self.parent)


class Scope(enum.StrEnum):
    """Which organization fills an approval step, relative to the fund."""

    COMMUNITY = "community"  # the fund's community
    STREET = "street"  # the street of the fund's community
    DISTRICT = "district"  # the district
    FOUNDATION = "foundation"  # the foundation


@dataclass(frozen=True, slots=True)
class ApprovalStep:
    """One step of an approval chain.

    Attributes:
      role: the role that decides this step.
      scope: whose organization decides, relative to the fund.
      amount_min: the step applies only to requests of at least this amount
        (zero: always).
    """

    role: Role
    scope: Scope
    amount_min: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class ApprovalChain:
    """The ordered steps a disbursement climbs before it is approved."""

    steps: tuple[ApprovalStep, ...]

    def steps_for(self, amount: Decimal) -> tuple[ApprovalStep, ...]:
        """The steps that apply to a request of `amount`, in order."""
        return tuple(step for step in self.steps if amount >= step.amount_min)


# The chain DESIGN.md describes: community party, street, foundation.
STANDARD_CHAIN = ApprovalChain(
    (
        ApprovalStep(Role.COMMUNITY_PARTY, Scope.COMMUNITY),
        ApprovalStep(Role.STREET, Scope.STREET),
        ApprovalStep(Role.FOUNDATION, Scope.FOUNDATION),
    )
)


@dataclass(frozen=True, slots=True)
class Fund:
    """A fund: money with an owner, a restriction and an approval chain.

    Attributes:
      code: ASCII code, also the last component of every account of the fund.
      kind: foundation, district, micro, guarantee/incentive pool or allocation.
      name: English or pinyin name.
      name_zh: Chinese name.
      org: code of the owning organization (a community for micro-funds and
        allocations, the foundation or district otherwise).
      restriction: restricted or unrestricted.
      chain: the approval chain of disbursements from it.
      pool: for an allocation fund, the code of the pool it is fed from.
      bank: key of the bank account that keeps the fund's cash (None: the
        foundation's basic account, the first bank of the book).
      currency: always CNY today.
    """

    code: str
    kind: FundKind
    name: str
    name_zh: str
    org: str
    restriction: Restriction
    chain: ApprovalChain = STANDARD_CHAIN
    pool: str | None = None
    bank: str | None = None
    currency: str = field(default=CURRENCY)

    def __post_init__(self) -> None:
        check_code(self.code)
        check_code(self.org)
        if self.kind is FundKind.ALLOCATION and self.pool is None:
            raise ValueError(f"allocation fund {self.code} must name its pool")

    @property
    def restricted(self) -> bool:
        return self.restriction is Restriction.RESTRICTED
