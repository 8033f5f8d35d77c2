import pytest

from therapy_portal.state.navigation import read_cookie, safe_next


@pytest.mark.parametrize(
    "given,expected",
    [
        ("/calendar", "/calendar"),
        ("/clients/12?tab=portal", "/clients/12?tab=portal"),
        ("", "/dashboard"),
        (None, "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("/login?next=/x", "/dashboard"),
        ("/api/session/end", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
    ],
)
def test_only_local_paths_are_followed_after_sign_in(given, expected):
    assert safe_next(given) == expected


def test_cookie_reading_survives_hostile_headers():
    assert read_cookie("a=1; tp_staff=abc; b=2", "tp_staff") == "abc"
    assert read_cookie("", "tp_staff") == ""
    assert read_cookie('tp_staff="unterminated', "tp_staff") in ("", '"unterminated')
    assert read_cookie("\x00\x01garbage;;;=", "tp_staff") == ""
