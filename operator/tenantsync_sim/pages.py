"""HTML pages a person (or a test posting a form) uses: device sign-in and admin consent."""

from __future__ import annotations

import html
from importlib import resources
from string import Template

from aiohttp import web


def render(name: str, status: int = 200, **values: str) -> web.Response:
    template = Template(resources.files("tenantsync_sim").joinpath("templates", name).read_text())
    safe = {key: value if key == "permissions" else html.escape(value) for key, value in values.items()}
    return web.Response(text=template.substitute(safe), status=status, content_type="text/html")
