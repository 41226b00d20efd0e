"""Every log record of the whole test run, scanned at the end for the secrets it issued.

Factories register the tokens, keys and passwords they create; the session fails if any
of them, or any password hash, reached a log line of any logger at any level.
"""

import logging

SECRETS: set[str] = set()
HASH_MARKERS = ("$argon2id$",)


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(record.getMessage() + " " + str(record.__dict__))
        except Exception:
            self.lines.append(repr(record.msg))


HANDLER = RecordingHandler()


def remember(*secrets: str) -> None:
    SECRETS.update(secret for secret in secrets if secret)


def leaks() -> list[str]:
    found = []
    needles = [*SECRETS, *HASH_MARKERS]
    for line in HANDLER.lines:
        for needle in needles:
            if needle in line:
                found.append(f"{needle[:12]}… in: {line[:200]}")
    return found
