"""The one table from service failures to `application/problem+json` responses (RFC 9457)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.service import errors

MEDIA_TYPE = "application/problem+json"

# exception class -> (status, code, title)
PROBLEMS: dict[type[errors.ServiceError], tuple[int, str, str]] = {
    errors.Unauthenticated: (401, "unauthenticated", "Authentication required"),
    errors.Forbidden: (403, "forbidden", "Not allowed"),
    errors.NotFound: (404, "not_found", "Not found"),
    errors.ValidationFailed: (422, "validation_error", "Invalid input"),
    errors.InsufficientFunds: (409, "insufficient_funds", "Insufficient funds"),
    errors.InvalidTransition: (409, "invalid_transition", "Invalid transition"),
    errors.SelfApproval: (403, "self_approval", "Separation of duties"),
    errors.IdempotencyConflict: (409, "idempotency_conflict", "Idempotency key reused"),
    errors.NotConfigured: (501, "not_configured", "Not configured"),
    errors.CloseRefused: (409, "close_refused", "The year cannot be closed"),
    errors.PeriodClosed: (422, "period_closed", "The year is closed"),
}

_BY_STATUS = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    422: "validation_error",
}


def problem_body(status: int, code: str, title: str, detail: str) -> dict[str, Any]:
    return {
        "type": f"https://fundbook.example/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }


def problem_response(status: int, code: str, title: str, detail: str) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(
        json.dumps(problem_body(status, code, title, detail), ensure_ascii=False),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def for_error(error: errors.ServiceError) -> tuple[int, dict[str, Any]]:
    """The status and body of the problem for a service failure."""
    for cls in type(error).__mro__:
        if cls in PROBLEMS:
            status, code, title = PROBLEMS[cls]  # type: ignore[index]
            return status, problem_body(status, code, title, error.detail)
    return 500, problem_body(500, "internal_error", "Internal error", error.detail)


async def on_service_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ServiceError)
    status, body = for_error(exc)
    return problem_response(status, body["code"], body["title"], body["detail"])


def describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts) or "invalid request"


async def on_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(422, "validation_error", "Invalid input", describe_validation(exc))


async def on_http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _BY_STATUS.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(jsonable_encoder(exc.detail))
    return problem_response(exc.status_code, code, code.replace("_", " ").capitalize(), detail)
