"""Client portal sign-in and sessions (SPEC 2.1): last name, date of birth and PIN; every failure alike, in
answer and in work; locks, throttles and the spray alarm; sessions that end when they should.

Every call runs in a session of its own that commits, as a request would (see state/portal.py), and
every sign-in attempt checks that exactly VERIFICATIONS PIN verifications were done. Times are passed
as `now=`: nothing here depends on the wall clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func
from sqlmodel import select

from tests import factories
from therapy_portal.db import session_scope
from therapy_portal.models import AuditEvent, Client, ClientSession, LoginFailure
from therapy_portal.services import accounts, client_auth, pins
from therapy_portal.services import secrets as portal_secrets
from therapy_portal.services.client_auth import VERIFICATIONS, ClientIdentity, token_digest
from therapy_portal.services.clients import name_keys
from therapy_portal.settings import get_settings

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
DOB = date(1985, 7, 14)
PIN, TWIN_PIN, WRONG = "48291573", "59382716", "70415926"
IP, OTHER_IP = "203.0.113.7", "198.51.100.9"
MINUTE = timedelta(minutes=1)

_hashes: dict[str, str] = {}


def pin_hash(pin: str) -> str:
    """One hash per PIN for the whole run (same key every test): sign-in is about verifying, not hashing."""
    if pin not in _hashes:
        _hashes[pin] = pins.hash_pin(pin)
    return _hashes[pin]


@pytest.fixture(autouse=True)
def fast_hashes_and_own_secret(monkeypatch, tmp_path):
    """argon2id with small costs (its strength is tested in test_pins.py), and a key of this module's own."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(pins, "_hasher", cheap)
    monkeypatch.setattr(accounts, "_hasher", cheap)
    monkeypatch.setattr(client_auth, "_dummy_hash", None)  # made again with this hasher and key
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "client-auth-test-key")
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
    yield
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()


@pytest.fixture(autouse=True)
def counted_verifications(monkeypatch):
    """pins.verify_pin, counting its calls (client_auth calls it through the module)."""
    real = pins.verify_pin

    def counting(stored_hash, pin):
        counting.calls += 1
        return real(stored_hash, pin)

    counting.calls = 0
    monkeypatch.setattr(pins, "verify_pin", counting)
    return counting


def sign_in(last_name, pin, dob=DOB, *, ip=IP, now=NOW) -> int | None:
    """One attempt as the login page makes it; the id of the client signed in, or None."""
    before = pins.verify_pin.calls
    with session_scope() as s:
        client = client_auth.authenticate(s, last_name, dob, pin, ip=ip, now=now)
        found = client.id if client is not None else None
    assert pins.verify_pin.calls - before == VERIFICATIONS
    return found


def stored(client_id: int) -> Client:
    with session_scope() as s:
        return s.get(Client, client_id)


def audits(action: str) -> list[AuditEvent]:
    with session_scope() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all())


def add_client(db, practice_id: int, first: str, last: str, *, dob=DOB, pin=PIN, **kw) -> Client:
    client = Client(
        practice_id=practice_id,
        first_name=first,
        last_name=last,
        **name_keys(first, last),
        date_of_birth=dob,
        pin_hash=pin_hash(pin) if pin else "",
        **kw,
    )
    db.add(client)
    db.flush()
    return client


@dataclass
class People:
    practice_id: int
    counselor_id: int
    nunez: int  # Ana Nuñez, PIN
    nguyen: int  # Bảo Nguyễn, PIN
    twin_a: int  # Lena Diaz, PIN, born on DOB
    twin_b: int  # Mia Diaz, TWIN_PIN, born on DOB


