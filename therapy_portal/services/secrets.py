"""The installation's secret key, and what is derived from it: the PIN pepper and the outbox cipher.

PORTAL_SECRET_KEY should be set in production (and kept apart from database backups: a copy of the
database alone then cannot test PIN guesses offline). When it is not set, a random key is created once
in the data folder, so the demo and a developer's machine work with no set-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from ..settings import get_settings

KEY_FILE = "secret.key"


@lru_cache(maxsize=4)
def _master_key(configured: str, data_dir: str) -> bytes:
    if configured:
        return configured.encode()
    path = os.path.join(data_dir, KEY_FILE)
    os.makedirs(data_dir, exist_ok=True)
    # Written whole to a private temporary file, then linked into place: another process (the worker,
    # a second backend) sees either no key file or the complete key, never an empty one.
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_urlsafe(48).encode())
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    with open(path, "rb") as f:
        key = f.read().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it (no PIN set with it can be checked) or set PORTAL_SECRET_KEY.")
    return key


def master_key() -> bytes:
    s = get_settings()
    return _master_key(s.secret_key, str(s.data_dir))


def derive(purpose: str) -> bytes:
    """A 32-byte key for one purpose; keys for different purposes are independent."""
    return hmac.new(master_key(), f"therapy-portal:{purpose}".encode(), hashlib.sha256).digest()


def pin_pepper() -> bytes:
    return derive("pin-pepper")


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive("outbox-secret")))


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
