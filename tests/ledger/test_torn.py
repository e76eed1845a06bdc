"""Torn tails: a whole entry missing its final newline is completed, a delivered one never cut."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pytest

from ledger import torn
from ledger.chain import verify_chain
from ledger.layout import Layout
from ledger.writer import Writer
from tests.ledger.test_writer import assert_clean, load, make_book, txn


class Outbox:
    """A witness over a set of delivered fb_ids and a recorded head, as the database answers."""

    def __init__(self, delivered: set[str], anchored: int = 0) -> None:
        self.done = delivered
        self.anchored = anchored

    def delivered(self, fb_ids: Collection[str]) -> Collection[str]:
        return self.done & set(fb_ids)

    def anchored_seq(self) -> int:
        return self.anchored


def _book(tmp_path: Path) -> tuple[Layout, Path, bytes]:
    layout = make_book(tmp_path / "home")
    Writer(layout).append([txn("P1"), txn("P2", amount="250.00")])
    journal = layout.journal_for_year(2026)
    return layout, journal, journal.read_bytes()


@pytest.mark.parametrize("missing", [1, 2])
def test_a_final_newline_removed_is_completed_not_cut(tmp_path: Path, missing: int) -> None:
    layout, journal, whole = _book(tmp_path)
    journal.write_bytes(whole[:-missing])  # `truncate -s -1`, an editor's end-of-file fixer
    writer = Writer(layout, witness=Outbox({"P1", "P2"}, anchored=2))
    assert writer.written("P2") is not None
    assert journal.read_bytes() == whole
    assert writer.repaired == []
    [repair] = torn.repairs(layout)
    assert (repair.action, repair.fb_ids, repair.by) == ("completed", ("P2",), "writer")
    assert writer.append([txn("P3")])[0].seq == 3
    assert [t.meta["fb_id"] for t in assert_clean(layout)] == ["P1", "P2", "P3"]


def test_completion_needs_the_chain_to_continue(tmp_path: Path) -> None:
    """An entry that only looks whole (its hash was edited) is not completed as if it were."""
    layout, journal, whole = _book(tmp_path)
    edited = (
        whole[:-1].replace(b"-250.00 CNY", b"-950.00 CNY").replace(b" 250.00 CNY", b" 950.00 CNY")
    )
    assert edited != whole[:-1]
    journal.write_bytes(edited)
    with pytest.raises(torn.TornTail, match="P2, delivered by the outbox"):
        Writer(layout, witness=Outbox({"P1", "P2"}, anchored=2))


@pytest.mark.parametrize("where", [b'"\xe6\x8d\x90', b"Assets:Bank:ICBC:MF-T1  ", b"  fb_seq"])
def test_a_delivered_entry_cut_inside_is_refused_and_kept(tmp_path: Path, where: bytes) -> None:
    layout, journal, whole = _book(tmp_path)
    torn_at = whole.rindex(where) + 2
    journal.write_bytes(whole[:torn_at])
    damaged = journal.read_bytes()
    assert load(layout)[1] or where == b"  fb_seq"  # Beancount rejects most such cuts itself
    with pytest.raises(torn.TornTail, match="fundbook repair HOME"):
        Writer(layout, witness=Outbox({"P1", "P2"}, anchored=2))
    assert journal.read_bytes() == damaged  # nothing cut
    assert torn.repairs(layout) == []


def test_a_cut_before_the_fb_id_line_is_refused_by_the_recorded_head(tmp_path: Path) -> None:
    layout, journal, whole = _book(tmp_path)
    header = whole.rindex(b"2026-03-02 *")
    journal.write_bytes(whole[: header + 20])  # mid-payee: no fb_id in the tail
    with pytest.raises(torn.TornTail, match="head recorded in the database is fb_seq 2"):
        Writer(layout, witness=Outbox({"P1", "P2"}, anchored=2))


def test_an_undelivered_torn_write_is_kept_aside_and_cut(tmp_path: Path) -> None:
    """A writer killed mid-append: the outbox has not marked the entry delivered, the head is behind."""
    layout, journal, whole = _book(tmp_path)
    journal.write_bytes(whole[: whole.rindex(b"Income:") + 5])
    writer = Writer(layout, witness=Outbox({"P1"}, anchored=1))
    assert writer.written("P2") is None
    [aside] = writer.repaired
    assert journal.read_bytes() + aside.read_bytes() == whole[: whole.rindex(b"Income:") + 5]
    [repair] = torn.repairs(layout)
    assert (repair.action, repair.fb_ids) == ("cut", ("P2",))
    assert repair.aside == str(aside.relative_to(layout.journal_dir))
    writer.append([txn("P2", amount="250.00")])  # the outbox delivers it again
    assert journal.read_bytes() == whole
    assert verify_chain(assert_clean(layout)) == []
