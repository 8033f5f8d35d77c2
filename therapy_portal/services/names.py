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


def clean_text(text, *, keep_newlines: bool = False) -> str:
    """Text as a browser may send it, made safe to store and search: NFC, no control characters,
    no lone surrogates (which no database driver accepts)."""
    text = (
        str(text or "").encode("utf-8", "replace").decode("utf-8")
        if _has_surrogates(str(text or ""))
        else str(text or "")
    )
    text = unicodedata.normalize("NFC", text)
    allowed = "\n\t" if keep_newlines else ""
    return "".join(ch for ch in text if ch in allowed or unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn"))


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in str(text or ""))
