"""Documents between a client and their counselor (services/documents.py) and their download routes (api.py).

The type is read from the content and must agree with the name; the bytes are kept encrypted under the
data folder, bound to their random storage name; only the document's client and their counselor of record
read them back, and every read is audited. The services and the routes open their own sessions, so test
data is committed first and every check reads through a fresh session.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import stat
import struct
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from tests import factories
from therapy_portal.api import build_api
from therapy_portal.db import session_scope
from therapy_portal.models import AuditEvent, Client, Document, PortalSettings, Role, User
from therapy_portal.services import accounts, client_auth, documents, pins, vault
from therapy_portal.services import secrets as portal_secrets
from therapy_portal.services.accounts import StaffIdentity
from therapy_portal.services.clients import name_keys
from therapy_portal.services.documents import DOCUMENTS_OFF, DocumentError
from therapy_portal.settings import get_settings

with warnings.catch_warnings():  # this Starlette asks for httpx2 at import; httpx is what is installed
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

NOW = datetime(2026, 10, 26, 14, 0, tzinfo=UTC)
NOT_FOUND = "That document was not found."
UNREADABLE = "That document could not be read. Please contact the practice."
MARKER = b"Zanzibar7781 diagnosis notes"
UNICODE_NAME = "Évaluation – Nguyễn (1).pdf"


@pytest.fixture(autouse=True)
def fast_hashes_and_own_secret(monkeypatch, tmp_path):
    """Cheap argon2 (sign-in is not under test here), and a data folder and key of this module's own."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)
    monkeypatch.setattr(pins, "_hasher", cheap)
    monkeypatch.setattr(client_auth, "_dummy_hash", None)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "documents-test-key")
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
    yield
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()


# ---- real minimal files ------------------------------------------------------------------------


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n% " + MARKER + b"\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)
PNG = _png()
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00C\x00" + bytes(64) + b"\xff\xd9"
)
GIF89 = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
GIF87 = b"GIF87a" + GIF89[6:]
_VP8 = b"VP8 " + struct.pack("<I", 10) + b"\x30\x01\x00\x9d\x01\x2a\x01\x00\x01\x00"
WEBP = b"RIFF" + struct.pack("<I", 4 + len(_VP8)) + b"WEBP" + _VP8
HEIC = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic" + struct.pack(">I", 8) + b"meta"
HEIF = struct.pack(">I", 20) + b"ftypmif1" + b"\x00\x00\x00\x00" + b"heic"
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff" + bytes(482)
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + bytes(48)
    + b"This program cannot be run in DOS mode."
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
RANDOM = random.Random(20261026).randbytes(4096)

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="word/document.xml"/></Relationships>'
)
DOCUMENT_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>Treatment plan</w:t></w:r></w:p></w:body></w:document>"
)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


DOCX = _zip({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "word/document.xml": DOCUMENT_XML})
DOCM = _zip(
    {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": RELS,
        "word/document.xml": DOCUMENT_XML,
        "word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(56),
    }
)
PLAIN_ZIP = _zip({"notes.txt": b"just a zip", "photo.png": PNG})
XLSX = _zip({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "xl/workbook.xml": b"<workbook/>"})
BROKEN_ZIP = b"PK\x03\x04" + bytes(100)


# ---- test data ---------------------------------------------------------------------------------


@dataclass
class World:
    practice_id: int
    counselor_id: int
    other_counselor_id: int
    admin_id: int  # an admin (and clinician) of the practice, nobody's counselor here
    front_desk_id: int
    far_practice_id: int
    far_counselor_id: int
    ana: int  # the counselor's client
    ben: int  # the counselor's client
    cara: int  # the other counselor's client


def _client(db, practice_id, counselor_id, first, last) -> Client:
    c = Client(
        practice_id=practice_id,
        counselor_id=counselor_id,
        first_name=first,
        last_name=last,
        **name_keys(first, last),
        date_of_birth=date(1988, 4, 9),
    )
    db.add(c)
    db.flush()
    return c


