"""A file written by `write_atomic` is seen whole or not at all, and never replaces one it must not."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ledger.atomic import write_atomic


def test_a_reader_sees_only_whole_versions(tmp_path: Path) -> None:
    path = tmp_path / "manual.beancount"
    versions = [(f"; version {n}\n" * 200_000).encode() for n in range(2)]
    write_atomic(path, versions[0])
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            content = path.read_bytes()
            seen.add(versions.index(content) if content in versions else -len(content))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(20):
            write_atomic(path, versions[n % 2])
    finally:
        stop.set()
        reader.join()
    assert seen <= {0, 1}, f"partial reads of {sorted(-s for s in seen if s < 0)[:5]} bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manual.beancount"]


def test_exclusive_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / "importers.py"
    write_atomic(path, b"first\n", exclusive=True)
    with pytest.raises(FileExistsError):
        write_atomic(path, b"second\n", exclusive=True)
    assert path.read_bytes() == b"first\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["importers.py"]
