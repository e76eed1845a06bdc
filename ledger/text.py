"""Safe rendering of directives as Beancount text: nothing a caller passes can add, change or hide a directive.

Quoted text (payee, narration, metadata values, custom values, note comments)
goes through `quote`. Beancount's lexer reads a string literal as
`"([^\\"]|\\.)*"` and unescapes `\\n \\t \\r \\f \\b \\"`; every other escaped
character stands for itself (`\\u` reads back as `u`, `\\\\` as `\\`). So:

- backslash, quote, newline, tab, CR, form feed and backspace are escaped and
  read back exactly; no raw line break ever reaches the file, so one line of
  the file never holds more than one line of a directive;
- characters that have no escape and are unsafe raw (other control characters
  including NUL, U+2028/U+2029, bidirectional overrides that reorder what a
  reader sees, zero-width and tag characters a reader does not see, lone
  surrogates) are refused with `UnsafeText`;
- text longer than `MAX_TEXT` characters is refused.

Unquoted tokens (accounts, currencies, tags, links, metadata keys, flags) are
printed verbatim by Beancount's own printer, which lets a tag holding a newline
inject directives; here each is checked against the lexer's pattern first.
Amounts are `Decimal` only, finite, and CNY amounts carry exactly two decimals.

`render` returns the text of one directive, ending in a newline, with no blank
line inside it.
"""

from __future__ import annotations

import datetime
import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from funds.money import CURRENCY

MAX_TEXT = 4096
"""Longest payee, narration or metadata value, in characters."""

MAX_TOKEN = 128
"""Longest tag, link, metadata key or account component."""

MAX_DIGITS = 24
"""Most digits an amount may have (Beancount's number buffer is far larger)."""

_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\f": "\\f",
    "\b": "\\b",
}
_NEEDS_ESCAPE = re.compile('[\\\\"\n\t\r\f\b]')

# Bidirectional controls reorder what an editor or a browser shows without
# changing the bytes, and invisible characters (zero-width spaces and joiners,
# the BOM, tag characters U+E0000-E007F, soft hyphens: Unicode's format
# category Cf, and the Hangul fillers) make two texts that look the same
# differ: all refused, so text cannot visually hide or fake other text.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp", "Cf"})


def is_unsafe_char(char: str) -> bool:
    """Whether `char` is refused in text: controls, line separators, bidi, invisible, surrogates."""
    return char in _BIDI or char in _INVISIBLE or unicodedata.category(char) in _REFUSED_CATEGORIES


_ACCOUNT = re.compile(r"(?:Assets|Liabilities|Equity|Income|Expenses)(?::[A-Z0-9][A-Za-z0-9-]*)+")
_CURRENCY = re.compile(r"[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]")
_TAG = re.compile(r"[A-Za-z0-9_/.-]+")
_KEY = re.compile(r"[a-z][A-Za-z0-9_-]+")
FLAGS = frozenset("*!&#?%")
RESERVED_KEYS = frozenset({"filename", "lineno"})
"""Keys the parser sets itself: a caller's value would replace the entry's source."""


