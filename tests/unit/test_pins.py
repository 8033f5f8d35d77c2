"""Client portal PINs (SPEC 1.3): weak ones refused with the reason; the rest kept only as a peppered argon2id hash."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from therapy_portal.models import AuditEvent, Client, ClientSession, Practice
from therapy_portal.services import pins
from therapy_portal.services import secrets as portal_secrets
from therapy_portal.services.clients import name_keys
from therapy_portal.settings import get_settings

DOB = date(1985, 7, 14)


def _clear_key_caches():
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()


@pytest.fixture(autouse=True)
def own_secret(monkeypatch, tmp_path):
    """Every test gets its own data folder and key: nothing is written to the project's data/ folder."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "test-secret-key-A")
    _clear_key_caches()
    yield
    _clear_key_caches()


@pytest.fixture
def cheap_hasher(monkeypatch):
    """argon2id with small costs, for tests about the pepper and the sessions rather than the hash's strength."""
    monkeypatch.setattr(pins, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def use_key(monkeypatch, key: str | None):
    if key is None:
        monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("PORTAL_SECRET_KEY", key)
    _clear_key_caches()


# ---- weakness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pin",
    ["1234", "2345", "7890", "8901", "0123", "9012", "3456789", "4321", "9876", "3210", "0987", "1098", "76543210"],
)
def test_runs_up_and_down_are_refused_also_when_they_wrap(pin):
    assert "run of digits" in pins.weakness(pin)


@pytest.mark.parametrize("pin", ["0000", "1111", "999999", "77777777"])
def test_one_repeated_digit_is_refused(pin):
    assert "repeated digit" in pins.weakness(pin)


@pytest.mark.parametrize("pin", ["6969", "2580", "1122", "112233", "147258", "159753", "1004", "2000", "0852"])
def test_common_pins_are_refused(pin):
    assert "commonly used" in pins.weakness(pin)


@pytest.mark.parametrize("pin", ["1212", "123123", "121212"])
def test_common_repeating_pins_are_refused(pin):
    assert pins.weakness(pin) is not None


@pytest.mark.parametrize("pin", ["4747", "3838", "905905", "47114711", "29462946"])
def test_pins_made_of_a_repeated_half_are_refused(pin):
    assert "repeats itself" in pins.weakness(pin)


@pytest.mark.parametrize(
    "pin",
    [
        "0714",  # MMDD
        "1407",  # DDMM
        "1985",  # YYYY
        "071485",  # MMDDYY
        "140785",  # DDMMYY
        "07141985",  # MMDDYYYY
        "14071985",  # DDMMYYYY
        "19850714",  # YYYYMMDD
        "850714",  # YYMMDD
    ],
)
def test_pins_made_from_the_date_of_birth_are_refused(pin):
    assert pins.weakness(pin) is None  # fine for someone else...
    assert "date of birth" in pins.weakness(pin, DOB)  # ...but not for this client


def test_leap_day_birthdays_are_caught_too():
    assert "date of birth" in pins.weakness("0229", date(1992, 2, 29))
    assert "date of birth" in pins.weakness("2902", date(1992, 2, 29))


@pytest.mark.parametrize(
    "pin",
    [
        "",
        "12a4",
        "48 29",
        "-4829",
        "+4829",
        "4829.",
        "48\x0029",
        "١٢٣٤",  # Arabic-Indic digits: str.isdigit() is True for them
        "٤٨٢٩",
        "４８２９",  # full-width digits
        "४८२९",  # Devanagari digits
        "²³⁴⁵",  # superscripts: isdigit() True, int() fails
    ],
)
def test_anything_but_ascii_digits_is_refused(pin):
    assert pins.weakness(pin) == "A PIN is digits only."
    assert pins.weakness(pin, DOB) == "A PIN is digits only."


@pytest.mark.parametrize("pin", ["482", "48", "4", "482915736", "4829157364829"])
def test_lengths_outside_4_to_8_are_refused(pin):
    assert pins.weakness(pin) == "A PIN has 4 to 8 digits."


@pytest.mark.parametrize("pin", ["4829", "48291", "482915", "4829157", "48291573"])
def test_lengths_4_to_8_of_unremarkable_digits_are_allowed(pin):
    assert pins.weakness(pin) is None
    assert pins.weakness(pin, DOB) is None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=12), st.one_of(st.none(), st.dates()))
def test_weakness_never_raises_and_always_gives_a_reason_string(pin, dob):
    reason = pins.weakness(pin, dob)
    assert reason is None or (isinstance(reason, str) and reason.endswith("."))
    if reason is None:
        assert pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8


# ---- generate ----------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)))
def test_generated_pins_are_six_digits_and_never_weak_for_the_date_of_birth(dob):
    pin = pins.generate(dob)
    assert len(pin) == 6 and pin.isascii() and pin.isdigit()
    assert pins.weakness(pin, dob) is None


