"""Verifying the sealed years of a book (`fundbook check HOME --all`).

For every seal recorded in the live book (`ledger.seals`), in year order:

- the chain of seals: each `prev_seal` is the seal of the year before, and
  each seal hashes its own fields;
- the sealed book is byte for byte the one sealed (its SHA-256); when it is
  not, its manifest names each entry added, changed or removed, with its line:

      years/2024/main.beancount:812: sealed year 2024: entry changed after
      sealing: 2024-06-03 transaction "支付: 重阳节敬老活动" (fb_id R000042-payment)

- the sealed book alone loads without an error (Beancount and the plugins);
- its closing balances are the next year's 期初余额 (the next sealed book's,
  or the live book's after the last seal), account by account;

and over all of them and the live book, the hash chain verifies from
`fb_seq` 1 to its head, and the live book's openings carry the last seal.
"""

from __future__ import annotations

import datetime
import difflib
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.parser import parser

from ledger import chain
from ledger.check import Problem, problem_of
from ledger.layout import Layout
from ledger.sealed_books import load_sealed_entries
from ledger.seals import (
    OPENING_KEY,
    Seal,
    file_sha256,
    is_opening,
    manifest_of,
    read_manifest,
    seals_of,
)

ZERO = Decimal("0.00")
_BALANCE_ROOTS = ("Assets:", "Liabilities:", "Equity:", "NetAssets:")


def _closing(entries: Sequence[data.Directive]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                if posting.account.startswith(_BALANCE_ROOTS) and posting.units is not None:
                    totals[posting.account] += posting.units.number or ZERO
    return {account: total for account, total in totals.items() if total != 0}


def _opening(entries: Sequence[data.Directive], year: int) -> dict[str, Decimal]:
    day = datetime.date(year, 1, 1)
    return _closing([e for e in entries if is_opening(e) and e.date == day])


def _changed_entries(seal: Seal, path: Path, manifest: Path) -> list[Problem]:
    """The entries of an edited sealed book that differ from its manifest."""
    where = str(Path(seal.file))
    try:
        sealed_lines = read_manifest(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [Problem(where, 0, f"sealed year {seal.year}: its manifest cannot be read")]
    now = manifest_of(parser.parse_file(str(path))[0])
    matcher = difflib.SequenceMatcher(
        None, [line.digest for line in sealed_lines], [line.digest for line in now], autojunk=False
    )
    problems = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag in ("replace", "insert"):
            what = "changed" if tag == "replace" else "added"
            problems += [
                Problem(
                    where,
                    line.lineno,
                    f"sealed year {seal.year}: entry {what} after sealing: {line.what}",
                )
                for line in now[j1:j2]
            ]
        if tag in ("replace", "delete") and i2 - i1 > j2 - j1:
            problems += [
                Problem(
                    where,
                    line.lineno,
                    f"sealed year {seal.year}: entry removed after sealing: {line.what}",
                )
                for line in sealed_lines[i1 + (j2 - j1) : i2]
            ]
    return problems or [
        Problem(where, 0, f"sealed year {seal.year}: the file changed after sealing (SHA-256)")
    ]


def check_sealed(layout: Layout, live: Sequence[data.Directive]) -> list[Problem]:
    """Problems of the sealed years of the book whose live entries are `live`."""
    book_dir = layout.book_dir.resolve()
    seals = seals_of(live)
    problems: list[Problem] = []
    chained: list[data.Transaction] = []
    previous = chain.GENESIS
    pending_closing: tuple[int, dict[str, Decimal]] | None = None
    for seal in seals:
        where = seal.file or f"years/{seal.year}/main.beancount"
        if seal.prev_seal != previous:
            problems.append(
                Problem(
                    where,
                    0,
                    f"sealed year {seal.year}: the chain of seals is broken: prev_seal "
                    f"{seal.prev_seal[:12]}... is not the seal {previous[:12]}... of the year before",
                )
            )
        if seal.expected() != seal.seal:
            problems.append(
                Problem(where, 0, f"sealed year {seal.year}: the seal does not match its fields")
            )
        previous = seal.seal
        path = layout.book_dir / seal.file
        manifest = path.parent / "manifest.json"
        if not path.is_file():
            problems.append(
                Problem(where, 0, f"sealed year {seal.year}: the sealed book is missing")
            )
            pending_closing = None
            continue
        if file_sha256(path) != seal.sha256:
            problems += _changed_entries(seal, path, manifest)
        if not manifest.is_file() or file_sha256(manifest) != seal.manifest:
            problems.append(
                Problem(where, 0, f"sealed year {seal.year}: the manifest changed after sealing")
            )
        entries, errors = load_sealed_entries(layout, seal, fresh=True)
        for error in errors:
            problem = problem_of(error, book_dir)
            problems.append(problem._replace(message=f"sealed year {seal.year}: {problem.message}"))
        if pending_closing is not None:
            problems += _continuity(where, pending_closing, seal.year, _opening(entries, seal.year))
        pending_closing = (seal.year, _closing(entries))
        chained += [e for e in chain.chained(entries) if e.date.year == seal.year]
    if pending_closing is not None:
        problems += _continuity(
            "opening.beancount",
            pending_closing,
            pending_closing[0] + 1,
            _opening(live, pending_closing[0] + 1),
        )
        for entry in live:
            if is_opening(entry) and entry.meta.get(OPENING_KEY) != previous:
                problems.append(
                    problem_of(
                        chain.ChainError(
                            entry.meta, "the opening entry does not carry the last seal", entry
                        ),
                        book_dir,
                    )
                )
    if seals:
        chained += chain.chained(live)
        chained.sort(key=lambda entry: int(str(entry.meta.get("fb_seq", "0"))))
        problems += [
            problem_of(error, book_dir)._replace(
                message=f"the hash chain across the sealed years: {problem_of(error, book_dir).message}"
            )
            for error in chain.verify_chain(chained)
        ]
    return problems


def _continuity(
    where: str,
    closing: tuple[int, dict[str, Decimal]],
    year: int,
    opening: dict[str, Decimal],
) -> list[Problem]:
    sealed_year, balances = closing
    problems = []
    for account in sorted(set(balances) | set(opening)):
        end, start = balances.get(account, ZERO), opening.get(account, ZERO)
        if end != start:
            problems.append(
                Problem(
                    where,
                    0,
                    f"sealed year {sealed_year}: closing balance of {account} {end} CNY is not "
                    f"the opening balance {start} CNY of {year}",
                )
            )
    return problems
