"""Real server processes for the Fava tests: free ports, start, wait, always stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running(
    command: Sequence[str],
    *,
    ready_url: str,
    log: Path,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` until the block ends; wait until `ready_url` answers first."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(command),
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=log.parent,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while not _answers(ready_url):
                if process.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited: {log.read_text(errors='replace')}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{ready_url} did not answer: {log.read_text()[-2000:]}")
                time.sleep(0.2)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def fava_base(port: int) -> str:
    """The base URL of the (only) book a Fava on `port` serves, from its redirect."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", method="GET")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as redirect:
        location = redirect.headers["Location"]
        slug = urlsplit(location).path.strip("/").split("/")[0]
        return f"http://127.0.0.1:{port}/{slug}"
    raise RuntimeError("Fava did not redirect to its book")


def fundbook_fava(home: Path, port: int, *extra: str) -> list[str]:
    return [str(BIN / "fundbook"), "fava", str(home), "--port", str(port), *extra]
