"""Documents between a client and their counselor: checked, encrypted, stored where nothing serves them.

- Only the client and their counselor of record see a client's documents; the Documents Portal Setting
  of that counselor switches the feature for both sides.
- Checked on the server: at most MAX_BYTES; the type read from the content, not the name (PDF, JPEG,
  PNG, GIF, WebP, HEIC, Word), and the name's extension must agree with it; at most DAILY_UPLOADS files
  a day from each side for one client; the original name is kept only as cleaned display text and is
  refused when it holds a path or control characters.
- The bytes are encrypted (services/vault.py, bound to the file's random storage name) and written under
  the data folder's `documents/`, never under Reflex's public upload folder. They are read back only
  through `open_for`, which checks who asks and audits the read.
"""

from __future__ import annotations

import io
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from ..models import Client, Document, PortalSettings, utcnow
from ..settings import get_settings
from . import audit, vault

MAX_BYTES = 20 * 1024 * 1024
DAILY_UPLOADS = 20
NAME_LIMIT = 200
DOCUMENTS_OFF = "Documents are turned off in this client's Portal Settings."
ALLOWED_TEXT = "PDF, Word (.docx or .doc) and images (JPEG, PNG, GIF, WebP, HEIC)"

# kind: (MIME type, the extensions a name of that kind may have, a label for messages)
KINDS = {
    "pdf": ("application/pdf", (".pdf",), "a PDF"),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg"), "a JPEG image"),
    "png": ("image/png", (".png",), "a PNG image"),
    "gif": ("image/gif", (".gif",), "a GIF image"),
    "webp": ("image/webp", (".webp",), "a WebP image"),
    "heic": ("image/heic", (".heic", ".heif"), "a HEIC image"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "a Word document"),
    "doc": ("application/msword", (".doc",), "a Word document"),
}
EXTENSIONS = {ext: kind for kind, (_mime, exts, _label) in KINDS.items() for ext in exts}


class DocumentError(Exception):
    pass


def sniff(data: bytes) -> str | None:
    """The kind of file these bytes are, from their content; None for anything not accepted."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"):
        return "heic"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"  # the OLE container of Word 97-2003
    if data.startswith(b"PK\x03\x04"):
        return _office_zip(data)
    return None


def _office_zip(data: bytes) -> str | None:
    # Only the archive's directory is read: nothing is decompressed, so a zip bomb costs nothing.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" in names and "word/document.xml" in names and "word/vbaProject.bin" not in names:
        return "docx"
    return None


def clean_name(raw) -> str:
    """The display name to keep, or DocumentError saying what is wrong with it."""
    name = raw if isinstance(raw, str) else ""
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise DocumentError("The file has no name. Rename it and try again.")
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name:
        raise DocumentError(
            "The file name looks like a folder path. Rename the file (letters, digits, spaces) and try again."
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for ch in name):
        raise DocumentError("The file name contains hidden or control characters. Rename the file and try again.")
    if len(name) > NAME_LIMIT:
        raise DocumentError(f"The file name is too long; keep it to {NAME_LIMIT} characters.")
    return name


def check(raw_name, data: bytes) -> tuple[str, str]:
    """(display name, kind) of an acceptable upload, or DocumentError with a message for the uploader."""
    name = clean_name(raw_name)
    if len(data) > MAX_BYTES:
        raise DocumentError(f"“{name}” is larger than {MAX_BYTES // (1024 * 1024)} MB. Send a smaller file.")
    if not data:
        raise DocumentError(f"“{name}” is empty.")
    ext = os.path.splitext(name)[1].lower()
    named = EXTENSIONS.get(ext)
    if named is None:
        raise DocumentError(f"“{name}” can't be shared: only {ALLOWED_TEXT} files are accepted.")
    actual = sniff(data)
    if actual is None or KINDS[actual][0] != KINDS[named][0]:
        raise DocumentError(
            f"“{name}” is named as {KINDS[named][2]} but its contents are not. Only real {ALLOWED_TEXT} files "
            "are accepted."
        )
    return name, actual


def folder() -> Path:
    path = get_settings().data_dir / "documents"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _path(storage_name: str) -> Path:
    if len(storage_name) != 32 or not all(c in "0123456789abcdef" for c in storage_name):
        raise DocumentError("That document was not found.")
    return folder() / storage_name


def _write(storage_name: str, blob: bytes) -> None:
    path = _path(storage_name)
    tmp = path.with_suffix(".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def settings_of(db: Session, client: Client) -> PortalSettings | None:
    if not client.counselor_id:
        return None
    return db.exec(select(PortalSettings).where(PortalSettings.counselor_id == client.counselor_id)).first()


def enabled(db: Session, client: Client) -> bool:
    settings = settings_of(db, client)
    return bool(settings and settings.documents)


def uploads_today(db: Session, client: Client, direction: str, now: datetime) -> int:
    return db.exec(
        select(func.count())
        .select_from(Document)
        .where(
            Document.client_id == client.id,
            Document.direction == direction,
            Document.created_at > now - timedelta(days=1),
        )
    ).one()


def store(
    db: Session,
    client: Client,
    direction: str,
    uploader_id: int,
    raw_name,
    data: bytes,
    ip: str = "",
    now: datetime | None = None,
) -> Document:
    """Check, encrypt and keep one file for this client (the caller has checked who is asking)."""
    now = now or utcnow()
    if direction not in ("to_client", "from_client"):
        raise DocumentError(DOCUMENTS_OFF)
    if not enabled(db, client):
        raise DocumentError(DOCUMENTS_OFF)
    name, kind = check(raw_name, data)
    if uploads_today(db, client, direction, now) >= DAILY_UPLOADS:
        raise DocumentError(f"At most {DAILY_UPLOADS} files a day can be sent. Please try again tomorrow.")
    storage_name = secrets.token_hex(16)
    _write(storage_name, vault.seal_bytes(data, f"document:{storage_name}"))
    doc = Document(
        practice_id=client.practice_id,
        client_id=client.id,
        counselor_id=client.counselor_id,
        direction=direction,
        uploaded_by_id=uploader_id,
        display_name=name,
        content_type=KINDS[kind][0],
        size_bytes=len(data),
        storage_name=storage_name,
        created_at=now,
    )
    db.add(doc)
    db.flush()
    audit.record(
        db,
        "document.uploaded",
        actor_kind="client" if direction == "from_client" else "staff",
        actor_id=uploader_id,
        object_type="document",
        object_id=doc.id,
        ip=ip,
        client=client.id,
        size=len(data),
        type=kind,
    )
    return doc


@dataclass(frozen=True)
class DocumentView:
    id: int
    name: str
    size: str
    at: datetime
    direction: str
    opened: bool


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def listing(db: Session, client: Client, limit: int = 200) -> list[DocumentView]:
    """This client's documents with their current counselor, newest first (names only, no content)."""
    rows = db.exec(
        select(Document)
        .where(Document.client_id == client.id, Document.counselor_id == client.counselor_id)
        .order_by(Document.id.desc())
        .limit(limit)
    ).all()
    return [
        DocumentView(d.id, d.display_name, human_size(d.size_bytes), d.created_at, d.direction, d.opened_at is not None)
        for d in rows
    ]


