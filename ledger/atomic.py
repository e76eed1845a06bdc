"""Writing a whole file so that no reader ever sees part of it: a temporary file, then a rename.

Fava saves by truncating and rewriting, so a reader may see half a file
(`ledger.balances` guards against that). The files Fundbook writes whole
itself (a new book's files, the import configuration) are written to a
temporary file in the same directory, fsynced, and then renamed into place
(`os.replace`), or linked when the file must not exist yet: a reader sees the
old file or the new one, and a crash leaves at most a stray `.*.tmp-*` file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, content: bytes, *, exclusive: bool = False) -> None:
    """Put `content` at `path` whole; with `exclusive`, FileExistsError if `path` exists."""
    folder = path.parent
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        if exclusive:
            os.link(temporary, path)  # fails if path exists: never replaces a file
        else:
            os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
