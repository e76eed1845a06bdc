"""Registry changes in the hash chain: each change has a chained record, so a hand edit shows.

A change of the registry (`ledger.registry_changes`) is `custom` and `open`
directives in `book/fundbook/registry.beancount`, which the hash chain of
transactions does not cover. So the writer marks each directive of a change
with `fb_change` and appends to the journal, in the chain, a record of it: a
transaction without postings that carries the SHA-256 of the change's
directives (`registry_digest`):

    2026-03-01 * "登记变更: fundbook-org ST01C02, fundbook-fund MF-ST01C02, 23 open" #registry
      fb_id: "registry-4f1c2a9e0b7d3c55"
      changed_by: "李会计"
      changed_at: "2026-03-01T10:12:00+08:00"
      registry_digest: "<sha256 of the change's directives>"
      fb_seq: "17"
      fb_prev: "…"
      fb_hash: "…"

`verify_registry` finds a change whose directives no longer hash to their
record (an approval chain edited by hand), a record whose change is gone, a
change without a record, and a directive in the changes file without
`fb_change` (written there by hand).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from beancount.core import data

REGISTRY_TAG = "registry"
CHANGE_KEY = "fb_change"
DIGEST_KEY = "registry_digest"
RECORD_PREFIX = "registry-"
CHANGES_FILE = "fundbook/registry.beancount"


class RegistryRecordError(NamedTuple):
    source: dict[str, Any]
    message: str
    entry: data.Directive | None


def _meta(meta: dict[str, Any] | None) -> list[list[Any]]:
    return [
        [key, str(value)]
        for key, value in sorted((meta or {}).items())
        if key not in ("filename", "lineno") and not key.startswith("__")
    ]


def _form(entry: data.Directive) -> list[Any]:
    if isinstance(entry, data.Open):
        return [
            entry.date.isoformat(),
            "open",
            entry.account,
            list(entry.currencies or ()),
            str(entry.booking) if entry.booking else None,
            _meta(entry.meta),
        ]
    if isinstance(entry, data.Custom):
        values = [value[0] if isinstance(value, tuple) else value for value in entry.values]
        return [
            entry.date.isoformat(),
            "custom",
            entry.type,
            [str(v) for v in values],
            _meta(entry.meta),
        ]
    raise TypeError(f"not a registry directive: {type(entry).__name__}")


def digest(directives: Iterable[data.Directive]) -> str:
    """SHA-256 (hex) of the canonical form of a change's directives, in order."""
    form = [_form(entry) for entry in directives]
    text = json.dumps(form, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def mark(directives: Sequence[data.Directive], change: str) -> list[data.Directive]:
    """The directives of one change, each carrying `fb_change`."""
    return [entry._replace(meta={**(entry.meta or {}), CHANGE_KEY: change}) for entry in directives]


def change_id(directives: Sequence[data.Directive]) -> str:
    """An id for a change, from its content (its time stamp makes it unique)."""
    return RECORD_PREFIX + digest(directives)[:16]


def record(directives: Sequence[data.Directive], change: str) -> data.Transaction:
    """The chained transaction recording a change (marked directives), without postings."""
    first = next((e for e in directives if isinstance(e, data.Custom)), directives[0])
    names = [f"{e.type} {_form(e)[3][0]}" for e in directives if isinstance(e, data.Custom)]
    opened = sum(isinstance(e, data.Open) for e in directives)
    what = ", ".join([*names, *([f"{opened} open"] if opened else [])])
    meta = {"fb_id": change}
    for key in ("changed_by", "changed_at"):
        if key in (first.meta or {}):
            meta[key] = str(first.meta[key])
    meta[DIGEST_KEY] = digest(directives)
    return data.Transaction(
        meta,
        max(e.date for e in directives),
        "*",
        None,
        f"登记变更: {what}"[:400],
        frozenset({REGISTRY_TAG}),
        frozenset(),
        [],
    )


def _where(entry: data.Directive) -> dict[str, Any]:
    meta = entry.meta or {}
    return {"filename": meta.get("filename", "<unknown>"), "lineno": meta.get("lineno", 0)}


def verify_registry(entries: Iterable[data.Directive]) -> list[RegistryRecordError]:
    """Registry changes that do not match their chained records, and the reverse."""
    changes: dict[str, list[data.Directive]] = {}
    records: dict[str, data.Transaction] = {}
    errors: list[RegistryRecordError] = []
    for entry in entries:
        meta = entry.meta or {}
        if isinstance(entry, data.Transaction):
            fb_id = meta.get("fb_id")
            if REGISTRY_TAG in (entry.tags or ()) and isinstance(fb_id, str) and DIGEST_KEY in meta:
                records[fb_id] = entry
        elif isinstance(entry, data.Open | data.Custom):
            change = meta.get(CHANGE_KEY)
            if isinstance(change, str):
                changes.setdefault(change, []).append(entry)
            elif str(meta.get("filename", "")).endswith(CHANGES_FILE):
                errors.append(
                    RegistryRecordError(
                        _where(entry),
                        "a registry directive without fb_change in Fundbook's changes file: "
                        "registry changes are made with fundbook org add, fund add or chain set",
                        entry,
                    )
                )
    for change, directives in changes.items():
        found = records.get(change)
        ordered = sorted(
            directives, key=lambda e: (str(_where(e)["filename"]), int(_where(e)["lineno"]))
        )
        if found is None:
            errors.append(
                RegistryRecordError(
                    _where(ordered[0]),
                    f"registry change {change} has no record in the hash chain",
                    ordered[0],
                )
            )
        elif digest(ordered) != found.meta[DIGEST_KEY]:
            errors.append(
                RegistryRecordError(
                    _where(ordered[0]),
                    f"registry change {change} does not match its record (fb_seq "
                    f"{found.meta.get('fb_seq', '?')}): it was changed after it was written",
                    ordered[0],
                )
            )
    for change, found in records.items():
        if change not in changes:
            errors.append(
                RegistryRecordError(
                    _where(found),
                    f"registry change {change} is recorded but not in the book",
                    found,
                )
            )
    return errors