@pytest.fixture
def people(db) -> People:
    p = factories.practice(db)
    counselor = factories.staff(db, p)
    kw = {"counselor_id": counselor.id}
    nunez = add_client(db, p.id, "Ana", "Nuñez", **kw)
    nguyen = add_client(db, p.id, "Bảo", "Nguyễn", dob=date(1992, 2, 29), **kw)
    twin_a = add_client(db, p.id, "Lena", "Diaz", dob=date(2001, 5, 5), **kw)
    twin_b = add_client(db, p.id, "Mia", "Diaz", dob=date(2001, 5, 5), pin=TWIN_PIN, **kw)
    add_client(db, p.id, "Nopin", "Quill", pin="", **kw)
    add_client(db, p.id, "Gone", "Ruiz", active=False, **kw)
    db.commit()
    return People(p.id, counselor.id, nunez.id, nguyen.id, twin_a.id, twin_b.id)


def lock(last_name: str, dob=DOB, *, start=NOW, ip=IP) -> datetime:
    """Five wrong PINs a minute apart; returns the time of the fifth."""
    for i in range(client_auth.LOCK_AFTER):
        assert sign_in(last_name, WRONG, dob, ip=ip, now=start + i * MINUTE) is None
    return start + (client_auth.LOCK_AFTER - 1) * MINUTE


# ---- signing in --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Nuñez", "nunez", "NUNEZ", "nuñez", "Nun\u0303ez", "  Nuñez ", "NUÑEZ"])
def test_last_name_is_matched_without_regard_to_case_or_accents(people, typed):
    assert sign_in(typed, PIN) == people.nunez
    [event] = audits("portal.signed_in")
    assert (event.actor_kind, event.actor_id, event.object_id, event.ip) == ("client", people.nunez, people.nunez, IP)
    assert audits("portal.sign_in_failed") == []


@pytest.mark.parametrize("typed", ["O'Brien", "OBrien", "obrien", "O’Brien", "O Brien", "o-brien"])
def test_apostrophes_hyphens_and_spaces_in_the_last_name_do_not_matter(db, people, typed):
    obrien = add_client(db, people.practice_id, "Siobhan", "O'Brien", dob=date(1987, 3, 17), pin=TWIN_PIN)
    smith = add_client(db, people.practice_id, "Jo", "Smith-Jones", dob=date(1987, 3, 17), pin=PIN)
    db.commit()
    assert sign_in(typed, TWIN_PIN, date(1987, 3, 17)) == obrien.id
    assert sign_in("smith jones", PIN, date(1987, 3, 17)) == smith.id
    assert sign_in("Smith", PIN, date(1987, 3, 17)) is None  # part of a name is not the name


@pytest.mark.parametrize("typed", ["Nguyễn", "nguyen", "NGUYEN", "NGUYỄN", "Nguye\u0302\u0303n"])
def test_vietnamese_names_sign_in_typed_with_or_without_their_marks(people, typed):
    assert sign_in(typed, PIN, date(1992, 2, 29)) == people.nguyen


def test_a_sign_in_does_not_reveal_the_pin_or_the_hash_in_the_audit(people):
    assert sign_in("Nuñez", PIN) == people.nunez
    assert sign_in("Nuñez", WRONG) is None
    for event in audits("portal.signed_in") + audits("portal.sign_in_failed"):
        assert PIN not in event.detail and WRONG not in event.detail and "argon2" not in event.detail


FAILURES = {
    "unknown-client": ("Smith", PIN, DOB),
    "wrong-pin": ("Nuñez", WRONG, DOB),
    "wrong-dob": ("Nuñez", PIN, date(1985, 7, 15)),
    "no-dob": ("Nuñez", PIN, None),
    "someone-elses-pin": ("Nuñez", TWIN_PIN, DOB),
    "client-without-pin": ("Quill", "", DOB),
    "inactive-client": ("Ruiz", PIN, DOB),
    "name-with-extra-letter": ("Nuñezz", PIN, DOB),
}


