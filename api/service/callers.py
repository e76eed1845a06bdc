"""Who is calling: tokens (stored as sha256 hashes) and the caller they stand for.

Separation of duties is by person name: two tokens with the same name are
one person.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from api.service.errors import Unauthenticated, ValidationFailed
from funds.model import SCOPED_ROLES, Role
from funds.registry import Registry
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
    session: Session, *, role: str, org: str | None, name: str, registry: Registry | None
) -> str:
    """Store the hash of a new token and return the token (shown once)."""
    parsed = check_token_fields(role=role, org=org, name=name, registry=registry)
    token = new_token()
    session.add(Token(token_hash=hash_token(token), role=parsed.value, org=org or None, name=name))
    session.commit()
    return token


def count_tokens(session: Session) -> int:
    statement = select(func.count()).select_from(Token).where(Token.revoked == False)  # noqa: E712
    return int(session.exec(statement).one())


def authenticate(session: Session, authorization: str | None) -> Caller:
    """The caller of an `Authorization: Bearer <token>` header."""
    if not authorization:
        raise Unauthenticated("send Authorization: Bearer <token>")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send Authorization: Bearer <token>")
    return caller_of_hash(session, hash_token(token.strip()))


def caller_of_hash(session: Session, digest: str) -> Caller:
    """The caller of the token whose hash is `digest` (a desk session keeps only the hash)."""
    row = session.exec(select(Token).where(Token.token_hash == digest)).first()
    if row is None or row.revoked:
        raise Unauthenticated("unknown token")
    return Caller(name=row.name, role=Role(row.role), org=row.org, token_hash=digest)
