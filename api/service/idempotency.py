"""Idempotency keys: the same key, caller and body get the first response again.

The first POST with a key claims it (a row unique on caller and key, committed
at once); its use case then stores its response in the same session as its
state change. Concurrent POSTs with the key wait for that response; a POST with
another body gets `idempotency_conflict`. A failure that changed nothing is
stored as the response too; an unexpected crash releases the claim.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.service.errors import IdempotencyConflict, ValidationFailed
from store.tables import IdempotencyKey

KEY_LENGTH_MAX = 255
WAIT_S = 60.0


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


def claim(
    session_factory: Callable[[], Session],
    *,
    caller: str,
    key: str,
    print_: str,
    reader: Callable[[], Session] | None = None,
) -> int | Replay:
    """The id of a fresh claim on `key`, or the stored response of an earlier POST."""
    deadline = time.monotonic() + WAIT_S
    while True:
        with (reader or session_factory)() as session:
            found = session.exec(
                select(
                    IdempotencyKey.fingerprint, IdempotencyKey.status_code, IdempotencyKey.response
                ).where(IdempotencyKey.caller == caller, IdempotencyKey.key == key)
            ).first()
            session.rollback()
        if found is None:
            with session_factory() as session:
                try:
                    row = IdempotencyKey(caller=caller, key=key, fingerprint=print_)
                    session.add(row)
                    session.commit()
                    assert row.id is not None
                    return row.id
                except IntegrityError:
                    session.rollback()
                    continue  # another POST claimed it first
        stored_print, status_code, response = found
        if stored_print != print_:
            raise IdempotencyConflict("this Idempotency-Key was used with a different request body")
        if status_code is not None and response is not None:
            return Replay(status_code, json.loads(response))
        if time.monotonic() > deadline:
            raise IdempotencyConflict("a request with this Idempotency-Key is still in progress")
        time.sleep(0.02)


def record(session_factory: Callable[[], Session], claim_id: int, status: int, body: Any) -> None:
    """Store the response of a claim whose use case failed without changing anything."""
    with session_factory() as session:
        session.exec(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == claim_id)  # type: ignore[call-overload]
            .values(status_code=status, response=json.dumps(body, ensure_ascii=False))
        )
        session.commit()


def release(session_factory: Callable[[], Session], claim_id: int) -> None:
    with session_factory() as session:
        session.exec(delete(IdempotencyKey).where(IdempotencyKey.id == claim_id))  # type: ignore[call-overload]
        session.commit()
