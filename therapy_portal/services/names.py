"""Name folding shared by search and the portal login: case- and accent-insensitive."""

from __future__ import annotations

import unicodedata

# Letters that do not decompose into base + accent but that people type without the stroke.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ß": "ss", "æ": "ae", "Æ": "ae"})
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


def fold(text: str) -> str:
    """Lower-case, strip accents and unify apostrophes and whitespace: 'Nguyễn' -> 'nguyen'."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_APOSTROPHES).translate(_EXTRA))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())
