"""The Dash app: a multi-page dashboard mounted on the API's Flask server.

``mount_dashboard(server, store, settings)`` builds it; ``mount(server, store, config)`` is
the ``driftline.serve`` entry point that ``driftline serve`` calls (the service never
imports this package). Nothing happens at import: pages are registered and callbacks
bound when the app is built, and every callback reads the store when it runs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Final

import dash
from dash import Dash, dcc, html
from flask import Flask, redirect

from dashboards.auth import install_login
from dashboards.context import DashboardSettings, PageContext
from dashboards.links import alerts_href, overview_href
from monitor.config import Config
from monitor.errors import ConfigError
from monitor.service.extensions import RetrainAction, load_extensions
from monitor.store import RetrainTrigger, Store

__all__ = ["DashboardSettings", "PageContext", "RetrainAction", "mount", "mount_dashboard"]

_ASSETS: Final = Path(__file__).resolve().parent / "assets"


def _shell(context: PageContext) -> html.Div:
    settings = context.settings
    links: list[Any] = [
        dcc.Link("Overview", href=overview_href(settings.base), id="nav-overview"),
        dcc.Link("Alerts", href=alerts_href(settings.base), id="nav-alerts"),
    ]
    if settings.password:
        links.append(
            html.Form(
                html.Button("Log out", id="nav-logout", type="submit", className="link"),
                method="POST",
                action=f"{settings.base}/logout",
                className="logout",
            )
        )
    return html.Div(
        [
            dcc.Location(id="nav", refresh="callback-nav"),
            dcc.Interval(
                id="refresh",
                interval=max(settings.refresh_s, 1.0) * 1000,
                disabled=settings.refresh_s <= 0,
            ),
            html.Header(
                [
                    dcc.Link("Driftline", href=overview_href(settings.base), className="brand"),
                    html.Nav(links),
                ],
                className="top",
            ),
            html.Main(dash.page_container),
        ]
    )


def mount_dashboard(server: Flask, store: Store, settings: DashboardSettings) -> Dash:
    """Build the dashboard under ``settings.base`` on ``server`` and return the Dash app."""
    from dashboards.pages import alerts, column, monitor, overview

    base = settings.base.rstrip("/")
    settings = dataclasses.replace(settings, base=base)
    if settings.password:
        install_login(
            server,
            base=base,
            password=settings.password,
            secret=settings.session_secret,
            secure_cookies=settings.secure_cookies,
        )
    app = Dash(
        "driftline-dashboard",
        server=server,  # type: ignore[arg-type]  # Dash's hint omits a Flask instance
        url_base_pathname=base + "/",
        use_pages=True,
        pages_folder="",
        assets_folder=str(_ASSETS),
        suppress_callback_exceptions=True,
        title="Driftline",
        update_title="",
        serve_locally=True,
    )
    context = PageContext(store, settings)
    # Column before monitor: Dash matches path templates in registration order.
    pages = (
        (overview, "/", None, "Overview"),
        (column, None, "/column/<name>/<column>", "Column"),
        (monitor, None, "/monitor/<name>", "Monitor"),
        (alerts, "/alerts", None, "Alerts"),
    )
    for module, path, template, name in pages:
        dash.register_page(  # type: ignore[no-untyped-call]
            module.__name__,
            path=path if path is not None else template,
            path_template=template,
            name=name,
            title=f"Driftline: {name}",
            layout=module.make_layout(context),
        )
        module.register_callbacks(app, context)
    app.layout = _shell(context)
    if "dashboard_root" not in server.view_functions:
        server.add_url_rule("/", "dashboard_root", lambda: redirect(base + "/"))
    return app


def mount(server: Flask, store: Store, config: Config) -> None:
    """The ``driftline.serve`` entry point: mount the dashboard as ``config`` says (with
    ``api.token`` set and no ``dashboard.password``, the token is its password). The
    "Retrain now" button uses the extension that provides a retrain action (``alerts``:
    the code path of ``POST /api/v1/monitors/<name>/retrain``)."""
    dashboard = config.dashboard
    password = dashboard.password or config.api.token  # a token protects the dashboard too
    actions = (extension.retrain_action(store, config) for extension in load_extensions())
    retrain = next((action for action in actions if action is not None), None)
    actor = f"dashboard:{dashboard.user}"

    def audited(name: str, reason: str) -> RetrainTrigger:
        """The retrain action, refused for a read-only login, recorded in the audit trail."""
        from dashboards.pages.alerts import READ_ONLY

        assert retrain is not None
        if dashboard.scope != "admin":
            raise ConfigError(READ_ONLY)
        trigger = retrain(name, reason)
        store.add_audit(
            actor,
            "retrain",
            monitor=name,
            detail={"trigger_id": trigger.trigger_id, "reason": reason[:200]},
        )
        return trigger

    mount_dashboard(
        server,
        store,
        DashboardSettings(
            password=password.get_secret_value() if password else None,
            session_secret=(
                dashboard.session_secret.get_secret_value() if dashboard.session_secret else None
            ),
            secure_cookies=dashboard.secure_cookies,
            refresh_s=dashboard.refresh.total_seconds(),
            sparkline_windows=dashboard.sparkline_windows,
            default_windows=dashboard.default_windows,
            retrain=audited if retrain is not None else None,
            user=dashboard.user,
            scope=dashboard.scope,
        ),
    )
