"""Secure messages (services/messaging.py) and the at-rest cipher under them (services/vault.py).

One thread per client and counselor of record; bodies encrypted and bound to their thread; only that
client and that counselor read or write it; the counselor's Messages setting switches it; the client is
told of a counselor's message through the outbox without the message itself, once until they read it.
The services are given sessions here, but test data is committed first and every check reads through a
fresh session, as the pages do.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import make_url
from sqlmodel import select

from tests import factories
from therapy_portal.db import session_scope
from therapy_portal.models import (
    AuditEvent,
    Channel,
    Client,
    OutboxMessage,
    PortalSettings,
    Role,
    SecureMessage,
    User,
)
from therapy_portal.services import accounts, client_auth, messaging, pins, vault
from therapy_portal.services import secrets as portal_secrets
from therapy_portal.services.accounts import StaffIdentity
from therapy_portal.services.clients import name_keys
from therapy_portal.services.messaging import MESSAGES_OFF, UNREADABLE, MessageError
from therapy_portal.settings import get_settings

PRACTICE = "Prairie Wind Counseling"
# Distinctive words that must never be found outside the ciphertext.
SECRET = "Zanzibar7781 the panic attacks came back on Tuesday"
NOW = datetime(2026, 10, 26, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_hashes_and_own_secret(monkeypatch, tmp_path):
    """Cheap argon2 (sign-in is not under test here), and a data folder and key of this module's own."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)
    monkeypatch.setattr(pins, "_hasher", cheap)
    monkeypatch.setattr(client_auth, "_dummy_hash", None)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "messaging-test-key")
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
    yield
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()


# ---- test data ---------------------------------------------------------------------------------


@dataclass
class World:
    practice_id: int
    counselor_id: int
    other_counselor_id: int  # same practice
    admin_id: int  # an admin (and clinician) of the practice, nobody's counselor here
    front_desk_id: int
    far_practice_id: int
    far_counselor_id: int  # another practice
    ana: int  # the counselor's client, with an email and a mobile
    ben: int  # the counselor's client, with neither
    cara: int  # the other counselor's client
    dev: int  # the far counselor's client


def _client(db, practice_id, counselor_id, first, last, email="", mobile="") -> Client:
    c = Client(
        practice_id=practice_id,
        counselor_id=counselor_id,
        first_name=first,
        last_name=last,
        **name_keys(first, last),
        date_of_birth=date(1988, 4, 9),
        email=email,
        mobile_e164=mobile,
    )
    db.add(c)
    db.flush()
    return c


@pytest.fixture
def world(db) -> World:
    p = factories.practice(db, name=PRACTICE)
    far = factories.practice(db, name="Faraway Therapy")
    counselor = factories.staff(db, p, email="c@example.com")
    # Ana first, so that her id is 1 (a True passed as an id would name her).
    ana = _client(db, p.id, counselor.id, "Anastasia", "Quintero-Velásquez", "ana.qv@example.com", "+13165550111")
    other = factories.staff(db, p, email="d@example.com")
    admin = factories.staff(db, p, email="admin@example.com", role=Role.admin)
    desk = factories.staff(db, p, email="desk@example.com", role=Role.front_desk)
    far_counselor = factories.staff(db, far, email="far@example.com")
    ben = _client(db, p.id, counselor.id, "Benedikt", "Oyelaran")
    cara = _client(db, p.id, other.id, "Carolina", "Whitfield", "cara.w@example.com", "+13165550122")
    dev = _client(db, far.id, far_counselor.id, "Devika", "Raman", "dev@example.com")
    db.commit()
    return World(
        p.id, counselor.id, other.id, admin.id, desk.id, far.id, far_counselor.id, ana.id, ben.id, cara.id, dev.id
    )


def identity(user_id: int, practice_id: int | None = None) -> StaffIdentity:
    """The identity a staff session would resolve to (optionally forged with another practice)."""
    with session_scope() as s:
        u = s.get(User, user_id)
        return StaffIdentity(
            u.id, practice_id or u.practice_id, Role(u.role), u.full_name, u.email, u.is_clinician, PRACTICE
        )


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


def send(client_id: int, kind: str, body: str = "Hello", at: datetime | None = None) -> int:
    """A message in the client's current thread, by the client or by their counselor; its id."""
    with session_scope() as s:
        c = s.get(Client, client_id)
        sender = c.counselor_id if kind == "staff" else c.id
        message = messaging.post(s, c, kind, sender, body, ip="203.0.113.9")
        if at is not None:
            message.created_at = at
            s.add(message)
        return message.id


