"""The access log: every use of a token, written after its answer is sent.

An ASGI middleware. Once the route has answered, it records who the token
stood for (set by `api.deps.get_caller`, also for a revoked or expired
token), the role, the method, the route's template and the status, through
`api.service.tokens.record`. It never sees the token, the body or the
query. Calls without a token someone issued are not logged (there is no
person to log).
"""

from __future__ import annotations

import datetime
import logging

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.service import tokens
from api.service.callers import Caller
from store.tables import AccessLog

log = logging.getLogger(__name__)


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            caller = scope.get("state", {}).get("fundbook_caller")
            if isinstance(caller, Caller):
                await self._record(scope, caller, status)

    async def _record(self, scope: Scope, caller: Caller, status: int) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "(unrouted)"
        entry = AccessLog(
            at=datetime.datetime.now(datetime.UTC),
            token_id=caller.token_id,
            person=caller.name,
            role=caller.role.value,
            org=caller.org,
            method=str(scope.get("method", ""))[:10],
            route=str(template)[:200],
            status=status,
        )
        services = getattr(scope["app"].state, "services", None)
        if services is None:
            return
        try:
            await anyio.to_thread.run_sync(tokens.record, services, entry)
        except Exception:  # the answer is sent; a log that cannot be written must not fail it
            log.exception("access log: could not record %s %s", entry.method, entry.route)