@pytest.fixture
def world(db) -> World:
    p = factories.practice(db, name="Prairie Wind Counseling")
    far = factories.practice(db, name="Faraway Therapy")
    counselor = factories.staff(db, p, email="c@example.com")
    other = factories.staff(db, p, email="d@example.com")
    admin = factories.staff(db, p, email="admin@example.com", role=Role.admin)
    desk = factories.staff(db, p, email="desk@example.com", role=Role.front_desk)
    far_counselor = factories.staff(db, far, email="far@example.com")
    ana = _client(db, p.id, counselor.id, "Anastasia", "Quintero-Velásquez")
    ben = _client(db, p.id, counselor.id, "Benedikt", "Oyelaran")
    cara = _client(db, p.id, other.id, "Carolina", "Whitfield")
    db.commit()
    return World(p.id, counselor.id, other.id, admin.id, desk.id, far.id, far_counselor.id, ana.id, ben.id, cara.id)


def identity(user_id: int, practice_id: int | None = None) -> StaffIdentity:
    with session_scope() as s:
        u = s.get(User, user_id)
        return StaffIdentity(u.id, practice_id or u.practice_id, Role(u.role), u.full_name, u.email, u.is_clinician, "")


def configure(counselor_id: int, **fields) -> None:
    with session_scope() as s:
        settings = s.exec(select(PortalSettings).where(PortalSettings.counselor_id == counselor_id)).one()
        for name, value in fields.items():
            setattr(settings, name, value)
        s.add(settings)


def update_client(client_id: int, **fields) -> None:
    with session_scope() as s:
        c = s.get(Client, client_id)
        for name, value in fields.items():
            setattr(c, name, value)
        s.add(c)


def store(
    client_id: int, direction: str, name: str = "report.pdf", data: bytes = PDF, now: datetime | None = None
) -> Document:
    """A document stored as the page would: the counselor shares (to_client) or the client uploads."""
    with session_scope() as s:
        c = s.get(Client, client_id)
        uploader = c.counselor_id if direction == "to_client" else c.id
        return documents.store(s, c, direction, uploader, name, data, ip="203.0.113.9", now=now)


def open_as(document_id, *, client_id: int | None = None, staff: StaffIdentity | None = None, now=None):
    with session_scope() as s:
        return documents.open_for(s, document_id, client_id=client_id, staff=staff, ip="203.0.113.9", now=now)


def doc_row(document_id: int) -> Document:
    with session_scope() as s:
        return s.get(Document, document_id)


def all_docs() -> list[Document]:
    with session_scope() as s:
        return list(s.exec(select(Document).order_by(Document.id)).all())


def audits(action: str) -> list[AuditEvent]:
    with session_scope() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all())


def stored_files() -> list[Path]:
    """Everything under the data folder's documents/ (nothing at all when it was never made)."""
    path = get_settings().data_dir / "documents"
    return sorted(path.iterdir()) if path.exists() else []


# ---- sniff -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (JPEG, "jpeg"),
        (GIF89, "gif"),
        (GIF87, "gif"),
        (WEBP, "webp"),
        (HEIC, "heic"),
        (HEIF, "heic"),
        (DOC, "doc"),
        (DOCX, "docx"),
    ],
    ids=["pdf", "png", "jpeg", "gif89", "gif87", "webp", "heic", "heif-mif1", "doc", "docx"],
)
def test_sniff_recognises_real_files(data, kind):
    assert documents.sniff(data) == kind


@pytest.mark.parametrize(
    "data",
    [DOCM, PLAIN_ZIP, XLSX, BROKEN_ZIP, EXE, HTML, SVG, RANDOM, b"", b"%PD", b"GIF88a", b"RIFF\x00\x00\x00\x00WAVEfmt "]
    + [struct.pack(">I", 24) + b"ftypmp42" + bytes(12), b"\x89PNG\r\n", b"\xff\xd8"],
    ids=[
        "docx-with-macros",
        "plain-zip",
        "xlsx",
        "broken-zip",
        "exe",
        "html",
        "svg",
        "random",
        "empty",
        "short-pdf",
        "gif88",
        "wav",
        "mp4",
        "short-png",
        "short-jpeg",
    ],
)
def test_sniff_refuses_everything_else(data):
    assert documents.sniff(data) is None