class UnsafeText(ValueError):
    """Text or a token that cannot be written to the book safely; the message names the field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[type[UnsafeText], tuple[str, str]]:
        return (type(self), (self.field, self.reason))


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def check_text(text: object, field: str = "text") -> str:
    """`text` if it is a str that `quote` can write; otherwise UnsafeText."""
    if not isinstance(text, str):
        raise UnsafeText(field, f"must be text, not {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise UnsafeText(field, f"is {len(text)} characters long; at most {MAX_TEXT} are allowed")
    for position, char in enumerate(text):
        if char in _ESCAPES:
            continue
        if is_unsafe_char(char):
            raise UnsafeText(
                field, f"contains {_describe(char)} at position {position}, which cannot be written"
            )
    return text


def quote(text: str, field: str = "text") -> str:
    """A Beancount string literal that parses back to exactly `text`, or UnsafeText."""
    check_text(text, field)
    return '"' + _NEEDS_ESCAPE.sub(lambda match: _ESCAPES[match.group()], text) + '"'


def _token(value: object, pattern: re.Pattern[str], field: str, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise UnsafeText(field, f"{what} must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise UnsafeText(field, f"{what} is {len(value)} characters long; at most {limit} allowed")
    if not value.isascii() or not pattern.fullmatch(value):
        raise UnsafeText(field, f"{value[:60]!r} is not a valid {what}")
    return value


def account(value: object, field: str = "account") -> str:
    """An account name as the lexer reads it, under one of the five standard roots."""
    name = _token(value, _ACCOUNT, field, "account name", 4 * MAX_TOKEN)
    if any(len(part) > MAX_TOKEN for part in name.split(":")):
        raise UnsafeText(field, f"an account component is longer than {MAX_TOKEN} characters")
    return name


def currency(value: object, field: str = "currency") -> str:
    return _token(value, _CURRENCY, field, "currency", 24)


def tag(value: object, field: str = "tag") -> str:
    return _token(value, _TAG, field, "tag", MAX_TOKEN)


def link(value: object, field: str = "link") -> str:
    return _token(value, _TAG, field, "link", MAX_TOKEN)


def meta_key(value: object, field: str = "meta") -> str:
    key = _token(value, _KEY, field, "metadata key", 64)
    if key in RESERVED_KEYS:
        raise UnsafeText(field, f"metadata key {key!r} is reserved by Beancount")
    return key


def flag(value: object, field: str = "flag") -> str:
    if not isinstance(value, str) or value not in FLAGS:
        raise UnsafeText(field, f"{value!r} is not one of the flags {''.join(sorted(FLAGS))}")
    return value


def number(value: object, field: str = "number", *, unit: str | None = None) -> str:
    """The text of a Decimal; CNY amounts must have exactly two decimals."""
    if not isinstance(value, Decimal):
        raise UnsafeText(field, f"amounts are Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise UnsafeText(field, f"{value} is not a finite number")
    digits = value.as_tuple()
    if len(digits.digits) > MAX_DIGITS or abs(int(digits.exponent)) > MAX_DIGITS:
        raise UnsafeText(field, f"{value} has too many digits")
    if unit == CURRENCY and digits.exponent != -2:
        raise UnsafeText(field, f"{CURRENCY} amounts have exactly two decimals, not {value}")
    if value.is_zero():  # "-0.00" would read back as 0.00
        value = value.copy_abs()
    return format(value, "f")


def amount(value: object, field: str = "amount") -> str:
    if not isinstance(value, Amount):
        raise UnsafeText(field, f"must be an Amount, not {type(value).__name__}")
    unit = currency(value.currency, f"{field}.currency")
    return f"{number(value.number, f'{field}.number', unit=unit)} {unit}"


def date(value: object, field: str = "date") -> str:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise UnsafeText(field, f"must be a date, not {type(value).__name__}")
    return value.isoformat()


def value_text(value: object, field: str) -> str:
    """A metadata or custom value: text, Decimal, bool, date or Amount."""
    if isinstance(value, str):
        return quote(value, field)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return number(value, field)
    if isinstance(value, datetime.date):
        return date(value, field)
    if isinstance(value, Amount):
        return amount(value, field)
    raise UnsafeText(
        field, f"values are text, Decimal, bool, date or Amount, not {type(value).__name__}"
    )


def is_hidden_key(key: str) -> bool:
    """Metadata the parser adds itself and that is never written."""
    return key in RESERVED_KEYS or key.startswith("__")


def meta_lines(meta: Mapping[str, Any] | None, indent: str, field: str = "meta") -> list[str]:
    """`key: value` lines of a metadata dict, in insertion order, without parser-added keys."""
    lines: list[str] = []
    for key, value in (meta or {}).items():
        if isinstance(key, str) and is_hidden_key(key):
            continue
        name = meta_key(key, field)
        lines.append(f"{indent}{name}: {value_text(value, f'{field}.{name}')}")
    return lines


def _marks(tags: Iterable[str] | None, links: Iterable[str] | None) -> list[str]:
    marks = [f"#{tag(t, 'tags')}" for t in sorted(tags or ())]
    marks += [f"^{link(x, 'links')}" for x in sorted(links or ())]
    return marks


def _posting(posting: data.Posting, index: int) -> list[str]:
    field = f"postings[{index}]"
    if not isinstance(posting, data.Posting):
        raise UnsafeText(field, f"must be a Posting, not {type(posting).__name__}")
    if posting.cost is not None or posting.price is not None:
        raise UnsafeText(field, "costs and prices are not written by Fundbook")
    if posting.units is None or not isinstance(posting.units, Amount):
        raise UnsafeText(field, "every posting needs an explicit amount")
    mark = f"{flag(posting.flag, f'{field}.flag')} " if posting.flag else ""
    head = f"  {mark}{account(posting.account, f'{field}.account')}  {amount(posting.units, field)}"
    return [head, *meta_lines(posting.meta, "    ", f"{field}.meta")]


def _transaction(entry: data.Transaction) -> list[str]:
    words = [date(entry.date), flag(entry.flag)]
    if entry.payee is not None:
        words.append(quote(entry.payee, "payee"))
    words.append(quote(entry.narration, "narration"))
    words += _marks(entry.tags, entry.links)
    lines = [" ".join(words), *meta_lines(entry.meta, "  ")]
    for index, posting in enumerate(entry.postings):
        lines += _posting(posting, index)
    return lines


def _open(entry: data.Open) -> list[str]:
    words = [date(entry.date), "open", account(entry.account)]
    if entry.currencies:
        words.append(",".join(currency(c, "currencies") for c in entry.currencies))
    if entry.booking is not None:
        booking = entry.booking.value if isinstance(entry.booking, enum.Enum) else entry.booking
        words.append(quote(_token(booking, re.compile(r"[A-Z_]+"), "booking", "booking", 16)))
    return [" ".join(words), *meta_lines(entry.meta, "  ")]


def _close(entry: data.Close) -> list[str]:
    return [f"{date(entry.date)} close {account(entry.account)}", *meta_lines(entry.meta, "  ")]


def _balance(entry: data.Balance) -> list[str]:
    units = entry.amount
    if not isinstance(units, Amount):
        raise UnsafeText("amount", "a balance needs an Amount")
    unit = currency(units.currency)
    text = number(units.number, "amount", unit=unit)
    if entry.tolerance is not None:
        text += f" ~ {number(entry.tolerance, 'tolerance')}"
    head = f"{date(entry.date)} balance {account(entry.account)} {text} {unit}"
    return [head, *meta_lines(entry.meta, "  ")]


def _custom_value(value: Any, index: int) -> str:
    field = f"values[{index}]"
    raw, dtype = (value.value, value.dtype) if hasattr(value, "dtype") else tuple(value)
    if dtype == "<AccountDummy>":
        return account(raw, field)
    return value_text(raw, field)


def _custom(entry: data.Custom) -> list[str]:
    words = [date(entry.date), "custom", quote(entry.type, "type")]
    words += [_custom_value(value, index) for index, value in enumerate(entry.values)]
    return [" ".join(words), *meta_lines(entry.meta, "  ")]


def _note(entry: data.Note) -> list[str]:
    words = [date(entry.date), "note", account(entry.account), quote(entry.comment, "comment")]
    words += _marks(getattr(entry, "tags", None), getattr(entry, "links", None))
    return [" ".join(words), *meta_lines(entry.meta, "  ")]


def _document(entry: data.Document) -> list[str]:
    words = [
        date(entry.date),
        "document",
        account(entry.account),
        quote(entry.filename, "filename"),
    ]
    words += _marks(getattr(entry, "tags", None), getattr(entry, "links", None))
    return [" ".join(words), *meta_lines(entry.meta, "  ")]


def render(entry: data.Directive) -> str:
    """The Beancount text of one directive, ending with a newline; UnsafeText if it cannot be safe."""
    if isinstance(entry, data.Transaction):
        lines = _transaction(entry)
    elif isinstance(entry, data.Open):
        lines = _open(entry)
    elif isinstance(entry, data.Close):
        lines = _close(entry)
    elif isinstance(entry, data.Balance):
        lines = _balance(entry)
    elif isinstance(entry, data.Custom):
        lines = _custom(entry)
    elif isinstance(entry, data.Note):
        lines = _note(entry)
    elif isinstance(entry, data.Document):
        lines = _document(entry)
    else:
        raise UnsafeText("entry", f"{type(entry).__name__} directives are not written by Fundbook")
    return "\n".join(lines) + "\n"


def render_all(entries: Iterable[data.Directive]) -> str:
    """Directives one after another, separated by blank lines."""
    return "\n".join(render(entry) for entry in entries)
