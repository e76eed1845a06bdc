"""Bodies of the pooled-fund routes: pledges, allocations, grants, sources, disclosure.

Built on the conventions of `api.schemas`: amounts are strings to the cent,
free text is one printable line with a length limit, codes are ASCII.
"""

from __future__ import annotations

import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas import Amount, Code, Comment, Line, LongLine, Reference, Strict


class PledgeCreate(Strict):
    fund: Code
    department: Code
    amount: Amount
    income: Literal["subsidy", "service"] = "subsidy"
    pledged_on: datetime.date
    purpose: LongLine


class PledgeReceipt(Strict):
    received_on: datetime.date
    bank_reference: Reference
    receipt_no: Reference | None = None
    bank: Code | None = None


class AllocationCreate(Strict):
    pool: Code
    community: Code
    amount: Amount
    purpose: LongLine


class AllocationDecision(Strict):
    decision: Literal["approve", "reject"]
    comment: Comment = ""


class AllocationBooking(Strict):
    booked_on: datetime.date | None = None
    bank: Code | None = None


class TrancheCreate(Strict):
    amount: Amount
    due: datetime.date
    milestone: LongLine


class GrantCreate(Strict):
    enterprise: Code
    project: Line
    fund: Code
    total: Amount
    agreement: Reference | None = None
    tranches: list[TrancheCreate] = Field(min_length=1, max_length=24)


class MilestoneReport(Strict):
    report: LongLine


class MilestoneDecision(Strict):
    decision: Literal["accept", "reject"]
    comment: Comment = ""


class TranchePayment(Strict):
    paid_on: datetime.date
    bank_reference: Reference
    bank: Code | None = None


class GrantEnd(Strict):
    reason: Comment = ""


class SourcePart(BaseModel):
    source: str
    amount: str


class PledgePublic(BaseModel):
    id: str
    fund: str
    department: str
    amount: str
    income: str
    pledged_on: str
    purpose: str
    status: str
    received_on: str | None
    receipt_no: str | None
    bank_reference: str | None
    ledger: dict[str, object]


class AllocationStep(BaseModel):
    role: str
    org: str
    decision: str | None
    by: str | None
    at: str | None
    comment: str | None


class AllocationPublic(BaseModel):
    id: str
    pool: str
    community: str
    fund: str
    amount: str
    purpose: str
    status: str
    proposed_by: str
    created_at: str
    steps: list[AllocationStep]
    next_step: dict[str, str] | None
    sources: list[SourcePart]
    ledger: dict[str, object] | None


class TranchePublic(BaseModel):
    number: int
    amount: str
    due: str
    milestone: str
    state: str
    report: str | None
    paid_on: str | None
    bank_reference: str | None


class GrantPublic(BaseModel):
    id: str
    enterprise: str
    project: str
    fund: str
    agreement: str
    total: str
    paid: str
    status: str
    refund: str | None
    tranches: list[TranchePublic]
    ledger: dict[str, object]
