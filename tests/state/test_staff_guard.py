"""The counselor guard: handlers do nothing for a signed-out browser, and state never carries secrets."""

from __future__ import annotations

from sqlmodel import func, select

from tests import factories
from tests.state.conftest import Browser
from therapy_portal.models import AuditEvent, Role
from therapy_portal.services import accounts, demo
from therapy_portal.state.dashboard import DashboardState
from therapy_portal.state.sign_in import SignInState
from therapy_portal.state.staff import StaffState


def _token_for(db, email: str, password: str) -> str:
    user = accounts.authenticate(db, email, password)
    token = accounts.adopt_handoff(db, accounts.begin_session(db, user))
    db.commit()
    return token


def _is_redirect_to_login(result) -> bool:
    return "window.location.replace" in repr(result) and "/login?next=" in repr(result)


def _audit_count(db, action: str) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)).one()


def test_signed_out_browser_calling_a_handler_gets_nothing(db, browser):
    demo.seed(db)
    db.commit()
    dash = browser.state(DashboardState)
    result = DashboardState.load.fn(dash)
    assert _is_redirect_to_login(result)
    assert dash.rows == [] and not dash.loaded and not dash.signed_in
    assert _audit_count(db, "agenda.viewed") == 0


def test_forged_or_revoked_cookie_gets_nothing(db):
    demo.seed(db)
    db.commit()
    token = _token_for(db, "ellen.park@wichita-therapy.example", demo.DEMO_PASSWORD)
    for cookie in ("tp_staff=forged-token-value", "tp_staff=", 'tp_staff="; x=\x00'):
        b = Browser(cookie=cookie)
        assert _is_redirect_to_login(DashboardState.load.fn(b.state(DashboardState)))
    with_session = Browser(cookie=Browser.cookie_for(token))
    StaffState.sign_out.fn(with_session.state(StaffState))
    assert _is_redirect_to_login(DashboardState.load.fn(with_session.state(DashboardState)))


def test_signed_in_counselor_sees_only_their_own_day(db):
    demo.seed(db)
    db.commit()
    token = _token_for(db, "marcus.oneill@wichita-therapy.example", demo.DEMO_PASSWORD)
    b = Browser(cookie=Browser.cookie_for(token))
    assert StaffState.guard_page.fn(b.state(StaffState)) is None
    assert b.state(StaffState).practice_name == "Wichita Therapy Center"
    dash = b.state(DashboardState)
    assert DashboardState.load.fn(dash) is None
    assert dash.loaded
    assert {r["counselor"] for r in dash.rows} <= {"Marcus O'Neill, LPC"}
    assert _audit_count(db, "agenda.viewed") == 1


def test_front_desk_sees_every_counselor(db):
    p = factories.practice(db)
    factories.staff(db, p, email="desk@example.com", role=Role.front_desk)
    token = _token_for(db, "desk@example.com", factories.PASSWORD)
    b = Browser(cookie=Browser.cookie_for(token))
    assert DashboardState.load.fn(b.state(DashboardState)) is None


def test_sign_out_revokes_and_clears_what_the_page_showed(db):
    demo.seed(db)
    db.commit()
    token = _token_for(db, "ellen.park@wichita-therapy.example", demo.DEMO_PASSWORD)
    b = Browser(cookie=Browser.cookie_for(token))
    StaffState.guard_page.fn(b.state(StaffState))
    DashboardState.load.fn(b.state(DashboardState))
    assert b.state(DashboardState).rows
    result = StaffState.sign_out.fn(b.state(StaffState))
    assert "/api/session/end" in repr(result)
    assert not b.state(StaffState).signed_in and b.state(StaffState).user_name == ""
    db.expire_all()
    assert accounts.resolve_session(db, accounts.token_digest(token)) is None


def test_wrong_password_and_unknown_email_get_the_same_message(db):
    p = factories.practice(db)
    factories.staff(db, p)
    db.commit()
    messages = []
    for form in (
        {"email": "c@example.com", "password": "nope-nope-nope"},
        {"email": "who@example.com", "password": "nope-nope-nope"},
    ):
        b = Browser(path="/login")
        s = b.state(SignInState)
        assert SignInState.submit.fn(s, form) is None
        messages.append(s.error)
    assert messages[0] == messages[1] == accounts.SIGN_IN_FAILED


def test_successful_sign_in_hands_off_without_putting_secrets_in_state(db):
    p = factories.practice(db)
    factories.staff(db, p)
    db.commit()
    b = Browser(path="/login", query="next=/calendar")
    s = b.state(SignInState)
    result = SignInState.submit.fn(s, {"email": "c@example.com", "password": factories.PASSWORD})
    assert "/api/session/adopt?code=" in repr(result) and "next=/calendar" in repr(result)
    view = b.frontend_view()
    assert factories.PASSWORD not in view and "argon2" not in view
    code = repr(result).split("code=")[1].split("&")[0]
    assert code not in view


def test_hostile_sign_in_payloads_get_a_message_not_a_traceback(db):
    b = Browser(path="/login")
    s = b.state(SignInState)
    for form in (
        None,
        [],
        "string",
        {"email": None, "password": None},
        {"email": "a" * 100_000, "password": "b" * 100_000},
        {"email": {"$ne": 1}, "password": ["x"]},
    ):
        SignInState.submit.fn(s, form)
        assert s.error
