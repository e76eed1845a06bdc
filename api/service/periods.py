"""Closed years: nothing is booked with a date in a year the book has closed.

A fund's year is closed by its close in the book (`ledger.periods.is_close`,
`BookState.closed_through`); a close dated 31 December closes that year for
every fund. A correction of a closed year is booked in the open year as
以前年度净资产调整 (docs/PERIODS.md).
"""

from __future__ import annotations

import datetime

from api.service.context import Services
from api.service.errors import PeriodClosed


def check_not_closed(
    services: Services, *, funds: tuple[str, ...], day: datetime.date, field: str
) -> None:
    """PeriodClosed (422 `period_closed`) when `day` falls in a year closed for any of `funds`."""
    for fund in funds:
        closed = services.book.closed_through(fund)
        if closed is not None and day <= closed:
            raise PeriodClosed(
                f"{field}: {day} falls in a year of fund {fund} already closed in the book on "
                f"{closed}; book a correction of a closed year in the open year (docs/PERIODS.md)"
            )
