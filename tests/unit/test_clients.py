"""Clients (SPEC 1.3): what a counselor types is validated at the field; search, sorting, paging and who sees what."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from therapy_portal.models import AuditEvent, Client, Practice, Role, User
from therapy_portal.services import clients
from therapy_portal.services.accounts import StaffIdentity
from therapy_portal.services.names import fold

TODAY = date(2026, 6, 1)
VALID = {
    "first_name": "Siobhan",
    "last_name": "O'Brien",
    "date_of_birth": "07/14/1985",
    "email": "siobhan.new@example.org",
    "mobile": "(316) 555-0142",
    "address": "12 N Main St, Wichita, KS 67202",
}


def form(**changes) -> dict:
    return {**VALID, **changes}


# ---- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["O'Brien", "O\u2019Brien", "Nuñez", "Nguyễn", "Smith-Jones", "李", "Zoë", "St. John"])
def test_names_in_any_script_are_accepted(name):
    result, errors = clients.validate(form(first_name=name, last_name=name), TODAY)
    assert errors == {}
    assert (result.first_name, result.last_name) == (name, name)


def test_whitespace_in_names_is_collapsed():
    result, errors = clients.validate(form(first_name="  Mary \t  Ann ", last_name=" van   der\nBerg "), TODAY)
    assert errors == {}
    assert (result.first_name, result.last_name) == ("Mary Ann", "van der Berg")


def test_a_name_of_exactly_the_limit_is_accepted():
    _, errors = clients.validate(form(last_name="a" * clients.NAME_LIMIT), TODAY)
    assert errors == {}


@pytest.mark.parametrize(
    "value, words",
    [
        ("", "Enter the client's"),
        ("   \t ", "Enter the client's"),
        (None, "Enter the client's"),
        ("a" * (clients.NAME_LIMIT + 1), "100 characters"),
        ("R2D2", "letters"),
        ("Smith!", "letters"),
        ("<script>alert(1)</script>", "letters"),
        ("Robert'); DROP TABLE client;--", "letters"),
        ("A\x00B", "letters"),
        ("'", "letters"),  # punctuation only: no letter at all
        ("--", "letters"),
    ],
)
@pytest.mark.parametrize("field, label", [("first_name", "first name"), ("last_name", "last name")])
def test_bad_names_are_refused_with_a_message_at_the_field(field, label, value, words):
    result, errors = clients.validate(form(**{field: value}), TODAY)
    assert result is None
    assert set(errors) == {field}
    assert words in errors[field] and label in errors[field]


@pytest.mark.parametrize(
    "name",
    [
        unicodedata.normalize("NFD", "Zoë"),
        unicodedata.normalize("NFD", "Nguyễn"),
        "प्रिया",  # Priya, Devanagari
        "สมศักดิ์",  # Somsak, Thai
    ],
)
def test_names_with_combining_marks_are_accepted(name):
    result, errors = clients.validate(form(first_name=name), TODAY)
    assert errors == {}
    assert fold(result.first_name) == fold(name)


# ---- date of birth -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("07/14/1985", date(1985, 7, 14)),
        ("1985-07-14", date(1985, 7, 14)),
        (" 1985-07-14 ", date(1985, 7, 14)),
        ("02/29/1992", date(1992, 2, 29)),
        ("1992-02-29", date(1992, 2, 29)),
    ],
)
def test_dates_of_birth_in_both_formats_and_leap_days_are_accepted(text, expected):
    result, errors = clients.validate(form(date_of_birth=text), TODAY)
    assert errors == {}
    assert result.date_of_birth == expected


NOT_A_DATE = ("exist", "MM/DD/YYYY")  # "That date does not exist on the calendar." or "Enter ... as MM/DD/YYYY."


@pytest.mark.parametrize(
    "text, words",
    [
        ("02/29/1993", NOT_A_DATE),
        ("1993-02-29", NOT_A_DATE),
        ("13/01/1990", NOT_A_DATE),
        ("", ("MM/DD/YYYY",)),
        ("yesterday", ("MM/DD/YYYY",)),
        ("1990-01-01'; DROP TABLE client;--", ("MM/DD/YYYY",)),
        (f"{TODAY:%m/%d/%Y}", ("in the past",)),
        (f"{TODAY + timedelta(days=1):%Y-%m-%d}", ("in the past",)),
        ("01/01/2100", ("in the past",)),
        ("01/01/1899", ("over 120",)),
        (f"{TODAY.replace(year=TODAY.year - 121):%m/%d/%Y}", ("over 120",)),
    ],
)
def test_bad_dates_of_birth_are_refused_at_the_field(text, words):
    result, errors = clients.validate(form(date_of_birth=text), TODAY)
    assert result is None and set(errors) == {"date_of_birth"}
    assert any(w in errors["date_of_birth"] for w in words), errors


def test_a_client_of_119_is_accepted():
    _, errors = clients.validate(form(date_of_birth=f"{TODAY.replace(year=TODAY.year - 119):%m/%d/%Y}"), TODAY)
    assert errors == {}


def test_a_client_aged_exactly_120_is_not_called_over_120():
    _, errors = clients.validate(form(date_of_birth="12/31/1905"), TODAY)
    assert errors == {}


# ---- email -------------------------------------------------------------------------------------


def test_email_is_normalized_with_a_lower_case_domain():
    result, errors = clients.validate(form(email="  Siobhan.OBrien@EXAMPLE.Com "), TODAY)
    assert errors == {}
    assert result.email == "Siobhan.OBrien@example.com"


def test_email_is_optional():
    result, errors = clients.validate(form(email="   "), TODAY)
    assert errors == {} and result.email == ""


@pytest.mark.parametrize(
    "email", ["nope", "a@b", "two@@example.com", "a b@example.com", "a\x00b@example.com", "@x.com"]
)
def test_bad_email_is_refused_with_a_message_at_the_field(email):
    result, errors = clients.validate(form(email=email), TODAY)
    assert result is None and set(errors) == {"email"}
    assert errors["email"].startswith("That email address is not valid")


# ---- mobile ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["(316) 555-0142", "316-555-0142", "316.555.0142", "3165550142", "+1 316 555 0142", "1 (316) 555-0142"]
)
def test_us_mobiles_in_national_formats_are_stored_as_e164(typed):
    result, errors = clients.validate(form(mobile=typed), TODAY)
    assert errors == {}
    assert result.mobile_e164 == "+13165550142"


def test_international_mobiles_are_accepted():
    result, errors = clients.validate(form(mobile="+44 7911 123456"), TODAY)
    assert errors == {} and result.mobile_e164 == "+447911123456"


def test_mobile_is_optional():
    result, errors = clients.validate(form(mobile=""), TODAY)
    assert errors == {} and result.mobile_e164 == ""


@pytest.mark.parametrize("typed", ["abc", "12", "555-1234", "+1 000 000 0000", "9" * 30, "+44 20 7946 0958", "1\x002"])
def test_bad_mobiles_are_refused_with_a_message_at_the_field(typed):
    result, errors = clients.validate(form(mobile=typed), TODAY)
    assert result is None and set(errors) == {"mobile"}
    assert errors["mobile"]


def test_display_mobile_is_national_at_home_and_international_abroad():
    assert clients.display_mobile("+13165550142") == "(316) 555-0142"
    assert clients.display_mobile("+447911123456") == "+44 7911 123456"
    assert clients.display_mobile("") == ""


# ---- the form as a whole -----------------------------------------------------------------------


def test_every_error_is_keyed_by_its_field():
    raw = {
        "first_name": "",
        "last_name": "R2D2",
        "date_of_birth": "02/30/1990",
        "email": "nope",
        "mobile": "abc",
        "address": "x" * 501,
    }
    result, errors = clients.validate(raw, TODAY)
    assert result is None
    assert set(errors) == {"first_name", "last_name", "date_of_birth", "email", "mobile", "address"}
    assert all(isinstance(m, str) and m for m in errors.values())


@pytest.mark.parametrize("raw", [None, [], "text", {"first_name": 3, "last_name": ["x"], "date_of_birth": 1990}])
def test_hostile_form_shapes_give_messages_not_exceptions(raw):
    result, errors = clients.validate(raw, TODAY)
    assert result is None and errors


# ---- the practice used by the database tests -----------------------------------------------------

SPECIAL = [
    # first, last, date of birth, counselor ("a" or "b")
    ("Siobhan", "O'Brien", date(1980, 3, 17), "a"),
    ("Mateo", "Nuñez", date(1975, 5, 5), "a"),
    ("Thảo", "Nguyễn", date(1990, 9, 2), "a"),
    ("Maria", "Johnson", date(1966, 1, 20), "a"),
    ("David", "Johnson", date(1969, 11, 8), "b"),
    ("Ava", "Patel", date(1994, 2, 28), "a"),
    ("Mia", "Patel", date(1994, 2, 28), "b"),
    ("Emma", "Thompson", date(1992, 2, 29), "b"),
    ("Zoe", "Smith-Jones", date(2001, 12, 24), "b"),
]
OURS = 26  # active clients of our practice
FILLER_LAST = "Abbott Baxter Carver Dalton Ellis Foster Gibson Harlow Irving Jarvis Keller Lowry Mercer Norris Osborn Pruitt Quimby"
FILLER_FIRST = "Quinn Rhett Selma Tobias Ursula Vance Wendell Xavier Yvonne Zeke Alma Bruno Cyril Delia Edgar Fern Gus"


@pytest.fixture
def practice(db):
    """Two practices; ours has counselors A and B, a front desk, an admin and OURS active clients (> PAGE_SIZE)."""
    ours, theirs = Practice(name="Ours", time_zone="America/Chicago"), Practice(name="Theirs", time_zone="UTC")
    db.add_all([ours, theirs])
    db.flush()

    def user(p, email, role, clinician=True):
        u = User(practice_id=p.id, email=email, full_name=email.split("@")[0].title(), password_hash="-", role=role)
        u.is_clinician = clinician
        db.add(u)
        db.flush()
        return u

    users = {
        "a": user(ours, "a@ours.example", Role.counselor),
        "b": user(ours, "b@ours.example", Role.counselor),
        "desk": user(ours, "desk@ours.example", Role.front_desk, clinician=False),
        "admin": user(ours, "admin@ours.example", Role.admin),
        "other": user(theirs, "admin@theirs.example", Role.admin),
    }
    rows = list(SPECIAL) + [
        (first, last, date(1950 + i, 1 + i % 12, 1 + i % 28), "ab"[i % 2])
        for i, (first, last) in enumerate(zip(FILLER_FIRST.split(), FILLER_LAST.split(), strict=True))
    ]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    made = []
    for i, (first, last, dob, owner) in enumerate(rows):
        c = Client(
            practice_id=ours.id,
            counselor_id=users[owner].id,
            first_name=first,
            last_name=last,
            **clients.name_keys(first, last),
            date_of_birth=dob,
            email=f"{fold(first)}.{fold(last).replace(chr(39), '')}@example.com",
            mobile_e164=f"+1316555{1000 + i:04d}",
            created_at=start + timedelta(days=(i * 7) % len(rows)),  # created in an order of its own
        )
        db.add(c)
        made.append(c)
    # A client of the other practice with a name that matches our searches, and an inactive one of ours.
    db.add(
        Client(
            practice_id=theirs.id,
            counselor_id=users["other"].id,
            first_name="Liam",
            last_name="O'Brien",
            **clients.name_keys("Liam", "O'Brien"),
            date_of_birth=date(1980, 3, 17),
            email="liam@theirs.example",
        )
    )
    db.add(
        Client(
            practice_id=ours.id,
            counselor_id=users["a"].id,
            first_name="Gone",
            last_name="Johnson",
            **clients.name_keys("Gone", "Johnson"),
            date_of_birth=date(1970, 1, 1),
            active=False,
        )
    )
    db.commit()
    me = {
        key: StaffIdentity(
            user_id=u.id,
            practice_id=u.practice_id,
            role=Role(u.role),
            full_name=u.full_name,
            email=u.email,
            is_clinician=u.is_clinician,
            practice_name="",
        )
        for key, u in users.items()
    }
    return db, me, {c.id: c for c in made}


def names(page: clients.ClientPage) -> set[str]:
    return {r["name"] for r in page.rows}


def find(db, me, query, **kw) -> set[str]:
    return names(clients.search(db, me, query, **kw))


# ---- save and get ------------------------------------------------------------------------------


def audits(db, action: str) -> list[AuditEvent]:
    db.rollback()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all())


def test_save_creates_a_client_in_the_counselors_own_caseload_and_audits_field_names_only(practice):
    db, me, _ = practice
    client, errors = clients.save(db, me["a"], form(), ip="192.0.2.7", today=TODAY)
    db.commit()
    assert errors == {}
    stored = db.get(Client, client.id)
    assert (stored.counselor_id, stored.practice_id) == (me["a"].user_id, me["a"].practice_id)
    assert (stored.mobile_e164, stored.last_name_key, stored.name_key) == ("+13165550142", "o'brien", "siobhan o'brien")
    (event,) = audits(db, "client.created")
    assert (event.actor_id, event.object_type, event.object_id, event.ip) == (
        me["a"].user_id,
        "client",
        client.id,
        "192.0.2.7",
    )
    fields = json.loads(event.detail)["fields"]
    assert {"first_name", "last_name", "email", "mobile_e164", "address"} <= set(fields)
    for value in ("Siobhan", "Brien", "example.org", "siobhan.new", "0142", "316", "Main", "1985", "07/14"):
        assert value not in event.detail, value


def test_client_created_audit_lists_every_field_that_was_set(practice):
    db, me, _ = practice
    client, _ = clients.save(db, me["a"], form(), today=TODAY)
    db.commit()
    (event,) = audits(db, "client.created")
    assert json.loads(event.detail)["fields"] == sorted(
        ["first_name", "last_name", "date_of_birth", "email", "mobile_e164", "address"]
    )


def test_update_audits_only_the_changed_field_names(practice):
    db, me, made = practice
    target = next(c for c in made.values() if c.last_name == "Nuñez")
    raw = {
        "first_name": target.first_name,
        "last_name": target.last_name,
        "date_of_birth": f"{target.date_of_birth:%m/%d/%Y}",
        "email": "mateo.new@example.com",
        "mobile": clients.display_mobile(target.mobile_e164),
        "address": "",
    }
    client, errors = clients.save(db, me["a"], raw, client_id=target.id, today=TODAY)
    db.commit()
    assert errors == {} and client.email == "mateo.new@example.com"
    (event,) = audits(db, "client.updated")
    assert json.loads(event.detail) == {"fields": ["email"]}
    assert "mateo" not in event.detail.lower()


def test_invalid_save_stores_nothing(practice):
    db, me, _ = practice
    before = len(db.exec(select(Client)).all())
    client, errors = clients.save(db, me["a"], form(email="nope", mobile="abc"), today=TODAY)
    db.commit()
    assert client is None and set(errors) == {"email", "mobile"}
    assert len(db.exec(select(Client)).all()) == before and audits(db, "client.created") == []


def test_a_counselor_cannot_add_to_another_counselors_caseload(practice):
    db, me, _ = practice
    client, errors = clients.save(db, me["a"], form(), counselor_id=me["b"].user_id, today=TODAY)
    db.commit()
    assert client is None and "own caseload" in errors["counselor"]
    assert db.exec(select(Client).where(Client.email == VALID["email"])).first() is None


def test_a_counselor_cannot_update_another_counselors_client(practice):
    db, me, made = practice
    bs = next(c for c in made.values() if c.counselor_id == me["b"].user_id)
    email = bs.email
    client, errors = clients.save(db, me["a"], form(), client_id=bs.id, today=TODAY)
    db.commit()
    assert client is None and errors == {"form": "That client was not found."}
    db.expire_all()
    assert db.get(Client, bs.id).email == email and audits(db, "client.updated") == []


def test_front_desk_and_admin_work_on_every_caseload(practice):
    db, me, made = practice
    client, errors = clients.save(db, me["desk"], form(), counselor_id=me["b"].user_id, today=TODAY)
    assert errors == {} and client.counselor_id == me["b"].user_id
    bs = next(c for c in made.values() if c.counselor_id == me["b"].user_id)
    updated, errors = clients.save(db, me["admin"], form(email="new@example.com"), client_id=bs.id, today=TODAY)
    assert errors == {} and updated.email == "new@example.com"
    db.commit()


def test_front_desk_must_choose_a_clinician(practice):
    db, me, _ = practice
    for counselor_id in (None, me["desk"].user_id, me["other"].user_id, 10**9):
        client, errors = clients.save(db, me["desk"], form(), counselor_id=counselor_id, today=TODAY)
        assert client is None and errors == {"counselor": "Choose a counselor of this practice."}, counselor_id


def test_another_practice_cannot_see_or_change_our_client(practice):
    db, me, made = practice
    target = next(iter(made.values()))
    assert clients.get(db, me["other"], target.id) is None
    client, errors = clients.save(db, me["other"], form(), client_id=target.id, today=TODAY)
    assert client is None and errors == {"form": "That client was not found."}
    client, errors = clients.save(db, me["other"], form(), counselor_id=me["a"].user_id, today=TODAY)
    assert client is None and "counselor" in errors
    db.commit()
    assert audits(db, "client.viewed") == [] and audits(db, "client.updated") == []
    first_name = target.first_name
    db.expire_all()
    assert db.get(Client, target.id).first_name == first_name


def test_get_returns_only_visible_clients_and_audits_the_view(practice):
    db, me, made = practice
    as_client = next(c for c in made.values() if c.counselor_id == me["a"].user_id)
    bs_client = next(c for c in made.values() if c.counselor_id == me["b"].user_id)
    assert clients.get(db, me["a"], as_client.id, ip="192.0.2.9").id == as_client.id
    assert clients.get(db, me["a"], bs_client.id) is None
    assert clients.get(db, me["desk"], bs_client.id).id == bs_client.id
    assert clients.get(db, me["a"], 10**9) is None
    db.commit()
    events = audits(db, "client.viewed")
    assert [(e.actor_id, e.object_id) for e in events] == [
        (me["a"].user_id, as_client.id),
        (me["desk"].user_id, bs_client.id),
    ]
    assert events[0].ip == "192.0.2.9" and events[0].object_type == "client"


# ---- search ------------------------------------------------------------------------------------


def test_name_search_ignores_case_and_accents(practice):
    db, me, _ = practice
    desk = me["desk"]
    for query in ("nguyen", "NGUYỄN", "Nguyễn", "nguy", unicodedata.normalize("NFD", "Nguyễn"), "  nguyen  "):
        assert find(db, desk, query) == {"Nguyễn, Thảo"}, query
    for query in ("nunez", "NUÑEZ", "Nuñez"):
        assert find(db, desk, query) == {"Nuñez, Mateo"}, query
    assert find(db, desk, "thao") == {"Nguyễn, Thảo"}  # first names too
    assert find(db, desk, "johnson") == {"Johnson, Maria", "Johnson, David"}  # the inactive Johnson is not listed


def test_a_word_matches_at_the_start_of_any_part_of_the_name(practice):
    db, me, _ = practice
    desk = me["desk"]
    for query in ("o'brien", "O\u2019Brien", "O'BRIEN", "brien", "bri", "siobhan o'brien", "o'brien siobhan"):
        assert find(db, desk, query) == {"O'Brien, Siobhan"}, query
    # Typed without the apostrophe, the name is still found.
    assert find(db, desk, "obrien") == {"O'Brien, Siobhan"}
    assert find(db, desk, "jones") == {"Smith-Jones, Zoe"}
    assert find(db, desk, "smith") == {"Smith-Jones, Zoe"}
    assert find(db, desk, "rien") == set() and find(db, desk, "hnson") == set()  # not in the middle of a word


def test_two_words_must_both_match(practice):
    db, me, _ = practice
    desk = me["desk"]
    assert find(db, desk, "maria johnson") == {"Johnson, Maria"}
    assert find(db, desk, "johnson d") == {"Johnson, David"}
    assert find(db, desk, "ava patel") == {"Patel, Ava"}
    assert find(db, desk, "maria patel") == set()


def test_search_by_date_of_birth_in_both_formats(practice):
    db, me, _ = practice
    desk = me["desk"]
    assert find(db, desk, "02/28/1994") == find(db, desk, "1994-02-28") == {"Patel, Ava", "Patel, Mia"}
    assert find(db, desk, "02/29/1992") == {"Thompson, Emma"}


def test_search_by_email_fragment(practice):
    db, me, _ = practice
    desk = me["desk"]
    assert find(db, desk, "mateo.nunez@") == {"Nuñez, Mateo"}
    assert find(db, desk, "MATEO.NUNEZ@EXAMPLE.COM") == {"Nuñez, Mateo"}
    assert clients.search(db, desk, "@example.com").total == OURS
    assert find(db, desk, "@theirs.example") == set()


def test_search_by_phone_digits(practice):
    db, me, made = practice
    desk = me["desk"]
    nguyen = next(c for c in made.values() if c.last_name == "Nguyễn")
    assert nguyen.mobile_e164 == "+13165551002"
    for query in ("555-1002", "5551002", "(316) 555-1002", "+1 316 555 1002", "316.555.1002"):
        assert find(db, desk, query) == {"Nguyễn, Thảo"}, query
    assert clients.search(db, desk, "555-100").total == 10  # 1000..1009


def test_like_wildcards_in_the_query_are_literal(practice):
    db, me, _ = practice
    assert clients.search(db, me["desk"], "johns").total == 2
    for query in ("%", "_", "johns%", "j_hnson", "%ohnson", "%@%", "_@example.com", "\\", "\\%", "%%%"):
        assert clients.search(db, me["desk"], query).total == 0, query


def test_paging(practice):
    db, me, _ = practice
    desk = me["desk"]
    assert clients.PAGE_SIZE == 25
    first, second = clients.search(db, desk, "", page=1), clients.search(db, desk, "", page=2)
    assert (first.total, first.pages, first.page, len(first.rows)) == (OURS, 2, 1, 25)
    assert (second.page, len(second.rows)) == (2, OURS - 25)
    small = [clients.search(db, desk, "", page=p, page_size=10) for p in (1, 2, 3)]
    assert [(s.page, s.pages, len(s.rows)) for s in small] == [(1, 3, 10), (2, 3, 10), (3, 3, OURS - 20)]
    seen = [r["id"] for s in small for r in s.rows]
    assert len(seen) == len(set(seen)) == OURS  # every client exactly once across the pages
    for page, expected in ((99, 3), (0, 1), (-4, 1), ("abc", 1), ("2", 2), ("", 1), (None, 1), ("1e3", 1)):
        assert clients.search(db, desk, "", page=page, page_size=10).page == expected, page
    assert clients.search(db, desk, "nothing-matches-this").pages == 1


def test_each_sort_order_really_orders(practice):
    db, me, made = practice
    desk = me["desk"]
    by_id = {str(c.id): c for c in made.values()}

    def order(sort):
        return [by_id[r["id"]] for p in (1, 2, 3) for r in clients.search(db, desk, "", sort, p, page_size=10).rows]

    def plain(text):  # compare only keys of plain letters, whose order no collation disputes
        return text.isascii() and text.isalpha()

    by_last = [fold(c.last_name) for c in order("last_name") if plain(fold(c.last_name))]
    assert by_last == sorted(by_last) and len(by_last) > 15
    by_first = [fold(c.first_name) for c in order("first_name") if plain(fold(c.first_name))]
    assert by_first == sorted(by_first) and len(by_first) > 15
    dobs = [c.date_of_birth for c in order("date_of_birth")]
    assert dobs == sorted(dobs)
    newest = [c.created_at for c in order("newest")]
    assert newest == sorted(newest, reverse=True) and len(set(newest)) > 1
    assert [c.id for c in order("no-such-sort")] == [c.id for c in order("last_name")]
    assert set(clients.SORTS) == {"last_name", "first_name", "date_of_birth", "newest"}


def test_a_counselor_sees_only_their_own_clients_and_front_desk_sees_all(practice):
    db, me, made = practice
    own = {str(c.id) for c in made.values() if c.counselor_id == me["a"].user_id}
    mine = clients.search(db, me["a"], "", page_size=100)
    assert {r["id"] for r in mine.rows} == own and mine.total == len(own)
    assert find(db, me["b"], "nguyen") == set()  # A's client
    assert find(db, me["b"], "555-1002") == set()
    assert find(db, me["b"], "mateo.nunez@") == set()
    assert find(db, me["b"], "02/28/1994") == {"Patel, Mia"}  # only B's twin
    assert clients.search(db, me["desk"], "", page_size=100).total == OURS
    assert clients.search(db, me["admin"], "", page_size=100).total == OURS
    assert find(db, me["other"], "o'brien") == {"O'Brien, Liam"}  # their own practice only


def test_rows_carry_display_values(practice):
    db, me, _ = practice
    (row,) = clients.search(db, me["desk"], "emma thompson").rows
    assert (row["name"], row["date_of_birth"], row["email"]) == (
        "Thompson, Emma",
        "02/29/1992",
        "emma.thompson@example.com",
    )
    assert row["mobile"].startswith("(316) 555-")


HOSTILE = [
    "x" * 100_000,
    "' OR 1=1 --",
    "'; DROP TABLE client; --",
    '" OR ""="',
    "1; SELECT * FROM user",
    "@'; DELETE FROM client; --",
    "555' OR '1'='1",
    "💥🔥",
    "\t\n\r",
    "a" * 99 + "ẽ" * 10,
]


def test_hostile_queries_do_not_raise(practice):
    db, me, _ = practice
    for query in HOSTILE:
        result = clients.search(db, me["desk"], query)
        assert result.total <= OURS and result.page == 1, query
    assert clients.search(db, me["desk"], "").total == OURS  # nothing was dropped


def test_queries_with_nul_bytes_do_not_raise(practice, request):
    db, me, _ = practice
    for query in ("\x00", "nguy\x00en", "a\x00@example.com", "O'Brien\x00"):
        assert clients.search(db, me["desk"], query).total <= OURS, repr(query)


def test_queries_with_lone_surrogates_do_not_raise(practice):
    db, me, _ = practice
    assert clients.search(db, me["desk"], "\ud800").total == 0


def test_an_address_with_a_nul_byte_gets_a_message_at_the_field(practice, request):
    db, me, _ = practice
    try:
        client, errors = clients.save(db, me["a"], form(address="1 Main\x00St"), today=TODAY)
        db.flush()
    finally:
        db.rollback()
    assert client is None and set(errors) == {"address"}