def test_the_docx_fixtures_are_real_zips():
    with zipfile.ZipFile(io.BytesIO(DOCX)) as z:
        assert set(z.namelist()) == {"[Content_Types].xml", "_rels/.rels", "word/document.xml"}
    with zipfile.ZipFile(io.BytesIO(DOCM)) as z:
        assert "word/vbaProject.bin" in z.namelist()


# ---- check -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("report.pdf", PDF, "pdf"),
        ("REPORT.PDF", PDF, "pdf"),
        ("scan.png", PNG, "png"),
        ("photo.jpg", JPEG, "jpeg"),
        ("photo.JPEG", JPEG, "jpeg"),
        ("anim.gif", GIF89, "gif"),
        ("pic.webp", WEBP, "webp"),
        ("phone.heic", HEIC, "heic"),
        ("phone.heif", HEIF, "heic"),
        ("letter.doc", DOC, "doc"),
        ("plan.docx", DOCX, "docx"),
    ],
)
def test_check_accepts_each_kind_under_its_name(name, data, kind):
    assert documents.check(name, data) == (name, kind)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", EXE),
        ("report.pdf", HTML),
        ("scan.pdf", PNG),
        ("photo.png", PDF),
        ("photo.jpg", PNG),
        ("letter.docx", DOCM),
        ("letter.docx", PLAIN_ZIP),
        ("letter.docx", DOC),
        ("letter.doc", DOCX),
        ("report.pdf", RANDOM),
    ],
)
def test_check_refuses_a_wrong_type_under_a_right_name(name, data):
    with pytest.raises(DocumentError) as refused:
        documents.check(name, data)
    assert "contents are not" in str(refused.value)
    assert name in str(refused.value)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", EXE),
        ("setup.exe", PDF),
        ("drawing.svg", SVG),
        ("page.html", HTML),
        ("page.htm", HTML),
        ("report.pdf.exe", PDF),
        ("archive.zip", PLAIN_ZIP),
        ("macros.docm", DOCM),
        ("report", PDF),
        ("report.", PDF),
    ],
)
def test_check_refuses_an_unknown_extension(name, data):
    with pytest.raises(DocumentError) as refused:
        documents.check(name, data)
    assert "can't be shared" in str(refused.value)
    assert documents.ALLOWED_TEXT in str(refused.value)


def test_check_refuses_an_empty_file():
    with pytest.raises(DocumentError, match="is empty"):
        documents.check("report.pdf", b"")


def test_check_size_limit():
    exact = PDF + b" " * (documents.MAX_BYTES - len(PDF))
    assert len(exact) == documents.MAX_BYTES
    assert documents.check("big.pdf", exact) == ("big.pdf", "pdf")
    with pytest.raises(DocumentError) as refused:
        documents.check("big.pdf", exact + b" ")
    assert "20 MB" in str(refused.value)


# ---- clean_name --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "../../etc/passwd.pdf",
        "..\\..\\windows\\system.ini.pdf",
        "a/b.pdf",
        "a\\b.pdf",
        "/etc/passwd.pdf",
        ".hidden.pdf",
        "..pdf",
        "report\x00.pdf",
        "report\n.pdf",
        "report\r.pdf",
        "report\t.pdf",
        "evil\u202efdp.exe",
        "zero\u200bwidth.pdf",
        "line\u2028sep.pdf",
        "a" * 197 + ".pdf",
        "",
        "   ",
        None,
        42,
        b"report.pdf",
    ],
    ids=repr,
)
def test_clean_name_refuses(raw):
    with pytest.raises(DocumentError):
        documents.clean_name(raw)