def read(client_id: int, kind: str, now: datetime | None = None) -> list[messaging.MessageView]:
    with session_scope() as s:
        c = s.get(Client, client_id)
        reader = c.counselor_id if kind == "staff" else c.id
        return messaging.read_thread(s, c, kind, reader, ip="203.0.113.9", now=now)


def all_rows(model, *where) -> list:
    with session_scope() as s:
        return list(s.exec(select(model).where(*where).order_by(model.id)).all())


def audits(action: str) -> list[AuditEvent]:
    return all_rows(AuditEvent, AuditEvent.action == action)


def notices() -> list[OutboxMessage]:
    return all_rows(OutboxMessage, OutboxMessage.kind == "message_notice")


def insert_raw(client_id: int, counselor_id: int, body_enc: str, kind: str = "staff") -> int:
    """A row put straight into a thread, as someone with write access to the database could."""
    with session_scope() as s:
        c = s.get(Client, client_id)
        row = SecureMessage(
            practice_id=c.practice_id,
            client_id=client_id,
            counselor_id=counselor_id,
            sender_kind=kind,
            sender_id=counselor_id if kind == "staff" else client_id,
            body_enc=body_enc,
        )
        s.add(row)
        s.flush()
        return row.id


# ---- posting -----------------------------------------------------------------------------------


def test_staff_and_client_posts_land_in_the_thread(world):
    staff_id = send(world.ana, "staff", "How did the week go?")
    client_id = send(world.ana, "client", "Better, thank you.")

    rows = all_rows(SecureMessage)
    assert [r.id for r in rows] == [staff_id, client_id]
    assert all(r.client_id == world.ana and r.counselor_id == world.counselor_id for r in rows)
    assert all(r.practice_id == world.practice_id for r in rows)
    assert [(r.sender_kind, r.sender_id) for r in rows] == [("staff", world.counselor_id), ("client", world.ana)]
    assert all(r.read_at is None for r in rows)

    views = read(world.ana, "client")
    assert [(v.id, v.body, v.mine) for v in views] == [
        (staff_id, "How did the week go?", False),
        (client_id, "Better, thank you.", True),
    ]
    sent = audits("message.sent")
    assert [(e.actor_kind, e.actor_id, e.object_type, e.object_id) for e in sent] == [
        ("staff", world.counselor_id, "client", world.ana),
        ("client", world.ana, "client", world.ana),
    ]
    assert json.loads(sent[0].detail) == {"message": staff_id, "chars": len("How did the week go?")}
    assert sent[0].ip == "203.0.113.9"


def test_body_is_stored_encrypted(world):
    send(world.ana, "client", SECRET)
    (row,) = all_rows(SecureMessage)
    assert SECRET not in row.body_enc
    assert "Zanzibar" not in row.body_enc
    # It is the real ciphertext of the text, bound to this thread.
    assert vault.open_text(row.body_enc, f"message:{world.ana}:{world.counselor_id}") == SECRET
    # Two sealings of one text differ (fresh nonce), so equal messages cannot be spotted.
    send(world.ana, "client", SECRET)
    first, second = all_rows(SecureMessage)
    assert first.body_enc != second.body_enc


