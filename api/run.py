"""Running a state-changing use case for a POST: idempotency, one unit of work, problems.

    run_post(request, services, caller, key, status=201, action=lambda uow: ...)

With an Idempotency-Key the first POST claims the key and its use case stores
its response in the same commit as its state change; later POSTs with the key
get that response again (after making sure the outbox reached the book).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api import problems
from api.service import idempotency, outbox
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import ServiceError
from api.service.unit import UnitOfWork


def _json(status: int, body: Any) -> Response:
    media = problems.MEDIA_TYPE if status >= 400 else "application/json"
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=media)


async def run_post(
    request: Request,
    services: Services,
    caller: Caller,
    key: str | None,
    *,
    status: int,
    action: Callable[[UnitOfWork], Any],
) -> Response:
    body = await request.body()
    return await run_in_threadpool(
        lambda: _run(
            services=services,
            caller=caller,
            key=key,
            method=request.method,
            path=request.url.path,
            body=body,
            status=status,
            action=action,
        )
    )


def _run(
    *,
    services: Services,
    caller: Caller,
    key: str | None,
    method: str,
    path: str,
    body: bytes,
    status: int,
    action: Callable[[UnitOfWork], Any],
) -> Response:
    return _json(
        *perform(
            services=services,
            caller=caller,
            key=key,
            method=method,
            path=path,
            body=body,
            status=status,
            action=action,
        )
    )


def perform(
    *,
    services: Services,
    caller: Caller,
    key: str | None,
    method: str,
    path: str,
    body: bytes,
    status: int,
    action: Callable[[UnitOfWork], Any],
) -> tuple[int, Any]:
    """Run `action` once per Idempotency-Key: its status and body, or its problem's.

    Any front end acting for a caller (the API's routes, the Fava desk) runs
    its use cases through here, so the same key and body answer the same.
    """
    claim: idempotency.Claim | None = None
    uow: UnitOfWork | None = None
    try:
        if key is not None:
            idempotency.check_key(key)
            found = idempotency.claim(
                services.session_factory,
                reader=services.read,
                caller=caller.token_hash,
                key=key,
                print_=idempotency.fingerprint(method, path, body),
            )
            if isinstance(found, idempotency.Replay):
                outbox.deliver(services.session_factory, services.book, reader=services.read)
                return found.status_code, found.body
            claim = found
        with UnitOfWork(
            session_factory=services.session_factory,
            book=services.book,
            reader=services.read,
            claim=claim,
            claim_status=status,
        ) as uow:
            result = action(uow)
    except ServiceError as error:
        code, problem = problems.for_error(error)
        if claim is not None and (uow is None or not uow.committed):
            # a failure after the commit (delivering to the book) keeps the committed response
            idempotency.record(services.session_factory, claim, code, problem)
        return code, problem
    except BaseException:
        if claim is not None and (uow is None or not uow.committed):
            idempotency.release(services.session_factory, claim)
        raise
    return status, result