@pytest.mark.parametrize("last_name,pin,dob", FAILURES.values(), ids=FAILURES.keys())
def test_every_failure_gives_no_client_and_is_counted_alike(people, last_name, pin, dob):
    assert sign_in(last_name, pin, dob) is None
    [event] = audits("portal.sign_in_failed")
    assert (event.actor_kind, event.actor_id, event.ip) == ("anonymous", None, IP)
    assert json.loads(event.detail) == {"throttled": False}
    with session_scope() as s:
        [failure] = s.exec(select(LoginFailure)).all()
    assert (failure.at, failure.ip) == (NOW, IP)
    assert audits("portal.signed_in") == []


def test_the_failure_message_says_nothing_about_why():
    words = client_auth.FAILED.lower()
    for telltale in ("lock", "pin is", "not found", "exist", "too many", "wait", "birth"):
        assert telltale not in words


@pytest.mark.parametrize(
    "case", ["unknown-client", "one-match-right", "one-match-wrong", "twins", "locked", "throttled", "no-dob"]
)
def test_every_attempt_does_exactly_the_same_number_of_verifications(people, counted_verifications, case):
    if case == "locked":
        lock("Nuñez")
    if case == "throttled":
        for i in range(client_auth.IP_LIMIT):
            sign_in(f"Nobody{i}", WRONG, now=NOW - MINUTE)
    last_name, pin, dob, opens = {
        "unknown-client": ("Smith", PIN, DOB, None),
        "one-match-right": ("Nuñez", PIN, DOB, people.nunez),
        "one-match-wrong": ("Nuñez", WRONG, DOB, None),
        "twins": ("Diaz", TWIN_PIN, date(2001, 5, 5), people.twin_b),
        "locked": ("Nuñez", PIN, DOB, None),
        "throttled": ("Nuñez", PIN, DOB, None),
        "no-dob": ("Nuñez", PIN, None, None),
    }[case]
    before = counted_verifications.calls
    with session_scope() as s:
        client = client_auth.authenticate(s, last_name, dob, pin, ip=IP, now=NOW + 10 * MINUTE)
        assert (client.id if client else None) == opens
    assert counted_verifications.calls - before == VERIFICATIONS


def test_verifications_cover_both_twins():
    assert VERIFICATIONS >= 2  # twins share a last name and a birthday: both PINs must be tried


# ---- twins -------------------------------------------------------------------------------------


def test_twins_with_one_name_and_birthday_each_sign_in_with_their_own_pin(people):
    twins_dob = date(2001, 5, 5)
    assert sign_in("Diaz", PIN, twins_dob) == people.twin_a
    assert sign_in("diaz", TWIN_PIN, twins_dob) == people.twin_b
    assert sign_in("Diaz", WRONG, twins_dob) is None


def test_a_wrong_pin_for_twins_counts_against_both_and_a_success_resets_only_ones_own(people):
    twins_dob = date(2001, 5, 5)
    assert sign_in("Diaz", WRONG, twins_dob) is None
    assert (stored(people.twin_a).failed_pin_attempts, stored(people.twin_b).failed_pin_attempts) == (1, 1)
    assert sign_in("Diaz", TWIN_PIN, twins_dob, now=NOW + MINUTE) == people.twin_b
    assert (stored(people.twin_a).failed_pin_attempts, stored(people.twin_b).failed_pin_attempts) == (1, 0)


def test_five_wrong_pins_for_twins_lock_both_and_neither_pin_then_opens(people):
    twins_dob = date(2001, 5, 5)
    fifth = lock("Diaz", twins_dob)
    assert {e.object_id for e in audits("portal.client_locked")} == {people.twin_a, people.twin_b}
    assert sign_in("Diaz", PIN, twins_dob, now=fifth + MINUTE) is None
    assert sign_in("Diaz", TWIN_PIN, twins_dob, now=fifth + MINUTE) is None
    assert sign_in("Diaz", TWIN_PIN, twins_dob, now=fifth + client_auth.LOCK_FOR) == people.twin_b


# ---- locking -----------------------------------------------------------------------------------


