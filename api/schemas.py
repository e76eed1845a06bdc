"""Bodies the API accepts and returns (pydantic models, OpenAPI's source).

Amounts are strings checked by `funds.money.parse_amount`; free text is one
line of printable characters with a length limit, so it is stored verbatim and
can only ever reach the book as an escaped Beancount string.
"""

from __future__ import annotations

import datetime
import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from funds.money import InvalidAmount, parse_amount
from ledger.text import is_unsafe_char

TEXT_LENGTH_MAX = 500
LONG_TEXT_LENGTH_MAX = 2000


def _amount(value: Any) -> Decimal:
    try:
        return parse_amount(value)
    except InvalidAmount as exc:
        raise ValueError(str(exc)) from None


def _line(limit: int, *, empty_ok: bool = False) -> Any:
    def check(value: str) -> str:
        if not empty_ok and not value.strip():
            raise ValueError("must not be empty")
        if len(value) > limit:
            raise ValueError(f"is {len(value)} characters long; at most {limit} are allowed")
        for position, char in enumerate(value):
            if is_unsafe_char(char) or unicodedata.category(char) in ("Co", "Cn"):
                raise ValueError(
                    f"contains control character U+{ord(char):04X} at position {position}"
                )
        return value

    return AfterValidator(check)


def _code(value: str) -> str:
    if not 1 <= len(value) <= 40 or not value.isascii() or not value.replace("-", "").isalnum():
        raise ValueError(f"{value[:40]!r} is not a code")
    return value


# What `parse_amount` accepts, as a JSON Schema (ECMA-262) pattern: zero is refused.
AMOUNT_PATTERN = r"^(?!0(?:\.0{1,2})?$)(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,2})?$"
# What the API answers: always two decimals, zero allowed.
AMOUNT_OUT_PATTERN = r"^(?:0|[1-9][0-9]{0,15})\.[0-9]{2}$"
# On the wire an amount is a string (a JSON number is refused): so says the OpenAPI.
Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_PATTERN,
            "description": "金额，人民币元，字符串，最多两位小数，大于零 / "
            "CNY amount as a string, at most two decimals, above zero",
        }
    ),
]
Line = Annotated[str, Field(max_length=TEXT_LENGTH_MAX * 4), _line(TEXT_LENGTH_MAX)]
LongLine = Annotated[str, Field(max_length=LONG_TEXT_LENGTH_MAX * 4), _line(LONG_TEXT_LENGTH_MAX)]
Comment = Annotated[
    str, Field(max_length=LONG_TEXT_LENGTH_MAX * 4), _line(LONG_TEXT_LENGTH_MAX, empty_ok=True)
]
Code = Annotated[str, AfterValidator(_code)]
Reference = Annotated[str, Field(max_length=400), _line(100)]
Label = Annotated[str, Field(max_length=400), _line(100)]  # fits a 100-character column


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class RequestCreate(Strict):
    fund: Code
    amount: Amount
    payee: Line
    purpose: LongLine
    category: Label | None = None
    documents: list[Line] = Field(default_factory=list, max_length=50)


class RequestChange(Strict):
    amount: Amount | None = None
    payee: Line | None = None
    purpose: LongLine | None = None
    category: Label | None = None
    documents: list[Line] | None = Field(default=None, max_length=50)


class DecisionCreate(Strict):
    decision: Literal["approve", "reject", "return"]
    comment: Comment = ""


class PaymentCreate(Strict):
    paid_on: datetime.date
    bank_reference: Reference
    bank: Code | None = None


class VoidCreate(Strict):
    reason: LongLine


class Empty(Strict):
    pass


class Source(Strict):
    kind: Literal["department", "donor", "interest", "other"]
    org: Code | None = None
    name: Line


class ContributionCreate(Strict):
    fund: Code
    amount: Amount
    source: Source
    received_on: datetime.date
    receipt_no: Reference | None = None
    income: Literal["subsidy", "service"] | None = None
    bank: Code | None = None


class CloseCreate(Strict):
    """The year-end close of every fund (会计年度结账), asked for by an accountant."""

    year: int = Field(ge=1000, le=9999, description="the year to close", examples=[2025])
    allow_unreconciled: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9:-]{0,99}$")]] = (
        Field(
            default_factory=list,
            max_length=50,
            description="bank accounts (`ICBC` or `Assets:Bank:ICBC`) that may be closed "
            "without a balance assertion at the year end",
        )
    )
    dry_run: bool = Field(
        default=False, description="plan only: answer with the entries, write nothing"
    )


class ClosePublic(BaseModel):
    year: int
    status: Literal["closed", "planned"]
    entries: list[str] = Field(description="fb_id of each closing entry of the year")
    obstacles: list[str] = Field(
        description="what stands in the way (dry runs only; empty when closed)"
    )


class Me(BaseModel):
    name: str
    role: str
    org: str | None


class OrgPublic(BaseModel):
    code: str
    name: str
    name_zh: str
    kind: str
    parent: str | None


class FundPublic(BaseModel):
    code: str
    name: str
    name_zh: str
    kind: str
    org: str
    currency: str
    balance: str
    held: str
    available: str


class Step(BaseModel):
    role: str
    org: str
    decision: str | None
    by: str | None
    at: str | None
    comment: str | None


class NextStep(BaseModel):
    role: str
    org: str


class LedgerRef(BaseModel):
    link: str | None
    entries: list[str]


class RoundDecision(BaseModel):
    """One decision taken on one step of a round."""

    step: int = Field(description="0-based position of the step in the round's chain")
    role: str
    org: str
    decision: Literal["approve", "reject", "return"]
    by: str
    at: str
    comment: str


class RoundPublic(BaseModel):
    """One submission of a request and its decisions; earlier rounds are never rewritten."""

    round: int
    amount: Annotated[str, Field(pattern=AMOUNT_OUT_PATTERN)] | None
    payee: str | None
    purpose: str | None
    category: str | None
    documents: list[str]
    submitted_at: str
    decisions: list[RoundDecision]


class RequestPublic(BaseModel):
    id: str
    fund: str
    amount: str
    payee: str
    purpose: str
    category: str | None
    documents: list[str]
    status: str
    requested_by: str
    created_at: str
    updated_at: str
    steps: list[Step]
    next_step: NextStep | None
    ledger: LedgerRef | None
    paid_on: str | None = None
    bank_reference: str | None = None
    rounds: list[RoundPublic] = Field(default_factory=list)
    origin: Literal["service", "book"] = "service"


class TokenPublic(BaseModel):
    """A token as an admin sees it: never its secret, nor its hash."""

    id: int
    name: str
    role: str
    org: str | None
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    status: Literal["active", "revoked", "expired"]


class AccessPublic(BaseModel):
    """One use of a token: no token, no body, no query; the route is its template."""

    at: str
    person: str
    role: str
    org: str | None
    token_id: int | None
    method: str
    route: str
    status: int


class ContributionPublic(BaseModel):
    id: str
    fund: str
    amount: str
    source: dict[str, str | None]
    income: str
    received_on: str
    receipt_no: str | None
    recorded_by: str
    ledger: LedgerRef
