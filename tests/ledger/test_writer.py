"""The writer on real files: year journals and their includes, duplicates, refusals, torn tails."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data
from beancount.core.amount import Amount

from ledger.chain import GENESIS, verify_chain
from ledger.entries import InvalidEntry
from ledger.layout import Layout
from ledger.text import UnsafeText
from ledger.writer import ConflictingPosting, DuplicatePosting, JournalDamaged, Writer, Written

ACCOUNTS = ("Assets:Bank:ICBC:MF-T1", "Income:Donation:MF-T1", "Expenses:Program:MF-T1")
ROOT = Path(__file__).resolve().parents[2]

# -- helpers shared by the other writer test modules ---------------------------


def make_book(home: Path) -> Layout:
    """A small HOME: main.beancount with opens and the journal include."""
    layout = Layout(home)
    layout.book_dir.mkdir(parents=True, exist_ok=True)
    opens = "".join(f"2020-01-01 open {account} CNY\n" for account in ACCOUNTS)
    layout.main.write_text(
        f'option "operating_currency" "CNY"\n{opens}include "fundbook/journal.beancount"\n',
        encoding="utf-8",
    )
    return layout


def txn(
    fb_id: str,
    *,
    amount: str = "10.00",
    date: datetime.date = datetime.date(2026, 3, 2),
    payee: str | None = "玉林社区老年协会",
    narration: str = "捐赠",
    meta: dict[str, Any] | None = None,
    tags: frozenset[str] = frozenset(),
    links: frozenset[str] = frozenset(),
) -> data.Transaction:
    value = Decimal(amount)
    return data.Transaction(
        {"fb_id": fb_id, "fund": "MF-T1", **(meta or {})},
        date,
        "*",
        payee,
        narration,
        tags,
        links,
        [
            data.Posting(ACCOUNTS[0], Amount(value, "CNY"), None, None, None, None),
            data.Posting(ACCOUNTS[1], Amount(-value, "CNY"), None, None, None, None),
        ],
    )


def load(layout: Layout) -> tuple[list[data.Directive], list[Any]]:
    entries, errors, _ = loader.load_file(str(layout.main))
    return entries, errors


def transactions(entries: list[data.Directive]) -> list[data.Transaction]:
    return [entry for entry in entries if isinstance(entry, data.Transaction)]


def kinds(entries: list[data.Directive]) -> Counter[str]:
    return Counter(type(entry).__name__ for entry in entries)


def journal_bytes(layout: Layout) -> dict[str, bytes]:
    """Every file the writer owns, except its lock."""
    return {
        str(path.relative_to(layout.journal_dir)): path.read_bytes()
        for path in sorted(layout.journal_dir.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def assert_clean(layout: Layout) -> list[data.Transaction]:
    """The book loads without errors and its chain verifies; its transactions."""
    entries, errors = load(layout)
    assert errors == []
    assert verify_chain(entries) == []
    return transactions(entries)


# -- tests ---------------------------------------------------------------------


def test_appends_round_trip_and_chain(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    main_before = layout.main.read_bytes()
    writer = Writer(layout)
    assert writer.head() == (0, GENESIS)
    first = writer.append([txn("A1", links=frozenset({"req-R000001"}), tags=frozenset({"t"}))])
    more = writer.append([txn("A2", amount="0.01"), txn("A3", narration='他说"好"\\')])
    assert [w.seq for w in first + more] == [1, 2, 3]
    assert all(isinstance(w, Written) and w.path == layout.journal_for_year(2026) for w in more)
    assert writer.head() == (3, more[-1].hash)

    txns = assert_clean(layout)
    assert [t.meta["fb_id"] for t in txns] == ["A1", "A2", "A3"]
    assert [t.meta["fb_seq"] for t in txns] == ["1", "2", "3"]
    assert txns[0].meta["fb_prev"] == GENESIS
    assert txns[1].meta["fb_prev"] == txns[0].meta["fb_hash"] == first[0].hash
    assert txns[0].links == {"req-R000001"} and txns[0].tags == {"t"}
    assert txns[1].postings[0].units == Amount(Decimal("0.01"), "CNY")
    assert txns[2].narration == '他说"好"\\'
    assert layout.main.read_bytes() == main_before
    assert writer.written("A2") == more[0]
    # What the parser sets itself is refused, never silently dropped: a caller cannot move
    # an entry's source, nor lose a value it thought written.
    with pytest.raises(UnsafeText, match="'filename' is set by Beancount's parser"):
        writer.append([txn("A4", meta={"filename": "elsewhere.beancount", "lineno": 1})])
    assert writer.written("A4") is None
    assert assert_clean(layout)[-1].meta["filename"] == str(layout.journal_for_year(2026))
    assert writer.written("nope") is None


def test_year_files_are_created_and_included_once(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    writer = Writer(layout)
    writer.append(
        [
            txn("Y1", date=datetime.date(2025, 12, 31)),
            txn("Y2"),
            txn("Y3", date=datetime.date(2025, 6, 1)),
        ]
    )
    writer.append([txn("Y4", date=datetime.date(2024, 1, 2))])
    index = layout.journal_index.read_text()
    assert index.count('include "2025.beancount"') == 1
    assert index.count('include "2026.beancount"') == 1
    assert index.count('include "2024.beancount"') == 1
    txns = assert_clean(layout)
    by_id = {t.meta["fb_id"]: t for t in txns}
    assert by_id["Y1"].meta["filename"].endswith("2025.beancount")
    assert by_id["Y2"].meta["filename"].endswith("2026.beancount")
    assert sorted(int(t.meta["fb_seq"]) for t in txns) == [1, 2, 3, 4]

    # A new writer (another process, later) learns the journal once and continues the chain.
    again = Writer(layout)
    assert again.head() == writer.head()
    assert again.written("Y3") == writer.written("Y3")
    assert again.append([txn("Y5", date=datetime.date(2025, 2, 2))])[0].seq == 5
    assert writer.append([txn("Y6")])[0].seq == 6  # the first writer catches up
    assert layout.journal_index.read_text().count('include "2025.beancount"') == 1
    assert len(assert_clean(layout)) == 6


def test_duplicates_are_refused_before_writing(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    writer = Writer(layout)
    writer.append([txn("D1")])
    before = journal_bytes(layout)
    with pytest.raises(DuplicatePosting, match="D1"):
        writer.append([txn("D2"), txn("D1")])
    with pytest.raises(DuplicatePosting, match="twice"):
        writer.append([txn("D3"), txn("D3")])
    with pytest.raises(DuplicatePosting):
        Writer(layout).append([txn("D1", amount="5.00")])
    assert journal_bytes(layout) == before
    assert writer.written("D2") is None


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda e: e._replace(meta={"fund": "MF-T1"}), InvalidEntry),
        (lambda e: e._replace(meta={**e.meta, "fb_id": "has space"}), InvalidEntry),
        (lambda e: e._replace(meta={**e.meta, "fb_id": "玉林"}), InvalidEntry),
        (lambda e: e._replace(meta={**e.meta, "fb_seq": "1"}), InvalidEntry),
        (lambda e: e._replace(meta={**e.meta, "fb_hash": GENESIS}), InvalidEntry),
        (lambda e: e._replace(narration="a\x00b"), UnsafeText),
        (lambda e: e._replace(payee="x" * 1_000_000), UnsafeText),
        (lambda e: e._replace(tags=frozenset({"a\n2020-01-01 open Assets:X"})), UnsafeText),
        (lambda e: e._replace(links=frozenset({"req R1"})), UnsafeText),
        (lambda e: e._replace(meta={**e.meta, "bad key": "v"}), UnsafeText),
        (lambda e: e._replace(meta={**e.meta, "n": 1.5}), UnsafeText),
        (
            lambda e: e._replace(
                postings=[p._replace(units=Amount(Decimal("1.005"), "CNY")) for p in e.postings]
            ),
            UnsafeText,
        ),
        (
            lambda e: e._replace(
                postings=[
                    p._replace(units=tuple.__new__(Amount, (10.0, "CNY"))) for p in e.postings
                ]
            ),
            UnsafeText,
        ),
        (
            lambda e: e._replace(
                postings=[p._replace(account=p.account + "\n") for p in e.postings]
            ),
            UnsafeText,
        ),
        (lambda e: data.Open({"fb_id": "O1"}, e.date, ACCOUNTS[0], None, None), InvalidEntry),
    ],
)
def test_invalid_batches_touch_nothing(tmp_path: Path, change: Any, error: type[Exception]) -> None:
    layout = make_book(tmp_path)
    writer = Writer(layout)
    writer.append([txn("OK1")])
    before = journal_bytes(layout)
    with pytest.raises(error):
        writer.append([txn("OK2"), change(txn("BAD"))])  # the good entry is not written either
    assert journal_bytes(layout) == before
    assert writer.written("OK2") is None
    assert len(assert_clean(layout)) == 1


@pytest.mark.parametrize("fresh_writer", [False, True], ids=["same-writer", "another-writer"])
def test_append_missing_refuses_an_fb_id_written_with_other_content(
    tmp_path: Path, fresh_writer: bool
) -> None:
    layout = make_book(tmp_path)
    writer = Writer(layout)
    writer.append(
        [
            txn("R000001-payment", narration='第一笔 "付款"', meta={"request": "R000001"}),
            txn("R000002-payment"),
        ]
    )
    other = Writer(layout) if fresh_writer else writer
    before = journal_bytes(layout)
    # The same entries again: nothing is written, both are answered.
    again = other.append_missing(
        [
            txn("R000001-payment", narration='第一笔 "付款"', meta={"request": "R000001"}),
            txn("R000002-payment"),
        ]
    )
    assert [w.fb_id for w in again] == ["R000001-payment", "R000002-payment"]
    assert journal_bytes(layout) == before
    for changed in (
        txn(
            "R000001-payment",
            amount="10.01",
            narration='第一笔 "付款"',
            meta={"request": "R000001"},
        ),
        txn("R000002-payment", narration="另一笔"),
        txn("R000002-payment", meta={"request": "R000999"}),
    ):
        with pytest.raises(ConflictingPosting, match="with other content"):
            other.append_missing([txn("R000003-payment"), changed])
        assert journal_bytes(layout) == before
    assert_clean(layout)


def test_append_missing_compares_entries_larger_than_a_read_window(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    writer = Writer(layout)
    big = {f"note_{index}": "长" * 4000 for index in range(8)}  # about 96 KB of UTF-8
    writer.append([txn("B0"), txn("B1", meta=big), txn("B2", meta=big)])
    fresh = Writer(layout)
    assert [w.fb_id for w in fresh.append_missing([txn("B1", meta=big), txn("B2", meta=big)])] == [
        "B1",
        "B2",
    ]
    changed = {**big, "note_7": "长" * 3999 + "短"}
    with pytest.raises(ConflictingPosting):
        fresh.append_missing([txn("B2", meta=changed)])
    assert_clean(layout)


def test_append_missing_is_exactly_once(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    writer = Writer(layout)
    first = writer.append_missing([txn("M1"), txn("M2")])
    second = Writer(layout).append_missing([txn("M0"), txn("M1"), txn("M2"), txn("M3")])
    assert second[1:3] == first
    assert [w.seq for w in second] == [3, 1, 2, 4]
    assert writer.append_missing([txn("M3")]) == [second[3]]
    assert sorted(t.meta["fb_id"] for t in assert_clean(layout)) == ["M0", "M1", "M2", "M3"]


def _torn_tail(layout: Layout, cut: int) -> bytes:
    """Bytes of a whole rendered entry, cut `cut` bytes before its end (as if killed mid-write)."""
    scratch = make_book(layout.home.parent / f"scratch-{cut}")
    Writer(scratch).append([txn("TORN", amount="99.00")])
    whole = scratch.journal_for_year(2026).read_bytes()
    entry = whole[whole.index(b"2026-03-02") :]
    return entry[: len(entry) - cut]


@pytest.mark.parametrize("cut", [1, 2, 40, 200])
def test_torn_tail_is_kept_aside_and_cut(tmp_path: Path, cut: int) -> None:
    layout = make_book(tmp_path / "home")
    writer = Writer(layout)
    writer.append([txn("T1"), txn("T2")])
    journal = layout.journal_for_year(2026)
    clean = journal.read_bytes()
    tail = _torn_tail(layout, cut)
    with journal.open("ab") as stream:
        stream.write(tail)
    if cut > 2:  # a cut inside the entry leaves a book Beancount itself rejects
        assert load(layout)[1]

    later = Writer(layout)  # a fresh process after the crash: it repairs at start
    assert later.written("TORN") is None
    assert journal.read_bytes() == clean
    assert [path.read_bytes() for path in later.repaired] == [tail]
    assert later.append([txn("T3")])[0].seq == 3
    assert [t.meta["fb_id"] for t in assert_clean(layout)] == ["T1", "T2", "T3"]

    # The writer that was running during the crash repairs too, and catches up.
    with journal.open("ab") as stream:
        stream.write(tail)
    assert writer.append([txn("T4")])[0].seq == 4
    assert [t.meta["fb_id"] for t in assert_clean(layout)] == ["T1", "T2", "T3", "T4"]


def test_a_shrunk_journal_is_refused(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    writer = Writer(layout)
    writer.append([txn("S1"), txn("S2")])
    journal = layout.journal_for_year(2026)
    journal.write_bytes(journal.read_bytes()[:-200])
    with pytest.raises(JournalDamaged, match="shrank"):
        writer.append([txn("S3")])


_KILLED_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from ledger.layout import Layout
    from ledger.writer import Writer
    from tests.ledger.test_writer import txn
    writer = Writer(Layout(Path({home!r})))
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        writer.append([txn(f"K{{n}}-" + str(i), narration="长" * 3000) for i in range(20)])
    """
)