def test_clean_name_messages_say_what_is_wrong():
    with pytest.raises(DocumentError, match="folder path"):
        documents.clean_name("../../etc/passwd.pdf")
    with pytest.raises(DocumentError, match="hidden or control characters"):
        documents.clean_name("evil\u202efdp.pdf")
    with pytest.raises(DocumentError, match="200 characters"):
        documents.clean_name("a" * 201 + ".pdf")
    with pytest.raises(DocumentError, match="no name"):
        documents.clean_name("  ")


def test_clean_name_accepts_and_normalises_unicode():
    decomposed = unicodedata.normalize("NFD", UNICODE_NAME)
    assert decomposed != UNICODE_NAME
    assert documents.clean_name(decomposed) == UNICODE_NAME
    assert documents.clean_name(UNICODE_NAME) == UNICODE_NAME
    assert documents.clean_name("  Treatment plan v2.docx ") == "Treatment plan v2.docx"
    assert documents.clean_name("تقرير.pdf") == "تقرير.pdf"
    longest = "a" * 196 + ".pdf"
    assert documents.clean_name(longest) == longest


# ---- store -------------------------------------------------------------------------------------


def test_store_writes_an_encrypted_private_file_and_a_row(world):
    doc = store(world.ana, "to_client", UNICODE_NAME, PDF, now=NOW)

    (path,) = stored_files()
    assert path.parent == get_settings().data_dir / "documents"
    assert re.fullmatch(r"[0-9a-f]{32}", path.name)
    assert path.name == doc.storage_name
    blob = path.read_bytes()
    assert MARKER not in blob and b"%PDF" not in blob
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert vault.open_bytes(blob, f"document:{doc.storage_name}") == PDF

    (row,) = all_docs()
    assert row.id == doc.id
    assert (row.practice_id, row.client_id, row.counselor_id) == (world.practice_id, world.ana, world.counselor_id)
    assert (row.direction, row.uploaded_by_id) == ("to_client", world.counselor_id)
    assert (row.display_name, row.content_type, row.size_bytes) == (UNICODE_NAME, "application/pdf", len(PDF))
    assert row.created_at == NOW and row.opened_at is None

    (event,) = audits("document.uploaded")
    assert (event.actor_kind, event.actor_id, event.object_type, event.object_id) == (
        "staff",
        world.counselor_id,
        "document",
        doc.id,
    )
    assert json.loads(event.detail) == {"client": world.ana, "size": len(PDF), "type": "pdf"}


def test_store_keeps_the_longest_name(world):
    longest = ("Nguyễn " * 40)[: documents.NAME_LIMIT - 4] + ".pdf"
    assert len(longest) == documents.NAME_LIMIT
    doc = store(world.ana, "from_client", longest)
    assert doc_row(doc.id).display_name == longest


def test_client_upload_is_recorded_as_the_clients(world):
    doc = store(world.ana, "from_client", "scan.png", PNG)
    row = doc_row(doc.id)
    assert (row.direction, row.uploaded_by_id, row.content_type) == ("from_client", world.ana, "image/png")
    (event,) = audits("document.uploaded")
    assert (event.actor_kind, event.actor_id) == ("client", world.ana)


def test_same_file_twice_gets_two_names_and_two_ciphertexts(world):
    a = store(world.ana, "from_client")
    b = store(world.ana, "from_client")
    assert a.storage_name != b.storage_name
    files = stored_files()
    assert len(files) == 2
    assert files[0].read_bytes() != files[1].read_bytes()
    assert not [f for f in files if f.suffix]  # no .part left behind


def test_refused_file_writes_nothing(world):
    for name, data in (("report.pdf", EXE), ("../x.pdf", PDF), ("report.pdf", b"")):
        with pytest.raises(DocumentError):
            store(world.ana, "from_client", name, data)
    assert stored_files() == []
    assert all_docs() == []
    assert audits("document.uploaded") == []


@pytest.mark.parametrize("direction", ["to_client", "from_client"])
def test_documents_setting_off_refuses_and_writes_nothing(world, direction):
    configure(world.counselor_id, documents=False)
    with pytest.raises(DocumentError) as refused:
        store(world.ana, direction)
    assert str(refused.value) == DOCUMENTS_OFF
    assert stored_files() == []
    assert all_docs() == []
    # Another counselor's setting is their own.
    store(world.cara, direction)
    assert len(all_docs()) == 1


