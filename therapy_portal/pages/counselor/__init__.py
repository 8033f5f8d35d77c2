from . import assessments, calendar, clients, dashboard, settings, sign_in  # noqa: F401
