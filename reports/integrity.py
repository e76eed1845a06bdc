"""账簿完整性: what the integrity of the period's entries rests on, and every exception of the period.

It says exactly what it proved, for the period reported on:

- how many of the period's transactions are hash-chained (written by
  Fundbook's writer), how many of those the workflow database adopted as the
  book's own history (written before it served the book: the demo's, an
  import's) and how many were booked by hand (Fava, history files);
- the hash chain (`ledger.chain.verify_chain`, over the whole book, since a
  chain is one) with the problems of the period's entries, each named by
  fb_id, fb_seq and file:line; problems of other periods are only counted;
- the chain's anchors recorded in the database (`ledger.anchor`): the book
  must hold the recorded head with its hash, so a changed amount with the
  chain recomputed from it is found;
- the book against the database (read-only, `reports.workflow`), for the
  period's entries: every request's and contribution's entry is in the book
  (unless still in the outbox); every chained entry linked `^req-R…` and not
  adopted history belongs to that request; every booked amount equals the
  database's (the outbox's payload, and the request's amount);
- torn tails of the journal found now, and the repairs recorded
  (`ledger.torn`).

Any exception is a finding: `Integrity.findings` counts them, and `fundbook
report integrity` exits non-zero when there is one, so CI and cron can gate
on it. Without a database the book-against-database part says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

from ledger import torn
from ledger.anchor import adopted_seq, database_anchor, verify_anchors
from ledger.chain import CHAIN_KEYS
from ledger.layout import Layout
from reports.book import BookView
from reports.context import ReportContext
from reports.document import Column, Row, Section, Table
from reports.workflow import DatabaseRecord, read_record, read_workflow

_LABELS = {
    "entries_in_period": ("本期分录", "Transactions of the period"),
    "chained_count": ("经哈希链记账", "hash-chained"),
    "adopted_count": ("其中数据库建立前的账簿历史", "of which history adopted by the database"),
    "manual_count": ("手工记账（Fava、历史账）", "booked by hand (Fava, history files)"),
    "chain_ok_period": (
        "本期经哈希链记账的分录全部校验通过",
        "Every hash-chained entry of the period verifies",
    ),
    "chain_elsewhere": ("其他期间的哈希链问题数", "Hash chain problems in other periods"),
    "anchors": (
        "哈希链锚点（工作流数据库记录的链头）",
        "Anchors of the chain (heads recorded in the database)",
    ),
    "anchors_ok": (
        "账簿与数据库记录的链头一致",
        "The book holds every recorded head with its hash",
    ),
    "no_anchor": (
        "未核对链头（数据库未记录，或本期为已封存年度，由封存印记证明）",
        "No head compared (none recorded, or the period's years are sealed: their seals vouch)",
    ),
    "amount_differs": ("金额与数据库不符", "Amount differs from the database"),
    "torn": ("日记账残缺尾部与修复记录", "Torn tails of the journal and their repairs"),
    "torn_now": ("残缺尾部（须运行 fundbook repair）", "torn tail now (run fundbook repair)"),
    "repair": ("修复记录", "repair"),
    "findings": ("发现问题数", "Findings"),
}


def _t(ctx: ReportContext, key: str) -> str:
    if key in _LABELS:
        zh, en = _LABELS[key]
        return zh if ctx.lang == "zh" else en
    return ctx.t(key)


@dataclass(frozen=True, slots=True)
class ChainProblem:
    fb_id: str
    fb_seq: str
    location: str
    message: str


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    request: str
    fb_id: str
    detail: str


@dataclass(frozen=True, slots=True)
class Integrity:
    """What the integrity section proved for its period, and its exceptions.

    Attributes:
      entries_checked: hash-chained transactions of the period.
      adopted: of those, the database's adopted history (fb_seq up to its `adopted` anchor).
      manual: transactions of the period booked by hand (no chain keys).
      chain_problems: problems of the period's chained entries.
      chain_elsewhere: how many chain problems concern entries of other periods.
      anchor_problems: disagreements of the book with the heads recorded in the database.
      anchored: how many anchors were compared.
      database_checked, requests_checked, mismatches: the book against the database.
      torn_now: journal files that end with a torn tail now.
      repairs: the recorded repairs of torn tails, described.
      load_errors: Beancount's errors loading the book.
    """

    entries_checked: int
    chain_problems: tuple[ChainProblem, ...]
    database_checked: bool
    requests_checked: int
    mismatches: tuple[Mismatch, ...]
    load_errors: tuple[str, ...]
    adopted: int = 0
    manual: int = 0
    chain_elsewhere: int = 0
    anchor_problems: tuple[str, ...] = ()
    anchored: int = 0
    torn_now: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()

    @property
    def findings(self) -> int:
        return (
            len(self.chain_problems)
            + len(self.anchor_problems)
            + len(self.mismatches)
            + len(self.torn_now)
            + len(self.load_errors)
        )

    @property
    def intact(self) -> bool:
        return self.findings == 0


def _seq(entry: data.Transaction) -> int:
    value = (entry.meta or {}).get("fb_seq")
    return int(value) if isinstance(value, str) and value.isdigit() else 0


def _chained(entry: data.Transaction) -> bool:
    return any(key in (entry.meta or {}) for key in CHAIN_KEYS)


def chain_problems(view: BookView, ctx: ReportContext) -> tuple[tuple[ChainProblem, ...], int]:
    """The chain's problems of entries dated in the period, and how many concern other periods."""
    problems = []
    elsewhere = 0
    for error in view.chain_errors():
        entry = error.entry
        if entry is not None and getattr(entry, "date", None) not in ctx.period:
            elsewhere += 1
            continue
        meta = (entry.meta if entry is not None else None) or {}
        problems.append(
            ChainProblem(
                str(meta.get("fb_id", "")),
                str(meta.get("fb_seq", "")),
                f"{error.source.get('filename', '?')}:{error.source.get('lineno', '?')}",
                error.message,
            )
        )
    return tuple(problems), elsewhere