def test_a_writer_killed_while_appending_leaves_a_book_that_loads(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    script = _KILLED_CHILD.format(root=str(ROOT), home=str(tmp_path))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(0.6)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    writer = Writer(layout)
    seq, _ = writer.head()
    assert seq > 0
    assert writer.append([txn("AFTER")])[0].seq == seq + 1
    txns = assert_clean(layout)
    assert len(txns) == seq + 1
    assert len({t.meta["fb_id"] for t in txns}) == len(txns)


def test_a_torn_include_line_is_cut(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    writer = Writer(layout)
    writer.append([txn("I1")])
    with layout.journal_index.open("ab") as stream:
        stream.write(b'include "20')  # killed while adding the include of a new year
    assert load(layout)[1]
    writer.append([txn("I2", date=datetime.date(2027, 1, 1))])
    assert layout.journal_index.read_text().endswith(
        'include "2026.beancount"\ninclude "2027.beancount"\n'
    )
    assert [t.meta["fb_id"] for t in assert_clean(layout)] == ["I1", "I2"]


def test_foreign_text_in_the_index_is_kept(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    layout.journal_dir.mkdir(parents=True)
    layout.journal_index.write_text("; written when the book was created")  # no final newline
    Writer(layout).append([txn("F1")])
    assert layout.journal_index.read_text() == (
        '; written when the book was created\ninclude "2026.beancount"\n'
    )
    assert len(assert_clean(layout)) == 1


def test_refusals_cross_process_boundaries(tmp_path: Path) -> None:
    """Errors survive pickling, as they do when raised in a worker process."""
    import pickle

    duplicate = DuplicatePosting("X1", Written("X1", 3, "a" * 64, tmp_path / "2026.beancount"))
    unsafe = UnsafeText("payee", "contains U+0000")
    for error in (duplicate, unsafe, DuplicatePosting("X2")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
    assert "fb_seq 3" in str(duplicate)
