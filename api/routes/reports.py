"""`GET /v1/reports/{name}`: rendered by the injected `ReportRenderer`, if any."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import CallerDep, ServicesDep
from api.reports_port import InvalidReportQuery, ReportQuery, ReportRenderer, UnknownReport
from api.service.errors import Forbidden, NotConfigured, NotFound, ValidationFailed
from funds.model import Role

router = APIRouter(prefix="/v1/reports", tags=["reports"])

READERS = frozenset({Role.AUDITOR, Role.ACCOUNTANT, Role.FOUNDATION, Role.DISTRICT, Role.ADMIN})


@router.get("/{name}")
async def report(
    *,
    request: Request,
    name: str,
    caller: CallerDep,
    services: ServicesDep,
    period_from: Annotated[datetime.date | None, Query(alias="from")] = None,
    period_to: Annotated[datetime.date | None, Query(alias="to")] = None,
    format: Literal["json", "html", "pdf", "xlsx"] = "json",
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    if caller.role not in READERS and not (caller.role is Role.DEPARTMENT and name == "sources"):
        raise Forbidden(f"a {caller.role.value} does not read the {name[:40]} report")
    renderer: ReportRenderer | None = request.app.state.report_renderer
    if renderer is None:
        raise NotConfigured("this server renders no reports")
    query = ReportQuery(
        name=name,
        period_from=period_from,
        period_to=period_to,
        format=format,
        lang=lang,
        role=caller.role.value,
        org=caller.org,
        home=services.book.layout.home,
    )
    try:
        rendered = await run_in_threadpool(renderer, query)
    except UnknownReport:
        raise NotFound(f"no report {name[:40]!r}") from None
    except InvalidReportQuery as exc:
        raise ValidationFailed(str(exc)) from None
    headers = {}
    if rendered.filename:
        headers["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return Response(rendered.content, media_type=rendered.media_type, headers=headers)
