"""Encryption at rest for clinical content: message bodies and document bytes.

AES-256-GCM with a key derived from the installation's secret (services/secrets.py), so a copy of the
database or of the documents folder alone reveals nothing. Each ciphertext is bound to where it belongs
(the associated data: a thread, a document's storage name); moved elsewhere in the database it no longer
decrypts, so a row cannot be made to show up in another client's thread.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .secrets import derive

VERSION = b"\x01"
NONCE = 12


class Undecryptable(Exception):
    """The data was altered, moved, or sealed with another installation's key."""


def _cipher() -> AESGCM:
    return AESGCM(derive("at-rest-v1"))


def seal_bytes(data: bytes, context: str) -> bytes:
    nonce = os.urandom(NONCE)
    return VERSION + nonce + _cipher().encrypt(nonce, data, context.encode())


def open_bytes(blob: bytes, context: str) -> bytes:
    if len(blob) < 1 + NONCE + 16 or blob[:1] != VERSION:
        raise Undecryptable
    try:
        return _cipher().decrypt(blob[1 : 1 + NONCE], blob[1 + NONCE :], context.encode())
    except InvalidTag:
        raise Undecryptable from None


def seal_text(text: str, context: str) -> str:
    return base64.urlsafe_b64encode(seal_bytes(text.encode(), context)).decode()


def open_text(token: str, context: str) -> str:
    try:
        blob = base64.urlsafe_b64decode(token.encode())
    except ValueError:
        raise Undecryptable from None
    return open_bytes(blob, context).decode()
