"""FastAPI dependencies as `Annotated` aliases: the caller, the services, the body bytes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.service.callers import Caller, authenticate
from api.service.context import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

# Past this a list is empty anyway; beyond 2**63 the database could not take it (a 500).
OFFSET_MAX = 2**31 - 1
OffsetQuery = Annotated[int, Query(ge=0, le=OFFSET_MAX, description="rows to skip")]


# Declares the bearer scheme in the OpenAPI (Swagger's Authorize button); the
# header itself is read raw below, so a malformed one gets the service's own 401.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearerAuth",
    bearerFormat="fbk_…",
    description="A token made by `fundbook token create HOME --role ROLE [--org ORG] --name NAME`"
    " / 由 `fundbook token create` 生成的令牌",
)


def get_caller(
    services: ServicesDep,
    request: Request,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
) -> Caller:
    authorization = request.headers.get("authorization")
    with services.read() as session:
        caller = authenticate(session, authorization)
        session.rollback()
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
IdempotencyKeyDep = Annotated[str | None, Header(alias="Idempotency-Key")]
