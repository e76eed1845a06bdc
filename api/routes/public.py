"""`/public/funds` and `/public/payments`: what the Charity Law asks a foundation to publish.

No authentication, and no personal data (see `api.service.public`).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import OffsetQuery, ServicesDep
from api.service import public as use

router = APIRouter(prefix="/public", tags=["public disclosure"])


@router.get("/funds")
def public_funds(services: ServicesDep) -> list[dict[str, Any]]:
    return use.funds(services=services)


@router.get("/payments")
def public_payments(
    *,
    services: ServicesDep,
    fund: Annotated[str | None, Query(max_length=40)] = None,
    date_from: Annotated[datetime.date | None, Query(alias="from")] = None,
    date_to: Annotated[datetime.date | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> dict[str, Any]:
    return use.payments(
        services=services,
        fund=fund,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