def test_plaintext_is_nowhere_in_the_sqlite_files(world, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("reads the SQLite database file")
    send(world.ana, "staff", SECRET)
    send(world.ana, "client", "Re: " + SECRET)
    read(world.ana, "client")
    read(world.ana, "staff")
    path = Path(make_url(db_url).database)
    files = [f for f in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if f.exists()]
    assert path in files
    blob = b"".join(f.read_bytes() for f in files)
    assert b"Zanzibar7781" not in blob
    assert "Zanzibar7781".encode("utf-16-le") not in blob
    # The check itself can see what is in the file: the client's name is stored in clear.
    assert b"Quintero" in blob


def test_ciphertext_moved_to_another_thread_does_not_open_there(world):
    send(world.ana, "staff", SECRET)
    (original,) = all_rows(SecureMessage)
    # Copied into Ben's thread (same counselor) and into Cara's (another counselor).
    insert_raw(world.ben, world.counselor_id, original.body_enc)
    insert_raw(world.cara, world.other_counselor_id, original.body_enc, kind="client")

    for client_id, kind in ((world.ben, "client"), (world.ben, "staff"), (world.cara, "staff")):
        with session_scope() as s:
            c = s.get(Client, client_id)
            reader = c.counselor_id if kind == "staff" else c.id
            views = messaging.read_thread(s, c, kind, reader)
        assert [v.body for v in views] == [UNREADABLE]
    # Where it belongs it still reads.
    assert [v.body for v in read(world.ana, "client")] == [SECRET]


@pytest.mark.parametrize("junk", ["", "not base64 at all!!", "AAAA", "é", "x" * 7])
def test_garbage_ciphertext_reads_as_the_placeholder(world, junk):
    send(world.ana, "client", "before")
    insert_raw(world.ana, world.counselor_id, junk)
    send(world.ana, "client", "after")
    assert [v.body for v in read(world.ana, "staff")] == ["before", UNREADABLE, "after"]


def test_message_sealed_with_another_key_reads_as_the_placeholder(world, monkeypatch):
    send(world.ana, "client", SECRET)
    monkeypatch.setenv("PORTAL_SECRET_KEY", "some-other-installation")
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
    assert [v.body for v in read(world.ana, "staff")] == [UNREADABLE]


def test_client_without_a_counselor_cannot_post(world):
    update_client(world.ben, counselor_id=None)
    with session_scope() as s:
        with pytest.raises(MessageError) as refused:
            messaging.post(s, s.get(Client, world.ben), "client", world.ben, "Anyone there?")
    assert str(refused.value) == MESSAGES_OFF
    assert all_rows(SecureMessage) == []


@pytest.mark.parametrize("kind", ["staff", "client"])
def test_messages_setting_off_refuses_both_sides_and_stores_nothing(world, kind):
    configure(world.counselor_id, messages=False, notify_email=True, notify_sms=True)
    with pytest.raises(MessageError) as refused:
        send(world.ana, kind, SECRET)
    assert str(refused.value) == MESSAGES_OFF
    assert all_rows(SecureMessage) == []
    assert audits("message.sent") == []
    assert all_rows(OutboxMessage) == []
    # Another counselor's setting is their own: Cara's thread still works.
    send(world.cara, kind, "Still on here")
    assert len(all_rows(SecureMessage)) == 1


def test_enabled_follows_the_counselors_setting(world):
    with session_scope() as s:
        assert messaging.enabled(s, s.get(Client, world.ana))
    configure(world.counselor_id, messages=False)
    with session_scope() as s:
        assert not messaging.enabled(s, s.get(Client, world.ana))
        assert messaging.enabled(s, s.get(Client, world.cara))


# ---- clean_body --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["", " ", "   \n\t\n  ", "\r\n\r\n", None, 42, b"hello", ["hello"], {"body": "hello"}],
    ids=["empty", "space", "whitespace", "crlf-only", "none", "int", "bytes", "list", "dict"],
)
def test_clean_body_refuses_nothing_to_send(raw):
    with pytest.raises(MessageError, match="Write a message first"):
        messaging.clean_body(raw)


@pytest.mark.parametrize(
    "raw",
    ["a\x00b", "bell\x07", "esc \x1b[31mred", "del\x7f", "form\x0cfeed", "\x85next-line", "lone \ud800 surrogate"],
)
def test_clean_body_refuses_control_characters(raw):
    with pytest.raises(MessageError, match="characters that can't be sent"):
        messaging.clean_body(raw)


def test_clean_body_length_limit():
    assert messaging.clean_body("x" * messaging.MAX_CHARS) == "x" * messaging.MAX_CHARS
    # Surrounding whitespace does not count.
    assert messaging.clean_body("  " + "x" * messaging.MAX_CHARS + "\n\n") == "x" * messaging.MAX_CHARS
    with pytest.raises(MessageError) as refused:
        messaging.clean_body("x" * (messaging.MAX_CHARS + 1))
    assert "5,000" in str(refused.value)
    assert "5,001" in str(refused.value)


@pytest.mark.parametrize(
    "text",
    [
        "Feeling better today 🙂👍🏽 — thanks!",
        "Xin chào, tôi là Nguyễn Thị Hương. Hẹn gặp lại vào thứ Tư.",
        "مرحبا، كيف حالك؟ أراك يوم الثلاثاء",
        "Line one\nLine two\n\nLine four\twith a tab",
        "Ελληνικά, русский, 日本語, עברית",
    ],
)
def test_clean_body_keeps_unicode_and_newlines(text):
    assert messaging.clean_body(text) == text
    assert messaging.clean_body(f"  {text}  \n") == text


