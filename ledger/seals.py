"""The seals of closed years, as the live book records them, and their hashes.

Each sealed year leaves one directive in `book/opening.beancount`, chained
to the seal before it, so the live book alone says which sealed books belong
to it and what each must hash to:

    2026-01-01 custom "fundbook-seal" "2025"
      file: "years/2025/main.beancount"
      sha256: "<SHA-256 of that file>"
      manifest: "<SHA-256 of years/2025/manifest.json>"
      prev_seal: "<seal of 2024, or 64 zeros for the first>"
      head: "5133:<fb_hash of fb_seq 5133>"
      seal: "<SHA-256 of all of the above>"

The 期初余额 entries of the first open year carry the last seal (`fb_seal`).
A manifest lists the hash of each entry of the sealed book in file order, so
an edited sealed year is reported by the entry that changed, not only by a
file hash that no longer matches.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from beancount.core import data
from beancount.core.amount import Amount

from ledger import chain

SEAL_DIRECTIVE = "fundbook-seal"
OPENING_KEY = "fb_seal"  # on a 期初余额 entry: the seal it opens from
OPENING_NARRATION = "期初余额"
SEAL_KEYS = ("file", "sha256", "manifest", "prev_seal", "head")


class Seal(NamedTuple):
    """One sealed year, as recorded in the live book.

    Attributes:
      year: the sealed year.
      file: the sealed book, relative to `HOME/book`.
      sha256: SHA-256 of the sealed book's bytes.
      manifest: SHA-256 of the manifest's bytes.
      prev_seal: the seal of the year before (`chain.GENESIS` for the first).
      head: fb_seq and fb_hash where the hash chain stood when the year was sealed.
      seal: SHA-256 over all of the above; what the next seal and the openings point at.
      entry: the directive it was read from, if any.
    """

    year: int
    file: str
    sha256: str
    manifest: str
    prev_seal: str
    head: str
    seal: str
    entry: data.Custom | None = None

    def expected(self) -> str:
        return seal_hash(
            year=self.year,
            file=self.file,
            sha256=self.sha256,
            manifest=self.manifest,
            prev_seal=self.prev_seal,
            head=self.head,
        )


def seal_hash(
    *, year: int, file: str, sha256: str, manifest: str, prev_seal: str, head: str
) -> str:
    text = "\n".join([str(year), file, sha256, manifest, prev_seal, head])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


MOVABLE: tuple[type, ...] = (
    data.Transaction,
    data.Balance,
    data.Note,
    data.Document,
    data.Pad,
    data.Event,
    data.Price,
    data.Query,
)
"""The directives that belong to one year and leave the live book when it is sealed."""


def year_of(entry: data.Directive) -> int | None:
    """The year an entry belongs to when years are sealed; None for what every year keeps."""
    day: datetime.date = entry.date
    if isinstance(entry, data.Balance):  # checks the balance at the start of its day
        return (day - datetime.timedelta(days=1)).year
    if isinstance(entry, data.Transaction) and entry.flag == "P":  # made by a pad
        return None
    if isinstance(entry, data.Document) and not str(entry.meta.get("filename")).endswith(
        ".beancount"
    ):  # found by the documents option, not written in the book
        return None
    return day.year if isinstance(entry, MOVABLE) else None


def seals_of(entries: Iterable[data.Directive]) -> list[Seal]:
    """The seal directives of a book, by year."""
    found = []
    for entry in entries:
        if not isinstance(entry, data.Custom) or entry.type != SEAL_DIRECTIVE:
            continue
        meta = entry.meta or {}
        values = [getattr(value, "value", value) for value in entry.values]
        try:
            year = int(str(values[0]))
        except (IndexError, ValueError):
            continue
        file, sha256, manifest, prev_seal, head, seal = (
            str(meta.get(key, "")) for key in (*SEAL_KEYS, "seal")
        )
        found.append(Seal(year, file, sha256, manifest, prev_seal, head, seal, entry))
    return sorted(found, key=lambda seal: seal.year)


def seal_directive(seal: Seal, date: datetime.date) -> data.Custom:
    meta: dict[str, Any] = {"filename": "<seal>", "lineno": 0}
    meta.update({key: getattr(seal, key) for key in (*SEAL_KEYS, "seal")})
    return data.Custom(meta, date, SEAL_DIRECTIVE, [(str(seal.year), str)])


def dated_in_sealed_years(entries: Sequence[data.Directive]) -> list[data.Directive]:
    """Entries of the live book that belong to a year already sealed (say, saved in Fava)."""
    seals = seals_of(entries)
    if not seals:
        return []
    last = seals[-1].year
    return [e for e in entries if (year := year_of(e)) is not None and year <= last]


def is_opening(entry: data.Directive) -> bool:
    """A 期初余额 entry of a year that follows a sealed one."""
    return isinstance(entry, data.Transaction) and OPENING_KEY in (entry.meta or {})


# -- the manifest: one hash per entry of a sealed book ---------------------------


def _field(value: object) -> Any:
    if isinstance(value, data.Posting):
        return chain._posting(value)
    if isinstance(value, list | tuple | frozenset | set):
        items = [_field(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, frozenset | set) else items
    if isinstance(value, Amount | Decimal | str | bool | datetime.date) or value is None:
        return chain._value(value)
    return chain._value(getattr(value, "value", value))


def entry_digest(entry: data.Directive) -> str:
    """SHA-256 of a directive's content, whatever its type (where it sits in the file aside)."""
    form: list[Any] = [type(entry).__name__]
    for name in entry._fields:
        if name == "meta":
            form.append(chain._meta(entry.meta))
        else:
            form.append(_field(getattr(entry, name)))
    text = json.dumps(form, ensure_ascii=False, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class ManifestLine(NamedTuple):
    lineno: int
    what: str
    digest: str


def describe(entry: data.Directive) -> str:
    parts = [str(entry.date), type(entry).__name__.lower()]
    if isinstance(entry, data.Transaction):
        parts.append(f'"{(entry.narration or entry.payee or "")[:60]}"')
    account = getattr(entry, "account", None)
    if isinstance(account, str):
        parts.append(account)
    fb_id = (entry.meta or {}).get("fb_id")
    if fb_id is not None:
        parts.append(f"(fb_id {fb_id})")
    return " ".join(parts)


def manifest_of(entries: Sequence[data.Directive]) -> list[ManifestLine]:
    """Entries of a parsed file (in file order) as manifest lines."""
    return [
        ManifestLine(int((entry.meta or {}).get("lineno", 0)), describe(entry), entry_digest(entry))
        for entry in entries
    ]


def manifest_text(lines: Sequence[ManifestLine]) -> str:
    return json.dumps([list(line) for line in lines], ensure_ascii=False, indent=0) + "\n"


def read_manifest(text: str) -> list[ManifestLine]:
    return [ManifestLine(int(a), str(b), str(c)) for a, b, c in json.loads(text)]