def open_for(
    db: Session, document_id, *, client_id: int | None = None, staff=None, ip: str = "", now: datetime | None = None
) -> tuple[Document, bytes]:
    """The document and its bytes, for its client or their counselor of record only; audited."""
    now = now or utcnow()
    if not isinstance(document_id, int) or isinstance(document_id, bool) or not 0 < document_id < 2**31:
        raise DocumentError("That document was not found.")
    doc = db.get(Document, document_id)
    client = db.get(Client, doc.client_id) if doc else None
    if doc is None or client is None or doc.counselor_id != client.counselor_id:
        raise DocumentError("That document was not found.")
    if client_id is not None:
        allowed = type(client_id) is int and client.id == client_id and client.active
        reader_kind, reader_id = "client", client_id
    elif staff is not None:
        allowed = client.practice_id == staff.practice_id and client.counselor_id == staff.user_id
        reader_kind, reader_id = "staff", staff.user_id
    else:
        allowed = False
    if not allowed:
        raise DocumentError("That document was not found.")
    if not enabled(db, client):
        raise DocumentError(DOCUMENTS_OFF)
    try:
        data = vault.open_bytes(_path(doc.storage_name).read_bytes(), f"document:{doc.storage_name}")
    except (OSError, vault.Undecryptable):
        raise DocumentError("That document could not be read. Please contact the practice.") from None
    recipient = "client" if doc.direction == "to_client" else "staff"
    if reader_kind == recipient and doc.opened_at is None:
        doc.opened_at = now
        db.add(doc)
    audit.record(
        db,
        "document.downloaded",
        actor_kind=reader_kind,
        actor_id=reader_id,
        object_type="document",
        object_id=doc.id,
        ip=ip,
        client=client.id,
    )
    return doc, data


def download_name(doc: Document) -> str:
    """The name a browser saves the file under: the display name, with its extension made to match."""
    stem, ext = os.path.splitext(doc.display_name)
    wanted = next(exts for mime, exts, _ in KINDS.values() if mime == doc.content_type)
    return doc.display_name if ext.lower() in wanted else f"{stem}{wanted[0]}"
