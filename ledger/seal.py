"""Sealing a closed year: its entries leave the live book for a book of their own.

`seal_year(home, 2025)` takes a year whose close is booked (no income,
expense or interfund balance left at 31 December) and:

1. writes `book/years/2025/main.beancount`, a whole book that plain
   `bean-check` accepts alone: the options and plugins, the chart and the
   registry as they stood, the seals before it, the 期初余额 entries the year
   opened with, and every entry of the year (balance assertions dated
   2026-01-01 check the end of 2025, so they go with it), plus
   `manifest.json` (one hash per entry);
2. records its seal, chained to the previous one (`ledger.seals`), in
   `book/opening.beancount`, with one 期初余额 entry per fund dated 2026-01-01
   carrying the closing balances read back from the sealed book (and, for the
   traced funds, what each department's money still holds, `src_<CODE>`):

       2026-01-01 * "期初余额: 玉林社区微基金"
         fb_id: "OPENING-2026-MF-ST01C01"
         fund: "MF-ST01C01"
         fb_seal: "<seal of 2025>"
         Assets:Bank:ICBC:MF-ST01C01                 12000.00 CNY
         Liabilities:Payable:MF-ST01C01              -2000.00 CNY
         NetAssets:Restricted:MF-ST01C01            -10000.00 CNY

3. takes the year's entries out of the live book: a file holding only them
   (`history/2025.beancount`, `fundbook/2025.beancount`) leaves its include
   line; from a file holding others too (`manual.beancount`) only their lines
   are cut. Whatever leaves is kept in `years/2025/original/`.

The hash chain keeps verifying on both sides: the sealed book and the live
book each declare the runs of `fb_seq` held in the other (`ledger.chain`),
and the writer continues from the head the seal records. Years are sealed in
order, with the API stopped (its writer would otherwise keep a stale index).
"""

from __future__ import annotations

import datetime
import fcntl
import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import data
from beancount.parser import parser, printer

from ledger import accounts as chart
from ledger import chain, loading, registry_io, text
from ledger.book import PLUGINS
from ledger.check import format_problem, load_book, problem_of
from ledger.entries import transaction
from ledger.layout import Layout
from ledger.seals import (
    OPENING_KEY,
    OPENING_NARRATION,
    SEAL_DIRECTIVE,
    Seal,
    file_sha256,
    manifest_of,
    manifest_text,
    seal_directive,
    seal_hash,
    seals_of,
    year_of,
)
from ledger.sources import trace_book, traced_funds

ZERO = Decimal("0.00")
_KEPT_CUSTOM = (
    registry_io.ORG,
    registry_io.FUND,
    registry_io.BANK,
    registry_io.CHAIN,
    SEAL_DIRECTIVE,
)
_CLOSED_ROOTS = ("Income:", "Expenses:", "Equity:Interfund:")
_BALANCE_ROOTS = ("Assets:", "Liabilities:", "Equity:", "NetAssets:")


class SealRefused(Exception):
    """The year cannot be sealed; `reasons` says what stands in the way."""

    def __init__(self, year: int, reasons: Sequence[str]) -> None:
        self.year = year
        self.reasons = list(reasons)
        super().__init__(f"{year} cannot be sealed: " + "; ".join(self.reasons))


