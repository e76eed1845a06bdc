"""FastAPI dependencies as `Annotated` aliases: the caller, the services, the body bytes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request, Security
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.service.callers import Caller, authenticate
from api.service.context import Services
from api.service.errors import Unauthenticated, ValidationFailed
from funds.money import InvalidAmount, parse_amount


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
        try:
            caller = authenticate(session, authorization, now=services.now())
        except Unauthenticated as exc:
            if isinstance(exc.caller, Caller):
                request.state.fundbook_caller = exc.caller  # a revoked or expired token's use
            raise
        finally:
            session.rollback()
    request.state.fundbook_caller = caller  # for the access log (api.access_log)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
IdempotencyKeyDep = Annotated[str | None, Header(alias="Idempotency-Key")]


_KNOWN_QUERY: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> Iterator[str]:
    """The query parameters a route declares, its dependencies' included."""
    for param in dependant.query_params:
        yield param.alias
    for dependency in dependant.dependencies:
        yield from _query_names(dependency)


def _identify(request: Request) -> None:
    """Note who is calling, for the access log, when a call is refused before its caller is known."""
    authorization = request.headers.get("authorization")
    if not authorization:
        return
    services = get_services(request)
    with services.read() as session:
        try:
            request.state.fundbook_caller = authenticate(session, authorization, now=services.now())
        except Unauthenticated as exc:
            if isinstance(exc.caller, Caller):
                request.state.fundbook_caller = exc.caller
        finally:
            session.rollback()


def refuse_unknown_query(request: Request) -> None:
    """A query parameter the route does not declare is a 422, not silently ignored."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    known = _KNOWN_QUERY.get(id(route))
    if known is None:
        known = _KNOWN_QUERY[id(route)] = frozenset(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        _identify(request)
        allowed = ", ".join(sorted(known)) or "none"
        raise ValidationFailed(
            f"unknown query parameter {unknown[0][:40]!r}; this route takes: {allowed}"
        )


KnownQueryOnly = Depends(refuse_unknown_query)


AwaitingQuery = Annotated[
    Literal["me"] | None,
    Query(description="`me`: only what waits for the caller's own decision now (an inbox)"),
]
AmountQuery = Annotated[
    str | None, Query(max_length=20, description="an amount as in bodies, e.g. 800.00")
]
TextQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="text to look for, case-insensitively"),
]


def amount_of(name: str, text: str | None) -> Decimal | None:
    """A query parameter's amount, read as a body's amount is; a bad one is a 422."""
    if text is None:
        return None
    try:
        return parse_amount(text)
    except InvalidAmount as exc:
        raise ValidationFailed(f"{name}: {exc}") from None
