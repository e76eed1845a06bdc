"""The desk acts through the API's own service layer: paying, voiding, recording money in.

A person logged in at the desk (`fava_fundbook.session`) is the same `Caller`
the API would see for their token, and each action runs the API's use case
(`api.service.disbursements.pay`, `.void`, `api.service.contributions.record`)
through `api.run.perform` with the same path, body and Idempotency-Key rules:
separation of duties, scope, dates, holds and every other check apply
unchanged, a form sent twice (a double click, a reload) answers the first
result again, and the book records the person (`paid_by`, `voided_by`,
`recorded_by`). The services (database, book, writer) are wired once per HOME
and process, on the first action, without migrating the database: it is the
API's (`fundbook serve` migrates it).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import Unauthenticated
from fava_fundbook.session import Sessions, hash_token
from fava_fundbook.workflow import WorkflowUnavailable, database_url, read_only_engine
from store.workflow import read_session


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action answered: the API's status and body (a problem when status >= 400)."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def code(self) -> str:
        return str(self.body.get("code", "")) if isinstance(self.body, dict) else ""

    @property
    def detail(self) -> str:
        return str(self.body.get("detail", "")) if isinstance(self.body, dict) else ""


def _invalid(exc: ValidationError) -> Outcome:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return Outcome(422, {"code": "validation_error", "detail": "; ".join(parts)})


class Desk:
    """The acting desk of one HOME: who is logged in, and the use cases they run."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.sessions = Sessions(home)
        self._lock = threading.Lock()
        self._services: Services | None = None
        self._engine: Any = None
        self._engine_url: str | None = None

    # -- who ----------------------------------------------------------------

    def _reader(self) -> Any:
        url = database_url(self.home / "book")
        with self._lock:
            if self._engine is None or self._engine_url != url:
                self._engine = read_only_engine(url)
                self._engine_url = url
            return read_session(self._engine)

    def caller(self, token_hash: str | None) -> Caller | None:
        """The person of a session's token hash, or None (unknown, revoked, no database)."""
        from api.service.callers import caller_of_hash

        if not token_hash:
            return None
        try:
            with self._reader() as session:
                return caller_of_hash(session, token_hash)
        except (Unauthenticated, WorkflowUnavailable):
            return None
        except Exception:  # an unreadable database is no login
            return None

    def login(self, token: str) -> Caller | None:
        """The person a pasted token belongs to, or None.

        A login starts wiring the services in the background: the first
        action then does not wait for the book's first load.
        """
        person = self.caller(hash_token(token)) if token.strip() else None
        if person is not None and self._services is None:
            threading.Thread(target=self._warm, daemon=True, name="fundbook-desk-warm").start()
        return person

    def _warm(self) -> None:
        try:
            self.services()
        except Exception:  # the first action reports it
            return

    def caller_of_cookie(self, cookie: str | None) -> Caller | None:
        return self.caller(self.sessions.token_hash(cookie))

    # -- acting -------------------------------------------------------------

    def services(self) -> Services:
        from api.app import build_services
        from api.settings import Settings

        with self._lock:
            if self._services is None:
                url = database_url(self.home / "book")
                settings = Settings(home=self.home, database_url=url, migrate_on_start=False)
                self._services, _engine = build_services(settings)
            return self._services

    def _perform(
        self, caller: Caller, *, path: str, fields: dict[str, Any], key: str, use: Any
    ) -> Outcome:
        from api.run import perform

        body = json.dumps(fields, ensure_ascii=False).encode()
        services = self.services()
        status, answer = perform(
            services=services,
            caller=caller,
            key=key or None,
            method="POST",
            path=path,
            body=body,
            status=201 if path in ("/v1/contributions", "/v1/closes") else 200,
            action=lambda uow: use(uow, services, body),
        )
        return Outcome(status, answer)

    def pay(
        self, caller: Caller, *, code: str, paid_on: str, bank_reference: str, key: str
    ) -> Outcome:
        from api.schemas import PaymentCreate
        from api.service import disbursements

        fields = {"paid_on": paid_on, "bank_reference": bank_reference}
        try:
            PaymentCreate.model_validate_json(json.dumps(fields))
        except ValidationError as exc:
            return _invalid(exc)
        return self._perform(
            caller,
            path=f"/v1/disbursements/{code}/payment",
            fields=fields,
            key=key,
            use=lambda uow, services, body: disbursements.pay(
                uow=uow,
                services=services,
                caller=caller,
                code=code,
                body=PaymentCreate.model_validate_json(body),
            ),
        )

    def void(self, caller: Caller, *, code: str, reason: str, key: str) -> Outcome:
        from api.schemas import VoidCreate
        from api.service import disbursements

        fields = {"reason": reason}
        try:
            VoidCreate.model_validate_json(json.dumps(fields))
        except ValidationError as exc:
            return _invalid(exc)
        return self._perform(
            caller,
            path=f"/v1/disbursements/{code}/void",
            fields=fields,
            key=key,
            use=lambda uow, services, body: disbursements.void(
                uow=uow,
                services=services,
                caller=caller,
                code=code,
                body=VoidCreate.model_validate_json(body),
            ),
        )

    def contribute(self, caller: Caller, *, fields: dict[str, Any], key: str) -> Outcome:
        from api.schemas import ContributionCreate
        from api.service import contributions

        try:
            ContributionCreate.model_validate_json(json.dumps(fields))
        except ValidationError as exc:
            return _invalid(exc)
        return self._perform(
            caller,
            path="/v1/contributions",
            fields=fields,
            key=key,
            use=lambda uow, services, body: contributions.record(
                uow=uow,
                services=services,
                caller=caller,
                body=ContributionCreate.model_validate_json(body),
            ),
        )

    def close(self, caller: Caller, *, year: str, allow: list[str], key: str) -> Outcome:
        """The year-end close, as `POST /v1/closes` books it (`api.service.closes`)."""
        from api.schemas import CloseCreate
        from api.service import closes

        fields = {"year": year, "allow_unreconciled": allow}
        try:
            CloseCreate.model_validate_json(json.dumps(fields))
        except ValidationError as exc:
            return _invalid(exc)
        return self._perform(
            caller,
            path="/v1/closes",
            fields=fields,
            key=key,
            use=lambda uow, services, body: closes.close_year(
                uow=uow,
                services=services,
                caller=caller,
                body=CloseCreate.model_validate_json(body),
            ),
        )


_DESKS: dict[Path, Desk] = {}
_DESKS_LOCK = threading.Lock()


def desk_of(home: Path) -> Desk:
    """The process's one `Desk` of `home` (Fava's app and its extension share it)."""
    home = home.resolve()
    with _DESKS_LOCK:
        if home not in _DESKS:
            _DESKS[home] = Desk(home)
        return _DESKS[home]
