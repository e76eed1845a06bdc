"""FastAPI dependencies as `Annotated` aliases: the caller, the services, the body bytes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from api.service.callers import Caller, authenticate
from api.service.context import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_caller(
    services: ServicesDep, authorization: Annotated[str | None, Header()] = None
) -> Caller:
    with services.read() as session:
        caller = authenticate(session, authorization)
        session.rollback()
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
IdempotencyKeyDep = Annotated[str | None, Header(alias="Idempotency-Key")]
