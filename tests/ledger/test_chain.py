"""The hash chain: a written book verifies; every kind of tampering is named by fb_id, fb_seq and file:line."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from beancount.core.amount import Amount
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.chain import CHAIN_KEYS, GENESIS, entry_hash, verify_chain
from ledger.layout import Layout
from ledger.text import UnsafeText
from ledger.writer import Writer
from tests.ledger.test_writer import load, make_book, transactions, txn


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Layout, list[data.Directive]]:
    layout = make_book(tmp_path_factory.mktemp("chain"))
    writer = Writer(layout)
    writer.append(
        [
            txn(f"C{i}", amount=f"{i}.00", date=datetime.date(2025 + i % 2, 1, i))
            for i in range(1, 7)
        ]
    )
    entries, errors = load(layout)
    assert errors == []
    return layout, entries


def _chained(entries: list[data.Directive]) -> list[data.Transaction]:
    return sorted(transactions(entries), key=lambda t: int(t.meta["fb_seq"]))


def _replace(
    entries: list[data.Directive], old: data.Transaction, new: data.Directive | None
) -> list[data.Directive]:
    return [e for e in (new if e is old else e for e in entries) if e is not None]


def _named(message: str, entry: data.Transaction) -> bool:
    meta = entry.meta
    return (
        f"fb_id {meta['fb_id']}" in message
        and f"fb_seq {meta['fb_seq']}" in message
        and f"{meta['filename']}:{meta['lineno']}" in message
    )


def test_a_written_book_verifies(written: tuple[Layout, list[data.Directive]]) -> None:
    _, entries = written
    chain = _chained(entries)
    assert [t.meta["fb_seq"] for t in chain] == ["1", "2", "3", "4", "5", "6"]
    assert {t.meta["filename"].rsplit("/", 1)[-1] for t in chain} == {
        "2025.beancount",
        "2026.beancount",
    }
    assert verify_chain(entries) == []
    assert verify_chain([]) == []


def test_a_changed_amount_is_found(written: tuple[Layout, list[data.Directive]]) -> None:
    _, entries = written
    victim = _chained(entries)[2]
    postings = [p._replace(units=Amount(p.units.number * 2, "CNY")) for p in victim.postings]
    errors = verify_chain(_replace(entries, victim, victim._replace(postings=postings)))
    assert len(errors) == 1
    assert _named(errors[0].message, victim) and "changed" in errors[0].message
    assert errors[0].source["lineno"] == victim.meta["lineno"]


def test_a_changed_narration_or_meta_is_found(written: tuple[Layout, list[data.Directive]]) -> None:
    _, entries = written
    victim = _chained(entries)[0]
    for changed in (
        victim._replace(narration=victim.narration + " "),
        victim._replace(payee=None),
        victim._replace(links=frozenset({"req-R9"})),
        victim._replace(meta={**victim.meta, "fund": "MF-OTHER"}),
        victim._replace(date=victim.date + datetime.timedelta(days=1)),
    ):
        errors = verify_chain(_replace(entries, victim, changed))
        assert [e.entry for e in errors] == [changed]
        assert _named(errors[0].message, victim)


def test_a_deleted_entry_is_found(written: tuple[Layout, list[data.Directive]]) -> None:
    _, entries = written
    chain = _chained(entries)
    errors = verify_chain(_replace(entries, chain[3], None))
    assert len(errors) == 1
    assert _named(errors[0].message, chain[4])
    assert "fb_seq 4 missing" in errors[0].message
    errors = verify_chain(_replace(entries, chain[0], None))
    assert "fb_seq 1 missing" in errors[0].message


def test_reordered_entries_are_found(written: tuple[Layout, list[data.Directive]]) -> None:
    _, entries = written
    chain = _chained(entries)
    second, third = chain[1], chain[2]
    swapped = [
        second._replace(meta={**second.meta, "fb_seq": "3"}),
        third._replace(meta={**third.meta, "fb_seq": "2"}),
    ]
    errors = verify_chain(_replace(_replace(entries, second, swapped[0]), third, swapped[1]))
    assert errors
    assert any(_named(e.message, swapped[0]) for e in errors)
    assert any(_named(e.message, swapped[1]) for e in errors)


def test_a_forged_hash_is_found(written: tuple[Layout, list[data.Directive]]) -> None:
    _, entries = written
    chain = _chained(entries)
    victim = chain[2]
    # Change the amount and recompute this entry's own hash: the next entry's fb_prev no longer matches.
    postings = [p._replace(units=Amount(-p.units.number, "CNY")) for p in victim.postings]
    changed = victim._replace(postings=postings)
    forged = changed._replace(
        meta={**changed.meta, "fb_hash": entry_hash(changed, changed.meta["fb_prev"])}
    )
    errors = verify_chain(_replace(entries, victim, forged))
    assert len(errors) == 1
    assert _named(errors[0].message, chain[3]) and "fb_prev" in errors[0].message
    # A hash that is simply made up.
    made_up = victim._replace(meta={**victim.meta, "fb_hash": "f" * 64})
    messages = [e.message for e in verify_chain(_replace(entries, victim, made_up))]
    assert len(messages) == 2
    assert _named(messages[0], victim) and _named(messages[1], chain[3])


def test_malformed_chain_metadata_is_named(written: tuple[Layout, list[data.Directive]]) -> None:
    _, entries = written
    chain = _chained(entries)
    for key, value, words in (
        ("fb_seq", "two", "not a sequence number"),
        ("fb_seq", Decimal("2"), "not a sequence number"),
        ("fb_prev", "xyz", "not a SHA-256 hash"),
        ("fb_hash", None, "not a SHA-256 hash"),
    ):
        bad = chain[1]._replace(meta={**chain[1].meta, key: value})
        messages = [e.message for e in verify_chain(_replace(entries, chain[1], bad))]
        assert any(words in m and chain[1].meta["fb_id"] in m for m in messages), messages
    duplicate = chain[4]._replace(meta={**chain[4].meta, "fb_seq": "2"})
    messages = [e.message for e in verify_chain(_replace(entries, chain[4], duplicate))]
    assert any("fb_seq 2 is also used" in m for m in messages)


def test_tampering_in_the_file_is_found_by_the_loader_and_chain(
    written: tuple[Layout, list[data.Directive]], tmp_path: Path
) -> None:
    layout, _ = written
    journal = layout.journal_for_year(2026)
    text = journal.read_text(encoding="utf-8")
    assert "  Assets:Bank:ICBC:MF-T1  3.00 CNY\n  Income:Donation:MF-T1  -3.00 CNY" in text
    tampered = make_book(tmp_path)
    tampered.journal_dir.mkdir()
    for path in layout.journal_dir.glob("*.beancount"):
        (tampered.journal_dir / path.name).write_bytes(path.read_bytes())
    (tampered.journal_for_year(2026)).write_text(
        text.replace(
            "  Assets:Bank:ICBC:MF-T1  3.00 CNY\n  Income:Donation:MF-T1  -3.00 CNY",
            "  Assets:Bank:ICBC:MF-T1  30.00 CNY\n  Income:Donation:MF-T1  -30.00 CNY",
        ),
        encoding="utf-8",
    )
    entries, errors = load(tampered)
    assert errors == []  # Beancount alone sees nothing wrong
    chain_errors = verify_chain(entries)
    assert len(chain_errors) == 1
    assert re.search(
        r"2026\.beancount:\d+: fb_id C3 fb_seq 3: fb_hash does not match", chain_errors[0].message
    )


def test_the_hash_covers_the_canonical_form_only() -> None:
    entry = data.Transaction(
        {"fb_id": "G1", "fund": "MF-T1", "fb_seq": "1", "fb_prev": GENESIS, "request": "R000001"},
        datetime.date(2026, 3, 2),
        "*",
        "玉林社区老年协会",
        "捐赠",
        frozenset(),
        frozenset(),
        [
            data.Posting(
                "Assets:Bank:ICBC:MF-T1", Amount(Decimal("10.00"), "CNY"), None, None, None, None
            ),
            data.Posting(
                "Income:Donation:MF-T1", Amount(Decimal("-10.00"), "CNY"), None, None, None, None
            ),
        ],
    )
    digest = entry_hash(entry, GENESIS)
    # Pinned: changing the canonical form would break every book already written.
    assert digest == PINNED
    reordered = entry._replace(meta={k: entry.meta[k] for k in reversed(list(entry.meta))})
    assert entry_hash(reordered, GENESIS) == digest
    parsed_like = entry._replace(
        meta={**entry.meta, "filename": "x", "lineno": 9, "__tolerances__": {}, "fb_hash": "a"}
    )
    assert entry_hash(parsed_like, GENESIS) == digest
    assert entry_hash(entry, "1" * 64) != digest
    assert entry_hash(entry._replace(tags=frozenset({"t"})), GENESIS) != digest
    assert all(key in CHAIN_KEYS for key in ("fb_seq", "fb_prev", "fb_hash"))


PINNED = "bb08083b53e4ae3ea6e0f3ef9f846cce2862464ca2d17ee2f28acc12d41797ff"


NUMBERS = st.decimals(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [
        Decimal("-0"),
        Decimal("-0.00"),
        Decimal("0E+5"),
        Decimal("1E+2"),
        Decimal("-1E-7"),
        Decimal("123.4500"),
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    number=NUMBERS,
    day=st.dates(datetime.date(1000, 1, 1), datetime.date(9999, 12, 31)),
    flag=st.booleans(),
)
def test_any_value_the_writer_accepts_hashes_as_it_reads_back(
    chain_book: tuple[Layout, Writer], number: Decimal, day: datetime.date, flag: bool
) -> None:
    """The hash the writer computes before writing equals the one computed from the parsed entry."""
    layout, writer = chain_book
    entry = txn(
        f"N{writer.head()[0]}",
        date=max(day, datetime.date(2020, 1, 2)),
        meta={"num": number, "amt": Amount(number, "USD"), "day": day, "ok": flag},
    )
    units = [Amount(number, "USD"), Amount(-number, "USD")]
    entry = entry._replace(
        postings=[p._replace(units=u) for p, u in zip(entry.postings, units, strict=True)]
    )
    try:
        writer.append([entry])
    except UnsafeText:
        return  # too many digits: refused before writing
    entries, errors = load(layout)
    assert errors == []
    assert verify_chain(entries) == []


@pytest.fixture(scope="module")
def chain_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Layout, Writer]:
    layout = make_book(tmp_path_factory.mktemp("numbers"))
    layout.main.write_text(
        layout.main.read_text(encoding="utf-8").replace(" CNY\n", "\n"), encoding="utf-8"
    )
    return layout, Writer(layout)
