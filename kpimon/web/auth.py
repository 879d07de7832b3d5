"""Basic auth for the web server, checked the way Prometheus' exporter-toolkit checks it.

* **No user enumeration by timing**: an unknown user's password is checked against a dummy
  bcrypt hash of the same cost as the configured ones, so it takes as long as a wrong password
  of a known user.
* **No bcrypt per scrape**: a successful check is remembered, keyed by a SHA-256 of user,
  password and hash (the password itself is never kept), in a bounded cache; the next scrape
  with the same credentials costs a dictionary lookup. Only successes are cached, so clients
  with wrong passwords cannot evict the real scraper's entry.
* **Wrong passwords cannot eat the CPU**: one bcrypt check runs at a time (a lock, as the
  toolkit's `bcryptMtx`); eight clients guessing passwords queue behind each other instead of
  taking both cores from the scrape that already holds a cached success.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping

import bcrypt

#: How many successful (user, password, hash) checks are remembered; the oldest goes first.
CACHE_SIZE = 100


def check_password(password: str, hashed: str) -> bool:
    """bcrypt check; `$2y$` (htpasswd) is the same algorithm as `$2b$`."""
    try:
        return bcrypt.checkpw(password.encode(), ("$2b$" + hashed[4:]).encode())
    except ValueError:
        return False


def _cost(hashed: str) -> int:
    """The cost factor of a `$2?$NN$…` hash (10, htpasswd's default, if unreadable)."""
    try:
        return min(max(int(hashed[4:6]), 4), 31)
    except ValueError:
        return 10


class BasicAuth:
    """The users of `basic_auth_users` (user → bcrypt hash); `check` takes the header."""

    def __init__(self, users: Mapping[str, str]):
        self.users = dict(users)
        self._lock = threading.Lock()  # one bcrypt at a time
        self._cache: OrderedDict[bytes, None] = OrderedDict()
        self._cache_lock = threading.Lock()
        costs = sorted(_cost(h) for h in self.users.values())
        # The most common cost among the users (ties: the higher), so an unknown user takes as
        # long as a known one; a random password nobody can send, made once at start-up.
        cost = max(costs, key=lambda c: (costs.count(c), c)) if costs else 10
        self._dummy = bcrypt.hashpw(secrets.token_bytes(18),
                                    bcrypt.gensalt(rounds=cost)).decode()

    def __bool__(self) -> bool:
        return bool(self.users)

    def check(self, header: str | None) -> bool:
        """True if `header` (an `Authorization` value) names a user and that user's password."""
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, sep, password = base64.b64decode(header[6:], validate=True).decode() \
                .partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        if not sep:
            return False
        hashed = self.users.get(user)
        known = hashed is not None
        if hashed is None:
            hashed = self._dummy
        # Length-prefixed, so no (user, password) pair can pose as another.
        key = hashlib.sha256(f"{len(user)}:{user}{len(password)}:{password}{hashed}".encode(
            "utf-8", "surrogatepass")).digest()
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return True
        with self._lock:
            ok = check_password(password, hashed)
        if not (ok and known):
            return False
        with self._cache_lock:
            self._cache[key] = None
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return True
