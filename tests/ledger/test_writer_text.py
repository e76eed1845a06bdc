"""No text can add, change or hide a directive: arbitrary text through every field the writer accepts.

After each write the real loader reads the book without errors, finds exactly
one more transaction and no other new directive, and reads the text back
equal; otherwise the writer refused it (UnsafeText, or InvalidEntry for an
fb_id) and the journal's bytes are unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from ledger.chain import CHAIN_KEYS, verify_chain
from ledger.entries import InvalidEntry
from ledger.layout import Layout
from ledger.text import UnsafeText
from ledger.writer import DuplicatePosting, Writer
from tests.ledger.test_writer import journal_bytes, kinds, load, make_book, transactions, txn

NASTY = [
    "",
    '"',
    'say "hi"',
    "\\",
    "trailing\\",
    '\\"',
    "\\n is not a newline",
    "\\u2028",
    "a\nb",
    "\n2020-01-01 open Assets:X\n",
    '"\n2020-01-01 open Assets:X CNY\n2020-01-02 * "x"',
    "\r",
    "\r\n",
    "\x00",
    "nul\x00inside",
    "\u2028",
    "\u2029",
    "\u0085",
    "\x0b\x0c\x1c\x1d\x1e",
    "\x7f",
    "\x1b[31mred",
    "\t\b\f",
    "\u202egnp.exe",
    "\ufeffbom",
    "; comment",
    'include "other.beancount"',
    'plugin "os"',
    '2020-01-01 * "x"\n  Assets:X 1.00 CNY',
    '  fb_id: "FORGED"',
    'x\n  fb_id: "FORGED"\n  fb_seq: "999"\n  fb_hash: "' + "f" * 64 + '"\n\n2020-01-01',
    "玉林社区 敬老活动 😀",
    "x" * 1_000_000,
    "x" * 4096,
    "x" * 4097,
    "\n" * 300,
]

# Text from the whole of Unicode, and text concentrated on the characters that matter.
ANY_TEXT = st.text(max_size=60)
DANGEROUS = st.text(
    alphabet=st.sampled_from(list('\\"\n\r\t\x00\u2028\u2029\x0b\x0c\x08 ;#^:*!abc玉林😀')),
    max_size=40,
)
# Near-tokens, so that tags, links, keys and ids are sometimes valid and sometimes one character off.
TOKENISH = st.text(alphabet='abfXYZ019_-/.:^#" \n玉', min_size=1, max_size=12)
VALID_TOKENS = st.from_regex(r"\A[A-Za-z0-9_/.-]{1,12}\Z") | st.from_regex(
    r"\A[a-z][a-z0-9_-]{1,10}\Z"
)
TEXT = st.one_of(ANY_TEXT, DANGEROUS, TOKENISH, VALID_TOKENS, st.sampled_from(NASTY))

FIELDS = [
    "payee",
    "narration",
    "meta_value",
    "posting_meta_value",
    "tag",
    "link",
    "meta_key",
    "fb_id",
]

_counter = itertools.count()


def _build(field: str, value: str) -> tuple[Any, Callable[[Any], Any]]:
    """An entry carrying `value` in `field`, and how to read the field back from a parsed entry."""
    fb_id = f"H{next(_counter)}"
    if field == "payee":
        return txn(fb_id, payee=value), lambda e: e.payee
    if field == "narration":
        return txn(fb_id, narration=value), lambda e: e.narration
    if field == "meta_value":
        return txn(fb_id, meta={"note": value}), lambda e: e.meta["note"]
    if field == "posting_meta_value":
        entry = txn(fb_id)
        posting = entry.postings[0]._replace(meta={"memo": value})
        return entry._replace(postings=[posting, entry.postings[1]]), lambda e: e.postings[0].meta[
            "memo"
        ]
    if field == "tag":
        return txn(fb_id, tags=frozenset({value})), lambda e: next(iter(e.tags))
    if field == "link":
        return txn(fb_id, links=frozenset({value})), lambda e: next(iter(e.links))
    if field == "meta_key":
        entry = txn(fb_id)
        meta = (
            {**entry.meta, value: "v"} if value != "fb_id" else {**entry.meta, "fb_id": "v" + fb_id}
        )
        expected = "v" if value != "fb_id" else "v" + fb_id
        return entry._replace(meta=meta), lambda e: "v" if e.meta.get(value) == expected else None
    if field == "fb_id":
        entry = txn(fb_id)
        return entry._replace(meta={**entry.meta, "fb_id": value}), lambda e: e.meta["fb_id"]
    raise AssertionError(field)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Layout, Writer]:
    layout = make_book(tmp_path_factory.mktemp("text-book"))
    return layout, Writer(layout)


def _check(
    book: tuple[Layout, Writer], field: str, value: str, report: Callable[[str], None]
) -> None:
    layout, writer = book
    entries, errors = load(layout)
    assert errors == []
    before_kinds = kinds(entries)
    before_bytes = journal_bytes(layout)
    entry, read_back = _build(field, value)
    already = field == "fb_id" and writer.written(value) is not None
    try:
        written = writer.append([entry])
    except DuplicatePosting:
        assert already  # an fb_id drawn twice: refused the second time
        assert journal_bytes(layout) == before_bytes
        return
    except (UnsafeText, InvalidEntry) as refusal:
        report(f"{field}: refused")
        if field != "fb_id" and not (field == "meta_key" and value in CHAIN_KEYS):
            assert isinstance(refusal, UnsafeText)
            assert str(refusal).startswith(
                ("payee", "narration", "meta", "postings", "tags", "links")
            )
        assert journal_bytes(layout) == before_bytes
        return
    assert not already
    report(f"{field}: written")
    entries, errors = load(layout)
    assert errors == []
    after_kinds = kinds(entries)
    assert after_kinds - before_kinds == {"Transaction": 1}
    assert before_kinds - after_kinds == {}
    assert verify_chain(entries) == []
    ours = [t for t in transactions(entries) if t.meta.get("fb_seq") == str(written[0].seq)]
    assert len(ours) == 1
    assert ours[0].meta["fb_id"] == written[0].fb_id
    # One line of the file never holds more than one line of a directive: the new bytes
    # are one entry ending with the only blank line, without raw CR or line separators.
    name = written[0].path.name
    new = journal_bytes(layout)[name][len(before_bytes.get(name, b"")) :]
    if name not in before_bytes:  # the year's file was created with a comment header
        new = new[new.index(b"\n\n") + 2 :]
    assert new.endswith(b"\n\n") and new.count(b"\n\n") == 1
    assert not any(mark in new for mark in (b"\r", "\u2028".encode(), "\u2029".encode(), b"\x00"))
    # Text never fakes the lines the writer learns its chain from.
    assert writer.written("FORGED") is None
    assert writer.head() == (written[0].seq, written[0].hash)
    assert read_back(ours[0]) == (value if field != "meta_key" else "v")


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.large_base_example,
        HealthCheck.data_too_large,
    ],
)
@given(field=st.sampled_from(FIELDS), value=TEXT)
@example(field="narration", value="\n2020-01-01 open Assets:X")
@example(field="payee", value="trailing\\")
@example(field="meta_value", value="x" * 1_000_000)
@example(field="tag", value="a\n2020-01-01 open Assets:Injected")
@example(field="meta_key", value="filename")
@example(field="meta_key", value="__tolerances__")
@example(field="link", value="req-R000042")
def test_any_text_in_any_field(book: tuple[Layout, Writer], field: str, value: str) -> None:
    _check(book, field, value, event)


@pytest.mark.parametrize("field", FIELDS)
def test_every_nasty_text_in_every_field(tmp_path: Path, field: str) -> None:
    layout = make_book(tmp_path)
    pair = (layout, Writer(layout))
    for value in NASTY:
        _check(pair, field, value, lambda _: None)
