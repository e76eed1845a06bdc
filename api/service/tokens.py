"""Tokens after they are made: listed, revoked, rotated, and the log of their use.

A token is never deleted: revoking it stamps `revoked_at` and it is refused
from then on (see `api.service.callers.caller_of_hash`, which reads the
database on every call, so every worker refuses it at once). Rotating a token
revokes it and gives its person a new one, with the same role, organization
and expiry. The access log keeps who used a token, in which role, on which
route and with what status; never the token, and never a body.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlmodel import Session, col, select

from api.service.callers import Caller, hash_token, new_token
from api.service.context import Services
from api.service.errors import Forbidden, NotFound
from funds.model import Role
from store.engine import aware
from store.tables import AccessLog, Token

ACCESS_LOG_READERS = frozenset({Role.AUDITOR, Role.ADMIN})


def status_of(row: Token, now: datetime.datetime) -> str:
    if row.revoked:
        return "revoked"
    if row.expires_at is not None and aware(row.expires_at) <= now:
        return "expired"
    return "active"


def _iso(moment: datetime.datetime | None, services: Services | None) -> str | None:
    if moment is None:
        return None
    moment = aware(moment)
    if services is not None:
        moment = moment.astimezone(services.zone)
    return moment.isoformat(timespec="seconds")


def token_view(
    row: Token, now: datetime.datetime, services: Services | None = None
) -> dict[str, Any]:
    """What may be shown of a token: never its secret, nor its hash."""
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "org": row.org,
        "created_at": _iso(row.created_at, services),
        "expires_at": _iso(row.expires_at, services),
        "revoked_at": _iso(row.revoked_at, services),
        "status": status_of(row, now),
    }


def rows(session: Session) -> list[Token]:
    return list(session.exec(select(Token).order_by(col(Token.id))))


def revoke_row(session: Session, token_id: int, now: datetime.datetime) -> Token:
    """Revoke token `token_id` (again is harmless); commits."""
    row = session.get(Token, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    if not row.revoked:
        row.revoked = True
        row.revoked_at = now
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


def rotate_row(session: Session, token_id: int, now: datetime.datetime) -> tuple[Token, str]:
    """Revoke token `token_id` and make its person a new one like it; commits once."""
    row = session.get(Token, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    token = new_token()
    fresh = Token(
        token_hash=hash_token(token),
        role=row.role,
        org=row.org,
        name=row.name,
        expires_at=row.expires_at,
    )
    if not row.revoked:
        row.revoked = True
        row.revoked_at = now
        session.add(row)
    session.add(fresh)
    session.commit()
    session.refresh(fresh)
    return fresh, token


def _admin(caller: Caller) -> None:
    if caller.role is not Role.ADMIN:
        raise Forbidden(f"only an admin manages tokens, not a {caller.role.value}")


def list_tokens(*, services: Services, caller: Caller) -> list[dict[str, Any]]:
    _admin(caller)
    now = services.now()
    with services.read() as session:
        return [token_view(row, now, services) for row in rows(session)]


def revoke(*, services: Services, caller: Caller, token_id: int) -> dict[str, Any]:
    _admin(caller)
    now = services.now()
    with services.session_factory() as session:
        return token_view(
            revoke_row(session, token_id, now.astimezone(datetime.UTC)), now, services
        )


def record(services: Services, entry: AccessLog) -> None:
    """Append one use of a token to the access log, in its own session."""
    with services.session_factory() as session:
        session.add(entry)
        session.commit()


def access_log(
    *,
    services: Services,
    caller: Caller,
    person: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The uses of tokens, newest first (auditor and admin)."""
    if caller.role not in ACCESS_LOG_READERS:
        raise Forbidden(f"a {caller.role.value} does not read the access log")
    with services.read() as session:
        statement = select(AccessLog)
        if person is not None:
            statement = statement.where(AccessLog.person == person)
        statement = statement.order_by(col(AccessLog.id).desc()).offset(offset).limit(limit)
        return [
            {
                "at": _iso(row.at, services),
                "person": row.person,
                "role": row.role,
                "org": row.org,
                "token_id": row.token_id,
                "method": row.method,
                "route": row.route,
                "status": row.status,
            }
            for row in session.exec(statement)
        ]
