"""Optional login in a real browser: with DRIFTLINE_DASHBOARD_PASSWORD set (or only
``api.token``, which then is the password), every dashboard URL needs it, nothing is served
before it is given, and the logout form ends the session on the server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from browser.browsing import Tab, open_tab, start, stop
from browser.seed import write_config
from monitor.store import upgrade

PASSWORD = "correct horse battery staple"
TOKEN = "browser-api-token"


@pytest.fixture(scope="module")
def locked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("locked")
    write_config(folder, dashboard="{refresh: 0s}")
    upgrade(f"sqlite:///{folder / 'driftline.db'}")
    process, base = start(folder, {"DRIFTLINE_DASHBOARD_PASSWORD": PASSWORD})
    yield base
    stop(process)


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve with ``api.token`` set and no dashboard password."""
    folder = tmp_path_factory.mktemp("token")
    write_config(folder, dashboard="{refresh: 0s}")
    config = folder / "driftline.yaml"
    plain = "api: {host: 127.0.0.1}"
    assert plain in config.read_text()
    config.write_text(
        config.read_text().replace(plain, f"api: {{host: 127.0.0.1, token: {TOKEN}}}")
    )
    upgrade(f"sqlite:///{folder / 'driftline.db'}")
    process, base = start(folder)
    yield base
    stop(process)


@pytest.fixture
def locked_tab(browser: Browser, locked_server: str) -> Iterator[Tab]:
    yield from open_tab(browser, locked_server)


def test_a_deep_link_asks_for_the_password_then_opens_the_page(locked_tab: Tab) -> None:
    page = locked_tab.page
    locked_tab.open("/dashboard/monitor/credit?range=30d")
    expect(page).to_have_url(re.compile(r"/dashboard/login\?next="))
    page.fill("#password", "wrong")
    page.click("#login")
    expect(page.locator("#login-error")).to_have_text("Wrong password.")
    page.fill("#password", PASSWORD)
    page.click("#login")
    expect(page).to_have_url(re.compile(r"/dashboard/monitor/credit\?range=30d$"))
    expect(page.locator("#monitor-name")).to_have_text("credit")
    expect(page.locator("#monitor-no-checks")).to_be_visible()
    locked_tab.screenshot("login-then-monitor")
    page.locator("#nav-logout").click()
    expect(page).to_have_url(re.compile(r"/dashboard/login$"))
    assert locked_tab.errors == []


def test_without_a_session_dash_endpoints_answer_401_and_pages_redirect(
    locked_server: str,
) -> None:
    with httpx.Client(base_url=locked_server) as client:
        assert client.get("/dashboard/_dash-layout").status_code == 401
        update = client.post("/dashboard/_dash-update-component", json={})
        assert update.status_code == 401
        page = client.get("/dashboard/")
        assert page.status_code == 302
        assert page.headers["location"].startswith("/dashboard/login?next=")
        assert PASSWORD not in client.get("/dashboard/login").text
        assert client.get("/api/health").status_code == 200  # the API keeps its own auth
        root = client.get("/")
        assert (root.status_code, root.headers["location"]) == (302, "/dashboard/")


def test_the_static_layout_after_login_holds_no_store_data(locked_server: str) -> None:
    with httpx.Client(base_url=locked_server) as client:
        login = client.post("/dashboard/login", data={"password": PASSWORD, "next": "/dashboard/"})
        assert login.status_code == 302
        layout = client.get("/dashboard/_dash-layout")
        assert layout.status_code == 200
        assert "credit" not in layout.text and PASSWORD not in layout.text


def test_with_only_a_token_the_token_logs_in_and_logout_ends_the_session(
    browser: Browser, token_server: str
) -> None:
    for tab in open_tab(browser, token_server):
        page = tab.page
        tab.open("/dashboard/alerts")
        expect(page).to_have_url(re.compile(r"/dashboard/login\?next="))
        page.fill("#password", TOKEN)
        page.click("#login")
        expect(page).to_have_url(re.compile(r"/dashboard/alerts$"))
        expect(page.locator("#alerts-monitor")).to_be_visible()
        copied = page.context.cookies()
        assert copied, "no session cookie after login"
        page.locator("#nav-logout").click()  # a form POST
        expect(page).to_have_url(re.compile(r"/dashboard/login$"))
        page.context.add_cookies(copied)  # the cookie from before logout, put back
        tab.open("/dashboard/alerts")
        expect(page).to_have_url(re.compile(r"/dashboard/login\?next="))
        assert tab.errors == []
