"""The dashboard's pages, one module each: ``make_layout(context)`` returns the layout
function Dash calls with the URL's path and query parameters; ``register_callbacks(app,
context)`` binds the callbacks that read the store. Registered by ``dashboards.app``."""

from __future__ import annotations

__all__: list[str] = []