def test_five_failures_in_a_row_lock_for_thirty_minutes_and_then_the_right_pin_works(people):
    for i in range(4):
        assert sign_in("Nuñez", WRONG, now=NOW + i * MINUTE) is None
    assert stored(people.nunez).failed_pin_attempts == 4 and stored(people.nunez).locked_until is None
    assert audits("portal.client_locked") == []

    fifth = NOW + 4 * MINUTE
    assert sign_in("Nuñez", WRONG, now=fifth) is None
    client = stored(people.nunez)
    assert client.locked_until == fifth + timedelta(minutes=30)
    assert client_auth.is_locked(client, fifth) and not client_auth.is_locked(client, fifth + timedelta(minutes=30))
    [event] = audits("portal.client_locked")
    assert (event.actor_kind, event.object_type, event.object_id) == ("system", "client", people.nunez)

    # Locked: the right PIN is refused like any other failure, and the lock neither grows nor repeats.
    assert sign_in("Nuñez", PIN, now=fifth + MINUTE) is None
    assert sign_in("Nuñez", WRONG, now=fifth + 2 * MINUTE) is None
    assert sign_in("Nuñez", PIN, now=fifth + timedelta(minutes=29, seconds=59)) is None
    assert stored(people.nunez).locked_until == fifth + timedelta(minutes=30)
    assert len(audits("portal.client_locked")) == 1
    assert audits("portal.signed_in") == []

    assert sign_in("Nuñez", PIN, now=fifth + timedelta(minutes=30)) == people.nunez
    client = stored(people.nunez)
    assert (client.failed_pin_attempts, client.locked_until) == (0, None)


def test_after_a_lock_runs_out_the_count_starts_again(people):
    fifth = lock("Nuñez")
    later = fifth + timedelta(minutes=31)
    assert sign_in("Nuñez", WRONG, now=later) is None  # the first failure of a fresh run, not the sixth
    client = stored(people.nunez)
    assert (client.failed_pin_attempts, client.locked_until) == (1, None)
    for i in range(1, 4):
        assert sign_in("Nuñez", WRONG, now=later + i * MINUTE) is None
    assert stored(people.nunez).locked_until is None
    assert sign_in("Nuñez", WRONG, now=later + 4 * MINUTE) is None
    assert stored(people.nunez).locked_until == later + 4 * MINUTE + client_auth.LOCK_FOR
    assert len(audits("portal.client_locked")) == 2


def test_a_success_resets_the_count(people):
    for i in range(4):
        assert sign_in("Nuñez", WRONG, now=NOW + i * MINUTE) is None
    assert sign_in("Nuñez", PIN, now=NOW + 4 * MINUTE) == people.nunez
    assert stored(people.nunez).failed_pin_attempts == 0
    for i in range(4):
        assert sign_in("Nuñez", WRONG, now=NOW + (5 + i) * MINUTE) is None
    assert stored(people.nunez).locked_until is None  # four in a row, not eight
    assert sign_in("Nuñez", PIN, now=NOW + 10 * MINUTE) == people.nunez


def test_other_clients_are_not_touched_by_someone_elses_failures(people):
    lock("Nuñez")
    assert stored(people.nguyen).failed_pin_attempts == 0
    assert sign_in("Nguyễn", PIN, date(1992, 2, 29), now=NOW + 5 * MINUTE) == people.nguyen


def test_unlock_clears_the_lock_at_once_and_is_audited(people, db):
    fifth = lock("Nuñez")
    client = db.get(Client, people.nunez)
    db.refresh(client)
    assert client_auth.is_locked(client, fifth + MINUTE)
    client_auth.unlock(db, client, actor_id=people.counselor_id, ip="192.0.2.44")
    db.commit()
    client = stored(people.nunez)
    assert (client.failed_pin_attempts, client.locked_until) == (0, None)
    assert not client_auth.is_locked(client, fifth + MINUTE)
    [event] = audits("portal.client_unlocked")
    assert (event.actor_kind, event.actor_id, event.object_type, event.object_id, event.ip) == (
        "staff",
        people.counselor_id,
        "client",
        people.nunez,
        "192.0.2.44",
    )
    assert sign_in("Nuñez", PIN, now=fifth + MINUTE) == people.nunez


