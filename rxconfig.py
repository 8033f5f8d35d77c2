"""Reflex configuration. Every deployment setting comes from the environment (see therapy_portal/settings.py)."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from therapy_portal.settings import get_settings

_s = get_settings()

config = rx.Config(
    app_name="therapy_portal",
    db_url=_s.db_url,
    redis_url=_s.redis_url or None,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    trusted_proxy_hops=_s.trusted_proxy_hops,
    default_color_mode="light",
    # A portal of private pages has nothing for search engines.
    disable_plugins=[SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
)
