"""Fava on a Fundbook book, in the language the accountant asks for.

`make_app` builds Fava's Flask app for `HOME/book/main.beancount`, followed
by each sealed year's book (`HOME/book/years/YYYY/main.beancount`, newest
first) in Fava's ledger switcher, so history stays one click away while
an API write reloads only the live book; it makes sure Fava's import page has its configuration (`importers.py`) and its
statements directory; `serve` runs it with Fava's own WSGI server (cheroot).
The language overrides the book's `fava-option "language"` for this process
only: the book is not touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bankstatements.config import ensure_import_config
from ledger.layout import Layout

LANGUAGES = ("zh", "en")


class BookMissing(FileNotFoundError):
    """HOME holds no book (no book/main.beancount)."""


def prepare_home(home: Path) -> Layout:
    """Check HOME holds a book; write its import config and imports/ if missing.

    HOME may be relative (`fundbook fava demo-home`): it is made absolute here,
    since Beancount's loader asserts that every file it includes is absolute.
    """
    layout = Layout(home.resolve())
    if not layout.main.is_file():
        raise BookMissing(f"{layout.main} does not exist: is {home} a Fundbook HOME?")
    ensure_import_config(layout.book_dir)
    layout.imports_dir.mkdir(parents=True, exist_ok=True)
    return layout


def book_files(layout: Layout) -> list[Path]:
    """The live book, then each sealed year's book, newest first."""
    sealed = sorted(layout.years_dir.glob("[0-9][0-9][0-9][0-9]/main.beancount"), reverse=True)
    return [layout.main, *sealed]


LOGIN_PATH = "/extension/FundbookDesk/login"


def make_app(
    home: Path, *, language: str = "zh", read_only: bool = False, login: bool = False
) -> Any:
    """Fava's app on the book of `home`, speaking `language` ("zh" or "en").

    With `login`, every page of Fava and the desk needs a person logged in at
    the desk (`fava_fundbook.session`); Fava's static files and the login
    page itself do not.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    layout = prepare_home(home)
    from fava.application import create_app
    from flask import g

    app = create_app([str(path) for path in book_files(layout)], read_only=read_only)

    @app.before_request
    def _language() -> None:
        ledger = getattr(g, "ledger", None)
        if ledger is not None:
            ledger.fava_options.language = language

    if login:
        _require_login(app, layout.home)
    return app


def _require_login(app: Any, home: Path) -> None:
    from urllib.parse import quote

    from flask import Response, redirect, request

    from fava_fundbook.acting import desk_of
    from fava_fundbook.session import COOKIE

    desk = desk_of(home)

    def _logged_in() -> Any:
        path = request.path
        if path == "/" or path.startswith("/static/") or path.endswith(LOGIN_PATH):
            return None
        if desk.caller_of_cookie(request.cookies.get(COOKIE)) is not None:
            return None
        slug = path.strip("/").split("/")[0]
        if request.method == "GET" and "/api/" not in path:
            return redirect(f"/{quote(slug)}{LOGIN_PATH}?next={quote(path)}", code=303)
        return Response("log in at the desk first", status=401, mimetype="text/plain")

    # before Fava's own filters, which may reload the book for the request
    app.before_request_funcs.setdefault(None, []).insert(0, _logged_in)


def serve(app: Any, *, host: str, port: int) -> None:
    """Serve until interrupted."""
    from cheroot.wsgi import Server

    server = Server((host, port), app)
    try:
        server.start()
    except KeyboardInterrupt:
        server.stop()
