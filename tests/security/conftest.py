"""Security tests read like the outside probe that found each problem; they use the web fixtures."""

from ..web.conftest import api, app, at_publisher, client, filed  # noqa: F401 - fixtures shared with tests/web