def test_client_without_a_counselor_cannot_store(world):
    update_client(world.ben, counselor_id=None)
    with session_scope() as s:
        with pytest.raises(DocumentError, match="turned off"):
            documents.store(s, s.get(Client, world.ben), "from_client", world.ben, "report.pdf", PDF)
    assert stored_files() == []


@pytest.mark.parametrize("direction", ["sideways", "", "TO_CLIENT", None])
def test_store_refuses_an_unknown_direction(world, direction):
    with session_scope() as s:
        with pytest.raises(DocumentError):
            documents.store(s, s.get(Client, world.ana), direction, world.ana, "report.pdf", PDF)
    assert stored_files() == []


def test_daily_limit_per_direction(world):
    for n in range(documents.DAILY_UPLOADS):
        store(world.ana, "from_client", f"page {n}.pdf", now=NOW + timedelta(minutes=n))
    later = NOW + timedelta(hours=20)
    with pytest.raises(DocumentError) as refused:
        store(world.ana, "from_client", "one too many.pdf", now=later)
    assert f"At most {documents.DAILY_UPLOADS} files a day" in str(refused.value)
    assert "tomorrow" in str(refused.value)
    assert len(stored_files()) == documents.DAILY_UPLOADS
    assert len(all_docs()) == documents.DAILY_UPLOADS

    # The other direction, and another client, are counted apart.
    store(world.ana, "to_client", "from the counselor.pdf", now=later)
    store(world.ben, "from_client", "Ben's.pdf", now=later)

    # A day after the first, there is room for one again; then the limit holds once more.
    day_later = NOW + timedelta(days=1)
    store(world.ana, "from_client", "next day.pdf", now=day_later)
    with pytest.raises(DocumentError, match="files a day"):
        store(world.ana, "from_client", "again too many.pdf", now=day_later)
    store(world.ana, "from_client", "two days on.pdf", now=NOW + timedelta(days=2))


# ---- open_for ----------------------------------------------------------------------------------


def test_client_and_counselor_read_a_shared_document(world):
    doc = store(world.ana, "to_client", "plan.docx", DOCX, now=NOW)
    counselor = identity(world.counselor_id)

    got, data = open_as(doc.id, staff=counselor, now=NOW + timedelta(minutes=1))
    assert (got.id, data) == (doc.id, DOCX)
    assert doc_row(doc.id).opened_at is None  # the sender looking is not the recipient opening

    got, data = open_as(doc.id, client_id=world.ana, now=NOW + timedelta(hours=1))
    assert data == DOCX
    assert doc_row(doc.id).opened_at == NOW + timedelta(hours=1)

    open_as(doc.id, client_id=world.ana, now=NOW + timedelta(days=3))
    assert doc_row(doc.id).opened_at == NOW + timedelta(hours=1)  # the first opening stays

    reads = audits("document.downloaded")
    assert [(e.actor_kind, e.actor_id, e.object_type, e.object_id) for e in reads] == [
        ("staff", world.counselor_id, "document", doc.id),
        ("client", world.ana, "document", doc.id),
        ("client", world.ana, "document", doc.id),
    ]
    assert all(json.loads(e.detail) == {"client": world.ana} for e in reads)
    assert all(e.ip == "203.0.113.9" for e in reads)


def test_client_upload_is_opened_when_the_counselor_reads_it(world):
    doc = store(world.ana, "from_client", "scan.png", PNG)
    _, data = open_as(doc.id, client_id=world.ana)
    assert data == PNG
    assert doc_row(doc.id).opened_at is None
    _, data = open_as(doc.id, staff=identity(world.counselor_id), now=NOW)
    assert data == PNG
    assert doc_row(doc.id).opened_at == NOW
    assert len(audits("document.downloaded")) == 2


def _refused(document_id, **who) -> str:
    with pytest.raises(DocumentError) as refused:
        open_as(document_id, **who)
    return str(refused.value)


