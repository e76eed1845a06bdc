"""Fava never writes Fundbook's journal: edits aimed at `book/fundbook/` are refused.

The journal files (`book/fundbook/*.beancount`) are appended to only by
`ledger.writer.Writer`, under its cross-process lock. Fava's own writes (the
editor saving a file, editing or deleting an entry in place, attaching a
document to an entry) rewrite whole files under a lock private to Fava's
process, so a rewrite of a journal file racing the writer could lose an entry.
The desk's `before_request` asks `refused_target` about every request and
answers 403 for one that would rewrite a journal file; entries added through
Fava go to `manual.beancount` (the book's insert-entry option).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

JOURNAL_DIR = "fundbook"
# Fava's JSON API endpoints that rewrite a file, and how each names its file.
_BY_PATH = {"json_api.put_source": "file_path"}
_BY_ENTRY = {
    "json_api.put_source_slice": "entry_hash",
    "json_api.delete_source_slice": "entry_hash",
    "json_api.put_attach_document": "entry_hash",
    # An uploaded document with a form field `hash` is written into that entry.
    "json_api.put_add_document": "hash",
}


def is_journal_file(path: Path, book_dir: Path) -> bool:
    """Whether `path` is inside the book's journal directory."""
    try:
        path.resolve().relative_to((book_dir / JOURNAL_DIR).resolve())
    except ValueError:
        return False
    return True


def refused_target(
    *,
    endpoint: str | None,
    method: str,
    params: Mapping[str, Any],
    book_dir: Path,
    filename_of_entry: Callable[[str], str | None],
) -> Path | None:
    """The journal file a request would rewrite, or None if it may go ahead."""
    if method in ("GET", "HEAD", "OPTIONS") or endpoint is None:
        return None
    target: str | None = None
    if endpoint in _BY_PATH:
        value = params.get(_BY_PATH[endpoint])
        target = value if isinstance(value, str) else None
    elif endpoint in _BY_ENTRY:
        entry_hash = params.get(_BY_ENTRY[endpoint])
        target = filename_of_entry(entry_hash) if isinstance(entry_hash, str) else None
    if target is None:
        return None
    path = Path(target)
    if not path.is_absolute():
        path = book_dir / path
    return path if is_journal_file(path, book_dir) else None
