"""Documents of the book: files stored once by content, linked by `document` directives.

A 请款函, a donation receipt or a milestone report is checked from its bytes
(PDF, JPEG or PNG, at most `SIZE_MAX`), stored as
`HOME/documents/<first two hex digits>/<sha256>.<ext>` (never overwritten: a
file of the same content is the same file) and linked from the book by a
`document` directive in `book/documents.beancount`, which only this module
appends to, under its own cross-process lock:

    2026-03-05 document Assets:Bank:ICBC "../documents/3f/3f9a….pdf" ^req-R000042
      sha256: "3f9a…"
      kind: "请款函"
      name: "请款函-玉林社区.pdf"
      uploaded_by: "王芳"

The link is the one of the entries it documents (`^req-R000042`, a
contribution's or a grant's), so Fava shows the document beside them, and the
book's `documents` option (`../documents`) is set so Fava's 凭证 page lists it.
`document_problems` is what `fundbook check` adds: a linked file that is
missing, or whose content no longer has its sha256.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from beancount.core import data

from ledger import text
from ledger.layout import Layout

SIZE_MAX = 10 * 1024 * 1024
DOCUMENTS_BOOK = "documents.beancount"
DOCUMENTS_DIR = "documents"
_TYPES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


class DocumentRefused(ValueError):
    """The file is empty, too large, or not a PDF, JPEG or PNG by its content."""


class DocumentsNotLinked(RuntimeError):
    """The book does not include documents.beancount (a book created before documents)."""


@dataclass(frozen=True, slots=True)
class Stored:
    """A document stored in HOME/documents/.

    Attributes:
      sha256: hex digest of its bytes.
      media_type: "application/pdf", "image/jpeg" or "image/png".
      path: its path relative to HOME, e.g. "documents/3f/3f9a….pdf".
      size: its size in bytes.
    """

    sha256: str
    media_type: str
    path: str
    size: int


def sniff(content: bytes) -> tuple[str, str] | None:
    """(media type, extension) of PDF, JPEG or PNG bytes, from their content; else None."""
    for magic, media_type, extension in _TYPES:
        if content.startswith(magic):
            return media_type, extension
    return None


def store(layout: Layout, content: bytes) -> Stored:
    """Store `content` under HOME/documents/ by its sha256 (once; an existing file is kept)."""
    if not content:
        raise DocumentRefused("the file is empty")
    if len(content) > SIZE_MAX:
        raise DocumentRefused(
            f"the file has {len(content)} bytes; at most {SIZE_MAX} ({SIZE_MAX // 1024 // 1024} MB)"
        )
    kind = sniff(content)
    if kind is None:
        raise DocumentRefused("only PDF, JPEG or PNG files are accepted (checked from the content)")
    media_type, extension = kind
    digest = hashlib.sha256(content).hexdigest()
    relative = f"{DOCUMENTS_DIR}/{digest[:2]}/{digest}.{extension}"
    target = layout.home / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o444)
            with contextlib.suppress(FileExistsError):  # never replaces a file already there
                os.link(temporary, target)
        finally:
            os.unlink(temporary)
    return Stored(digest, media_type, relative, len(content))


def documents_book(layout: Layout) -> Path:
    return layout.book_dir / DOCUMENTS_BOOK


@contextmanager
def _locked(layout: Layout) -> Iterator[None]:
    with (layout.book_dir / ".documents.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def document_entry(
    *,
    day: datetime.date,
    account: str,
    stored: Stored,
    link: str,
    meta: Mapping[str, str],
) -> data.Document:
    """The `document` directive linking `stored` to the entries of `link`."""
    return data.Document(
        meta={"sha256": stored.sha256, **meta},
        date=day,
        account=account,
        filename=f"../{stored.path}",
        tags=frozenset(),
        links=frozenset({link}),
    )


def link(layout: Layout, entry: data.Document) -> bool:
    """Append `entry` to documents.beancount unless that file is already linked to that link.

    Returns whether it was appended. Refuses (DocumentsNotLinked) a book whose
    main.beancount does not include documents.beancount.
    """
    if f'include "{DOCUMENTS_BOOK}"' not in layout.main.read_text(encoding="utf-8"):
        raise DocumentsNotLinked(
            f"{layout.main} does not include {DOCUMENTS_BOOK}: add the lines "
            f'option "documents" "../{DOCUMENTS_DIR}" and include "{DOCUMENTS_BOOK}"'
        )
    rendered = text.render(entry)
    path = documents_book(layout)
    with _locked(layout):
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        sha = entry.meta["sha256"]
        for block in existing.split("\n\n"):
            if f'sha256: "{sha}"' in block and any(f"^{name}" in block for name in entry.links):
                return False
        with path.open("a", encoding="utf-8", newline="\n") as out:
            out.write(("\n" if existing and not existing.endswith("\n\n") else "") + rendered)
            out.flush()
            os.fsync(out.fileno())
    return True


def documents_of(entries: Sequence[data.Directive]) -> dict[str, list[data.Document]]:
    """The stored documents (with a sha256) of the book, by link."""
    found: dict[str, list[data.Document]] = {}
    for entry in entries:
        if isinstance(entry, data.Document) and "sha256" in (entry.meta or {}):
            for name in entry.links or ():
                found.setdefault(name, []).append(entry)
    return found


def document_problems(entries: Sequence[data.Directive]) -> list[tuple[data.Document, str]]:
    """Each linked document whose file is missing or whose content changed, with why."""
    problems = []
    for entry in entries:
        if not isinstance(entry, data.Document) or "sha256" not in (entry.meta or {}):
            continue
        path = Path(entry.filename)
        if not path.is_file():
            problems.append((entry, f"document {entry.filename} is missing"))
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != entry.meta["sha256"]:
            problems.append(
                (
                    entry,
                    f"document {entry.filename} changed: its sha256 is {digest}, "
                    f"the book links {entry.meta['sha256']}",
                )
            )
    return problems