# ---- throttling by address ---------------------------------------------------------------------


def fail_from(ip: str, count: int, at: datetime = NOW) -> None:
    """`count` failures from one address at one moment, for names that open nobody (so no client locks)."""
    for i in range(count):
        assert sign_in(f"Nobody{i}", WRONG, ip=ip, now=at) is None


def test_nineteen_failures_from_one_address_still_let_the_twentieth_attempt_through(people):
    fail_from(IP, client_auth.IP_LIMIT - 1)
    assert sign_in("Nuñez", PIN, now=NOW + MINUTE) == people.nunez


def test_after_twenty_failures_from_an_address_even_the_right_pin_fails_there_for_fifteen_minutes(people):
    fail_from(IP, client_auth.IP_LIMIT)
    assert sign_in("Nuñez", PIN, now=NOW + MINUTE) is None  # the 21st attempt
    throttled = audits("portal.sign_in_failed")[-1]
    assert json.loads(throttled.detail) == {"throttled": True} and throttled.object_id == people.nunez
    assert stored(people.nunez).failed_pin_attempts == 0  # the right PIN is not a strike against the client
    assert audits("portal.signed_in") == []
    assert sign_in("Nuñez", PIN, ip=OTHER_IP, now=NOW + MINUTE) == people.nunez  # another address is fine
    assert sign_in("Nuñez", PIN, now=NOW + timedelta(minutes=14, seconds=59)) is None
    assert sign_in("Nuñez", PIN, now=NOW + timedelta(minutes=15)) == people.nunez  # the twenty have aged out


def test_an_address_that_keeps_failing_stays_throttled(people):
    fail_from(IP, client_auth.IP_LIMIT)
    for minutes in range(5, 60, 5):
        # 7 failures every 5 minutes, and the refused attempt: always 20 or more in the last 15 minutes.
        fail_from(IP, 7, NOW + timedelta(minutes=minutes))
        assert sign_in("Nuñez", PIN, now=NOW + timedelta(minutes=minutes, seconds=1)) is None


def test_an_over_long_address_is_throttled_like_any_other(people):
    long_ip = "2001:db8::1%" + "x" * 100  # longer than the stored column
    fail_from(long_ip, client_auth.IP_LIMIT)
    assert sign_in("Nuñez", PIN, ip=long_ip, now=NOW + MINUTE) is None
    assert sign_in("Nuñez", PIN, ip=OTHER_IP, now=NOW + MINUTE) == people.nunez


# ---- the spray alarm ---------------------------------------------------------------------------


@pytest.fixture
def crowd(db, people) -> list[int]:
    """Twelve more clients, each with the same PIN hash (nothing here is about hashing)."""
    ids = [add_client(db, people.practice_id, f"P{i}", f"Crowd{i}").id for i in range(12)]
    db.commit()
    return ids


def spray(first: int, last: int, start: datetime, gap: timedelta = MINUTE) -> datetime:
    """One wrong PIN for each of Crowd{first}..Crowd{last - 1}, each from its own address; the last time."""
    at = start
    for n, i in enumerate(range(first, last)):
        at = start + n * gap
        assert sign_in(f"Crowd{i}", WRONG, ip=f"198.51.100.{i + 1}", now=at) is None
    return at


