"""Where a user session keeps its tokens.

Refresh tokens rotate on every use (API.md §3.3): the successor must be saved, or the next
refresh presents a revoked token. Plug your own store in (a database row, a keyring, an
encrypted cookie) by implementing `load` and `save`.
"""

import threading
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None = None


class TokenStore(Protocol):
    def load(self) -> Tokens | None:
        """The current tokens, or None when signed out."""

    def save(self, tokens: Tokens | None) -> None:
        """Called after every sign-in and refresh, and with None after sign-out."""


class MemoryTokenStore:
    """Keeps the tokens in this process only."""

    def __init__(self, tokens: Tokens | None = None) -> None:
        self._tokens = tokens
        self._lock = threading.Lock()

    def load(self) -> Tokens | None:
        with self._lock:
            return self._tokens

    def save(self, tokens: Tokens | None) -> None:
        with self._lock:
            self._tokens = tokens
