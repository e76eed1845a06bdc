"""The desk's year-end close page: the plan of a year (a dry run) and the button that books it.

`GET /<slug>/extension/FundbookDesk/close?year=2025` shows the closing entries
`fundbook close --dry-run` would print and everything that stands in the way
(`ledger.closing.plan_close`, read from the book on disk). The page's button
posts, with the logged-in person's CSRF field and a fresh Idempotency-Key, to
the same endpoint, which books the close as `POST /v1/closes` does
(`fava_fundbook.acting.Desk.close`: accountants only, exactly once). Fava
notices the new journal entries and reloads the book.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from markupsafe import Markup

from ledger import text as book_text
from ledger.closing import CloseRequest, plan_close
from ledger.layout import Layout
from store import workflow
from store.workflow import Engine


def undelivered(engine: Engine | None) -> tuple[str, ...]:
    """fb_id of the outbox rows not marked delivered (none without a workflow database)."""
    if engine is None:
        return ()
    with workflow.connected(engine) as connection:
        return tuple(sorted(workflow.outbox_undone(connection)))


def _list(items: Iterable[str]) -> Markup:
    return Markup("").join(Markup("<li>{}</li>").format(item) for item in items)


def close_page(
    *,
    layout: Layout,
    year: int,
    today: datetime.date,
    outbox: tuple[str, ...],
    allow: Iterable[str],
    csrf: str,
    key: str,
) -> str:
    """The HTML of the plan of `year`'s close, with the form that books it."""
    request = CloseRequest(
        year=year, today=today, allow_unreconciled=frozenset(allow), undelivered=outbox
    )
    plan = plan_close(layout, request)
    parts = [Markup("<h2>{} 年度结账 / year-end close</h2>").format(year)]
    if plan.closed:
        parts.append(Markup("<p data-state='closed'>{} is already closed.</p>").format(year))
        return str(Markup("").join(parts))
    parts.append(Markup("<pre class='entries'>{}</pre>").format(book_text.render_all(plan.entries)))
    if plan.obstacles:
        parts.append(
            Markup(
                "<p data-state='refused'>Standing in the way:</p><ul class='obstacles'>{}</ul>"
            ).format(_list(plan.obstacles))
        )
    if not csrf:
        parts.append(Markup("<p data-state='login'>Log in at the desk to book the close.</p>"))
        return str(Markup("").join(parts))
    parts.append(
        Markup(
            "<form method='post'><input type='hidden' name='year' value='{}'>"
            "<input type='hidden' name='csrf' value='{}'><input type='hidden' name='key' value='{}'>"
            "<label>allow unreconciled <input name='allow' value='{}'></label> "
            "<button type='submit'>结账 {}</button></form>"
        ).format(year, csrf, key, " ".join(sorted(request.allow_unreconciled)), year)
    )
    return str(Markup("").join(parts))
