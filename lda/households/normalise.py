"""Name normalisation for search and duplicate detection: accents, case, punctuation, order."""

import re
import unicodedata

_NON_LETTERS = re.compile(r"[^a-z ]+")


def fold(text: str) -> str:
    """'  Éloïse-Marie d'Arc ' → 'eloise marie d arc'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_NON_LETTERS.sub(" ", ascii_text).split())


def name_key(*names: str) -> str:
    """The same key whatever the order of the names: 'Martin Léa' and 'Léa MARTIN' agree."""
    return " ".join(sorted(fold(" ".join(names)).split()))