def test_clean_body_normalises_line_ends_and_nfc():
    assert messaging.clean_body("one\r\ntwo\r\n") == "one\ntwo"
    decomposed = unicodedata.normalize("NFD", "Nguyễn Évaluation")
    assert decomposed != "Nguyễn Évaluation"
    assert messaging.clean_body(decomposed) == "Nguyễn Évaluation"


def test_unicode_round_trips_through_the_thread(world):
    texts = ["🙂 Xin chào Nguyễn", "مرحبا\nسطر ثان"]
    for t in texts:
        send(world.ana, "client", t)
    assert [v.body for v in read(world.ana, "staff")] == texts


@pytest.mark.parametrize("raw", ["", "   ", None, "x" * 5001, "a\x00b"])
def test_refused_body_stores_nothing(world, raw):
    with pytest.raises(MessageError):
        send(world.ana, "staff", raw)
    assert all_rows(SecureMessage) == []
    assert all_rows(OutboxMessage) == []
    assert audits("message.sent") == []


# ---- who may open a thread ---------------------------------------------------------------------


def test_staff_client_is_the_counselor_of_records_own_client(world, db):
    me = identity(world.counselor_id)
    assert messaging.staff_client(db, me, world.ana).id == world.ana
    assert messaging.staff_client(db, me, world.ben).id == world.ben
    # Not another counselor's client, nor another practice's.
    assert messaging.staff_client(db, me, world.cara) is None
    assert messaging.staff_client(db, me, world.dev) is None


@pytest.mark.parametrize("who", ["other_counselor_id", "admin_id", "front_desk_id", "far_counselor_id"])
def test_staff_client_refuses_everyone_else(world, db, who):
    me = identity(getattr(world, who))
    assert messaging.staff_client(db, me, world.ana) is None
    assert messaging.staff_client(db, me, world.ben) is None


def test_staff_client_refuses_an_identity_from_another_practice(world, db):
    forged = identity(world.counselor_id, practice_id=world.far_practice_id)
    assert messaging.staff_client(db, forged, world.ana) is None


def test_staff_client_refuses_a_client_moved_to_another_counselor(world, db):
    update_client(world.ana, counselor_id=world.other_counselor_id)
    assert messaging.staff_client(db, identity(world.counselor_id), world.ana) is None
    assert messaging.staff_client(db, identity(world.other_counselor_id), world.ana).id == world.ana


@pytest.mark.parametrize(
    "hostile",
    [0, -1, True, False, "1", " 1", 1.0, None, 2**40, 2**31, -(2**40), 999_999, [1], b"1"],
    ids=repr,
)
def test_staff_client_refuses_hostile_ids(world, db, hostile):
    assert world.ana == 1  # so True, "1" and 1.0 all stand for a real client
    assert messaging.staff_client(db, identity(world.counselor_id), hostile) is None


# ---- reading -----------------------------------------------------------------------------------


def test_read_thread_marks_only_the_other_sides_messages(world):
    s1 = send(world.ana, "staff", "one")
    c1 = send(world.ana, "client", "two")
    s2 = send(world.ana, "staff", "three")
    t1 = NOW
    views = read(world.ana, "client", now=t1)
    assert [(v.id, v.mine, v.read) for v in views] == [(s1, False, True), (c1, True, False), (s2, False, True)]
    by_id = {r.id: r for r in all_rows(SecureMessage)}
    assert by_id[s1].read_at == t1 and by_id[s2].read_at == t1
    assert by_id[c1].read_at is None

    t2 = NOW + timedelta(hours=2)
    views = read(world.ana, "staff", now=t2)
    assert [(v.id, v.mine, v.read) for v in views] == [(s1, True, True), (c1, False, True), (s2, True, True)]
    by_id = {r.id: r for r in all_rows(SecureMessage)}
    assert by_id[c1].read_at == t2
    assert by_id[s1].read_at == t1  # the client's first read stays

    read(world.ana, "client", now=t2 + timedelta(days=1))
    assert {r.id: r.read_at for r in all_rows(SecureMessage)} == {s1: t1, c1: t2, s2: t1}