def test_failures_against_ten_clients_within_fifteen_minutes_raise_one_alarm(crowd, db):
    spray(0, 9, NOW)
    assert audits("portal.spray_alarm") == []
    tenth = spray(9, 10, NOW + 9 * MINUTE)
    [alarm] = audits("portal.spray_alarm")
    assert (alarm.actor_kind, alarm.ip) == ("system", "198.51.100.10")
    spray(10, 12, tenth + MINUTE)  # more failures inside the window: still the one alarm
    spray(0, 3, tenth + 3 * MINUTE)
    assert len(audits("portal.spray_alarm")) == 1

    with session_scope() as s:
        [listed] = client_auth.recent_alarms(s, now=tenth + timedelta(hours=1))
        assert client_auth.recent_alarms(s, now=tenth + timedelta(days=1, minutes=1)) == []
    assert listed.id == alarm.id
    assert client_auth.alarm_detail(listed) == {"clients": 10, "window_minutes": 15}


def test_fewer_than_ten_clients_raise_no_alarm_however_many_failures(crowd):
    for round_ in range(3):
        spray(0, 9, NOW + round_ * 10 * timedelta(seconds=20), gap=timedelta(seconds=20))
    assert audits("portal.spray_alarm") == []
    with session_scope() as s:
        assert client_auth.recent_alarms(s, now=NOW + MINUTE) == []


def test_ten_clients_spread_over_more_than_fifteen_minutes_raise_no_alarm(crowd):
    spray(0, 10, NOW, gap=timedelta(minutes=2))  # never more than 8 inside any 15 minutes
    assert audits("portal.spray_alarm") == []


def test_failures_for_unknown_names_do_not_count_as_clients(crowd):
    for i in range(15):
        assert sign_in(f"Nobody{i}", WRONG, ip=f"192.0.2.{i + 1}", now=NOW + i * timedelta(seconds=30)) is None
    assert audits("portal.spray_alarm") == []


def test_a_second_burst_after_the_window_raises_a_second_alarm(crowd):
    first = spray(0, 10, NOW)
    assert len(audits("portal.spray_alarm")) == 1
    spray(0, 10, first + timedelta(minutes=20))
    alarms = audits("portal.spray_alarm")
    assert len(alarms) == 2
    with session_scope() as s:
        listed = client_auth.recent_alarms(s, now=first + timedelta(minutes=40))
    assert [a.id for a in listed] == [alarms[1].id, alarms[0].id]  # newest first


def test_alarm_detail_of_a_damaged_event_is_zeros():
    assert client_auth.alarm_detail(AuditEvent(actor_kind="system", action="portal.spray_alarm", detail="{")) == {
        "clients": 0,
        "window_minutes": 0,
    }


# ---- hostile input -----------------------------------------------------------------------------

HOSTILE = {
    "nones": (None, None, None),
    "empties": ("", DOB, ""),
    "blanks": ("   ", DOB, "    "),
    "huge-name": ("N" * 10240, DOB, PIN),
    "huge-pin": ("Nuñez", DOB, "4" * 10240),
    "right-pin-then-more": ("Nuñez", DOB, PIN + "0" * 10240),
    "control-characters": ("\x00\x1b[31m\x7f", DOB, "\x00\x00\x00\x00"),
    "sql-name": ("'; DROP TABLE client; --", DOB, PIN),
    "sql-or": ("Nuñez' OR '1'='1", DOB, PIN),
    "sql-pin": ("Nuñez", DOB, "' OR '1'='1"),
    "like-wildcards": ("%", DOB, PIN),
    "lone-surrogates": ("\ud800Nu\udfffñez\ud800x", DOB, "\udfff" * 8),
    "html": ("<script>alert(1)</script>", DOB, "<b>4829</b>"),
    "non-ascii-digits": ("Nuñez", DOB, "٤٨٢٩١٥٧٣"),
}


@pytest.mark.parametrize("last_name,dob,pin", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_fails_cleanly(people, last_name, dob, pin):
    assert sign_in(last_name, pin, dob) is None
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Client)).one() == 6  # nothing dropped, nothing opened
        [failure] = s.exec(select(LoginFailure)).all()
    assert failure.ip == IP
    assert sign_in("Nuñez", PIN, now=NOW + MINUTE) == people.nunez  # and the real one still works


