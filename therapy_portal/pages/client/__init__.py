from . import book, documents, home, login, messages, portal  # noqa: F401
