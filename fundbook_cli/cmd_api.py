"""`fundbook token create` and `fundbook serve`: tokens and the API server.

    fundbook token create HOME --role committee --org ST01C01 --name 张三
    fundbook serve HOME [--host 127.0.0.1] [--port 8000] [--workers 1] [--database-url URL]

`token create` prints the token on its last line, once; only its sha256 is
stored. `serve` migrates the database, refuses to start without a token, and
runs uvicorn with the app built by `app_from_env` (reports are wired in here,
the composition root, because `api` never imports `reports`). With several
workers the book is loaded once, before they are forked, and they share it.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from fundbook_cli.cmd_tokens import parse_expiry
from fundbook_cli.cmd_tokens import register as register_token_commands

ENV_HOME = "FUNDBOOK_HOME"


def report_renderer() -> Any:
    """`reports.api_renderer.render`, its failures translated into the API's port."""
    if importlib.util.find_spec("reports") is None:
        return None
    try:
        module = importlib.import_module("reports.api_renderer")
        errors = importlib.import_module("reports.errors")
    except ImportError:
        return None
    render = getattr(module, "render", None)
    if render is None:
        return None
    from api.reports_port import InvalidReportQuery, RenderedReport, UnknownReport

    def adapted(query: Any) -> RenderedReport:
        try:
            rendered = render(query)
        except errors.UnknownReport as exc:
            raise UnknownReport(str(exc)) from exc
        except (errors.UnknownFormat, errors.UnknownFund, errors.InvalidPeriod) as exc:
            raise InvalidReportQuery(str(exc)) from exc
        return RenderedReport(rendered.media_type, rendered.content, rendered.filename)

    return adapted


def app_from_env() -> FastAPI:
    """The app of each uvicorn worker, from FUNDBOOK_* environment variables."""
    from api.app import create_app
    from api.settings import Settings

    return create_app(Settings(), report_renderer=report_renderer())  # type: ignore[call-arg]


def database_url(home: Path, url: str | None) -> str:
    from store.workflow import database_url as find

    found = find(home, url)
    assert found is not None  # a HOME is given
    return found


def registry_of(home: Path) -> Any:
    from ledger import registry_io
    from ledger.layout import Layout

    layout = Layout(home)
    if not layout.registry.exists():
        return None
    book, _entries, _problems = registry_io.load_registry(layout)
    return book.registry


def create_token(
    home: Path,
    *,
    role: str,
    org: str | None,
    name: str,
    url: str | None = None,
    expires_at: datetime.datetime | None = None,
) -> str:
    """Migrate the database if needed and store a new token's hash; returns the token."""
    from sqlmodel import Session

    from api.service.callers import create_token as store_token
    from store.engine import make_engine
    from store.migrate import upgrade

    target = database_url(home, url)
    upgrade(target)
    engine = make_engine(target, pool_size=1)
    try:
        with Session(engine) as session:
            adopt_history(session, home)
            return store_token(
                session,
                role=role,
                org=org,
                name=name,
                registry=registry_of(home),
                expires_at=expires_at,
            )
    finally:
        engine.dispose()


def adopt_history(session: Any, home: Path) -> None:
    """The first time a database meets the book: record the book's chain head as its history.

    Entries up to that head were written before the database served the book
    (the demo's, an import's); the integrity report does not expect requests
    for them, and `fundbook check` holds the book to that head from now on.
    """
    from ledger import torn
    from ledger.anchor import read_key, sign
    from ledger.layout import Layout
    from store import anchors

    if anchors.anchors(session).get(anchors.ADOPTED) is not None:
        return
    seq, digest, _ids = torn.journal_state(Layout(home))
    key_file = os.environ.get("FUNDBOOK_CHAIN_KEY_FILE")
    key = read_key(Path(key_file).read_bytes()) if key_file else None
    if anchors.adopt(session, seq, digest, None if key is None else sign(key, seq, digest)):
        session.commit()