def test_read_thread_writes_one_audit_with_the_count(world):
    send(world.ana, "staff", "one")
    send(world.ana, "client", "two")
    last = send(world.ana, "staff", "three")
    send(world.ben, "client", "elsewhere")
    read(world.ana, "client")
    (event,) = audits("messages.read")
    assert (event.actor_kind, event.actor_id, event.object_type, event.object_id) == (
        "client",
        world.ana,
        "client",
        world.ana,
    )
    assert json.loads(event.detail) == {"count": 3, "last": last}
    assert event.ip == "203.0.113.9"
    assert SECRET not in event.detail

    read(world.ana, "staff")
    events = audits("messages.read")
    assert len(events) == 2
    assert (events[1].actor_kind, events[1].actor_id) == ("staff", world.counselor_id)


def test_reading_an_empty_thread_writes_no_audit(world):
    send(world.ben, "client", "Ben's thread is not Ana's")
    assert read(world.ana, "client") == []
    assert read(world.ana, "staff") == []
    assert audits("messages.read") == []


def test_read_thread_shows_the_newest_page_oldest_first(world, db):
    ana = db.get(Client, world.ana)
    context = f"message:{world.ana}:{world.counselor_id}"
    for n in range(messaging.PAGE + 5):
        db.add(
            SecureMessage(
                practice_id=world.practice_id,
                client_id=world.ana,
                counselor_id=world.counselor_id,
                sender_kind="client",
                sender_id=world.ana,
                body_enc=vault.seal_text(f"message {n}", context),
            )
        )
    db.commit()
    views = read(ana.id, "staff")
    assert len(views) == messaging.PAGE
    assert views[0].body == "message 5"
    assert views[-1].body == f"message {messaging.PAGE + 4}"


def test_reading_a_long_thread_leaves_nothing_unread(world, db):
    context = f"message:{world.ana}:{world.counselor_id}"
    for n in range(messaging.PAGE + 1):
        db.add(
            SecureMessage(
                practice_id=world.practice_id,
                client_id=world.ana,
                counselor_id=world.counselor_id,
                sender_kind="staff",
                sender_id=world.counselor_id,
                body_enc=vault.seal_text(f"message {n}", context),
            )
        )
    db.commit()
    read(world.ana, "client")
    with session_scope() as s:
        assert messaging.unread_for_client(s, s.get(Client, world.ana)) == 0
    send(world.ana, "staff", "Are you there?")
    assert len(notices()) == 1


def test_latest_id_and_unread_for_client(world):
    with session_scope() as s:
        ana = s.get(Client, world.ana)
        assert messaging.latest_id(s, ana) == 0
        assert messaging.unread_for_client(s, ana) == 0
    send(world.ana, "staff", "one")
    send(world.ana, "client", "two")
    last = send(world.ana, "staff", "three")
    send(world.ben, "staff", "Ben's")
    with session_scope() as s:
        ana = s.get(Client, world.ana)
        assert messaging.latest_id(s, ana) == last
        assert messaging.unread_for_client(s, ana) == 2  # the counselor's two, not her own
    read(world.ana, "client")
    with session_scope() as s:
        assert messaging.unread_for_client(s, s.get(Client, world.ana)) == 0
        assert messaging.unread_for_client(s, s.get(Client, world.ben)) == 1


# ---- the counselor's inbox ---------------------------------------------------------------------


def test_inbox_lists_threads_newest_first_with_unread_client_messages(world):
    send(world.ana, "client", "a1", at=NOW)
    send(world.ana, "client", "a2", at=NOW + timedelta(minutes=1))
    send(world.ana, "staff", "reply to Ana", at=NOW + timedelta(minutes=2))
    send(world.ben, "client", "b1", at=NOW + timedelta(minutes=5))
    send(world.cara, "client", "to the other counselor", at=NOW + timedelta(minutes=9))

    me = identity(world.counselor_id)
    with session_scope() as s:
        box = messaging.inbox(s, me)
        total = messaging.unread_total(s, me)
    assert [(t.client_id, t.name, t.unread) for t in box] == [
        (world.ben, "Benedikt Oyelaran", 1),
        (world.ana, "Anastasia Quintero-Velásquez", 2),
    ]
    assert box[0].last_at == NOW + timedelta(minutes=5)
    assert box[1].last_at == NOW + timedelta(minutes=2)
    assert total == 3

    # Ana writes again: her thread comes first; the counselor reads it: nothing unread there.
    send(world.ana, "client", "a3", at=NOW + timedelta(minutes=10))
    read(world.ana, "staff")
    with session_scope() as s:
        box = messaging.inbox(s, me)
        total = messaging.unread_total(s, me)
    assert [(t.client_id, t.unread) for t in box] == [(world.ana, 0), (world.ben, 1)]
    assert total == 1

    # The other counselor sees only Cara.
    other = identity(world.other_counselor_id)
    with session_scope() as s:
        assert [(t.client_id, t.unread) for t in messaging.inbox(s, other)] == [(world.cara, 1)]
        assert messaging.unread_total(s, other) == 1


