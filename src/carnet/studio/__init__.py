"""The studio: carnet's web UI, served by the carnet server at ``/``.

Pages are Jinja2 shells (``templates/``) that load small JavaScript modules (``static/``); the
modules read the JSON API. plotly.js comes from the installed ``plotly`` package, so there is no
Node build. :func:`install_studio` mounts everything on an app; ``docs/studio.md`` says how to
add a page. Nothing here imports the SDK: the server process never does.
"""

from __future__ import annotations

from carnet.studio.pages import NavEntry, add_nav_entry, install_studio, render_page

__all__ = ["NavEntry", "add_nav_entry", "install_studio", "render_page"]
