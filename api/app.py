"""`create_app(settings)`: the FastAPI application, built on demand, never at import time.

On start the app migrates the database (Alembic), refuses to run without any
token, loads the book once (balances, public payments and the seed of source
tracing all come from that one load; `preload` does it before workers fork,
so they share it), refusing a torn tail that may hold a delivered entry (see
`ledger.torn`), records the book's chain head as the database's adopted
history the first time, and reconciles: every posting still in the outbox is
delivered to the book exactly once. A background sweeper then expires stale
requests and delivers what a crashed worker left behind.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import docs, openapi, problems
from api.access_log import AccessLogMiddleware
from api.deps import KnownQueryOnly
from api.problem_language import ProblemLanguage
from api.reports_port import ReportRenderer
from api.routes import (
    allocations,
    closes,
    contributions,
    disbursements,
    documents,
    funds,
    grants,
    health,
    me,
    orgs,
    pledges,
    public,
    reports,
    tokens,
)
from api.service import disbursements as requests_service
from api.service import outbox, tracing
from api.service.book import BookState
from api.service.callers import count_tokens
from api.service.context import Services
from api.service.errors import ServiceError
from api.service.witness import DatabaseWitness, adopt_book
from api.settings import Settings
from ledger.loading import Loaded
from store.engine import make_engine, reading
from store.migrate import upgrade

log = logging.getLogger("fundbook.api")


class NoAuthentication(RuntimeError):
    """The server has no token: nobody could authenticate, so it does not start."""


def build_services(settings: Settings, *, book: BookState | None = None) -> tuple[Services, object]:
    """Engine, session factory and book of a HOME (the engine is returned to dispose of it).

    Without `book` the book is loaded here, once, and source tracing is seeded
    from that load; with one (see `preload`) nothing is loaded again.
    """
    if settings.migrate_on_start:
        upgrade(settings.url)
    engine = make_engine(settings.url, pool_size=settings.db_pool_size)
    factory = sessionmaker(engine, class_=Session, expire_on_commit=False)
    reader = sessionmaker(reading(engine), class_=Session, expire_on_commit=False)
    key = settings.chain_key
    loaded: list[Loaded] = []
    if book is None:
        book = BookState(
            settings.layout,
            witness=DatabaseWitness(factory),
            chain_key=key,
            on_load=loaded.append,
        )
    adopt_book(factory, book.writer.head(), key)
    services = Services(
        session_factory=factory,
        reader=reader,
        book=book,
        request_ttl=datetime.timedelta(seconds=settings.request_ttl_seconds),
        zone=ZoneInfo(settings.timezone),
    )
    if loaded:
        tracing.seed(services, loaded.pop()[0])
    return services, engine


def preload(settings: Settings) -> BookState:
    """The book of a HOME, loaded once and with source tracing seeded, for workers to share.

    Call it before forking the workers and pass the result to `create_app(book=...)`:
    the process opens no connection that outlives this call and starts no thread.
    """
    services, engine = build_services(settings)
    engine.dispose()  # type: ignore[attr-defined]
    return services.book


def sweep(services: Services) -> None:
    """Deliver undelivered postings and expire stale requests, fund by fund."""
    outbox.deliver(services.session_factory, services.book, reader=services.read)
    outbox.mark_delivered(services.session_factory, services.book)
    requests_service.expire_due(services)


def _sweeper(services: Services, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            sweep(services)
        except Exception:  # keep sweeping; the next round retries
            log.exception("sweep failed")


def create_app(
    settings: Settings,
    *,
    report_renderer: ReportRenderer | None = None,
    book: BookState | None = None,
) -> FastAPI:
    """The API of one HOME; `report_renderer` serves /v1/reports (501 without one).

    `book` is the book already loaded by `preload` (workers forked after it
    share that load); without it the app loads the book when it starts.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services, engine = build_services(settings, book=book)
        with services.session_factory() as session:
            if count_tokens(session) == 0:
                raise NoAuthentication(
                    "no API token exists: create one with `fundbook token create HOME "
                    "--role ROLE [--org ORG] --name NAME` before serving"
                )
            session.rollback()
        sweep(services)
        app.state.services = services
        stop = threading.Event()
        thread = threading.Thread(
            target=_sweeper,
            args=(services, settings.sweep_interval_seconds, stop),
            daemon=True,
            name="fundbook-sweeper",
        )
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)
            outbox.mark_delivered(services.session_factory, services.book)
            engine.dispose()  # type: ignore[attr-defined]

    app = FastAPI(
        title="Fundbook API",
        version="1",
        description="Disbursement requests, approvals, holds and payments of a district "
        "community development foundation, booked in its Beancount book.",
        lifespan=lifespan,
        docs_url=None,  # api.docs serves /docs and /redoc from packaged assets, not a CDN
        redoc_url=None,
    )
    app.state.report_renderer = report_renderer
    app.add_middleware(ProblemLanguage)
    app.add_middleware(AccessLogMiddleware)
    app.add_exception_handler(ServiceError, problems.on_service_error)
    app.add_exception_handler(RequestValidationError, problems.on_validation_error)
    app.add_exception_handler(StarletteHTTPException, problems.on_http_error)
    app.include_router(docs.router)
    openapi.install(app)
    for module in (
        health,
        me,
        orgs,
        funds,
        disbursements,
        documents,
        contributions,
        closes,
        reports,
        pledges,
        allocations,
        grants,
        public,
        tokens,
    ):
        app.include_router(module.router, dependencies=[KnownQueryOnly])
    return app
