"""Who is calling: tokens (stored as sha256 hashes) and the caller they stand for.

Separation of duties is by person name: two tokens with the same name are
one person.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from api.service.errors import Unauthenticated, ValidationFailed
from funds.model import SCOPED_ROLES, Role
from funds.registry import Registry
from store.engine import aware
from store.tables import Token

TOKEN_PREFIX = "fbk_"
NAME_LENGTH_MAX = 200


@dataclass(frozen=True, slots=True)
class Caller:
    """The person behind a token, the role they act in and the organization they act for."""

    name: str
    role: Role
    org: str | None
    token_hash: str
    token_id: int | None = None

    @property
    def district_wide(self) -> bool:
        return self.role not in SCOPED_ROLES


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def check_token_fields(*, role: str, org: str | None, name: str, registry: Registry | None) -> Role:
    """The role, if `role`, `org` and `name` describe a valid token; else ValidationFailed."""
    try:
        parsed = Role(role)
    except ValueError:
        raise ValidationFailed(f"unknown role {role!r}; one of {', '.join(Role)}") from None
    if not name.strip() or len(name) > NAME_LENGTH_MAX or not name.isprintable():
        raise ValidationFailed("name must be 1-200 printable characters")
    if parsed in SCOPED_ROLES:
        if not org:
            raise ValidationFailed(f"role {parsed.value} needs --org")
        if registry is not None:
            expected = {
                Role.COMMITTEE: "community",
                Role.COMMUNITY_PARTY: "community",
                Role.STREET: "street",
                Role.DEPARTMENT: "department",
            }[parsed]
            found = registry.orgs.get(org)
            if found is None or found.kind.value != expected:
                raise ValidationFailed(
                    f"role {parsed.value} needs a {expected} as --org, not {org!r}"
                )
    elif org:
        raise ValidationFailed(f"role {parsed.value} is district-wide and takes no --org")
    return parsed


def create_token(
    session: Session,
    *,
    role: str,
    org: str | None,
    name: str,
    registry: Registry | None,
    expires_at: datetime.datetime | None = None,
) -> str:
    """Store the hash of a new token and return the token (shown once).

    `expires_at` (aware): from then on the token is refused; None: it does not expire.
    """
    parsed = check_token_fields(role=role, org=org, name=name, registry=registry)
    if expires_at is not None and expires_at.tzinfo is None:
        raise ValidationFailed("expires_at must carry its time zone")
    token = new_token()
    session.add(
        Token(
            token_hash=hash_token(token),
            role=parsed.value,
            org=org or None,
            name=name,
            expires_at=expires_at,
        )
    )
    session.commit()
    return token


def count_tokens(session: Session) -> int:
    statement = (
        select(func.count())
        .select_from(Token)
        .where(Token.revoked == False)  # noqa: E712 - SQL comparison, not Python truth
        .where(
            or_(
                col(Token.expires_at).is_(None),
                col(Token.expires_at) > datetime.datetime.now(datetime.UTC),
            )
        )
    )
    return int(session.exec(statement).one())


def authenticate(
    session: Session, authorization: str | None, *, now: datetime.datetime | None = None
) -> Caller:
    """The caller of an `Authorization: Bearer <token>` header, at `now` (default: now)."""
    if not authorization:
        raise Unauthenticated("send Authorization: Bearer <token>")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send Authorization: Bearer <token>")
    return caller_of_hash(session, hash_token(token.strip()), now=now)


def caller_of_hash(
    session: Session, digest: str, *, now: datetime.datetime | None = None
) -> Caller:
    """The caller of the token whose hash is `digest` (a desk session keeps only the hash).

    Read from the database on every call, so a token revoked or expired is
    refused at once by every worker and host.
    """
    row = session.exec(select(Token).where(Token.token_hash == digest)).first()
    if row is None:
        raise Unauthenticated("unknown token")
    caller = Caller(
        name=row.name, role=Role(row.role), org=row.org, token_hash=digest, token_id=row.id
    )
    if row.revoked:
        raise Unauthenticated("the token was revoked", caller=caller)
    moment = now or datetime.datetime.now(datetime.UTC)
    if row.expires_at is not None and aware(row.expires_at) <= moment:
        raise Unauthenticated("the token has expired", caller=caller)
    return caller