def test_staff_messages_do_not_count_as_unread_for_the_counselor(world):
    send(world.ana, "staff", "one")
    send(world.ana, "staff", "two")
    me = identity(world.counselor_id)
    with session_scope() as s:
        assert [(t.client_id, t.unread) for t in messaging.inbox(s, me)] == [(world.ana, 0)]
        assert messaging.unread_total(s, me) == 0


def test_inbox_leaves_out_clients_assigned_to_another_counselor(world):
    send(world.ana, "client", "a1", at=NOW)
    send(world.ben, "client", "b1", at=NOW + timedelta(minutes=1))
    update_client(world.ben, counselor_id=world.other_counselor_id)
    me, other = identity(world.counselor_id), identity(world.other_counselor_id)
    with session_scope() as s:
        assert [t.client_id for t in messaging.inbox(s, me)] == [world.ana]
        assert messaging.unread_total(s, me) == 1
        # The new counselor does not inherit the old thread.
        assert messaging.inbox(s, other) == []
        assert messaging.unread_total(s, other) == 0
    assert read(world.ben, "staff") == []


def test_inbox_of_admin_and_front_desk_is_empty(world):
    send(world.ana, "client", "a1")
    for who in (world.admin_id, world.front_desk_id, world.far_counselor_id):
        me = identity(who)
        with session_scope() as s:
            assert messaging.inbox(s, me) == []
            assert messaging.unread_total(s, me) == 0


def test_inbox_respects_the_limit(world):
    send(world.ana, "client", "a1", at=NOW)
    send(world.ben, "client", "b1", at=NOW + timedelta(minutes=1))
    me = identity(world.counselor_id)
    with session_scope() as s:
        assert [t.client_id for t in messaging.inbox(s, me, limit=1)] == [world.ben]


# ---- notifications -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "sms", "expected"),
    [
        (True, False, [(Channel.email, "ana.qv@example.com")]),
        (False, True, [(Channel.sms, "+13165550111")]),
        (True, True, [(Channel.email, "ana.qv@example.com"), (Channel.sms, "+13165550111")]),
        (False, False, []),
    ],
    ids=["email", "sms", "both", "neither"],
)
def test_staff_message_queues_a_notice_by_the_chosen_channels(world, email, sms, expected):
    configure(world.counselor_id, notify_email=email, notify_sms=sms)
    send(world.ana, "staff", SECRET)
    queued = notices()
    assert [(m.channel, m.recipient) for m in queued] == expected
    for m in queued:
        assert m.client_id == world.ana
        assert m.practice_id == world.practice_id
        assert m.kind == "message_notice"
    assert len(all_rows(OutboxMessage)) == len(expected)


@pytest.mark.parametrize(("email", "sms"), [(True, False), (False, True), (True, True)])
def test_no_notice_to_a_client_without_the_address(world, email, sms):
    configure(world.counselor_id, notify_email=email, notify_sms=sms)
    send(world.ben, "staff", "Ben has neither an email nor a mobile")
    assert notices() == []
    assert len(all_rows(SecureMessage)) == 1


def test_notice_never_carries_the_message(world):
    configure(world.counselor_id, notify_email=True, notify_sms=True)
    send(world.ana, "staff", SECRET)
    email, sms = notices()
    assert email.subject == f"New secure message from {PRACTICE}"
    for m in (email, sms):
        for part in (m.subject, m.body_text, m.body_html):
            assert "Zanzibar" not in part
            assert "panic" not in part
    # What it does say: who, where to read it.
    portal = get_settings().public_url.rstrip("/") + "/portal"
    assert "Anastasia" in email.body_text and PRACTICE in email.body_text and portal in email.body_text
    assert portal in email.body_html and "does not include the message" in email.body_text
    assert PRACTICE in sms.body_text and portal in sms.body_text
    assert sms.body_html == ""