def test_nobody_else_reads_a_document(world):
    doc = store(world.ana, "to_client")
    upload = store(world.ana, "from_client")
    for d in (doc, upload):
        assert _refused(d.id, client_id=world.ben) == NOT_FOUND
        assert _refused(d.id, client_id=world.cara) == NOT_FOUND
        for staff_id in (world.other_counselor_id, world.admin_id, world.front_desk_id, world.far_counselor_id):
            assert _refused(d.id, staff=identity(staff_id)) == NOT_FOUND
        # The counselor's own id under another practice is not the counselor.
        assert _refused(d.id, staff=identity(world.counselor_id, practice_id=world.far_practice_id)) == NOT_FOUND
        assert _refused(d.id) == NOT_FOUND  # nobody at all
    assert audits("document.downloaded") == []
    assert all(d.opened_at is None for d in all_docs())


@pytest.mark.parametrize(
    "hostile", [0, -1, True, False, "1", 1.0, None, 2**31, 2**40, -(2**40), 999_999, [1], b"1"], ids=repr
)
def test_hostile_document_ids(world, hostile):
    doc = store(world.ana, "to_client")
    assert doc.id == 1  # so True, "1" and 1.0 all stand for a real document
    assert _refused(hostile, client_id=world.ana) == NOT_FOUND
    assert _refused(hostile, staff=identity(world.counselor_id)) == NOT_FOUND
    assert audits("document.downloaded") == []


def test_inactive_client_cannot_read(world):
    doc = store(world.ana, "to_client")
    update_client(world.ana, active=False)
    assert _refused(doc.id, client_id=world.ana) == NOT_FOUND


def test_documents_of_a_client_moved_to_another_counselor(world):
    doc = store(world.ana, "from_client")
    update_client(world.ana, counselor_id=world.other_counselor_id)
    assert _refused(doc.id, staff=identity(world.counselor_id)) == NOT_FOUND
    assert _refused(doc.id, staff=identity(world.other_counselor_id)) == NOT_FOUND
    with session_scope() as s:
        assert documents.listing(s, s.get(Client, world.ana)) == []


def test_documents_setting_off_stops_reads_but_tells_strangers_nothing(world):
    doc = store(world.ana, "to_client")
    configure(world.counselor_id, documents=False)
    assert _refused(doc.id, client_id=world.ana) == DOCUMENTS_OFF
    assert _refused(doc.id, staff=identity(world.counselor_id)) == DOCUMENTS_OFF
    assert _refused(doc.id, client_id=world.ben) == NOT_FOUND
    assert audits("document.downloaded") == []


def test_tampered_file_is_refused(world):
    doc = store(world.ana, "to_client")
    path = get_settings().data_dir / "documents" / doc.storage_name
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))
    assert _refused(doc.id, client_id=world.ana) == UNREADABLE
    assert doc_row(doc.id).opened_at is None
    assert audits("document.downloaded") == []


def test_file_swapped_with_another_documents_file_is_refused(world):
    mine = store(world.ana, "to_client", "mine.pdf", PDF)
    theirs = store(world.ben, "to_client", "theirs.png", PNG)
    folder = get_settings().data_dir / "documents"
    (folder / mine.storage_name).write_bytes((folder / theirs.storage_name).read_bytes())
    assert _refused(mine.id, client_id=world.ana) == UNREADABLE
    # The other one is untouched.
    assert open_as(theirs.id, client_id=world.ben)[1] == PNG


def test_missing_or_truncated_file_is_refused(world):
    gone = store(world.ana, "to_client")
    short = store(world.ana, "to_client")
    folder = get_settings().data_dir / "documents"
    os.unlink(folder / gone.storage_name)
    (folder / short.storage_name).write_bytes(b"")
    assert _refused(gone.id, client_id=world.ana) == UNREADABLE
    assert _refused(short.id, client_id=world.ana) == UNREADABLE