@contextmanager
def _writer_locked(layout: Layout) -> Iterator[None]:
    layout.journal_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(layout.lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _render(entry: data.Directive) -> str:
    try:
        return text.render(entry)
    except text.UnsafeText:  # written by hand and parsed: the printer prints it as it was
        rendered: str = printer.format_entry(entry)
        return rendered


def _write_atomic(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8", newline="\n") as stream:
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)


def _refusals(
    entries: list[data.Directive],
    errors: list[Any],
    layout: Layout,
    year: int,
    today: datetime.date,
) -> list[str]:
    reasons = [format_problem(problem_of(e, layout.book_dir.resolve())) for e in errors[:5]]
    if errors:
        reasons.insert(0, f"the book has {len(errors)} errors (`fundbook check`)")
    if datetime.date(year, 12, 31) >= today:
        reasons.append(f"the year {year} has not ended")
    seals = seals_of(entries)
    if seals and year != seals[-1].year + 1:
        reasons.append(f"the next year to seal is {seals[-1].year + 1}")
    years = [y for y in map(year_of, entries) if y is not None]
    if not years or year not in years:
        reasons.append(f"the book holds no entry of {year}")
    elif not seals and min(years) < year:
        reasons.append(f"{min(years)} is not sealed yet: years are sealed in order")
    elif seals and min(years) < year:
        early = next(e for e in entries if (year_of(e) or year) < year)
        reasons.append(f"an entry dated in a sealed year: {format_entry_place(early, layout)}")
    end = datetime.date(year, 12, 31)
    left: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= end:
            for posting in entry.postings:
                if posting.account.startswith(_CLOSED_ROOTS) and posting.units is not None:
                    left[posting.account] += posting.units.number or ZERO
    unclosed = sorted(account for account, total in left.items() if total != 0)
    if unclosed:
        shown = ", ".join(f"{a} {left[a]}" for a in unclosed[:5])
        reasons.append(
            f"the year {year} is not closed: {len(unclosed)} income, expense or interfund "
            f"accounts keep a balance at {end} ({shown}); run `fundbook close` first"
        )
    return reasons


def format_entry_place(entry: data.Directive, layout: Layout) -> str:
    meta = entry.meta or {}
    filename = Path(str(meta.get("filename", "<unknown>")))
    if filename.resolve().is_relative_to(layout.book_dir.resolve()):
        filename = filename.resolve().relative_to(layout.book_dir.resolve())
    return f"{filename}:{meta.get('lineno', 0)} {entry.date}"


def _chain_runs(
    entries: list[data.Directive], year: int
) -> tuple[list[chain.Run], list[chain.Run], str]:
    """Runs held outside the sealed book, runs held outside the live book, and the head."""
    directive = chain.chain_directive(entries)
    meta = directive.meta if directive is not None else {}
    before = chain.parse_runs(str(meta.get("runs", ""))) or []
    head = chain.parse_head(meta.get("head")) or (0, chain.GENESIS)
    sealed: list[chain.Run] = []
    live: list[chain.Run] = []
    for entry in chain.chained(entries):
        seq, digest = int(entry.meta["fb_seq"]), str(entry.meta["fb_hash"])
        (sealed if year_of(entry) == year else live).append(chain.Run(seq, seq, digest))
        head = max(head, (seq, digest))
    outside_sealed = chain.merge_runs([*before, *live])
    outside_live = chain.merge_runs([*before, *sealed])
    return outside_sealed, outside_live, f"{head[0]}:{head[1]}"


def _chain_custom(date: datetime.date, runs: list[chain.Run], head: str) -> data.Custom:
    meta = {"filename": "<seal>", "lineno": 0, "runs": chain.format_runs(runs), "head": head}
    return data.Custom(meta, date, chain.CHAIN_DIRECTIVE, [("elsewhere", str)])


def _sealed_text(
    entries: list[data.Directive],
    options: dict[str, Any],
    year: int,
    chain_entry: data.Custom,
    sealed_dir: Path,
) -> str:
    end = datetime.date(year, 12, 31)
    kept: list[data.Directive] = []
    moved: list[data.Directive] = []
    for entry in entries:
        if isinstance(entry, data.Document) and year_of(entry) == year:
            # A linked file, relative to the sealed book as it was to the live one.
            relative = os.path.relpath(entry.filename, sealed_dir.resolve())
            moved.append(entry._replace(filename=relative))
        elif year_of(entry) == year:
            moved.append(entry)
        elif (
            (isinstance(entry, data.Open | data.Close | data.Commodity) and entry.date <= end)
            or (isinstance(entry, data.Custom) and entry.date <= end and entry.type in _KEPT_CUSTOM)
            or (isinstance(entry, data.Custom) and entry.type == SEAL_DIRECTIVE)
        ):
            kept.append(entry)
    title = str(options.get("title") or "Fundbook")
    lines = [
        f"; {title}: the sealed book of {year}. Its SHA-256 is recorded in the live book;",
        "; `fundbook check HOME --all` verifies it. Never edit it: correct in an open year.",
        f'option "title" {text.quote(f"{title} {year}年度", "title")}',
        'option "operating_currency" "CNY"',
        "",
        *(f'plugin "{plugin}"' for plugin in PLUGINS),
        "",
        '2000-01-01 custom "fava-option" "language" "zh"',
        "",
    ]
    body = [_render(entry) for entry in (*kept, chain_entry, *moved)]
    return "\n".join(lines) + "\n".join(body)


def _openings(
    sealed: list[data.Directive], registry: Any, year: int, seal: str
) -> list[data.Transaction]:
    """One 期初余额 entry per fund for 1 January after `year`, from the sealed book's balances."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in sealed:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                if posting.account.startswith(_BALANCE_ROOTS) and posting.units is not None:
                    totals[posting.account] += posting.units.number or ZERO
    by_fund: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for account, total in sorted(totals.items()):
        if total != 0:
            by_fund[chart.fund_of_account(account) or ""].append((account, total))
    traced = trace_book(sealed, registry).state
    tracing = traced_funds(registry)
    day = datetime.date(year + 1, 1, 1)
    openings = []
    for code, postings in sorted(by_fund.items()):
        fund = registry.funds.get(code)
        meta: dict[str, str] = {"fb_id": f"OPENING-{year + 1}-{code or 'GENERAL'}"}
        if code:
            meta["fund"] = code
        meta[OPENING_KEY] = seal
        if code in tracing:
            meta.update(traced.remaining(code).to_meta())
        name = fund.name_zh if fund is not None else "未分基金科目"
        openings.append(
            transaction(
                date=day,
                payee=None,
                narration=f"{OPENING_NARRATION}: {name}",
                postings=postings,
                meta=meta,
            )
        )
    return openings


def _carried_assertions(entries: list[data.Directive], year: int, file: str) -> list[data.Balance]:
    """The year-end bank statement balances, asserted again on the morning of 2 January.

    An assertion dated 1 January checks the balance before that day's
    entries, so it cannot see the 期初余额 entries dated that day and stays
    in the sealed year; carried to 2 January (when nothing in the live book
    moves the account on 1 January) it keeps the bank's reconciliation in the
    live book.
    """
    first = datetime.date(year + 1, 1, 1)
    moved_on_first = {
        posting.account
        for entry in entries
        if isinstance(entry, data.Transaction) and entry.date == first
        for posting in entry.postings
    }
    carried = []
    for entry in entries:
        if not isinstance(entry, data.Balance) or entry.date != first:
            continue
        prefix = entry.account + ":"
        if any(a == entry.account or a.startswith(prefix) for a in moved_on_first):
            continue
        meta = {"filename": "<seal>", "lineno": 0, "carried_from": file}
        carried.append(entry._replace(meta=meta, date=first + datetime.timedelta(days=1)))
    return carried


def _load(path: Path) -> tuple[list[data.Directive], list[Any], dict[str, Any]]:
    return loading.load_book(path)


def _spans(lines: list[str], linenos: set[int]) -> set[int]:
    """Indexes of the lines of the entries starting at `linenos` (1-based): head and indented lines."""
    cut: set[int] = set()
    for lineno in linenos:
        index = lineno - 1
        cut.add(index)
        index += 1
        while index < len(lines) and lines[index][:1] in (" ", "\t") and lines[index].strip():
            cut.add(index)
            index += 1
    return cut


def _take_out(layout: Layout, entries: list[data.Directive], year: int) -> None:
    """Remove the year's entries from the live book's files, keeping them in `original/`."""
    book = layout.book_dir.resolve()
    original = layout.sealed_dir(year) / "original"
    original.mkdir(parents=True, exist_ok=True)
    total: dict[str, int] = defaultdict(int)
    moving: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        filename = str((entry.meta or {}).get("filename", ""))
        if not filename.endswith(".beancount") or (
            isinstance(entry, data.Transaction) and entry.flag == "P"
        ):
            continue
        total[filename] += 1
        if year_of(entry) == year:
            moving[filename].add(int(entry.meta["lineno"]))
    includers = (layout.main, layout.journal_index)
    for filename, linenos in sorted(moving.items()):
        path = Path(filename)
        relative = path.resolve().relative_to(book)
        if path.resolve() == layout.opening.resolve():
            continue
        keep = original / str(relative).replace("/", "_")
        if len(linenos) == total[filename]:  # the file holds only the year: it leaves whole
            for includer in includers:
                try:
                    name = str(path.resolve().relative_to(includer.parent.resolve()))
                except ValueError:
                    continue
                lines = includer.read_text(encoding="utf-8").splitlines(keepends=True)
                kept = [line for line in lines if line.strip() != f'include "{name}"']
                if len(kept) != len(lines):
                    _write_atomic(includer, "".join(kept))
            os.replace(path, keep)
            continue
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        cut = _spans(lines, linenos)
        with keep.open("a", encoding="utf-8") as stream:
            stream.write("".join(lines[i] for i in sorted(cut)))
        _write_atomic(path, "".join(line for i, line in enumerate(lines) if i not in cut))


def _include_opening(layout: Layout) -> None:
    content = layout.main.read_text(encoding="utf-8")
    line = 'include "opening.beancount"\n'
    if line in content:
        return
    anchor = 'include "registry.beancount"\n'
    if anchor in content:
        content = content.replace(anchor, anchor + line, 1)
    else:
        content += line
    _write_atomic(layout.main, content)


def seal_year(home: Path, year: int, *, today: datetime.date | None = None) -> Seal:
    """Seal `year` of the book in `home` (see the module docstring); SealRefused says why not."""
    layout = Layout(home)
    today = today or datetime.date.today()
    with _writer_locked(layout):
        entries, errors, options = load_book(layout)
        reasons = _refusals(entries, errors, layout, year, today)
        sealed_main = layout.sealed_main(year)
        if sealed_main.exists():
            reasons.append(f"{sealed_main} already exists")
        if reasons:
            raise SealRefused(year, reasons)
        outside_sealed, outside_live, head = _chain_runs(entries, year)
        first = datetime.date(year, 1, 1)
        content = _sealed_text(
            entries, options, year, _chain_custom(first, outside_sealed, head), sealed_main.parent
        )
        _write_atomic(sealed_main, content)
        sealed, sealed_errors, _ = _load(sealed_main)
        if sealed_errors:
            problems = [format_problem(problem_of(e, sealed_main.parent)) for e in sealed_errors]
            os.replace(sealed_main, sealed_main.with_suffix(".refused"))
            raise SealRefused(year, [f"the sealed book does not check: {p}" for p in problems[:5]])
        manifest = manifest_text(manifest_of(parser.parse_file(str(sealed_main))[0]))
        manifest_path = layout.sealed_dir(year) / "manifest.json"
        _write_atomic(manifest_path, manifest)
        before = seals_of(entries)
        file = str(sealed_main.relative_to(layout.book_dir))
        sha, manifest_sha = file_sha256(sealed_main), file_sha256(manifest_path)
        prev = before[-1].seal if before else chain.GENESIS
        digest = seal_hash(
            year=year, file=file, sha256=sha, manifest=manifest_sha, prev_seal=prev, head=head
        )
        seal = Seal(year, file, sha, manifest_sha, prev, head, digest)
        registry = registry_io.read_registry(entries)[0].registry
        day = datetime.date(year + 1, 1, 1)
        directives: list[data.Directive] = [
            *(seal_directive(s, datetime.date(s.year + 1, 1, 1)) for s in (*before, seal)),
            _chain_custom(day, outside_live, head),
            *_openings(sealed, registry, year, digest),
            *_carried_assertions(entries, year, file),
        ]
        opening = (
            "; The seals of the closed years and the opening balances (期初余额) of the first\n"
            "; open year. Written by `fundbook seal`; never edit it.\n\n"
            + "\n".join(_render(entry) for entry in directives)
        )
        _take_out(layout, entries, year)
        _write_atomic(layout.opening, opening)
        _include_opening(layout)
        return seal