def _token_create(args: argparse.Namespace) -> int:
    from api.service.errors import ValidationFailed

    home = Path(args.home).resolve()
    if not (home / "book" / "main.beancount").exists():
        print(f"fundbook token: {home} holds no book", file=sys.stderr)
        return 1
    try:
        token = create_token(
            home,
            role=args.role,
            org=args.org,
            name=args.name,
            url=args.database_url,
            expires_at=args.expires,
        )
    except ValidationFailed as exc:
        print(f"fundbook token: {exc.detail}", file=sys.stderr)
        return 2
    where = f" for {args.org}" if args.org else ""
    if args.expires is not None:
        where += f", until {args.expires.isoformat(timespec='seconds')}"
    print(f"token of {args.name} ({args.role}{where}); it is shown once, only its hash is kept:")
    print(token)
    return 0


def count_tokens(url: str) -> int:
    from sqlmodel import Session

    from api.service.callers import count_tokens as count
    from store.engine import make_engine

    engine = make_engine(url, pool_size=1)
    try:
        with Session(engine) as session:
            return count(session)
    finally:
        engine.dispose()


def serve(
    home: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    url: str | None = None,
    log_level: str = "info",
) -> int:
    """Migrate, check that someone can authenticate, then run uvicorn until stopped."""
    import uvicorn

    from store.migrate import upgrade

    target = database_url(home, url)
    upgrade(target)
    if count_tokens(target) == 0:
        print(
            "fundbook serve: no API token exists, so nobody could authenticate; create one "
            "with `fundbook token create HOME --role ROLE [--org ORG] --name NAME`",
            file=sys.stderr,
        )
        return 2
    os.environ[ENV_HOME] = str(home.resolve())
    from store.workflow import ENV_DATABASE_URL

    os.environ[ENV_DATABASE_URL] = target  # the workers' database
    if workers <= 1:
        uvicorn.run(
            "fundbook_cli.cmd_api:app_from_env",
            factory=True,
            host=host,
            port=port,
            log_level=log_level,
            timeout_graceful_shutdown=5,
        )
        return 0
    return serve_forked(host=host, port=port, workers=workers, log_level=log_level)


def serve_forked(*, host: str, port: int, workers: int, log_level: str) -> int:
    """Load the book once, then fork `workers` uvicorn workers that share that load.

    Each worker serves the one listening socket; the parent only waits,
    passes SIGTERM and SIGINT on, and forks a new worker from the same
    loaded book when one dies (it catches up with the book incrementally).
    """
    import signal

    import uvicorn

    from api.app import create_app, preload
    from api.settings import Settings

    settings = Settings()  # type: ignore[call-arg]
    book = preload(settings)
    app = create_app(settings, report_renderer=report_renderer(), book=book)
    config = uvicorn.Config(
        app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5
    )
    listening = config.bind_socket()
    stopping = False
    children: set[int] = set()

    def fork() -> None:
        pid = os.fork()
        if pid == 0:  # a worker
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                uvicorn.Server(config).run(sockets=[listening])
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children.add(pid)

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                children.discard(pid)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        fork()
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        children.discard(pid)
        if not stopping:
            fork()
    listening.close()
    return 0


def _serve(args: argparse.Namespace) -> int:
    home = Path(args.home).resolve()
    if not (home / "book" / "main.beancount").exists():
        print(f"fundbook serve: {home} holds no book", file=sys.stderr)
        return 1
    return serve(
        home,
        host=args.host,
        port=args.port,
        workers=args.workers,
        url=args.database_url,
        log_level=args.log_level,
    )


def register(subparsers: Any) -> None:
    token = subparsers.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="create a token; prints it on the last line")
    create.add_argument("home", help="the district's HOME directory")
    create.add_argument("--role", required=True)
    create.add_argument("--org", default=None, help="community, street or department code")
    create.add_argument("--name", required=True, help="the person the token belongs to")
    create.add_argument("--database-url", default=None)
    create.add_argument(
        "--expires",
        type=parse_expiry,
        default=None,
        help="YYYY-MM-DD (works to the end of that day) or an ISO timestamp with offset",
    )
    create.set_defaults(handler=_token_create)
    register_token_commands(token_sub)

    server = subparsers.add_parser("serve", help="serve the HTTP API")
    server.add_argument("home", help="the district's HOME directory")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8000)
    server.add_argument("--workers", type=int, default=1)
    server.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL (default: sqlite file HOME/fundbook.db)",
    )
    server.add_argument("--log-level", default="info")
    server.set_defaults(handler=_serve)
