"""Counselor sign-in: password hashing, the generic failure, sessions and their limits."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlmodel import select

from tests import factories
from therapy_portal.models import AuditEvent, Role, StaffSession, utcnow
from therapy_portal.services import accounts


def _sign_in(db, email="c@example.com", password=factories.PASSWORD, now=None):
    user = accounts.authenticate(db, email, password)
    assert user is not None
    code = accounts.begin_session(db, user, now=now)
    token = accounts.adopt_handoff(db, code, now=now)
    db.commit()
    return user, token


def test_passwords_are_argon2id_and_never_stored_plain(db):
    p = factories.practice(db)
    user = factories.staff(db, p)
    assert user.password_hash.startswith("$argon2id$")
    assert factories.PASSWORD not in user.password_hash


def test_short_password_is_refused(db):
    p = factories.practice(db)
    with pytest.raises(ValueError, match="10 characters"):
        accounts.create_user(db, p.id, "x@example.com", "X", "short")


def test_sign_in_ignores_email_case_and_spaces(db):
    p = factories.practice(db)
    factories.staff(db, p, email="Ellen@Example.com")
    assert accounts.authenticate(db, "  ELLEN@example.COM ", factories.PASSWORD) is not None


@pytest.mark.parametrize(
    "email,password",
    [("c@example.com", "wrong password"), ("nobody@example.com", factories.PASSWORD), ("", ""), ("c@example.com", "")],
)
def test_failures_return_none_and_are_audited(db, email, password):
    p = factories.practice(db)
    factories.staff(db, p)
    assert accounts.authenticate(db, email, password, ip="203.0.113.9") is None
    db.flush()
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "staff.sign_in_failed")).all()
    assert len(events) == 1 and events[0].ip == "203.0.113.9"


def test_inactive_user_cannot_sign_in(db):
    p = factories.practice(db)
    user = factories.staff(db, p)
    user.active = False
    db.add(user)
    assert accounts.authenticate(db, "c@example.com", factories.PASSWORD) is None


def test_unknown_email_costs_one_hash_verification_like_a_known_one(db, monkeypatch):
    p = factories.practice(db)
    factories.staff(db, p)
    calls = []
    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda h, pw: calls.append(h) or real(h, pw))
    accounts.authenticate(db, "nobody@example.com", "whatever123")
    accounts.authenticate(db, "c@example.com", "whatever123")
    assert len(calls) == 2
    assert calls[0].startswith("$argon2id$")  # the dummy hash: same algorithm, same cost


def test_session_token_is_random_256_bits_and_stored_only_hashed(db):
    p = factories.practice(db)
    factories.staff(db, p)
    _, token = _sign_in(db)
    assert len(base64.urlsafe_b64decode(token + "==")) >= 16  # at least 128 bits
    rows = db.exec(select(StaffSession)).all()
    assert len(rows) == 1 and rows[0].token_hash and token not in rows[0].token_hash
    _, token2 = _sign_in(db)
    assert token2 != token


def test_handoff_code_works_once_and_expires(db):
    p = factories.practice(db)
    user = factories.staff(db, p)
    now = utcnow()
    code = accounts.begin_session(db, user, now=now)
    assert accounts.adopt_handoff(db, code, now=now) is not None
    assert accounts.adopt_handoff(db, code, now=now) is None
    late = accounts.begin_session(db, user, now=now)
    assert accounts.adopt_handoff(db, late, now=now + timedelta(seconds=61)) is None
    assert accounts.adopt_handoff(db, "", now=now) is None
    assert accounts.adopt_handoff(db, "x" * 5000, now=now) is None


def test_session_resolves_to_the_user_and_practice(db):
    p = factories.practice(db, name="Wichita Therapy Center")
    user = factories.staff(db, p, role=Role.admin)
    _, token = _sign_in(db)
    me = accounts.resolve_session(db, accounts.token_digest(token))
    assert me.user_id == user.id and me.practice_name == "Wichita Therapy Center" and me.is_admin


def test_idle_timeout_is_thirty_minutes(db):
    p = factories.practice(db)
    factories.staff(db, p)
    start = utcnow()
    _, token = _sign_in(db, now=start)
    assert (
        accounts.resolve_session(db, accounts.token_digest(token), now=start + timedelta(minutes=29, seconds=59))
        is not None
    )
    db.commit()
    # Activity at 29:59 moved the idle clock on.
    assert accounts.resolve_session(db, accounts.token_digest(token), now=start + timedelta(minutes=59)) is not None
    assert (
        accounts.resolve_session(db, accounts.token_digest(token), now=start + timedelta(minutes=89, seconds=1)) is None
    )


def test_absolute_limit_is_twelve_hours_even_when_active(db):
    p = factories.practice(db)
    factories.staff(db, p)
    start = utcnow()
    _, token = _sign_in(db, now=start)
    t = start
    while t + timedelta(minutes=20) < start + timedelta(hours=12):
        t += timedelta(minutes=20)
        assert accounts.resolve_session(db, accounts.token_digest(token), now=t) is not None
        db.commit()
    assert accounts.resolve_session(db, accounts.token_digest(token), now=start + timedelta(hours=12)) is None


def test_sign_out_revokes_on_the_server_and_is_audited(db):
    p = factories.practice(db)
    factories.staff(db, p)
    _, token = _sign_in(db)
    assert accounts.end_session(db, accounts.token_digest(token), ip="198.51.100.7")
    db.commit()
    assert accounts.resolve_session(db, accounts.token_digest(token)) is None
    assert not accounts.end_session(db, accounts.token_digest(token))
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "staff.signed_out")).one().ip == "198.51.100.7"


def test_deactivating_a_user_ends_their_sessions(db):
    p = factories.practice(db)
    user = factories.staff(db, p)
    _, token = _sign_in(db)
    user.active = False
    db.add(user)
    db.commit()
    assert accounts.resolve_session(db, accounts.token_digest(token)) is None


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 10_000, "'; DROP TABLE user; --"])
def test_bogus_tokens_resolve_to_nobody(db, token):
    assert accounts.resolve_session(db, accounts.token_digest(token)) is None
