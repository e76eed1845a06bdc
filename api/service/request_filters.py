"""Which disbursement requests a list shows: status, fund, dates, amounts, text, and inboxes.

One filter, applied two ways with the same meaning: as SQL over the
`request` table (the requests the service keeps) and as a test over the
domain value (the requests only the book knows). Dates are the foundation's
local days of the request's first submission, both ends included; amounts are
the current round's; the text is looked for, case-insensitively, in the code,
payee, purpose and requester. `awaiting_me` keeps what waits for the
caller's own decision (see `funds.requests.awaits`); it is applied by the
caller of this module, since it needs the request's rounds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import col

from api.service.errors import ValidationFailed
from funds import requests
from store.tables import Request

Statement = TypeVar("Statement", bound=Any)


@dataclass(frozen=True, slots=True)
class RequestFilter:
    """What a list of requests keeps (None: no condition)."""

    status: requests.Status | None = None
    fund: str | None = None
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    text: str | None = None
    awaiting_me: bool = False

    def __post_init__(self) -> None:
        if self.created_from and self.created_to and self.created_from > self.created_to:
            raise ValidationFailed(
                f"created_from: {self.created_from} is after created_to {self.created_to}"
            )
        if (
            self.amount_min is not None
            and self.amount_max is not None
            and self.amount_min > self.amount_max
        ):
            raise ValidationFailed(
                f"amount_min: {self.amount_min} is above amount_max {self.amount_max}"
            )

    @property
    def status_wanted(self) -> requests.Status | None:
        """The status to keep; an inbox holds pending requests only."""
        return requests.Status.PENDING if self.awaiting_me else self.status

    def _bounds(self, zone: ZoneInfo) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        def start(day: datetime.date) -> datetime.datetime:
            return datetime.datetime.combine(day, datetime.time(), zone).astimezone(datetime.UTC)

        low = start(self.created_from) if self.created_from else None
        high = start(self.created_to + datetime.timedelta(days=1)) if self.created_to else None
        return low, high

    def where(self, statement: Statement, zone: ZoneInfo) -> Statement:
        """The statement over `request`, narrowed to what the filter keeps."""
        wanted = self.status_wanted
        if self.awaiting_me and self.status not in (None, requests.Status.PENDING):
            return statement.where(False)
        if wanted is not None:
            statement = statement.where(Request.status == wanted.value)
        if self.fund is not None:
            statement = statement.where(Request.fund == self.fund)
        low, high = self._bounds(zone)
        if low is not None:
            statement = statement.where(col(Request.created_at) >= low)
        if high is not None:
            statement = statement.where(col(Request.created_at) < high)
        if self.amount_min is not None:
            statement = statement.where(col(Request.amount) >= self.amount_min)
        if self.amount_max is not None:
            statement = statement.where(col(Request.amount) <= self.amount_max)
        if self.text:
            needle = self.text.lower()
            statement = statement.where(
                or_(
                    *(
                        func.lower(column).contains(needle, autoescape=True)
                        for column in (
                            col(Request.code),
                            col(Request.payee),
                            col(Request.purpose),
                            col(Request.requested_by),
                        )
                    )
                )
            )
        return statement

    def keeps(self, request: requests.Request, zone: ZoneInfo) -> bool:
        """Whether the filter keeps `request` (all but `awaiting_me`, as `where` does)."""
        if self.awaiting_me and self.status not in (None, requests.Status.PENDING):
            return False
        wanted = self.status_wanted
        if wanted is not None and request.status is not wanted:
            return False
        if self.fund is not None and request.fund != self.fund:
            return False
        low, high = self._bounds(zone)
        if low is not None and request.created_at < low:
            return False
        if high is not None and request.created_at >= high:
            return False
        if self.amount_min is not None and request.amount < self.amount_min:
            return False
        if self.amount_max is not None and request.amount > self.amount_max:
            return False
        if self.text:
            needle = self.text.lower()
            terms = request.terms
            fields = (request.code or "", terms.payee, terms.purpose, request.requested_by)
            if not any(needle in field.lower() for field in fields):
                return False
        return True
