"""Who sits at the desk: a login with the person's API token, then a signed session cookie.

The accountant pastes their token once into the desk's login form; the desk
looks it up as the API does and, if it is known and not revoked, sets a
cookie holding only the token's *hash*, signed and dated with a secret kept in
`HOME/.desk-secret` (created once, readable only by its owner). Every request
that acts re-reads the token by that hash, so a revoked token ends its desk
sessions too. Forms carry a CSRF field derived from the session, and the
cookie is HttpOnly and SameSite=Strict.

Fava's own pages need this login only when the server asks for it
(`login_required`): always when `fundbook fava` listens on anything other
than loopback, and on loopback when `--login` is given.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "fundbook_desk"
SESSION_SECONDS = 12 * 3600
SECRET_FILE = ".desk-secret"


def is_loopback(host: str) -> bool:
    """Whether `host` only listens on this machine (127.0.0.0/8, ::1, localhost)."""
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def login_required(host: str, *, asked: bool) -> bool:
    """Fava's pages need a login off loopback always, on loopback when asked."""
    return asked or not is_loopback(host)


def secret_of(home: Path) -> bytes:
    """The HOME's desk secret, created on first use (0600)."""
    path = home / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    secret = secrets.token_hex(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(descriptor, "w") as out:
        out.write(secret)
    return bytes.fromhex(secret)


def hash_token(token: str) -> str:
    """As the API stores tokens: sha256 of the token's text."""
    return hashlib.sha256(token.strip().encode()).hexdigest()


class Sessions:
    """Signs and reads the desk's session cookies of one HOME."""

    def __init__(self, home: Path) -> None:
        self._secret = secret_of(home)
        self._serializer = URLSafeTimedSerializer(self._secret, salt="fundbook-desk")

    def cookie_value(self, token_hash: str) -> str:
        return str(self._serializer.dumps(token_hash))

    def token_hash(self, cookie: str | None) -> str | None:
        """The token hash of a valid, unexpired session cookie, else None."""
        if not cookie:
            return None
        try:
            value = self._serializer.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:  # also SignatureExpired
            return None
        return value if isinstance(value, str) else None

    def csrf(self, token_hash: str) -> str:
        return hmac.new(self._secret, f"csrf:{token_hash}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, token_hash: str, value: str | None) -> bool:
        return value is not None and hmac.compare_digest(self.csrf(token_hash), value)