def test_one_notice_until_the_client_has_read_the_thread(world):
    configure(world.counselor_id, notify_email=True, notify_sms=False)
    send(world.ana, "staff", "first")
    assert len(notices()) == 1
    send(world.ana, "staff", "second")
    assert len(notices()) == 1
    # The counselor reading their own thread changes nothing for the client.
    read(world.ana, "staff")
    send(world.ana, "staff", "third")
    assert len(notices()) == 1

    read(world.ana, "client")
    send(world.ana, "staff", "fourth")
    assert len(notices()) == 2
    send(world.ana, "staff", "fifth")
    assert len(notices()) == 2


def test_unread_message_of_another_client_does_not_hold_back_a_notice(world):
    configure(world.counselor_id, notify_email=True)
    update_client(world.ben, email="ben@example.com")
    send(world.ben, "staff", "for Ben")
    send(world.ana, "staff", "for Ana")
    assert sorted(m.recipient for m in notices()) == ["ana.qv@example.com", "ben@example.com"]


def test_clients_message_never_queues_a_notice(world):
    configure(world.counselor_id, notify_email=True, notify_sms=True)
    send(world.ana, "client", "one")
    read(world.ana, "staff")
    send(world.ana, "client", "two")
    assert all_rows(OutboxMessage) == []


def test_counselor_name(world):
    with session_scope() as s:
        assert messaging.counselor_name(s, s.get(Client, world.ana)) == "C"
    update_client(world.ana, counselor_id=None)
    with session_scope() as s:
        assert messaging.counselor_name(s, s.get(Client, world.ana)) == ""


# ---- vault -------------------------------------------------------------------------------------


def test_vault_round_trips_text_and_bytes():
    assert vault.open_text(vault.seal_text(SECRET, "message:1:2"), "message:1:2") == SECRET
    assert vault.open_text(vault.seal_text("🙂 Nguyễn مرحبا", "c"), "c") == "🙂 Nguyễn مرحبا"
    data = bytes(range(256)) * 4
    assert vault.open_bytes(vault.seal_bytes(data, "document:ab"), "document:ab") == data
    assert vault.open_bytes(vault.seal_bytes(b"", "x"), "x") == b""


def test_vault_sealing_is_randomised_and_hides_the_text():
    a, b = vault.seal_text(SECRET, "ctx"), vault.seal_text(SECRET, "ctx")
    assert a != b
    assert "Zanzibar" not in a
    raw = vault.seal_bytes(SECRET.encode(), "ctx")
    assert SECRET.encode() not in raw
    assert raw[:1] == vault.VERSION
    assert len(raw) == 1 + vault.NONCE + len(SECRET.encode()) + 16


def test_vault_refuses_another_context():
    token = vault.seal_text(SECRET, "message:1:2")
    for other in ("message:2:2", "message:1:3", "message:1:2 ", "", "document:1"):
        with pytest.raises(vault.Undecryptable):
            vault.open_text(token, other)


def test_vault_refuses_any_altered_byte():
    blob = vault.seal_bytes(b"clinical notes", "ctx")
    for i in range(len(blob)):
        altered = bytearray(blob)
        altered[i] ^= 0x01
        with pytest.raises(vault.Undecryptable):
            vault.open_bytes(bytes(altered), "ctx")


@pytest.mark.parametrize("cut", [0, 1, 12, 13, 28, -1])
def test_vault_refuses_truncated_data(cut):
    blob = vault.seal_bytes(b"clinical notes", "ctx")
    with pytest.raises(vault.Undecryptable):
        vault.open_bytes(blob[:cut], "ctx")


def test_vault_refuses_an_unknown_version():
    blob = vault.seal_bytes(b"clinical notes", "ctx")
    with pytest.raises(vault.Undecryptable):
        vault.open_bytes(b"\x02" + blob[1:], "ctx")


@pytest.mark.parametrize("token", ["", "!!!!", "abc", "é", "AAAA", "=" * 8, "A" * 64])
def test_vault_open_text_refuses_garbage_with_its_own_error(token):
    with pytest.raises(vault.Undecryptable):
        vault.open_text(token, "ctx")


def test_vault_key_is_the_installations(monkeypatch):
    token = vault.seal_text(SECRET, "ctx")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "another-installation")
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
    with pytest.raises(vault.Undecryptable):
        vault.open_text(token, "ctx")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "messaging-test-key")
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
    assert vault.open_text(token, "ctx") == SECRET
