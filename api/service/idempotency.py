"""Idempotency keys: the same key, caller and body get the first response again.

The first POST with a key claims it (a row unique on caller and key, committed
at once); its use case then stores its response in the same session as its
state change. Concurrent POSTs with the key wait for that response; a POST with
another body gets `idempotency_conflict`. A failure that changed nothing is
stored as the response too; an unexpected exception releases the claim.

A claim is a lease: it names its owner (host, process id and a token of the
process's life) and runs until `lease_until`. A process killed between the
claim and the work's commit (kill -9, power loss) leaves a claim without a
response; a retry takes it over once its owner is seen dead (same host, the
process is gone or is another life of that id) or its lease ran out. The
takeover and the work's commit both match on the owner, and the response is
committed with the state change, so the work commits exactly once: a slow
owner whose claim was taken over finds its commit refused (`ClaimLost`) and
rolls back.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.service.errors import IdempotencyConflict, ValidationFailed
from store.engine import aware
from store.tables import IdempotencyKey, utcnow

KEY_LENGTH_MAX = 255
WAIT_S = 60.0
LEASE_S = 30.0


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim on a key: its row and the owner that holds it."""

    id: int
    owner: str


class ClaimLost(IdempotencyConflict):
    """The claim was taken over by a retry (its lease ran out): this work must not commit."""


_LIVES: dict[int, str] = {}  # pid -> a token of this process's life (a fork gets its own)


def owner() -> str:
    """This process's name as a claim's owner: host, pid and a token of this life of the pid."""
    pid = os.getpid()
    life = _LIVES.setdefault(pid, secrets.token_hex(6))
    return f"{socket.gethostname()}:{pid}:{life}"


def owner_dead(name: str | None) -> bool:
    """Whether the owner named `name` is known to be gone (only same-host owners can be known)."""
    if not name:
        return False
    parts = name.rsplit(":", 2)
    if len(parts) != 3:
        return False
    host, pid_text, _life_token = parts
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return name != owner()  # an earlier life of this pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True, slots=True)
class Replay:
    """The stored first response of a key."""

    status_code: int
    body: Any


def check_key(key: str) -> str:
    if not 1 <= len(key) <= KEY_LENGTH_MAX or not all(32 < ord(c) < 127 for c in key):
        raise ValidationFailed("Idempotency-Key must be 1-255 printable ASCII characters")
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _lease() -> datetime.datetime:
    return utcnow() + datetime.timedelta(seconds=LEASE_S)


def _expired(lease_until: datetime.datetime | None, created_at: datetime.datetime) -> bool:
    """Whether a claim's lease ran out (a claim from before leases runs LEASE_S from its creation)."""
    until = lease_until or created_at + datetime.timedelta(seconds=LEASE_S)
    return aware(until) < utcnow()


def claim(
    session_factory: Callable[[], Session],
    *,
    caller: str,
    key: str,
    print_: str,
    reader: Callable[[], Session] | None = None,
) -> Claim | Replay:
    """A fresh (or taken over) claim on `key`, or the stored response of an earlier POST."""
    deadline = time.monotonic() + WAIT_S
    me = owner()
    while True:
        with (reader or session_factory)() as session:
            found = session.exec(
                select(
                    IdempotencyKey.id,
                    IdempotencyKey.fingerprint,
                    IdempotencyKey.status_code,
                    IdempotencyKey.response,
                    IdempotencyKey.owner,
                    IdempotencyKey.lease_until,
                    IdempotencyKey.created_at,
                ).where(IdempotencyKey.caller == caller, IdempotencyKey.key == key)
            ).first()
            session.rollback()
        if found is None:
            with session_factory() as session:
                try:
                    row = IdempotencyKey(
                        caller=caller, key=key, fingerprint=print_, owner=me, lease_until=_lease()
                    )
                    session.add(row)
                    session.commit()
                    assert row.id is not None
                    return Claim(row.id, me)
                except IntegrityError:
                    session.rollback()
                    continue  # another POST claimed it first
        row_id, stored_print, status_code, response, held_by, lease_until, created_at = found
        if stored_print != print_:
            raise IdempotencyConflict("this Idempotency-Key was used with a different request body")
        if status_code is not None and response is not None:
            return Replay(status_code, json.loads(response))
        if owner_dead(held_by) or _expired(lease_until, created_at):
            taken = _take_over(session_factory, row_id, held_by, me)
            if taken is not None:
                return taken
            continue
        if time.monotonic() > deadline:
            raise IdempotencyConflict("a request with this Idempotency-Key is still in progress")
        time.sleep(0.02)


def _take_over(
    session_factory: Callable[[], Session], row_id: int, held_by: str | None, me: str
) -> Claim | None:
    """Move a dead or expired claim to `me`, unless someone answered or took it meanwhile."""
    with session_factory() as session:
        held = (
            IdempotencyKey.owner.is_(None)  # type: ignore[union-attr]
            if held_by is None
            else IdempotencyKey.owner == held_by
        )
        result = session.exec(  # type: ignore[call-overload]
            update(IdempotencyKey)
            .where(
                IdempotencyKey.id == row_id,  # type: ignore[arg-type]
                IdempotencyKey.response.is_(None),  # type: ignore[union-attr]
                held,
            )
            .values(owner=me, lease_until=_lease())
        )
        session.commit()
    return Claim(row_id, me) if result.rowcount == 1 else None


def settle(session: Session, held: Claim, status: int, body: str) -> None:
    """In the work's own session: store the response, or ClaimLost if the claim was taken over."""
    result = session.exec(  # type: ignore[call-overload]
        update(IdempotencyKey)
        .where(
            IdempotencyKey.id == held.id,  # type: ignore[arg-type]
            IdempotencyKey.owner == held.owner,
            IdempotencyKey.response.is_(None),  # type: ignore[union-attr]
        )
        .values(status_code=status, response=body, lease_until=None)
    )
    if result.rowcount != 1:
        raise ClaimLost(
            "this request's Idempotency-Key was taken over by a retry; retry to get its response"
        )


def record(session_factory: Callable[[], Session], held: Claim, status: int, body: Any) -> None:
    """Store the response of a claim whose use case failed without changing anything."""
    with session_factory() as session:
        try:
            settle(session, held, status, json.dumps(body, ensure_ascii=False))
        except ClaimLost:
            session.rollback()
            return
        session.commit()


def release(session_factory: Callable[[], Session], held: Claim) -> None:
    with session_factory() as session:
        session.exec(
            delete(IdempotencyKey).where(  # type: ignore[call-overload]
                IdempotencyKey.id == held.id,
                IdempotencyKey.owner == held.owner,
                IdempotencyKey.response.is_(None),  # type: ignore[union-attr]
            )
        )
        session.commit()
