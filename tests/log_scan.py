"""Every log record of the whole test run, scanned at the end for the secrets it issued.

Factories register the tokens, keys and passwords they create; the session fails if any
of them, or any password hash, reached a log line of any logger at any level.
"""

import logging
import re

# Tokens and keys have recognisable shapes, so each line is searched once for candidates
# and each candidate looked up in a set: linear in the size of the logs.
CANDIDATE = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+|mut_sk_[\w-]+|\$argon2id\$")
SHAPED: set[str] = set()
PASSWORDS: set[str] = set()


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(record.getMessage() + " " + str(record.__dict__))
        except Exception:  # a broken record must not break the run
            self.lines.append(repr(record.msg))


HANDLER = RecordingHandler()


def remember(*secrets: str) -> None:
    for secret in secrets:
        if not secret:
            continue
        if CANDIDATE.fullmatch(secret):
            SHAPED.add(secret)
        else:
            PASSWORDS.add(secret)


def secrets_count() -> int:
    return len(SHAPED) + len(PASSWORDS)


def leaks() -> list[str]:
    found = []
    for line in HANDLER.lines:
        for candidate in CANDIDATE.findall(line):
            if candidate in SHAPED or candidate.startswith("$argon2id$"):
                found.append(f"{candidate[:12]}… in: {line[:200]}")
        found.extend(f"a password in: {line[:200]}" for password in PASSWORDS if password in line)
    return found