@pytest.mark.parametrize("ip", [None, "", "x" * 10240, "\x00\x1b", "' OR 1=1 --"])
def test_hostile_addresses_fail_cleanly(people, ip):
    assert sign_in("Nuñez", WRONG, ip=ip) is None
    assert sign_in("Nuñez", PIN, ip=ip, now=NOW + MINUTE) == people.nunez


# ---- sessions ----------------------------------------------------------------------------------


def begin(client_id: int, now: datetime = NOW) -> str:
    with session_scope() as s:
        return client_auth.begin_session(s, s.get(Client, client_id), ip=IP, now=now)


def adopt(code: str, now: datetime) -> str | None:
    with session_scope() as s:
        return client_auth.adopt_handoff(s, code, now=now)


def resolve(token: str, now: datetime) -> ClientIdentity | None:
    with session_scope() as s:
        return client_auth.resolve_session(s, token_digest(token), now=now)


def signed_in(people: People, client_id: int | None = None, now: datetime = NOW) -> str:
    """Sign in as the login page does, then adopt the handoff as the browser does; the session token."""
    client_id = client_id or people.nunez
    code = begin(client_id, now)
    token = adopt(code, now + timedelta(seconds=2))
    assert token
    return token


def test_a_handoff_gives_a_session_token_once(people):
    code = begin(people.nunez)
    token = adopt(code, NOW + timedelta(seconds=5))
    assert token and token != code
    assert adopt(code, NOW + timedelta(seconds=6)) is None  # the code is spent
    me = resolve(token, NOW + timedelta(seconds=10))
    assert me == ClientIdentity(people.nunez, people.practice_id, people.counselor_id, "Ana", "Nuñez")
    with session_scope() as s:
        [row] = s.exec(select(ClientSession)).all()
    # Only digests are kept.
    assert row.token_hash == token_digest(token) and token not in repr(row) and code not in repr(row)
    assert row.handoff_hash is None


def test_the_handoff_code_is_not_itself_a_session(people):
    code = begin(people.nunez)
    assert resolve(code, NOW + timedelta(seconds=1)) is None
    with session_scope() as s:
        [row] = s.exec(select(ClientSession)).all()
        assert row.token_hash is None
        assert client_auth.resolve_session(s, row.handoff_hash, now=NOW) is None
    assert adopt(code, NOW + timedelta(seconds=2))  # and it still works as a handoff


def test_a_handoff_older_than_sixty_seconds_is_refused_and_spent(people):
    code = begin(people.nunez)
    assert adopt(code, NOW + timedelta(seconds=61)) is None
    assert adopt(code, NOW + timedelta(seconds=30)) is None  # refused once, spent for good


def test_a_handoff_just_inside_sixty_seconds_works(people):
    assert adopt(begin(people.nunez), NOW + timedelta(seconds=59))


@pytest.mark.parametrize("code", ["", "x", "A" * 129, "A" * 10240, "\x00", "' OR 1=1 --"])
def test_made_up_handoff_codes_are_refused(people, code):
    begin(people.nunez)
    assert adopt(code, NOW) is None


@pytest.mark.parametrize("digest", ["", "0" * 64, "f" * 63, "z" * 10240, "' OR 1=1 --"])
def test_made_up_session_digests_resolve_to_nobody(people, digest):
    signed_in(people)
    with session_scope() as s:
        assert client_auth.resolve_session(s, digest, now=NOW + MINUTE) is None
        assert client_auth.end_session(s, digest, now=NOW + MINUTE) is False


def test_fifteen_idle_minutes_end_a_session(people):
    token = signed_in(people)
    adopted = NOW + timedelta(seconds=2)
    assert resolve(token, adopted + timedelta(minutes=14, seconds=59)) is not None
    token = signed_in(people)
    assert resolve(token, adopted + timedelta(minutes=15)) is None