def test_file_sealed_with_another_key_is_refused(world, monkeypatch):
    doc = store(world.ana, "to_client")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "another-installation")
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
    assert _refused(doc.id, client_id=world.ana) == UNREADABLE


@pytest.mark.parametrize("storage_name", ["../../secret.key", "0" * 31, "G" * 32, "A" * 32, "", "0" * 33])
def test_odd_storage_name_in_the_row_is_not_followed(world, storage_name):
    doc = store(world.ana, "to_client")
    with session_scope() as s:
        row = s.get(Document, doc.id)
        row.storage_name = storage_name
        s.add(row)
    assert _refused(doc.id, client_id=world.ana) == NOT_FOUND


# ---- listing, names ------------------------------------------------------------------------------


def test_listing_newest_first_with_sizes(world):
    a = store(world.ana, "to_client", "plan.pdf", PDF)
    b = store(world.ana, "from_client", "scan.png", PNG)
    store(world.ben, "from_client", "Ben's.pdf", PDF)
    open_as(a.id, client_id=world.ana)
    with session_scope() as s:
        views = documents.listing(s, s.get(Client, world.ana))
    assert [(v.id, v.name, v.direction, v.opened) for v in views] == [
        (b.id, "scan.png", "from_client", False),
        (a.id, "plan.pdf", "to_client", True),
    ]
    assert views[1].size == f"{len(PDF)} bytes"


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1024, "1 KB"), (1024 * 1024, "1.0 MB"), (20 << 20, "20.0 MB")],
)
def test_human_size(n, text):
    assert documents.human_size(n) == text


@pytest.mark.parametrize(
    ("display_name", "content_type", "expected"),
    [
        ("report.pdf", "application/pdf", "report.pdf"),
        ("REPORT.PDF", "application/pdf", "REPORT.PDF"),
        ("photo.jpg", "image/jpeg", "photo.jpg"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("phone.heif", "image/heic", "phone.heif"),
        ("scan", "image/png", "scan.png"),
        ("scan.", "image/png", "scan.png"),
        ("photo.png", "image/jpeg", "photo.jpg"),
        ("notes.txt", "application/pdf", "notes.pdf"),
        ("letter.doc", documents.KINDS["docx"][0], "letter.docx"),
        ("letter.docx", "application/msword", "letter.doc"),
        (UNICODE_NAME, "application/pdf", UNICODE_NAME),
    ],
)
def test_download_name_fixes_the_extension(display_name, content_type, expected):
    doc = Document(
        practice_id=1,
        client_id=1,
        counselor_id=1,
        direction="to_client",
        uploaded_by_id=1,
        display_name=display_name,
        content_type=content_type,
        size_bytes=1,
        storage_name="0" * 32,
    )
    assert documents.download_name(doc) == expected


# ---- the download routes -------------------------------------------------------------------------


def client_cookie(client_id: int) -> str:
    with session_scope() as s:
        code = client_auth.begin_session(s, s.get(Client, client_id))
        s.flush()
        return client_auth.adopt_handoff(s, code)


def staff_cookie(user_id: int) -> str:
    with session_scope() as s:
        code = accounts.begin_session(s, s.get(User, user_id))
        s.flush()
        return accounts.adopt_handoff(s, code)


def browser(**cookies) -> TestClient:
    tc = TestClient(build_api())
    for name, value in cookies.items():
        tc.cookies.set(name, value)
    return tc


def as_client(client_id: int) -> TestClient:
    return browser(**{client_auth.COOKIE_NAME: client_cookie(client_id)})


def as_staff(user_id: int) -> TestClient:
    return browser(**{accounts.COOKIE_NAME: staff_cookie(user_id)})


def test_client_downloads_their_own_document(world):
    doc = store(world.ana, "to_client", UNICODE_NAME, PDF)
    with as_client(world.ana) as tc:
        response = tc.get(f"/api/portal/documents/{doc.id}")
    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(UNICODE_NAME, safe='')}" in disposition
    fallback = re.search(r'filename="([^"]*)"', disposition).group(1)
    assert fallback.isascii() and fallback.endswith(".pdf")
    assert response.headers["cache-control"] == "no-store"
    assert doc_row(doc.id).opened_at is not None
    (event,) = audits("document.downloaded")
    assert (event.actor_kind, event.actor_id) == ("client", world.ana)


