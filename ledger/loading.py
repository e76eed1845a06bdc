"""The one loader of the book: a full Beancount load with plugins, never from a cache.

    entries, errors, options = load_book(layout)     # or load_book(path of main.beancount)

Every full load in Fundbook goes through here (the API's start, `fundbook
check`, the reports, source tracing). It never reads or writes Beancount's
pickle cache: that cache trusts a file inside the book, which answers for the
original after a HOME is copied and is a pickle an auditor cannot trust, and
its key is taken at the end of a load, so a file appended during a load can
be served stale. `loads()` counts the loads this process has done, so a test
can see that a service loads its book once.
"""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data

from ledger.layout import Layout

Loaded = tuple[list[data.Directive], list[Any], dict[str, Any]]

_count = 0
_count_lock = threading.Lock()


class BookNotFound(FileNotFoundError):
    """The HOME holds no book/main.beancount."""


def load_book(book: Layout | Path | str) -> Loaded:
    """Entries, errors and options of a full, uncached load (plugins run, errors kept)."""
    global _count  # noqa: PLW0603  # the process-wide count of loads, read by loads()
    main = Path(book.main if isinstance(book, Layout) else book)
    if not main.is_file():
        raise BookNotFound(f"no book at {main}: run `fundbook init` or `fundbook demo` first")
    with _count_lock:
        _count += 1
    # A load allocates millions of small objects that live as long as the
    # result; the cyclic collector only slows it down.
    enabled = gc.isenabled()
    gc.disable()
    try:
        entries, errors, options = loader._load([(str(main.resolve()), True)], None, None, None)
    finally:
        if enabled:
            gc.enable()
    return entries, errors, options


def loads() -> int:
    """How many full loads this process has started."""
    return _count
