from . import book, home, login, portal  # noqa: F401
