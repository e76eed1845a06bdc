"""The Fundbook desk: a Fava report page for the foundation's accountants.

Enabled in the book with

    2000-01-01 custom "fava-extension" "fava_fundbook"

Its page (`/<slug>/extension/FundbookDesk/`) shows every fund's balance, held
and available amounts with a small history, the approved requests waiting for
payment, the reconciliation status of every bank account and links to the
audit reports. The book's figures are computed once per load of the book
(Fava calls `after_load_file` when it reloads), never per request; the
workflow database is read (read-only, a few small queries) per request.

The report links open the audit reports right in Fava
(`/<slug>/extension/FundbookDesk/report?name=...&from=...&to=...&format=...`),
rendered from the book Fava has already loaded, so an accountant needs no API
token and no second load of the book. An optional config also names the API
whose `/v1/reports/{name}` serves the same reports to token holders:

    2000-01-01 custom "fava-extension" "fava_fundbook" "{'api': 'https://fundbook.example'}"
"""

from __future__ import annotations

import contextlib
import datetime
import os
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

from fava.ext import FavaExtensionBase, extension_endpoint
from flask import Response, request
from markupsafe import Markup

from bankstatements.config import IMPORT_CONFIG, ensure_import_config
from fava_fundbook import pages
from fava_fundbook.acting import Outcome, desk_of
from fava_fundbook.figures import Desk, compute_desk
from fava_fundbook.guard import refused_target
from fava_fundbook.labels import REPORTS, label
from fava_fundbook.sparkline import sparkline_svg
from fava_fundbook.workflow import (
    Workflow,
    WorkflowUnavailable,
    database_url,
    read_only_engine,
    read_workflow,
)
from funds.money import ZERO, format_amount
from ledger.accounts import RECONCILIATION_DAYS_MAX
from store import workflow as workflow_model

STALE_DAYS = RECONCILIATION_DAYS_MAX


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    from fava_fundbook.workflow import DEFAULT_TIMEZONE, ENV_TIMEZONE

    return ZoneInfo(os.environ.get(ENV_TIMEZONE, DEFAULT_TIMEZONE))


ENV_API_URL = "FUNDBOOK_API_URL"


