"""Names as search sees them (API.md §12): folded, split into words, cut into prefixes and
trigrams. Computed here, in Python, for both databases, so `jose` finds "José" the same way
on PostgreSQL and on SQLite, and the index rows are written by the transaction that writes
the profile (users/index.py).
"""

import re
import unicodedata

# Autocomplete rows index the first PREFIX_LENGTH characters of each term; a longer query
# reads the rows of its first PREFIX_LENGTH characters and keeps the terms it starts.
PREFIX_LENGTH = 3
USERNAME, NAME = 0, 1  # the kinds of term, in the order §12.4 ranks them
_WORD = re.compile(r"[^\W_]+")  # letters and digits
_NOT_ALNUM = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower case without accents: "José Ñúñez" -> "jose nunez". Letters that do not
    decompose (ß, ø, æ) are kept as the case folding leaves them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_words(name: str | None) -> list[str]:
    """The distinct words of a name, folded, in order: "Ana-María  López" -> ana, maria,
    lopez. A word is a run of letters and digits."""
    if not name:
        return []
    return list(dict.fromkeys(_WORD.findall(fold(name))))


def folded_name(name: str | None) -> str | None:
    """The name as the search columns hold it: its folded words, one space apart."""
    words = name_words(name)
    return " ".join(words) if words else None


def search_terms(username: str | None, name: str | None) -> list[tuple[int, str]]:
    """(kind, term) for autocomplete: the username as a whole (usernames are already lower
    case ASCII; `_`, `.` and `-` stay part of it) and each word of the name."""
    terms = [(USERNAME, username)] if username else []
    return terms + [(NAME, word) for word in name_words(name)]


def clean_query(raw: str) -> str:
    """A query as matched: trimmed, a leading `@` dropped, folded."""
    text = raw.strip()
    if text.startswith("@"):
        text = text[1:]
    return fold(text).strip()


def trigrams(text: str) -> set[str]:
    """The trigrams PostgreSQL's pg_trgm takes from `text`: each word (a run of letters and
    digits) lower-cased, padded with two spaces before and one after."""
    grams: set[str] = set()
    for word in _NOT_ALNUM.split(fold(text)):
        if word:
            padded = f"  {word} "
            grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(left: str, right: str) -> float:
    """pg_trgm's similarity(): shared trigrams over all the trigrams of both."""
    a, b = trigrams(left), trigrams(right)
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)