def _amounts(entry: data.Transaction) -> set[Decimal]:
    return {
        abs(posting.units.number)
        for posting in entry.postings
        if posting.units is not None and isinstance(posting.units.number, Decimal)
    }


def _book_vs_database(
    ctx: ReportContext, record: DatabaseRecord | None, adopted_seq: int
) -> tuple[bool, int, tuple[Mismatch, ...]]:
    state = read_workflow(ctx)
    if state is None:
        return False, 0, ()
    outbox = record.outbox if record is not None else {}
    in_book: dict[str, data.Transaction] = {}
    for txn in ctx.view.transactions:
        fb_id = (txn.meta or {}).get("fb_id")
        if isinstance(fb_id, str):
            in_book.setdefault(fb_id, txn)

    def in_period(fb_id: str) -> bool:
        """Whether an entry the database names belongs to the period (unknown dates do)."""
        entry = in_book.get(fb_id)
        if entry is not None:
            return entry.date in ctx.period
        date = outbox[fb_id].date if fb_id in outbox else ""
        return not date or ctx.period.start.isoformat() <= date <= ctx.period.end.isoformat()

    mismatches = []
    known: dict[str, set[str]] = {}
    for request in state.requests:
        known[request.code] = set(request.fb_ids)
        for fb_id in request.fb_ids:
            if not in_period(fb_id):
                continue
            entry = in_book.get(fb_id)
            if entry is None and fb_id not in state.outbox_pending:
                mismatches.append(
                    Mismatch(
                        "missing_in_book", request.code, fb_id, f"{request.status} {request.amount}"
                    )
                )
            elif entry is not None and _amounts(entry) != {request.amount}:
                booked = ", ".join(str(a) for a in sorted(_amounts(entry)))
                mismatches.append(
                    Mismatch("amount_differs", request.code, fb_id, f"{booked} ≠ {request.amount}")
                )
    for fb_id in state.contributions:
        if in_period(fb_id) and fb_id not in in_book and fb_id not in state.outbox_pending:
            mismatches.append(Mismatch("missing_in_book", "", fb_id, ctx.t("contribution")))
    for fb_id, fund, why in state.aside:
        if fb_id not in in_book:
            mismatches.append(Mismatch("outbox_aside", "", fb_id, f"{fund}: {why}"))
    for fb_id, item in sorted(outbox.items()):
        entry = in_book.get(fb_id)
        if entry is None or item.amount is None or entry.date not in ctx.period:
            continue
        if _amounts(entry) != {item.amount}:
            booked = ", ".join(str(a) for a in sorted(_amounts(entry)))
            mismatches.append(Mismatch("amount_differs", "", fb_id, f"{booked} ≠ {item.amount}"))
    for fb_id, entry in sorted(in_book.items()):
        links = [link for link in (entry.links or ()) if link.startswith("req-")]
        code = links[0].removeprefix("req-") if links else ""
        if not code or not _chained(entry) or entry.date not in ctx.period:
            continue
        if _seq(entry) <= adopted_seq and fb_id not in outbox:
            continue  # the book's own history, from before the database served it
        if code not in known:
            mismatches.append(
                Mismatch("missing_in_database", code, fb_id, ctx.t("no_such_request"))
            )
        elif fb_id not in known[code]:
            mismatches.append(Mismatch("missing_in_database", code, fb_id, ctx.t("not_in_request")))
    return True, len(state.requests), tuple(mismatches)


