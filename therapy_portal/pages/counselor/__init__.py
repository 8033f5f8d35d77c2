from . import assessments, calendar, clients, dashboard, portal_settings, settings, sign_in  # noqa: F401
