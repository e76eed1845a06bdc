"""One exception class per user-facing failure; `api.problems` maps them to HTTP."""

from __future__ import annotations


class ServiceError(Exception):
    """A failure the caller should hear about, with a clear message."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Unauthenticated(ServiceError):
    """No token, a token nobody issued, or one revoked or expired.

    `caller` is whom a revoked or expired token stood for (for the access log).
    """

    def __init__(self, detail: str, *, caller: object | None = None) -> None:
        super().__init__(detail)
        self.caller = caller


class Forbidden(ServiceError):
    """The caller's role or scope may not do this."""


class NotFound(ServiceError):
    """No such resource in the caller's scope."""


class ValidationFailed(ServiceError):
    """The body is malformed: bad amount, unknown fund, text too long."""


class InsufficientFunds(ServiceError):
    """The amount exceeds what the fund has available."""


class InvalidTransition(ServiceError):
    """The request's state does not allow this, or it is not the caller's turn."""


class SelfApproval(ServiceError):
    """The deciding person submitted the request or decided an earlier step."""


class IdempotencyConflict(ServiceError):
    """The Idempotency-Key was used before with a different body."""


class NotConfigured(ServiceError):
    """This server has no such capability configured (e.g. no report renderer)."""


class CloseRefused(ServiceError):
    """The year cannot be closed yet; the detail lists everything that stands in the way."""


class PeriodClosed(ValidationFailed):
    """The date falls in a year already closed in the book."""
