"""Rendering directives: every kind reads back equal through Beancount's parser; unsafe tokens are refused."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from beancount import loader
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import parser
from beancount.parser.grammar import ValueType
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ledger import text
from ledger.text import MAX_TEXT, UnsafeText, quote, render

DAY = datetime.date(2024, 1, 1)
OPENS = "2020-01-01 open Assets:Bank:ICBC:MF-T1\n2020-01-01 open Income:Donation:MF-T1\n"


def _parse_string(literal: str) -> str:
    entries, errors, _ = parser.parse_string(f'2020-01-01 custom "t" {literal}\n')
    assert errors == []
    assert len(entries) == 1
    value = entries[0].values[0].value
    assert isinstance(value, str)
    return value


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | st.text(alphabet='\\"\n\r\t\x00\u2028 a玉', max_size=20))
def test_quote_reads_back_exactly_or_refuses(value: str) -> None:
    try:
        literal = quote(value)
    except UnsafeText:
        return
    assert "\n" not in literal and "\r" not in literal
    assert _parse_string(literal) == value


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ('a"b', '"a\\"b"'),
        ("a\\", '"a\\\\"'),
        ("\\n", '"\\\\n"'),
        ("a\nb", '"a\\nb"'),
        ("\t\r\f\b", '"\\t\\r\\f\\b"'),
        ("玉林 😀", '"玉林 😀"'),
        ("x" * MAX_TEXT, '"' + "x" * MAX_TEXT + '"'),
    ],
)
def test_quote_escapes(value: str, literal: str) -> None:
    assert quote(value) == literal
    assert _parse_string(literal) == value


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("\x00", "U+0000"),
        ("a\u2028", "U+2028 LINE SEPARATOR at position 1"),
        ("\u2029", "U+2029"),
        ("\x0b", "U+000B"),
        ("\x7f", "U+007F"),
        ("\x85", "U+0085"),
        ("abc\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("玉林\u200b社区", "U+200B ZERO WIDTH SPACE at position 2"),
        ("a\u200db", "U+200D ZERO WIDTH JOINER"),
        ("\ufeffx", "U+FEFF"),
        ("捐赠\U000e0041\U000e0042", "U+E0041 TAG LATIN CAPITAL LETTER A"),
        ("\u3164", "U+3164 HANGUL FILLER"),
        ("a\u00adb", "U+00AD SOFT HYPHEN"),
        ("\ud800", "U+D800"),
        ("x" * (MAX_TEXT + 1), f"at most {MAX_TEXT}"),
        ("x" * 1_000_000, "1000000 characters"),
    ],
)
def test_quote_refuses_with_a_clear_message(value: str, words: str) -> None:
    with pytest.raises(UnsafeText, match=r"^narration: ") as caught:
        quote(value, "narration")
    assert words in str(caught.value)
    assert caught.value.field == "narration"


def _posting(account: str, number: str, currency: str = "CNY", **meta: Any) -> data.Posting:
    return data.Posting(account, Amount(Decimal(number), currency), None, None, None, meta or None)


def _transaction(**changes: Any) -> data.Transaction:
    entry = data.Transaction(
        {"fb_id": "X1", "fund": "MF-T1"},
        DAY,
        "*",
        "捐赠人",
        '捐赠 "重阳"',
        frozenset({"t-1"}),
        frozenset({"req-R000001"}),
        [
            _posting("Assets:Bank:ICBC:MF-T1", "12.30", memo="备注"),
            _posting("Income:Donation:MF-T1", "-12.30"),
        ],
    )
    return entry._replace(**changes)


def _load(source: str) -> list[data.Directive]:
    entries, errors, _ = loader.load_string(OPENS + source)
    assert errors == []
    return [e for e in entries if e.date != datetime.date(2020, 1, 1)]


def _strip(meta: dict[str, Any] | None) -> dict[str, Any]:
    return {
        k: v
        for k, v in (meta or {}).items()
        if k not in ("filename", "lineno") and not k.startswith("__")
    }


def test_a_transaction_reads_back_equal() -> None:
    entry = _transaction()
    source = render(entry)
    assert source.endswith("\n") and "\n\n" not in source
    (parsed,) = _load(source)
    assert isinstance(parsed, data.Transaction)
    assert (parsed.date, parsed.flag, parsed.payee, parsed.narration) == (
        DAY,
        "*",
        "捐赠人",
        '捐赠 "重阳"',
    )
    assert (parsed.tags, parsed.links) == (entry.tags, entry.links)
    assert _strip(parsed.meta) == entry.meta
    assert [(p.account, p.units) for p in parsed.postings] == [
        (p.account, p.units) for p in entry.postings
    ]
    assert _strip(parsed.postings[0].meta) == {"memo": "备注"}


def test_payee_none_and_empty_are_kept_apart() -> None:
    (no_payee,) = _load(render(_transaction(payee=None)))
    (empty,) = _load(render(_transaction(payee="", narration="")))
    assert isinstance(no_payee, data.Transaction) and isinstance(empty, data.Transaction)
    assert no_payee.payee is None and empty.payee == "" and empty.narration == ""


def test_other_directives_read_back_equal() -> None:
    account = "Assets:Bank:ICBC:MF-T1"
    custom = data.Custom(
        {"name_zh": "玉林社区", "filename": "<fundbook>", "lineno": 0},
        DAY,
        "fundbook-org",
        [
            ("ST01C01", str),
            ValueType(account, "<AccountDummy>"),
            ValueType(Decimal("1.5"), Decimal),
            ValueType(True, bool),
        ],
    )
    directives = [
        data.Open(
            {"code": "1002", "name_zh": "银行存款"}, DAY, "Assets:Bank:ICBC:MF-T2", ["CNY"], None
        ),
        data.Note({}, DAY, account, "对账\n完成", frozenset({"t"}), frozenset({"l"})),
        data.Balance({}, DAY, account, Amount(Decimal("0.00"), "CNY"), None, None),
        custom,
        data.Close({}, DAY + datetime.timedelta(days=1), "Assets:Bank:ICBC:MF-T2"),
    ]
    parsed = _load(text.render_all(directives))
    by_kind = {type(p): p for p in parsed}
    assert len(parsed) == len(by_kind) == len(directives)
    opened, note, balance, custom_back, closed = (by_kind[type(d)] for d in directives)
    assert isinstance(opened, data.Open) and opened.currencies == ["CNY"]
    assert _strip(opened.meta) == {"code": "1002", "name_zh": "银行存款"}
    assert isinstance(note, data.Note) and note.comment == "对账\n完成" and note.tags == {"t"}
    assert isinstance(balance, data.Balance) and balance.amount == Amount(Decimal("0.00"), "CNY")
    assert isinstance(custom_back, data.Custom)
    assert [v.value for v in custom_back.values] == ["ST01C01", account, Decimal("1.5"), True]
    assert _strip(custom_back.meta) == {"name_zh": "玉林社区"}
    assert isinstance(closed, data.Close)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"flag": "x"}, "flag"),
        ({"flag": "*\n2020-01-01 open Assets:X"}, "flag"),
        ({"tags": frozenset({"ok", "bad tag"})}, "tags"),
        ({"tags": frozenset({"玉林"})}, "tags"),
        ({"links": frozenset({"a\n2020-01-01 open Assets:X"})}, "links"),
        ({"links": frozenset({"x" * 200})}, "links"),
        ({"meta": {"Key": "v"}}, "meta"),
        ({"meta": {"k": "v"}}, "meta"),
        ({"meta": {"开户行": "v"}}, "meta"),
        ({"meta": {"key\n2020-01-01 open Assets:X": "v"}}, "meta"),
        ({"meta": {"amount": 1.5}}, "meta.amount"),
        ({"meta": {"nothing": None}}, "meta.nothing"),
        ({"meta": {"note": "\x00"}}, "meta.note"),
        ({"payee": "\u2028"}, "payee"),
        ({"narration": None}, "narration"),
        ({"date": datetime.datetime(2024, 1, 1, 12, 0)}, "date"),
        (
            {
                "postings": [
                    _posting("Assets:银行存款", "1.00"),
                    _posting("Income:Donation:MF-T1", "-1.00"),
                ]
            },
            "postings[0].account",
        ),
        (
            {"postings": [_posting("Assets:Bank\n2020-01-01 open Assets:X", "1.00")]},
            "postings[0].account",
        ),
        ({"postings": [_posting("Bogus:Bank", "1.00")]}, "postings[0].account"),
        ({"postings": [_posting("Assets:bank", "1.00")]}, "postings[0].account"),
        ({"postings": [_posting("Assets:Bank", "1.0")]}, "postings[0].number"),
        ({"postings": [_posting("Assets:Bank", "1.001")]}, "postings[0].number"),
        ({"postings": [_posting("Assets:Bank", "1")]}, "postings[0].number"),
        ({"postings": [_posting("Assets:Bank", "NaN", "USD")]}, "postings[0].number"),
        ({"postings": [_posting("Assets:Bank", "1E+30", "USD")]}, "postings[0].number"),
        ({"postings": [_posting("Assets:Bank", "1.00", "cny")]}, "postings[0].currency"),
        ({"postings": [_posting("Assets:Bank", "1.00", "CNY\n")]}, "postings[0].currency"),
        ({"postings": [data.Posting("Assets:Bank", None, None, None, None, None)]}, "postings[0]"),
        (
            {
                "postings": [
                    _posting("Assets:Bank", "1.00")._replace(price=Amount(Decimal(1), "USD"))
                ]
            },
            "postings[0]",
        ),
        ({"postings": [_posting("Assets:Bank", "1.00", **{"bad key": "v"})]}, "postings[0].meta"),
    ],
)
def test_unsafe_tokens_and_numbers_are_refused(change: dict[str, Any], field: str) -> None:
    with pytest.raises(UnsafeText) as caught:
        render(_transaction(**change))
    assert caught.value.field == field


def test_other_currencies_keep_their_digits() -> None:
    source = render(
        _transaction(
            postings=[
                _posting("Assets:Bank:ICBC:MF-T1", "1.005", "USD"),
                _posting("Income:Donation:MF-T1", "-1.005", "USD"),
            ]
        )
    )
    assert "1.005 USD" in source


def test_directives_fundbook_does_not_write_are_refused() -> None:
    with pytest.raises(UnsafeText, match="Pad"):
        render(data.Pad({}, DAY, "Assets:Bank", "Equity:Opening"))
    with pytest.raises(UnsafeText, match="values\\[0\\]"):
        render(data.Custom({}, DAY, "x", [("a\x00", str)]))


TOKEN_TEXT = (
    st.text(max_size=12)
    | st.text(alphabet="Aa0-_:.'/ \n玉\"^#", max_size=12)
    | st.from_regex(r"\A[A-Z][A-Za-z0-9-]{0,8}\Z")
)


@settings(max_examples=150, deadline=None)
@given(
    component=TOKEN_TEXT,
    unit=TOKEN_TEXT | st.sampled_from(["CNY", "USD", "A0", "NT.TO", "B'C", "/6J", "C_"]),
)
def test_accounts_and_currencies_read_back_exactly_or_are_refused(
    component: str, unit: str
) -> None:
    name = f"Assets:Bank:{component}"
    entry = data.Transaction(
        {},
        DAY,
        "*",
        None,
        "x",
        frozenset(),
        frozenset(),
        [
            _posting(name, "1.00" if unit == "CNY" else "1", unit),
            _posting("Equity:Other", "-1.00" if unit == "CNY" else "-1", unit),
        ],
    )
    try:
        source = render(entry)
    except UnsafeText as refusal:
        assert refusal.field in ("postings[0].account", "postings[0].currency")
        event("refused")
        return
    event("written")
    entries, errors, _ = loader.load_string(
        f"2020-01-01 open {name}\n2020-01-01 open Equity:Other\n{source}"
    )
    assert errors == []
    (parsed,) = [e for e in entries if isinstance(e, data.Transaction)]
    assert parsed.postings[0].account == name
    assert parsed.postings[0].units.currency == unit