def test_content_type_comes_from_the_content(world):
    doc = store(world.ana, "to_client", "photo.JPG", JPEG)
    with as_client(world.ana) as tc:
        response = tc.get(f"/api/portal/documents/{doc.id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert "filename*=UTF-8''photo.JPG" in response.headers["content-disposition"]


def test_another_clients_document_looks_like_no_document(world):
    doc = store(world.ana, "to_client")
    with as_client(world.ben) as tc:
        theirs = tc.get(f"/api/portal/documents/{doc.id}")
        missing = tc.get("/api/portal/documents/999999")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text == NOT_FOUND
    assert MARKER not in theirs.content
    assert doc_row(doc.id).opened_at is None
    assert audits("document.downloaded") == []


def test_no_cookie_gets_404(world):
    doc = store(world.ana, "to_client")
    with browser() as tc:
        for path in (f"/api/portal/documents/{doc.id}", f"/api/documents/{doc.id}"):
            response = tc.get(path)
            assert (response.status_code, response.text) == (404, NOT_FOUND)
    with browser(**{client_auth.COOKIE_NAME: "not-a-session", accounts.COOKIE_NAME: "nor-this"}) as tc:
        assert tc.get(f"/api/portal/documents/{doc.id}").status_code == 404
        assert tc.get(f"/api/documents/{doc.id}").status_code == 404


def test_staff_cookie_does_not_open_the_client_route(world):
    doc = store(world.ana, "to_client")
    token = staff_cookie(world.counselor_id)
    with browser(**{accounts.COOKIE_NAME: token}) as tc:
        response = tc.get(f"/api/portal/documents/{doc.id}")
    assert (response.status_code, response.text) == (404, NOT_FOUND)
    # Nor does the staff token under the client's cookie name.
    with browser(**{client_auth.COOKIE_NAME: token}) as tc:
        assert tc.get(f"/api/portal/documents/{doc.id}").status_code == 404


def test_counselor_downloads_with_the_staff_cookie(world):
    doc = store(world.ana, "from_client", "scan.png", PNG)
    with as_staff(world.counselor_id) as tc:
        response = tc.get(f"/api/documents/{doc.id}")
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    assert doc_row(doc.id).opened_at is not None
    (event,) = audits("document.downloaded")
    assert (event.actor_kind, event.actor_id) == ("staff", world.counselor_id)


def test_staff_route_refuses_everyone_but_the_counselor(world):
    doc = store(world.ana, "from_client", "scan.png", PNG)
    for user_id in (world.other_counselor_id, world.admin_id, world.front_desk_id, world.far_counselor_id):
        with as_staff(user_id) as tc:
            response = tc.get(f"/api/documents/{doc.id}")
        assert (response.status_code, response.text) == (404, NOT_FOUND)
    with as_client(world.ana) as tc:
        assert tc.get(f"/api/documents/{doc.id}").status_code == 404
    assert doc_row(doc.id).opened_at is None
    assert audits("document.downloaded") == []


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "1.0", "1e0", "%31%00", "１", "٣", "9999999999", "1 "])
def test_odd_ids_in_the_path_get_404(world, raw):
    store(world.ana, "to_client")
    with as_client(world.ana) as tc:
        response = tc.get(f"/api/portal/documents/{raw}")
    assert (response.status_code, response.text) == (404, NOT_FOUND)


def test_ended_session_no_longer_downloads(world):
    doc = store(world.ana, "to_client")
    token = client_cookie(world.ana)
    with browser(**{client_auth.COOKIE_NAME: token}) as tc:
        assert tc.get(f"/api/portal/documents/{doc.id}").status_code == 200
        with session_scope() as s:
            assert client_auth.end_session(s, client_auth.token_digest(token))
        assert tc.get(f"/api/portal/documents/{doc.id}").status_code == 404
