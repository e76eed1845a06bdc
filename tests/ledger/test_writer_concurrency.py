"""Real races: threads and processes append to one journal at once.

Nothing is lost or written twice, the chain verifies, the book loads clean, a
contended fb_id is written by exactly one racer and refused to the others, and
`append_missing` writes each fb_id exactly once.
"""

from __future__ import annotations

import datetime
import multiprocessing
import queue
import threading
from collections import Counter
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from ledger.layout import Layout
from ledger.writer import DuplicatePosting, Writer
from tests.ledger.test_writer import assert_clean, make_book, txn

ROUNDS = 12


def _race(writer: Writer, name: str, start: Any) -> dict[str, Any]:
    """One racer's appends: its own batches, a contended append, and an exactly-once pair."""
    start.wait()
    own: dict[str, int] = {}
    won: list[str] = []
    refused: list[str] = []
    once: list[tuple[tuple[str, int, str], ...]] = []
    for i in range(ROUNDS):
        day = datetime.date(2025 + i % 2, 1 + i % 12, 1 + i)
        batch = [
            txn(f"{name}-{i}-{j}", amount=f"{i + 1}.{j:02d}", date=day) for j in range(1 + i % 3)
        ]
        for written in writer.append(batch):
            own[written.fb_id] = written.seq
        try:
            writer.append([txn(f"DUP-{i}", date=day)])
            won.append(f"DUP-{i}")
        except DuplicatePosting:
            refused.append(f"DUP-{i}")
        pair = writer.append_missing([txn(f"ONCE-{i}-a", date=day), txn(f"ONCE-{i}-b")])
        once.append(tuple((w.fb_id, w.seq, w.hash) for w in pair))
    return {"name": name, "own": own, "won": won, "refused": refused, "once": once}


def _process_main(home: str, name: str, start: Event, results: Any) -> None:
    try:
        writer = Writer(Layout(Path(home)))
        results.put({"name": name, "ready": True})
        results.put(_race(writer, name, start))
    except BaseException as error:  # reported to the parent, which fails the test
        results.put({"name": name, "error": repr(error)})
        raise


def _check(
    layout: Layout, reports: list[dict[str, Any]], before: frozenset[str] = frozenset()
) -> None:
    assert not [r for r in reports if "error" in r]
    txns = assert_clean(layout)  # loads with no errors and the chain verifies
    ids = Counter(t.meta["fb_id"] for t in txns)
    assert max(ids.values()) == 1  # nothing written twice
    expected = set(before) | {fb_id for r in reports for fb_id in r["own"]}
    expected |= {f"DUP-{i}" for i in range(ROUNDS)}
    expected |= {f"ONCE-{i}-{s}" for i in range(ROUNDS) for s in "ab"}
    assert set(ids) == expected  # nothing lost
    seq_of = {t.meta["fb_id"]: int(t.meta["fb_seq"]) for t in txns}
    assert sorted(seq_of.values()) == list(range(1, len(txns) + 1))
    for report in reports:
        assert all(seq_of[fb_id] == seq for fb_id, seq in report["own"].items())
    for i in range(ROUNDS):  # each contended fb_id: one winner, every other racer refused
        winners = [r["name"] for r in reports if f"DUP-{i}" in r["won"]]
        assert len(winners) == 1
        assert sum(f"DUP-{i}" in r["refused"] for r in reports) == len(reports) - 1
        assert len({r["once"][i] for r in reports}) == 1  # every racer saw the same single write
    # The racers really interleaved: some racer's own entries are not one contiguous run.
    spans = [max(r["own"].values()) - min(r["own"].values()) + 1 - len(r["own"]) for r in reports]
    assert max(spans) > 0


def test_threads_on_shared_and_separate_writers(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    writers = [Writer(layout), Writer(layout)]
    start = threading.Barrier(8)
    reports: list[dict[str, Any]] = []
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            reports.append(_race(writers[index % 2], f"T{index}", start))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert len(reports) == 8
    _check(layout, reports)


def test_processes_append_to_one_journal(tmp_path: Path) -> None:
    layout = make_book(tmp_path)
    Writer(layout).append([txn("BEFORE")])  # the racers start from an existing journal
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    processes = [
        context.Process(target=_process_main, args=(str(tmp_path), f"P{index}", start, results))
        for index in range(4)
    ]
    for process in processes:
        process.start()
    reports: list[dict[str, Any]] = []
    try:
        ready = [results.get(timeout=60) for _ in processes]
        assert all(message.get("ready") for message in ready), ready
        start.set()  # all four have loaded the journal: release them at once
        for _ in processes:
            reports.append(results.get(timeout=90))
    except queue.Empty:
        raise AssertionError(f"racers did not finish: {reports}") from None
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
    _check(layout, reports, frozenset({"BEFORE"}))
    assert Writer(layout).written("BEFORE") is not None
