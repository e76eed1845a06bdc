"""Documents attached to a request, a contribution or a grant's milestone, stored and linked.

`attach` checks who may attach (the committee of the request's community, the
accountant, the foundation; for a contribution the accountant and the
foundation; for a milestone the foundation and the accountant), stores the
bytes content-addressed through `ledger.documents.store` and links them from
the book with a `document` directive on the fund's bank account carrying the
entries' link (`^req-R000042`, `^grant-G0001`, `^contribution-C000123`), so
Fava and the audit pack find them. The same file attached twice to the same
thing is linked once (the second answer says `created: false`).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from api.service import disbursements, grants
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import Forbidden, NotFound, ValidationFailed
from funds.model import Role
from ledger import documents
from ledger.accounts import bank_account
from store.pools import GrantRow, TrancheRow
from store.tables import Contribution

KIND_LENGTH_MAX = 40
NAME_LENGTH_MAX = 200
_ATTACHERS = {
    "disbursement": frozenset({Role.COMMITTEE, Role.ACCOUNTANT, Role.FOUNDATION}),
    "contribution": frozenset({Role.ACCOUNTANT, Role.FOUNDATION}),
    "milestone": frozenset({Role.FOUNDATION, Role.ACCOUNTANT}),
}
DEFAULT_KIND = {"disbursement": "请款函", "contribution": "捐赠票据", "milestone": "里程碑报告"}


def _clean(value: str | None, field: str, limit: int) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > limit or not value.isprintable():
        raise ValidationFailed(f"{field}: at most {limit} printable characters")
    return value


def _target(
    services: Services, caller: Caller, what: str, code: str, tranche: int | None
) -> tuple[str, str, dict[str, str]]:
    """(fund, link, extra metadata) of the thing a document is attached to."""
    with services.read() as session:
        if what == "disbursement":
            row = disbursements._find(session, services, caller, code)
            assert row.code is not None
            return row.fund, disbursements.link_of(row.code), {"request": row.code}
        if what == "contribution":
            found = session.exec(select(Contribution).where(Contribution.code == code)).first()
            if found is None:
                raise NotFound(f"no contribution {code[:20]!r}")
            return found.fund, f"contribution-{code}", {"contribution": code}
        grant = session.exec(select(GrantRow).where(GrantRow.code == code)).first()
        if grant is None:
            raise NotFound(f"no grant {code[:20]!r}")
        tranches = session.exec(
            select(TrancheRow.number).where(TrancheRow.grant_id == grant.id)
        ).all()
        if tranche not in set(tranches):
            raise NotFound(f"grant {code[:20]} has no tranche {tranche}")
        return grant.fund, grants.link_of(code), {"grant": code, "tranche": str(tranche)}


def attach(
    *,
    services: Services,
    caller: Caller,
    what: str,
    code: str,
    content: bytes,
    filename: str | None,
    kind: str | None,
    tranche: int | None = None,
) -> tuple[bool, dict[str, Any]]:
    """Store and link one document; (created, its description)."""
    if caller.role not in _ATTACHERS[what]:
        raise Forbidden(f"a {caller.role.value} does not attach documents to a {what}")
    fund, link, meta = _target(services, caller, what, code, tranche)
    kind = _clean(kind, "kind", KIND_LENGTH_MAX) or DEFAULT_KIND[what]
    name = _clean(filename, "filename", NAME_LENGTH_MAX)
    try:
        stored = documents.store(services.book.layout, content)
    except documents.DocumentRefused as exc:
        raise ValidationFailed(f"file: {exc}") from None
    bank = services.book.bank(None, fund=fund)
    meta = {**meta, "kind": kind, "uploaded_by": caller.name, "media_type": stored.media_type}
    if name:
        meta["name"] = name
    entry = documents.document_entry(
        day=services.today(),
        account=bank_account(bank, fund),
        stored=stored,
        link=link,
        meta=meta,
    )
    try:
        created = documents.link(services.book.layout, entry)
    except documents.DocumentsNotLinked as exc:
        raise ValidationFailed(str(exc)) from None
    return created, {
        "sha256": stored.sha256,
        "media_type": stored.media_type,
        "size": stored.size,
        "path": stored.path,
        "link": link,
        "kind": kind,
        "name": name,
        "uploaded_by": caller.name,
        "created": created,
    }
