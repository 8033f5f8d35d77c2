"""Secure messages and documents, handlers called directly as a hostile browser could (SPEC 2.2, issue 6):
a client reads and writes only their own thread and files, a counselor only their own clients'; with the
Messages or Documents setting off the server refuses; bad input gets a message and stores nothing.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
import reflex as rx
from sqlmodel import Session, select

from tests.state.conftest import Browser
from tests.state.test_client_state import cookie_for
from tests.state.test_portal_state import (  # noqa: F401  (practice is a fixture)
    DEAD_SESSIONS,
    ELLEN,
    MARCUS,
    audits,
    dead_cookie,
    goto,
    is_sign_in,
    outbox,
    practice,
    set_settings,
    signed_in,
)
from therapy_portal.models import Document, SecureMessage
from therapy_portal.services import messaging
from therapy_portal.state.inbox import InboxState
from therapy_portal.state.portal import PortalState
from therapy_portal.state.portal_messages import PortalDocumentsState, PortalMessagesState

pytestmark = pytest.mark.usefixtures("fast_hashes")

PDF = b"%PDF-1.4\n%%EOF\n"
SECRET = "I have been feeling much worse since the move"


def upload(name: str, data: bytes) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(data), path=Path(name) if name else None, size=len(data))


def run(handler, state, *args):
    return asyncio.run(handler.fn(state, *args))


def messages_in(db: Session) -> list[SecureMessage]:
    db.rollback()
    return list(db.exec(select(SecureMessage).order_by(SecureMessage.id)).all())


def documents_in(db: Session) -> list[Document]:
    db.rollback()
    return list(db.exec(select(Document).order_by(Document.id)).all())


def client_page(db, client, path="/portal/messages"):
    b = signed_in(db, client, path=path)
    assert PortalState.guard_page.fn(b.state(PortalState)) is None
    return b


def open_messages(b: Browser) -> PortalMessagesState:
    goto(b, "/portal/messages")
    state = b.state(PortalMessagesState)
    PortalMessagesState.load.fn(state)
    return state


def open_inbox(db, email: str, query: str = "") -> tuple[Browser, InboxState]:
    b = Browser(cookie=cookie_for(db, email), path="/messages", query=query)
    inbox = b.state(InboxState)
    InboxState.load.fn(inbox)
    return b, inbox


GUARDED = {
    PortalMessagesState: {"load", "set_draft", "send"},
    PortalDocumentsState: {"load", "upload"},
    InboxState: {"load", "set_draft", "send", "share"},
}
UNGUARDED = {"setvar", "sign_out", "guard_page", "watch"}  # watch checks the session itself on every tick


def test_the_list_of_guarded_handlers_is_complete():
    for cls, names in GUARDED.items():
        assert set(cls.event_handlers) - UNGUARDED == names, cls


@pytest.mark.parametrize("kind", DEAD_SESSIONS)
def test_without_a_live_session_nothing_is_read_or_written(practice, kind):
    p = practice
    db = p.db
    messaging.post(db, db.merge(p.a), "staff", p.ellen.id, SECRET)
    db.commit()
    before = (len(messages_in(db)), len(audits(db, "messages.read")))
    b = Browser(cookie=dead_cookie(p, kind), path="/portal/messages")
    state = b.state(PortalMessagesState)
    state.draft = "let me in"
    for result in (
        PortalMessagesState.load.fn(state),
        PortalMessagesState.set_draft.fn(state, "x"),
        PortalMessagesState.send.fn(state),
        run(PortalDocumentsState.upload, b.state(PortalDocumentsState), [upload("a.pdf", PDF)]),
    ):
        assert is_sign_in(result)
    assert (len(messages_in(db)), len(audits(db, "messages.read"))) == before
    assert documents_in(db) == [] and SECRET not in b.frontend_view()


def test_a_client_sees_only_their_own_thread(practice):
    p = practice
    db = p.db
    messaging.post(db, db.merge(p.b), "staff", p.ellen.id, SECRET)  # to Maria, Dr. Park's other client
    messaging.post(db, db.merge(p.a), "staff", p.ellen.id, "Hello Siobhan")
    db.commit()
    b = client_page(db, p.a)
    state = open_messages(b)
    assert [m["body"] for m in state.messages] == ["Hello Siobhan"]
    view = b.frontend_view()
    assert SECRET not in view and "Hello Siobhan" in view
    reads = audits(db, "messages.read")
    assert [(e.actor_kind, e.actor_id, e.object_id) for e in reads] == [("client", p.a.id, p.a.id)]


def test_a_client_message_goes_to_their_own_counselor_and_queues_no_notice(practice):
    p = practice
    db = p.db
    b = client_page(db, p.a)
    state = open_messages(b)
    PortalMessagesState.set_draft.fn(state, "  Can we talk about Tuesday?  ")
    PortalMessagesState.send.fn(state)
    [row] = messages_in(db)
    assert (row.client_id, row.counselor_id, row.sender_kind, row.sender_id) == (p.a.id, p.ellen.id, "client", p.a.id)
    assert "Tuesday" not in row.body_enc
    assert state.draft == "" and state.error == "" and state.messages[-1]["body"] == "Can we talk about Tuesday?"
    assert [m for m in outbox(db) if m.kind == "message_notice"] == []


@pytest.mark.parametrize(
    "draft,message",
    [
        ("", "Write a message first."),
        ("   \n ", "Write a message first."),
        ("x" * (messaging.MAX_CHARS + 1), "Keep a message to 5,000 characters"),
        ("bell \x07", "characters that can't be sent"),
    ],
)
def test_bad_messages_are_refused_at_the_field_and_the_draft_is_kept(practice, draft, message):
    p = practice
    db = p.db
    state = open_messages(client_page(db, p.a))
    PortalMessagesState.set_draft.fn(state, draft)
    PortalMessagesState.send.fn(state)
    assert message in state.error
    assert state.draft == draft and messages_in(db) == []


@pytest.mark.parametrize("hostile", [None, 7, {"body": "x"}, ["x"], b"x", "x" * 100_000])
def test_hostile_drafts_are_capped_or_dropped_without_an_exception(practice, hostile):
    p = practice
    state = open_messages(client_page(p.db, p.a))
    PortalMessagesState.set_draft.fn(state, hostile)
    assert isinstance(state.draft, str) and len(state.draft) <= messaging.MAX_CHARS + 1000
    PortalMessagesState.send.fn(state)
    assert len(messages_in(p.db)) <= 1


def test_with_messages_off_the_client_and_the_counselor_are_refused(practice):
    p = practice
    db = p.db
    b = client_page(db, p.a)
    state = open_messages(b)
    assert state.available
    _, inbox = open_inbox(db, ELLEN, query=f"client={p.a.id}")
    set_settings(db, p.ellen, messages=False)  # turned off while both pages are open
    PortalMessagesState.set_draft.fn(state, "still there?")
    PortalMessagesState.send.fn(state)
    assert state.error == "This isn't available in your portal. Please contact the office." and not state.available
    InboxState.set_draft.fn(inbox, "are you there?")
    InboxState.send.fn(inbox)
    assert inbox.error == messaging.MESSAGES_OFF
    assert messages_in(db) == [] and outbox(db) == []
    assert not open_messages(b).available


def test_the_counselor_opens_only_their_own_clients(practice):
    p = practice
    db = p.db
    messaging.post(db, db.merge(p.c), "client", p.c.id, SECRET)  # Mateo writes to Marcus O'Neill
    db.commit()
    b, inbox = open_inbox(db, ELLEN, query=f"client={p.c.id}")
    assert inbox.missing and inbox.client_id == "" and inbox.messages == []
    assert SECRET not in b.frontend_view() and "Nuñez" not in b.frontend_view()
    # A forged choice of client (whatever the browser managed to set) is checked again on send.
    inbox.client_id = str(p.c.id)
    InboxState.set_draft.fn(inbox, "hello from the wrong counselor")
    InboxState.send.fn(inbox)
    run(InboxState.share, inbox, [upload("plan.pdf", PDF)])
    assert [m.sender_kind for m in messages_in(db)] == ["client"] and documents_in(db) == []
    assert audits(db, "messages.read") == []
    # Marcus, the counselor of record, reads it.
    _, his = open_inbox(db, MARCUS, query=f"client={p.c.id}")
    assert [m["body"] for m in his.messages] == [SECRET]
    # Opening the thread read it: the inbox shows nothing unread for it.
    assert his.unread_total == 0 and [t["unread"] for t in his.threads] == [""]


def test_front_desk_sees_no_threads(practice):
    p = practice
    db = p.db
    messaging.post(db, db.merge(p.a), "client", p.a.id, SECRET)
    db.commit()
    b, inbox = open_inbox(db, "frontdesk@wichita-therapy.example", query=f"client={p.a.id}")
    assert inbox.threads == [] and inbox.missing and SECRET not in b.frontend_view()


def test_the_counselor_writes_the_client_is_told_without_the_text_and_sees_it_on_the_next_poll(practice):
    p = practice
    db = p.db
    b = client_page(db, p.a)
    state = open_messages(b)
    assert state.messages == []
    _, inbox = open_inbox(db, ELLEN, query=f"client={p.a.id}")
    InboxState.set_draft.fn(inbox, SECRET)
    InboxState.send.fn(inbox)
    assert inbox.error == "" and inbox.messages[-1]["mine"] == "1"
    [notice] = [m for m in outbox(db) if m.kind == "message_notice"]
    assert notice.recipient == p.a.email and SECRET not in notice.body_text + notice.body_html + notice.subject
    # What the page's watcher does every few seconds: the new message appears without a reload.
    from therapy_portal.services.client_auth import resolve_session, token_digest

    me = resolve_session(db, token_digest(b.token), touch=False)
    state._refresh(me, force=False)
    assert [m["body"] for m in state.messages] == [SECRET]
    # The counselor's inbox shows nothing unread of their own writing.
    assert inbox.unread_total == 0


def test_client_uploads_are_checked_and_stored_for_their_counselor(practice):
    p = practice
    db = p.db
    b = client_page(db, p.a, path="/portal/documents")
    docs = b.state(PortalDocumentsState)
    PortalDocumentsState.load.fn(docs)
    assert docs.available
    run(
        PortalDocumentsState.upload,
        docs,
        [
            upload("card.pdf", PDF),
            upload("etc/passwd.pdf", PDF),  # what Reflex leaves of "../../etc/passwd.pdf"
            upload("report.pdf", b"MZ\x90\x00" + b"\x00" * 64),
            upload("bell\x07.pdf", PDF),
        ],
    )
    [stored] = documents_in(db)
    assert (stored.client_id, stored.counselor_id, stored.direction, stored.display_name) == (
        p.a.id,
        p.ellen.id,
        "from_client",
        "card.pdf",
    )
    assert "card.pdf" in docs.notice and [d["name"] for d in docs.sent] == ["card.pdf"]
    assert "folder path" in docs.error and "its contents are not" in docs.error and "control characters" in docs.error
    assert docs.sent[0]["href"] == f"/api/portal/documents/{stored.id}"


@pytest.mark.parametrize("files", [None, "card.pdf", {}, [], [None], ["x"]])
def test_hostile_upload_arguments_store_nothing_without_an_exception(practice, files):
    p = practice
    docs = client_page(p.db, p.a, path="/portal/documents").state(PortalDocumentsState)
    try:
        run(PortalDocumentsState.upload, docs, files)
    except AttributeError:
        pytest.fail("a hostile upload argument raised")
    assert documents_in(p.db) == []


def test_with_documents_off_nothing_is_uploaded_or_listed(practice):
    p = practice
    db = p.db
    b = client_page(db, p.a, path="/portal/documents")
    docs = b.state(PortalDocumentsState)
    PortalDocumentsState.load.fn(docs)
    set_settings(db, p.ellen, documents=False)
    run(PortalDocumentsState.upload, docs, [upload("card.pdf", PDF)])
    assert docs.error == "This isn't available in your portal. Please contact the office."
    _, inbox = open_inbox(db, ELLEN, query=f"client={p.a.id}")
    assert not inbox.documents_on
    run(InboxState.share, inbox, [upload("plan.pdf", PDF)])
    assert "turned off" in inbox.file_error and documents_in(db) == []


def test_a_shared_document_is_listed_for_its_client_only(practice):
    p = practice
    db = p.db
    _, inbox = open_inbox(db, ELLEN, query=f"client={p.a.id}")
    run(InboxState.share, inbox, [upload("Safety plan.pdf", PDF)])
    assert "Shared with Siobhan O'Brien" in inbox.file_notice
    mine = client_page(db, p.a, path="/portal/documents").state(PortalDocumentsState)
    PortalDocumentsState.load.fn(mine)
    other_browser = client_page(db, p.b, path="/portal/documents")
    other = other_browser.state(PortalDocumentsState)
    PortalDocumentsState.load.fn(other)
    assert [d["name"] for d in mine.shared] == ["Safety plan.pdf"]
    assert other.shared == [] and "Safety plan" not in other_browser.frontend_view()


def test_sign_out_clears_the_thread_from_the_tab(practice):
    p = practice
    db = p.db
    messaging.post(db, db.merge(p.a), "staff", p.ellen.id, SECRET)
    db.commit()
    b = client_page(db, p.a)
    open_messages(b)
    assert SECRET in b.frontend_view()
    PortalState.sign_out.fn(b.state(PortalState))
    assert SECRET not in b.frontend_view()