def test_generated_pins_vary():
    made = [pins.generate(DOB) for _ in range(50)]
    assert len(set(made)) >= 45
    assert len({p[0] for p in made}) >= 5  # not stuck on a prefix
    assert pins.weakness(pins.generate(None)) is None


# ---- hashing -----------------------------------------------------------------------------------


def test_pins_are_salted_argon2id_hashes_that_verify():
    first, second = pins.hash_pin("4829"), pins.hash_pin("4829")
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert first != second  # salted
    assert pins.verify_pin(first, "4829")
    assert not pins.verify_pin(second, "4828")
    assert not pins.verify_pin("", "4829")
    assert not pins.verify_pin("not a hash", "4829")
    assert not pins.verify_pin("$argon2id$v=19$m=65536,t=3,p=4$garbage", "4829")


def test_the_pepper_matters(monkeypatch, cheap_hasher):
    stored = pins.hash_pin("4829")
    use_key(monkeypatch, "test-secret-key-B")
    assert not pins.verify_pin(stored, "4829")  # a database copy alone cannot test guesses
    use_key(monkeypatch, "test-secret-key-A")
    assert pins.verify_pin(stored, "4829")


def test_without_a_configured_key_a_private_key_file_is_made_once_and_reused(monkeypatch, tmp_path, cheap_hasher):
    use_key(monkeypatch, None)
    key_file = tmp_path / "data" / portal_secrets.KEY_FILE
    assert not key_file.exists()
    stored = pins.hash_pin("4829")
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key = key_file.read_bytes()
    assert len(key.strip()) >= 32
    _clear_key_caches()  # as a restart would
    assert pins.verify_pin(stored, "4829")
    assert key_file.read_bytes() == key
    use_key(monkeypatch, "test-secret-key-A")  # a configured key wins over the file
    assert not pins.verify_pin(stored, "4829")


def test_an_empty_key_file_is_not_used_as_the_key(monkeypatch, tmp_path):
    use_key(monkeypatch, None)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / portal_secrets.KEY_FILE).write_bytes(b"")  # another process is between create and write
    try:
        key = portal_secrets.master_key()
    except Exception:
        return  # refusing loudly is fine
    assert len(key) >= 32


# ---- set_pin -----------------------------------------------------------------------------------


def test_set_pin_ends_the_clients_open_sessions_and_audits_without_the_pin(db, cheap_hasher):
    practice = Practice(name="P", time_zone="UTC")
    db.add(practice)
    db.flush()
    clients = []
    for first in ("Ana", "Ben"):
        c = Client(
            practice_id=practice.id,
            first_name=first,
            last_name="Diaz",
            **name_keys(first, "Diaz"),
            date_of_birth=DOB,
        )
        db.add(c)
        clients.append(c)
    db.flush()
    ana, ben = clients
    long_ago = datetime(2025, 1, 1, tzinfo=UTC)
    db.add_all(
        [
            ClientSession(client_id=ana.id, token_hash="a" * 64),
            ClientSession(client_id=ana.id, token_hash="b" * 64),
            ClientSession(client_id=ana.id, token_hash="c" * 64, revoked_at=long_ago),
            ClientSession(client_id=ben.id, token_hash="d" * 64),
        ]
    )
    db.commit()

    ended = pins.set_pin(db, ana, "48291573", actor_id=7, ip="192.0.2.5")
    db.commit()
    assert ended == 2
    db.expire_all()
    stored = db.get(Client, ana.id)
    assert pins.verify_pin(stored.pin_hash, "48291573") and stored.pin_set_at is not None
    assert "48291573" not in stored.pin_hash
    rows = {s.token_hash[0]: s for s in db.exec(select(ClientSession)).all()}
    assert rows["a"].revoked_at is not None and rows["b"].revoked_at is not None
    assert rows["c"].revoked_at == long_ago  # already ended: left as it was
    assert rows["d"].revoked_at is None  # another client's session
    assert abs(rows["a"].revoked_at - stored.pin_set_at) < timedelta(seconds=1)

    (event,) = db.exec(select(AuditEvent).where(AuditEvent.action == "client.pin_set")).all()
    assert (event.actor_id, event.object_type, event.object_id, event.ip) == (7, "client", ana.id, "192.0.2.5")
    assert json.loads(event.detail) == {"sessions_ended": 2}
    assert "48291573" not in event.detail and stored.pin_hash not in event.detail

    assert pins.set_pin(db, ana, "59382716", actor_id=7) == 0  # a second reset: nothing left open
    db.commit()
    db.expire_all()
    again = db.get(Client, ana.id)
    assert pins.verify_pin(again.pin_hash, "59382716") and not pins.verify_pin(again.pin_hash, "48291573")
