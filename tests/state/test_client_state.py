"""Client list and client page handlers called directly, including calls the page would never make (SPEC 1.3)."""

from __future__ import annotations

import json
import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from sqlmodel import SQLModel, select

from tests.state.conftest import Browser
from therapy_portal.models import AuditEvent, Client, OutboxMessage, User
from therapy_portal.services import accounts, demo, pins
from therapy_portal.services import secrets as portal_secrets
from therapy_portal.settings import get_settings
from therapy_portal.state.client_record import ClientRecordState
from therapy_portal.state.clients import EMPTY_FORM, ClientsState

ELLEN, MARCUS, SOFIA, DESK = (
    "ellen.park@wichita-therapy.example",  # admin and counselor
    "marcus.oneill@wichita-therapy.example",
    "sofia.ramirez@wichita-therapy.example",
    "frontdesk@wichita-therapy.example",
)
SET_A_PIN_FIRST = "Set or generate a PIN first"


@pytest.fixture(autouse=True)
def fast_hashes_and_own_secret(monkeypatch, tmp_path):
    """argon2id with small costs (its strength is tested in tests/unit/test_pins.py), and a key of this test's own."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)
    monkeypatch.setattr(pins, "_hasher", cheap)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "client-state-test-key")
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
    yield
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()


@pytest.fixture
def practice(db):
    demo.seed(db)
    db.commit()
    users = {u.email: u for u in db.exec(select(User)).all()}
    return db, users


def cookie_for(db, email: str) -> str:
    user = accounts.authenticate(db, email, demo.DEMO_PASSWORD)
    token = accounts.adopt_handoff(db, accounts.begin_session(db, user))
    db.commit()
    return Browser.cookie_for(token)


def browser_for(db, email: str, path: str = "/clients", query: str = "") -> Browser:
    return Browser(cookie=cookie_for(db, email), path=path, query=query)


def client_of(db, counselor: User, *, with_email: bool = True) -> Client:
    """A client of this counselor without a portal PIN yet (the demo gives a few clients one)."""
    rows = db.exec(select(Client).where(Client.counselor_id == counselor.id).order_by(Client.id)).all()
    return next(c for c in rows if bool(c.email) == with_email and not c.pin_hash)


def open_record(db, email: str, client: Client, tab: str = "portal") -> tuple[Browser, ClientRecordState]:
    b = browser_for(db, email, path=f"/clients/{client.id}", query=f"tab={tab}")
    record = b.state(ClientRecordState)
    ClientRecordState.load.fn(record)
    return b, record


def fresh(db, cls, ident):
    db.rollback()  # end this session's read snapshot (SQLite WAL) so the handlers' writes are visible
    db.expire_all()  # and forget what this session loaded before
    return db.get(cls, ident)


def outbox(db) -> list[OutboxMessage]:
    db.rollback()
    return list(db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def audits(db, action: str) -> list[AuditEvent]:
    db.rollback()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def shown_pin(record: ClientRecordState) -> str:
    found = re.search(r"PIN (\d+) saved", record.pin_notice)
    assert found, record.pin_notice
    return found.group(1)


def everything_stored(db) -> str:
    """Every row of every table, as text: to prove a secret is nowhere in the database in the clear."""
    db.rollback()
    dump = []
    for table in SQLModel.metadata.sorted_tables:
        dump += [repr(tuple(row)) for row in db.execute(text(f'SELECT * FROM "{table.name}"')).all()]
    return "\n".join(dump)


# ---- signed out --------------------------------------------------------------------------------


def test_every_clients_handler_does_nothing_for_a_signed_out_browser(practice):
    db, users = practice
    before = len(db.exec(select(Client)).all())
    b = Browser(path="/clients")
    page = b.state(ClientsState)
    page.rows = [{"id": "1", "name": "Left, Over"}]  # whatever an earlier session showed
    page.total, page.adding = 1, True
    calls = [
        (ClientsState.load, ()),
        (ClientsState.set_query, ("o'brien",)),
        (ClientsState.set_sort, ("first_name",)),
        (ClientsState.go_page, (1,)),
        (ClientsState.open_add, ()),
        (ClientsState.close_add, (False,)),
        (ClientsState.set_field, ("first_name", "Eve")),
        (ClientsState.save_new, ()),
    ]
    for handler, args in calls:
        if handler is ClientsState.save_new:
            page.form = {**EMPTY_FORM, "first_name": "Eve", "last_name": "Evil", "date_of_birth": "01/01/1990",
                         "counselor_id": str(users[MARCUS].id)}  # fmt: skip
        result = handler.fn(page, *args)
        assert "/login?next=/clients" in repr(result), handler
        assert page.rows == [] and page.total == 0 and page.form == EMPTY_FORM, handler
        assert page.counselor_options == [] and not page.adding and page.query == "", handler
    assert len(db.exec(select(Client)).all()) == before
    assert audits(db, "client.viewed") == [] and audits(db, "client.created") == []


def test_every_client_record_handler_does_nothing_for_a_signed_out_browser(practice):
    db, users = practice
    target = client_of(db, users[MARCUS])
    b = Browser(path=f"/clients/{target.id}")
    record = b.state(ClientRecordState)
    calls = [
        (ClientRecordState.load, ()),
        (ClientRecordState.set_tab, ("portal",)),
        (ClientRecordState.start_edit, ()),
        (ClientRecordState.cancel_edit, ()),
        (ClientRecordState.set_field, ("email", "evil@example.com")),
        (ClientRecordState.save_edit, ()),
        (ClientRecordState.set_pin_input, ("48291573",)),
        (ClientRecordState.save_pin, ()),
        (ClientRecordState.generate_pin, ()),
        (ClientRecordState.send_invitation, ()),
    ]
    for handler, args in calls:
        # As if a session had just expired on a page that showed this client with a PIN set this visit.
        record.client_id, record.name, record.editing = target.id, target.display_name, True
        record.details = {"email": target.email}
        record.form = {"email": "evil@example.com"}
        record.pin_input, record._fresh_pin = "48291573", "59382716"
        result = handler.fn(record, *args)
        assert f"/login?next=/clients/{target.id}" in repr(result), handler
        assert (record.client_id, record.name, record.details, record.form) == (0, "", {}, {}), handler
        assert not record.editing and record.pin_input == "" and record._fresh_pin == "", handler
        assert target.last_name not in b.frontend_view() and target.email not in b.frontend_view()
    stored = fresh(db, Client, target.id)
    assert stored.pin_hash == "" and stored.email == target.email and stored.invitation_sent_at is None
    assert outbox(db) == [] and audits(db, "client.viewed") == []


# ---- another counselor's client, hostile paths -------------------------------------------------


def test_a_counselor_cannot_open_or_change_another_counselors_client(practice):
    db, users = practice
    ellens = db.exec(select(Client).where(Client.last_name == "O'Brien")).one()
    assert ellens.counselor_id == users[ELLEN].id
    b, record = open_record(db, MARCUS, ellens)
    assert record.missing and record.name == "" and record.details == {}
    view = b.frontend_view()
    for secret in (ellens.first_name, "Brien", ellens.email, ellens.mobile_e164[-4:], ellens.address):
        assert secret not in view, secret
    ClientRecordState.start_edit.fn(record)
    assert not record.editing
    ClientRecordState.set_field.fn(record, "email", "evil@example.com")
    ClientRecordState.save_edit.fn(record)
    ClientRecordState.generate_pin.fn(record)
    ClientRecordState.set_pin_input.fn(record, "48291573")
    ClientRecordState.save_pin.fn(record)
    ClientRecordState.send_invitation.fn(record)
    assert record.pin_notice == "" and "48291573" not in record.pin_notice
    stored = fresh(db, Client, ellens.id)
    assert (stored.email, stored.pin_hash, stored.pin_set_at, stored.invitation_sent_at) == (
        ellens.email,
        ellens.pin_hash,
        ellens.pin_set_at,
        None,
    )
    assert outbox(db) == [] and audits(db, "client.viewed") == [] and audits(db, "client.pin_set") == []


@pytest.mark.parametrize("email", [MARCUS, DESK])
def test_hostile_paths_show_missing_without_an_exception(practice, email):
    db, users = practice
    paths = [
        "/clients/abc",
        "/clients/-1",
        "/clients/0",
        "/clients/99999999999",
        "/clients/999999999",
        "/clients/1.5",
        "/clients/1e3",
        "/clients/%00",
        "/clients/",
        "/clients/' OR 1=1 --",
    ]
    cookie = cookie_for(db, email)
    b = Browser(cookie=cookie)
    record = b.state(ClientRecordState)
    for path in paths:
        b.set_request(cookie=cookie, path=path)
        ClientRecordState.load.fn(record)
        assert record.missing and record.name == "" and record.details == {}, path
        ClientRecordState.generate_pin.fn(record)
        assert record.pin_notice == "", path
    assert audits(db, "client.pin_set") == []


# ---- the client list ---------------------------------------------------------------------------


def test_a_counselor_lists_and_finds_only_their_own_clients(practice):
    db, users = practice
    own = {str(c.id) for c in db.exec(select(Client).where(Client.counselor_id == users[MARCUS].id)).all()}
    page = browser_for(db, MARCUS).state(ClientsState)
    ClientsState.load.fn(page)
    assert {r["id"] for r in page.rows} == own and page.total == len(own)
    ClientsState.set_query.fn(page, "johnson")
    assert [r["name"] for r in page.rows] == ["Johnson, David"]  # Maria Johnson is Ellen's client
    for query in ("o'brien", "nguyen", "02/28/1994", "siobhan.obrien@"):
        ClientsState.set_query.fn(page, query)
        assert page.rows == [] and page.total == 0, query
    ClientsState.set_query.fn(page, "x" * 10_000)
    assert page.query == "x" * 100

    admin = browser_for(db, ELLEN).state(ClientsState)
    ClientsState.set_query.fn(admin, "johnson")
    assert {r["name"] for r in admin.rows} == {"Johnson, David", "Johnson, Maria"}


def test_unknown_sorts_and_far_pages_are_ignored(practice):
    db, users = practice
    everyone = len(db.exec(select(Client)).all())
    assert 25 < everyone <= 50
    page = browser_for(db, DESK).state(ClientsState)
    ClientsState.load.fn(page)
    assert (page.total, page.pages, len(page.rows)) == (everyone, 2, 25)
    first_rows = list(page.rows)
    ClientsState.set_sort.fn(page, "password_hash")
    assert page.sort == "last_name" and page.rows == first_rows
    ClientsState.go_page.fn(page, 5)
    assert page.page == 1 and page.rows == first_rows
    ClientsState.go_page.fn(page, 1)
    assert page.page == 2 and len(page.rows) == everyone - 25
    ClientsState.go_page.fn(page, 1)  # past the end: stays on the last page
    assert page.page == 2
    ClientsState.set_sort.fn(page, "date_of_birth")
    assert page.sort == "date_of_birth" and page.page == 1
    dobs = [r["date_of_birth"][6:] + r["date_of_birth"][:5] for r in page.rows]
    assert dobs == sorted(dobs)


def test_save_new_with_bad_input_keeps_what_was_typed_and_shows_errors_at_the_fields(practice):
    db, users = practice
    before = len(db.exec(select(Client)).all())
    page = browser_for(db, MARCUS).state(ClientsState)
    ClientsState.open_add.fn(page)
    assert page.adding and page.form["counselor_id"] == str(users[MARCUS].id)
    assert [o["id"] for o in page.counselor_options] == [str(users[MARCUS].id)]
    typed = {
        "first_name": "R2D2",
        "last_name": "",
        "date_of_birth": "02/29/1993",
        "email": "nope@",
        "mobile": "555-12",
        "address": "1 Main St",
    }
    for name, value in typed.items():
        ClientsState.set_field.fn(page, name, value)
    ClientsState.set_field.fn(page, "practice_id", "2")  # not a form field: ignored
    assert ClientsState.save_new.fn(page) is None
    assert page.adding
    assert set(page.errors) == {"first_name", "last_name", "date_of_birth", "email", "mobile"}
    assert all(page.errors.values())
    assert {k: page.form[k] for k in typed} == typed and "practice_id" not in page.form
    ClientsState.set_field.fn(page, "email", "mateo@example.com")  # fixing a field clears its message
    assert "email" not in page.errors and "first_name" in page.errors
    assert len(db.exec(select(Client)).all()) == before


def test_save_new_into_another_counselors_caseload_is_refused_for_a_counselor(practice):
    db, users = practice
    page = browser_for(db, MARCUS).state(ClientsState)
    ClientsState.open_add.fn(page)
    for name, value in {
        "first_name": "Nadia",
        "last_name": "Quill",
        "date_of_birth": "1990-04-03",
        "counselor_id": str(users[ELLEN].id),
    }.items():
        ClientsState.set_field.fn(page, name, value)
    assert ClientsState.save_new.fn(page) is None
    assert "own caseload" in page.errors["counselor"] and page.adding
    db.rollback()
    assert db.exec(select(Client).where(Client.last_name == "Quill")).first() is None

    ClientsState.set_field.fn(page, "counselor_id", str(users[MARCUS].id))
    result = ClientsState.save_new.fn(page)
    db.rollback()
    made = db.exec(select(Client).where(Client.last_name == "Quill")).one()
    assert made.counselor_id == users[MARCUS].id and f"/clients/{made.id}" in repr(result)


# ---- editing -----------------------------------------------------------------------------------


def test_editing_round_trips_and_bad_input_loses_nothing(practice):
    db, users = practice
    target = client_of(db, users[MARCUS])
    b, record = open_record(db, MARCUS, target, tab="details")
    ClientRecordState.start_edit.fn(record)
    ClientRecordState.save_edit.fn(record)  # unchanged form: what is shown reads back as what is stored
    assert record.notice == "Client saved." and not record.editing
    (event,) = audits(db, "client.updated")
    assert json.loads(event.detail) == {"fields": []}

    ClientRecordState.start_edit.fn(record)
    ClientRecordState.set_field.fn(record, "email", "not an email")
    ClientRecordState.set_field.fn(record, "date_of_birth", "13/45/2000")
    ClientRecordState.save_edit.fn(record)
    assert record.editing and set(record.errors) == {"email", "date_of_birth"}
    assert record.form["email"] == "not an email"
    stored = fresh(db, Client, target.id)
    assert (stored.email, stored.date_of_birth) == (target.email, target.date_of_birth)


# ---- Client Portal / My Therapist: PIN and invitation ------------------------------------------


def test_weak_pins_are_refused_with_the_reason_and_nothing_is_stored(practice):
    db, users = practice
    target = client_of(db, users[MARCUS])
    b, record = open_record(db, MARCUS, target)
    assert record.tab == "portal" and record.has_email and record.pin_status == "No PIN set yet."
    ClientRecordState.save_pin.fn(record)
    assert "Enter a PIN" in record.pin_error
    d = target.date_of_birth
    from_dob = next(p for p in (f"{d:%m%d}", f"{d:%d%m}", f"{d:%m%d%y}") if pins.weakness(p) is None)
    for typed, reason in (("1234", "run of digits"), (from_dob, "date of birth"), ("١٢٣٤", "digits only")):
        ClientRecordState.set_pin_input.fn(record, typed)
        ClientRecordState.save_pin.fn(record)
        assert reason in record.pin_error, typed
        assert record.pin_notice == "" and record._fresh_pin == ""
    ClientRecordState.set_pin_input.fn(record, "1234")
    ClientRecordState.send_invitation.fn(record)  # typed-then-Send checks the PIN the same way
    assert "run of digits" in record.pin_error
    assert fresh(db, Client, target.id).pin_hash == ""
    assert audits(db, "client.pin_set") == [] and outbox(db) == []


def test_generated_pin_is_stored_only_as_a_hash_and_sent_once(practice):
    db, users = practice
    target = client_of(db, users[MARCUS])
    b, record = open_record(db, MARCUS, target)
    ClientRecordState.generate_pin.fn(record)
    pin = shown_pin(record)
    assert len(pin) == 6 and pins.weakness(pin, target.date_of_birth) is None
    assert record.pin_error == "" and record.pin_input == "" and record.pin_status.startswith("PIN set")
    stored = fresh(db, Client, target.id)
    assert pins.verify_pin(stored.pin_hash, pin) and stored.pin_set_at is not None
    assert stored.pin_hash.startswith("$argon2id$")
    (pin_set,) = audits(db, "client.pin_set")
    assert pin not in pin_set.detail

    assert ClientRecordState.send_invitation.fn(record) is not None  # a toast
    assert record.portal_error == "" and record._fresh_pin == "" and pin not in record.pin_notice
    assert pin not in b.frontend_view()
    (message,) = outbox(db)
    assert (message.kind, message.recipient, message.client_id) == ("invitation", target.email, target.id)
    assert portal_secrets.unseal(message.secret_enc) == pin  # sealed beside the message...
    for part in (message.subject, message.body_text, message.body_html):
        assert pin not in part  # ...never inside it
    assert target.first_name in message.body_text
    stored = fresh(db, Client, target.id)
    assert stored.invitation_sent_at is not None
    assert "Invitation last sent" in record.invitation_status
    (sent,) = audits(db, "client.invitation_sent")
    assert pin not in sent.detail and json.loads(sent.detail) == {"outbox_id": message.id}

    ClientRecordState.send_invitation.fn(record)  # again, without a new PIN
    assert SET_A_PIN_FIRST in record.portal_error
    assert len(outbox(db)) == 1


def test_a_client_without_email_gets_a_message_and_nothing_is_queued(practice):
    db, users = practice
    target = client_of(db, users[SOFIA], with_email=False)
    b, record = open_record(db, SOFIA, target)
    assert not record.has_email
    ClientRecordState.generate_pin.fn(record)
    shown_pin(record)
    ClientRecordState.send_invitation.fn(record)
    assert "no email address" in record.portal_error
    assert outbox(db) == [] and fresh(db, Client, target.id).invitation_sent_at is None
    assert audits(db, "client.invitation_sent") == []


def test_a_typed_pin_is_stored_and_sent_by_send_alone(practice):
    db, users = practice
    target = client_of(db, users[MARCUS])
    b, record = open_record(db, MARCUS, target)
    ClientRecordState.set_pin_input.fn(record, " 4829 1573 ")
    assert record.pin_input == "48291573"
    ClientRecordState.send_invitation.fn(record)
    assert record.portal_error == "" and record.pin_error == "" and record._fresh_pin == ""
    stored = fresh(db, Client, target.id)
    assert pins.verify_pin(stored.pin_hash, "48291573") and stored.invitation_sent_at is not None
    (message,) = outbox(db)
    assert portal_secrets.unseal(message.secret_enc) == "48291573"
    assert "48291573" not in everything_stored(db)  # no table holds the PIN in the clear
    assert "48291573" not in b.frontend_view()


def test_a_pin_from_an_earlier_visit_cannot_be_sent(practice):
    db, users = practice
    target = client_of(db, users[MARCUS])
    b, record = open_record(db, MARCUS, target)
    ClientRecordState.generate_pin.fn(record)
    assert record._fresh_pin == shown_pin(record)
    ClientRecordState.load.fn(record)  # the counselor comes back to the page
    assert record._fresh_pin == "" and record.pin_notice == "" and record.pin_status.startswith("PIN set")
    ClientRecordState.send_invitation.fn(record)
    assert SET_A_PIN_FIRST in record.portal_error
    assert outbox(db) == [] and fresh(db, Client, target.id).invitation_sent_at is None


def test_an_invitation_never_carries_a_pin_that_was_replaced_since(practice):
    db, users = practice
    target = client_of(db, users[MARCUS])
    _, mine = open_record(db, MARCUS, target)
    _, theirs = open_record(db, ELLEN, target)  # the admin, at the same time
    ClientRecordState.set_pin_input.fn(mine, "48291573")
    ClientRecordState.save_pin.fn(mine)
    ClientRecordState.set_pin_input.fn(theirs, "59382716")
    ClientRecordState.save_pin.fn(theirs)
    ClientRecordState.send_invitation.fn(mine)
    stored = fresh(db, Client, target.id)
    for message in outbox(db):
        assert pins.verify_pin(stored.pin_hash, portal_secrets.unseal(message.secret_enc))