def _sealed_only(ctx: ReportContext) -> bool:
    """Whether every year of the period has a sealed book (`book/years/YYYY/main.beancount`)."""
    if ctx.view.home is None:
        return False
    years = range(ctx.period.start.year, ctx.period.end.year + 1)
    folder = Layout(ctx.view.home).book_dir / "years"
    return all((folder / str(year) / "main.beancount").is_file() for year in years)


def integrity(ctx: ReportContext) -> Integrity:
    view = ctx.view
    record = read_record(ctx)
    anchors = [database_anchor(*row) for row in (record.anchors if record is not None else ())]
    adopted = adopted_seq(anchors)
    # A period of sealed years is read from their sealed books alone, which end before the
    # heads recorded for the live book: their seals vouch for them, not these anchors.
    compared = [] if _sealed_only(ctx) else anchors
    checked, requests, mismatches = _book_vs_database(ctx, record, adopted)
    period = [t for t in view.transactions if t.date in ctx.period]
    chained_txns = [t for t in period if _chained(t)]
    problems, elsewhere = chain_problems(view, ctx)
    torn_now: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()
    if view.home is not None:
        layout = Layout(view.home)
        if layout.journal_dir.is_dir():
            journals = sorted(layout.journal_dir.glob("[0-9][0-9][0-9][0-9].beancount"))
            torn_now = tuple(str(path.name) for path in torn.torn_files(journals))
            repairs = tuple(torn.describe(r) for r in torn.repairs(layout))
    return Integrity(
        entries_checked=len(chained_txns),
        chain_problems=problems,
        database_checked=checked,
        requests_checked=requests,
        mismatches=mismatches,
        load_errors=tuple(str(getattr(e, "message", e)) for e in view.errors),
        adopted=sum(1 for t in chained_txns if 0 < _seq(t) <= adopted),
        manual=len(period) - len(chained_txns),
        chain_elsewhere=elsewhere,
        anchor_problems=tuple(verify_anchors(view.entries, compared)),
        anchored=sum(1 for a in compared if a.seq > 0),
        torn_now=torn_now,
        repairs=repairs,
    )


def integrity_section(ctx: ReportContext) -> Section:
    result = integrity(ctx)
    t = ctx.t
    counts = (
        f"{_t(ctx, 'entries_in_period')}: {result.entries_checked + result.manual}; "
        f"{_t(ctx, 'chained_count')} {result.entries_checked} "
        f"({_t(ctx, 'adopted_count')} {result.adopted}); "
        f"{_t(ctx, 'manual_count')} {result.manual}."
    )
    verdict = (
        f" {_t(ctx, 'chain_ok_period')}."
        if not result.chain_problems and result.entries_checked
        else ""
    )
    elsewhere = (
        f" {_t(ctx, 'chain_elsewhere')}: {result.chain_elsewhere}."
        if result.chain_elsewhere
        else ""
    )
    chain = Table(
        "chain",
        t("chain"),
        (
            Column("fb_id", "fb_id"),
            Column("fb_seq", "fb_seq"),
            Column("location", t("location")),
            Column("problem", t("problem")),
        ),
        tuple(Row((p.fb_id, p.fb_seq, p.location, p.message)) for p in result.chain_problems),
        note=counts + verdict + elsewhere,
    )
    anchors = Table(
        "anchors",
        _t(ctx, "anchors"),
        (Column("problem", t("problem")),),
        tuple(Row((message,)) for message in result.anchor_problems),
        note=(
            _t(ctx, "no_anchor")
            if not result.anchored
            else ("" if result.anchor_problems else _t(ctx, "anchors_ok"))
        ),
    )
    database = Table(
        "book_vs_db",
        t("book_vs_db"),
        (
            Column("kind", t("exception_kind")),
            Column("request", t("request")),
            Column("fb_id", "fb_id"),
            Column("detail", t("detail")),
        ),
        tuple(Row((_t(ctx, m.kind), m.request, m.fb_id, m.detail)) for m in result.mismatches),
        note=t("db_missing")
        if not result.database_checked
        else f"{t('request')}: {result.requests_checked}",
    )
    tails = Table(
        "torn",
        _t(ctx, "torn"),
        (Column("kind", t("exception_kind")), Column("detail", t("detail"))),
        tuple(Row((_t(ctx, "torn_now"), name)) for name in result.torn_now)
        + tuple(Row((_t(ctx, "repair"), text)) for text in result.repairs),
    )
    errors = Table(
        "load_errors",
        t("load_errors"),
        (Column("problem", t("problem")),),
        tuple(Row((message[:500],)) for message in result.load_errors),
    )
    return Section(
        "integrity",
        t("integrity"),
        (chain, anchors, database, tails, errors),
        notes=(f"{_t(ctx, 'findings')}: {result.findings}",),
        data=result,
    )