def test_activity_keeps_a_session_alive_past_fifteen_minutes(people):
    token = signed_in(people)
    for minutes in range(10, 100, 10):
        assert resolve(token, NOW + timedelta(minutes=minutes)) is not None
    assert resolve(token, NOW + timedelta(minutes=90 + 14)) is not None
    assert resolve(token, NOW + timedelta(minutes=104 + 15)) is None


def test_a_look_within_thirty_seconds_does_not_count_as_activity(people):
    token = signed_in(people)  # last seen at NOW + 2 s
    assert resolve(token, NOW + timedelta(seconds=20)) is not None
    assert resolve(token, NOW + timedelta(seconds=2, minutes=15)) is None


def test_twelve_hours_end_a_session_however_active(people):
    token = signed_in(people)
    at = NOW
    while at + timedelta(minutes=10) < NOW + timedelta(hours=12):
        at += timedelta(minutes=10)
        assert resolve(token, at) is not None
    assert resolve(token, NOW + timedelta(hours=12) - timedelta(seconds=1)) is not None
    assert resolve(token, NOW + timedelta(hours=12)) is None


def test_end_session_revokes_and_is_audited(people):
    token = signed_in(people)
    with session_scope() as s:
        assert client_auth.end_session(s, token_digest(token), ip=IP, now=NOW + MINUTE) is True
    assert resolve(token, NOW + 2 * MINUTE) is None
    [event] = audits("portal.signed_out")
    assert (event.actor_kind, event.actor_id, event.object_id, event.ip) == ("client", people.nunez, people.nunez, IP)
    with session_scope() as s:
        assert client_auth.end_session(s, token_digest(token), now=NOW + 2 * MINUTE) is False
    assert len(audits("portal.signed_out")) == 1


def test_ending_one_session_leaves_the_clients_other_sessions(people):
    phone, laptop = signed_in(people), signed_in(people)
    with session_scope() as s:
        client_auth.end_session(s, token_digest(phone), now=NOW + MINUTE)
    assert resolve(phone, NOW + 2 * MINUTE) is None
    assert resolve(laptop, NOW + 2 * MINUTE) is not None


def test_a_pin_reset_ends_the_clients_sessions_but_not_others(people):
    token, twin = signed_in(people), signed_in(people, people.twin_a)
    with session_scope() as s:
        pins.set_pin(s, s.get(Client, people.nunez), "61730482", actor_id=people.counselor_id)
    assert resolve(token, NOW + MINUTE) is None
    assert resolve(twin, NOW + MINUTE) is not None
    assert sign_in("Nuñez", PIN, now=NOW + MINUTE) is None
    assert sign_in("Nuñez", "61730482", now=NOW + 2 * MINUTE) == people.nunez


def test_an_inactive_clients_session_does_not_resolve(people, db):
    token = signed_in(people)
    client = db.get(Client, people.nunez)
    client.active = False
    db.add(client)
    db.commit()
    assert resolve(token, NOW + MINUTE) is None


def test_a_lock_stops_guessing_but_does_not_end_a_signed_in_clients_session(people):
    # Design decision: someone else guessing this client's PIN must not sign the client out.
    token = signed_in(people)
    fifth = lock("Nuñez", start=NOW + MINUTE)
    assert stored(people.nunez).locked_until is not None
    me = resolve(token, fifth + MINUTE)
    assert me is not None and me.client_id == people.nunez
    assert sign_in("Nuñez", PIN, now=fifth + MINUTE) is None  # but no new sign-in while locked


def test_sessions_of_one_client_never_resolve_to_another(people):
    ana, lena = signed_in(people), signed_in(people, people.twin_a)
    assert resolve(ana, NOW + MINUTE).client_id == people.nunez
    assert resolve(lena, NOW + MINUTE).client_id == people.twin_a
