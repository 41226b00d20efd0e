"""What may be stored: text and JSON values that both databases keep and give back intact,
and that every response embedding them can render.

PostgreSQL refuses U+0000 in text and JSON; a lone surrogate cannot be encoded as UTF-8 at
all; NaN and Infinity are not JSON; integers past 2^53 lose precision in JavaScript clients,
and PostgreSQL gives a float like 1e20 back as an integer that no JSON encoder here takes.
Nesting is bounded so a response that embeds a stored value inside its own structure never
goes past the encoder's depth limit. Checks answer a reason, or None when the value is fine.
"""

import math
from typing import Any

MAX_JSON_DEPTH = 16
MAX_SAFE_NUMBER = 2**53


def text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain the NUL character (U+0000)"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "must be valid Unicode (no lone surrogates)"
    return None


def json_problem(value: Any, depth: int = 1) -> str | None:
    """Why `value` (parsed JSON) cannot be stored, or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, int | float):
        return _number_problem(value)
    if isinstance(value, dict | list):
        return _container_problem(value, depth)
    return "must be JSON"


def _number_problem(number: float) -> str | None:
    if isinstance(number, float) and not math.isfinite(number):
        return "numbers must be finite (no NaN or Infinity)"
    # A float at or past 2^53 is an integer to PostgreSQL and comes back as one.
    if abs(number) > MAX_SAFE_NUMBER or (
        isinstance(number, float) and abs(number) >= MAX_SAFE_NUMBER
    ):
        return "numbers must be between -2^53 and 2^53"
    return None


def _container_problem(container: dict[Any, Any] | list[Any], depth: int) -> str | None:
    if depth > MAX_JSON_DEPTH:
        return f"must not nest deeper than {MAX_JSON_DEPTH} levels"
    items = container.items() if isinstance(container, dict) else enumerate(container)
    for key, item in items:
        if isinstance(key, str) and (problem := text_problem(key)) is not None:
            return "keys " + problem
        if (problem := json_problem(item, depth + 1)) is not None:
            return problem
    return None