class FundbookDesk(FavaExtensionBase):
    """Fund balances, payment queue, reconciliation and reports for accountants."""

    report_title = "Fundbook"

    def __init__(self, ledger: Any, config: str | None = None) -> None:
        super().__init__(ledger, config)
        self._lock = threading.Lock()
        self._desk: Desk | None = None
        self._desk_key: tuple[int, datetime.date] | None = None
        self._engine: Any = None
        self._engine_url: str | None = None
        self._ensure_import_config()

    def _ensure_import_config(self) -> None:
        """Write the book's import config if the book names it and it is missing.

        Fava builds its extensions before it reads the import config, so a book
        opened with plain `fava` has its statement importers too.
        """
        name = getattr(self.ledger.fava_options, "import_config", None)
        if name != IMPORT_CONFIG:
            return
        # A read-only book: Fava reports the missing config itself.
        with contextlib.suppress(OSError):
            ensure_import_config(self.book_dir)

    # -- the book's figures, once per load ---------------------------------

    def after_load_file(self) -> None:
        with self._lock:
            self._desk = None
            self._desk_key = None

    def desk(self) -> Desk:
        """The book's figures, computed once per load of the book (and per day in the district)."""
        today = datetime.datetime.now(_zone()).date()
        key = (id(self.ledger.all_entries), today)
        with self._lock:
            if self._desk is None or self._desk_key != key:
                self._desk = compute_desk(self.ledger.all_entries, today)
                self._desk_key = key
            return self._desk

    # -- Fava never rewrites the journal ----------------------------------

    def before_request(self) -> None:
        from flask import abort, jsonify, request

        params: dict[str, Any] = dict(request.args)
        if request.method in ("PUT", "POST", "DELETE"):
            params.update(request.form)
            body = request.get_json(silent=True)
            if isinstance(body, dict):
                params.update(body)
        target = refused_target(
            endpoint=request.endpoint,
            method=request.method,
            params=params,
            book_dir=self.book_dir,
            filename_of_entry=self._filename_of_entry,
        )
        if target is not None:
            response = jsonify(
                {
                    "error": f"{target.name} is Fundbook's journal: only Fundbook "
                    "appends to it. Correct an entry with a new entry in "
                    "manual.beancount."
                }
            )
            response.status_code = 403
            abort(response)

    def _filename_of_entry(self, entry_hash: str) -> str | None:
        try:
            entry = self.ledger.get_entry(entry_hash)
        except Exception:  # an unknown hash: Fava answers that itself
            return None
        filename = entry.meta.get("filename") if entry.meta else None
        return filename if isinstance(filename, str) else None

    # -- the workflow database, per request --------------------------------

    @property
    def book_dir(self) -> Path:
        return Path(self.ledger.beancount_file_path).resolve().parent

    def workflow(self) -> Workflow | str:
        """Holds and the payment queue, or why the workflow database cannot be read."""
        url = database_url(self.book_dir)
        try:
            with self._lock:
                if self._engine is None or self._engine_url != url:
                    if self._engine is not None:
                        self._engine.dispose()
                    self._engine = read_only_engine(url)
                    self._engine_url = url
                engine = self._engine
            return read_workflow(engine)
        except WorkflowUnavailable as exc:
            return str(exc)

    def fund_rows(self, workflow: Workflow | str) -> list[dict[str, Any]]:
        """Every fund with balance, held, available and its history's sparkline."""
        known = isinstance(workflow, Workflow)
        held = workflow.held if isinstance(workflow, Workflow) else {}
        rows = []
        show_all = self.show_all_funds()
        for fund in self.desk().funds:
            fund_held = held.get(fund.code, ZERO)
            if not (show_all or fund.active or fund.balance or fund_held):
                continue
            rows.append(
                {
                    "code": fund.code,
                    "name_zh": fund.name_zh,
                    "kind": fund.kind,
                    "balance": fund.balance,
                    "held": fund_held if known else None,
                    # As the API reports it: balance − held, never below zero; unknown
                    # (a dash) when the holds cannot be read.
                    "available": workflow_model.available(fund.balance, fund_held)
                    if known
                    else None,
                    "sparkline": Markup(sparkline_svg(fund.history)),  # noqa: S704
                }
            )
        return rows

    @staticmethod
    def show_all_funds() -> bool:
        """`?funds=all` lists every registered fund; by default only those with activity."""
        from flask import has_request_context

        return has_request_context() and request.args.get("funds") == "all"

    def hidden_funds(self) -> int:
        """How many funds without any activity the default view leaves out."""
        return sum(1 for fund in self.desk().funds if not fund.active and not fund.balance)

    def queue(self, workflow: Workflow) -> list[Any]:
        """The payment queue, sorted by `?sort=` date (approval, the default) or fund."""
        rows = list(workflow.approved)
        if request.args.get("sort") == "fund":
            rows.sort(key=lambda r: (r.fund, r.approved_at, r.code))
        else:
            rows.sort(key=lambda r: (r.approved_at, r.code))
        return rows

    def sort(self) -> str:
        return "fund" if request.args.get("sort") == "fund" else "date"

    def reconcile_bank(self) -> str | None:
        """The bank whose statement lines the desk shows (`?bank=ICBC`), if it is one."""
        from flask import has_request_context

        key = request.args.get("bank") if has_request_context() else None
        return key if key and any(bank.key == key for bank in self.desk().banks) else None

    def reconciliation(self, key: str) -> list[dict[str, Any]]:
        """Each statement of bank `key` in HOME/imports/, its lines matched, suggested or not."""
        from bankstatements.importer import BankStatementImporter
        from bankstatements.statement import StatementError

        bank = next(bank for bank in self.desk().banks if bank.key == key)
        importer = BankStatementImporter(
            key=bank.key, number=bank.number, name_zh=bank.name_zh, book_dir=self.book_dir
        )
        imports = self.home / "imports"
        files = sorted(imports.iterdir()) if imports.is_dir() else []
        statements = []
        for path in files:
            if not path.is_file() or not importer.identify(str(path)):
                continue
            try:
                lines = importer.classify(str(path), self.ledger.all_entries)
            except (OSError, StatementError) as exc:
                statements.append({"name": path.name, "error": str(exc), "lines": []})
                continue
            counts = dict.fromkeys(("matched", "suggested", "unmatched"), 0)
            for item in lines:
                counts[item.status] += 1
            statements.append({"name": path.name, "error": "", "lines": lines, "counts": counts})
        return statements

    def fund_names(self) -> dict[str, str]:
        return {fund.code: fund.name_zh for fund in self.desk().funds}

    # -- presentation helpers for the template -----------------------------

    def language(self) -> str:
        """ "en" when Fava speaks English, else "zh" (the book's default)."""
        try:
            from flask_babel import get_locale

            locale = get_locale()
        except (ImportError, RuntimeError):
            locale = None
        if locale is not None and str(locale).startswith("en"):
            return "en"
        option = getattr(self.ledger.fava_options, "language", None) or "zh"
        return "en" if str(option).startswith("en") else "zh"

    def t(self, key: str) -> str:
        return label(key, self.language())

    @staticmethod
    def money(value: Decimal | None) -> str:
        """An amount as the page shows it: "1,234.50" (None as a dash)."""
        return "—" if value is None else f"{Decimal(format_amount(value)):,.2f}"

    def bank_state(self, days_since: int | None, difference: Decimal | None) -> str:
        """ok, difference, stale or never: the reconciliation state of a bank account."""
        if days_since is None:
            return "never"
        if difference is not None and difference != 0:
            return "difference"
        if days_since > STALE_DAYS:
            return "stale"
        return "ok"

    def api_url(self) -> str | None:
        config = self.config if isinstance(self.config, dict) else {}
        url = config.get("api") or os.environ.get(ENV_API_URL)
        return str(url).rstrip("/") if url else None

    def reports(self) -> list[dict[str, str]]:
        """The audit reports: this year's, in Fava, through the API, and from the CLI."""
        api = self.api_url()
        home = self.book_dir.parent
        year = datetime.datetime.now(_zone()).year
        period = f"from={year}-01-01&to={year}-12-31"
        return [
            {
                "name": name,
                "title": label(f"report.{name}", self.language()),
                "href": f"report?name={name}&{period}&format=html&lang={self.language()}",
                "api": f"{api}/v1/reports/{name}?{period}&format=html" if api else "",
                "cli": f"fundbook report {name} {home} --from {year}-01-01 --to {year}-12-31 --format html",
            }
            for name in REPORTS
        ]

    # -- acting: login, pay, void, record money received ---------------------

    @property
    def home(self) -> Path:
        return self.book_dir.parent

    def person(self) -> Any:
        """The person logged in at the desk (an API Caller), or None."""
        from fava_fundbook.session import COOKIE

        return desk_of(self.home).caller_of_cookie(request.cookies.get(COOKIE))

    def csrf(self) -> str:
        person = self.person()
        return desk_of(self.home).sessions.csrf(person.token_hash) if person else ""

    @staticmethod
    def form_key(action: str, code: str = "") -> str:
        """A fresh Idempotency-Key for one rendered form: sending it twice acts once."""
        import secrets

        return f"desk-{action}-{code}-{secrets.token_hex(8)}"

    def today(self) -> str:
        return datetime.datetime.now(_zone()).date().isoformat()

    def notice(self) -> dict[str, str]:
        """The outcome of the last action, from the query string after its redirect."""
        args = request.args
        return {key: args[key] for key in ("done", "what", "error", "detail") if args.get(key)}

    def role_name(self, role: str) -> str:
        return label(f"role.{role}", self.language())

    def _desk_url(self, **query: str) -> str:
        from urllib.parse import urlencode

        base = request.path.rsplit("/", 1)[0] + "/"
        return base + ("?" + urlencode(query) if query else "")

    def _answer(self, outcome: Outcome, action: str, what: str) -> Response:
        from flask import redirect

        if outcome.ok:
            return redirect(self._desk_url(done=action, what=what), code=303)  # type: ignore[return-value]
        return redirect(  # type: ignore[return-value]
            self._desk_url(error=outcome.code or "internal_error", detail=outcome.detail[:500]),
            code=303,
        )

    def _acting_person(self) -> Any:
        """The logged-in person of a POST whose CSRF field matches, else None."""
        desk = desk_of(self.home)
        person = self.person()
        if person is None or not desk.sessions.csrf_ok(person.token_hash, request.form.get("csrf")):
            return None
        return person

    def _refused(self) -> Response:
        from flask import redirect

        person = self.person()
        error = "csrf" if person is not None else "unauthenticated"
        return redirect(self._desk_url(error=error), code=303)  # type: ignore[return-value]

    @extension_endpoint("login", ["GET", "POST"])
    def login(self) -> Response:
        """The login form (GET), or the pasted token checked and a session cookie set (POST)."""
        from flask import redirect

        from fava_fundbook.session import COOKIE, SESSION_SECONDS

        desk = desk_of(self.home)
        target = pages.safe_next(request.values.get("next"), self._desk_url())
        if request.method == "GET":
            return Response(
                pages.login_page(self.language(), target=target, failed=False),
                mimetype="text/html",
            )
        person = desk.login(request.form.get("token", ""))
        if person is None:
            return Response(
                pages.login_page(self.language(), target=target, failed=True),
                status=401,
                mimetype="text/html",
            )
        response = redirect(target, code=303)
        response.set_cookie(
            COOKIE,
            desk.sessions.cookie_value(person.token_hash),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
            path="/",
        )
        return response  # type: ignore[return-value]

    @extension_endpoint("logout", ["POST"])
    def logout(self) -> Response:
        from flask import redirect

        from fava_fundbook.session import COOKIE

        response = redirect(self._desk_url(), code=303)
        response.delete_cookie(COOKIE, path="/")
        return response  # type: ignore[return-value]

    @extension_endpoint("pay", ["POST"])
    def pay(self) -> Response:
        person = self._acting_person()
        if person is None:
            return self._refused()
        form = request.form
        code = form.get("request", "")
        outcome = desk_of(self.home).pay(
            person,
            code=code,
            paid_on=form.get("paid_on", ""),
            bank_reference=form.get("bank_reference", ""),
            key=form.get("key", ""),
        )
        return self._answer(outcome, "pay", code)

    @extension_endpoint("void", ["POST"])
    def void(self) -> Response:
        person = self._acting_person()
        if person is None:
            return self._refused()
        form = request.form
        code = form.get("request", "")
        outcome = desk_of(self.home).void(
            person, code=code, reason=form.get("reason", ""), key=form.get("key", "")
        )
        return self._answer(outcome, "void", code)

    @extension_endpoint("contribution", ["POST"])
    def contribution(self) -> Response:
        person = self._acting_person()
        if person is None:
            return self._refused()
        form = request.form
        source: dict[str, str] = {
            "kind": form.get("source_kind", ""),
            "name": form.get("source_name", ""),
        }
        if form.get("source_org"):
            source["org"] = form["source_org"]
        fields: dict[str, Any] = {
            "fund": form.get("fund", ""),
            "amount": form.get("amount", "").strip(),
            "source": source,
            "received_on": form.get("received_on", ""),
        }
        if form.get("receipt_no"):
            fields["receipt_no"] = form["receipt_no"]
        outcome = desk_of(self.home).contribute(person, fields=fields, key=form.get("key", ""))
        what = (
            str(outcome.body.get("id", "")) if outcome.ok and isinstance(outcome.body, dict) else ""
        )
        return self._answer(outcome, "contribution", what)

    def closing_year(self) -> int:
        """The last year that has ended in the district: the one the desk offers to close."""
        return datetime.datetime.now(_zone()).date().year - 1

    @extension_endpoint("close", ["GET", "POST"])
    def close(self) -> Response:
        """The year-end close: ?year= shows its plan (`fava_fundbook.closing`); POST books it."""
        from fava_fundbook.closing import close_page, undelivered
        from ledger.layout import Layout

        if request.method == "POST":
            person = self._acting_person()
            if person is None:
                return self._refused()
            form = request.form
            year = form.get("year", "")
            allow = form.get("allow", "").replace(",", " ").split()
            outcome = desk_of(self.home).close(
                person, year=year, allow=allow, key=form.get("key", "")
            )
            return self._answer(outcome, "close", year)
        try:
            year = int(request.args.get("year", self.closing_year()))
        except ValueError:
            return Response("year must be a number", status=400, mimetype="text/plain")
        workflow = self.workflow()  # opens the read-only engine when there is a database
        engine = self._engine if not isinstance(workflow, str) else None
        body = close_page(
            layout=Layout(self.home),
            year=year,
            today=datetime.datetime.now(_zone()).date(),
            outbox=undelivered(engine),
            allow=request.args.get("allow", "").replace(",", " ").split(),
            csrf=self.csrf(),
            key=self.form_key("close", str(year)),
        )
        return Response(body, mimetype="text/html")

    @extension_endpoint("report")
    def report(self) -> Response:
        """An audit report of the loaded book: ?name=&from=&to=&format=&lang=&fund=."""
        from reports.book import view_of
        from reports.errors import ReportError
        from reports.service import build_document, render_document

        args = request.args
        try:
            date_from = datetime.date.fromisoformat(args.get("from", ""))
            date_to = datetime.date.fromisoformat(args.get("to", ""))
        except ValueError:
            return Response(
                "from and to must be dates YYYY-MM-DD", status=400, mimetype="text/plain"
            )
        view = view_of(
            self.ledger.all_entries,
            self.ledger.options,
            self.ledger.errors,
            home=self.book_dir.parent,
        )
        try:
            document = build_document(
                view=view,
                name=args.get("name", ""),
                date_from=date_from,
                date_to=date_to,
                lang=args.get("lang", self.language()),
                fund=args.get("fund") or None,
                database=database_url(self.book_dir),
            )
            body, media_type = render_document(document, args.get("format", "html"))
        except ReportError as exc:
            return Response(str(exc), status=400, mimetype="text/plain")
        return Response(body, mimetype=media_type)
