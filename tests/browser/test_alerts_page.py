"""Alerts in a real browser, on alerts raised by the real evaluation of the seeded checks
(see seed.py): the overview's open alerts, the monitor timeline's markers, the Alerts page's
transitions, silences, deliveries with every attempt and retraining triggers, "Retrain now"
end to end, and a notification's link opening the dashboard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from integration.service.receiver import Receiver
from playwright.sync_api import expect

from browser.browsing import Tab
from browser.seed import DASHBOARD_URL, PAGER_KEY, PAGER_PASSWORD, RULE, RUN_ID, RUN_URL, SECRET
from monitor.store import Store


def test_overview_counts_the_open_alert_and_says_alerting(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    open_alerts = seeded[1].count_open_alerts()["credit"]
    assert open_alerts.firing == 1  # the seeded rule is firing at the end
    tab.open("/dashboard/")
    expect(tab.page.locator("#overview-status-credit")).to_have_text("alerting")
    expect(tab.page.locator("#overview-alerts-credit")).to_have_text("1 firing")
    expect(tab.page.locator("#overview-count-alerting")).to_have_text("1")
    tab.page.locator("#overview-alerts-credit a").click()
    expect(tab.page.locator("#alerts-states-table")).to_contain_text(RULE)
    assert tab.errors == []


def _timeline_traces(tab: Tab) -> dict[str, Any]:
    traces = tab.page.evaluate(
        "Array.from(document.querySelector('#monitor-timeline .js-plotly-plot').data)"
        ".map(t => [t.name, t.x.length, t.text])"
    )
    return {name: (count, text) for name, count, text in traces}


def test_monitor_timeline_marks_alert_transitions_and_retraining_triggers(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    store = seeded[1]
    found = store.list_alert_transitions("credit")
    by_state = {s: sum(t.to_state == s for t in found) for s in ("pending", "firing", "resolved")}
    assert all(by_state.values())
    tab.open("/dashboard/monitor/credit?range=all")
    timeline = tab.page.locator("#monitor-timeline")
    for name in ("alert pending", "alert firing", "alert resolved", "retraining trigger"):
        expect(timeline.locator(".legendtext", has_text=name)).to_have_count(1)
    expect(timeline.locator("text=v1 → v2")).to_have_count(1)
    traces = _timeline_traces(tab)
    for state, count in by_state.items():
        assert traces[f"alert {state}"][0] == count
    retrain_count, retrain_text = traces["retraining trigger"]
    assert retrain_count == 1 and "delivered" in retrain_text[0]
    tab.screenshot("monitor-alerts")
    assert tab.errors == []


def test_alerts_page_lists_transitions_silences_and_every_delivery_attempt(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    store = seeded[1]
    transitions = store.list_alert_transitions("credit")
    deliveries = store.list_deliveries("credit")
    attempts = sum(max(1, len(d.attempts)) for d in deliveries)
    tab.open("/dashboard/alerts?monitor=credit")
    history = tab.page.locator("#alerts-history-table")
    expect(history.locator("tbody tr")).to_have_count(len(transitions))
    expect(history).to_contain_text("pending → firing")
    expect(history).to_contain_text("for_reached")
    expect(history).to_contain_text("firing → resolved")
    expect(history).to_contain_text("muted by a silence")
    expect(tab.page.locator(f"#alerts-state-{RULE}")).to_have_text("firing")
    silences = tab.page.locator("#alerts-silences-table")
    expect(silences).to_contain_text("oncall")
    expect(silences).to_contain_text("known upstream change (seeded)")
    table = tab.page.locator("#alerts-deliveries-table")
    expect(table.locator("tbody tr")).to_have_count(attempts)
    expect(table.locator("tr", has_text="HTTP 503")).to_have_count(1)  # ops' first attempt
    expect(table).to_contain_text("Connection refused")
    expect(table).to_contain_text("gave up")
    triggers = tab.page.locator("#alerts-triggers-table")
    expect(triggers).to_contain_text(RULE)
    expect(triggers).to_contain_text("delivered")
    page = tab.page.content()
    for secret in (PAGER_PASSWORD, PAGER_KEY, SECRET):
        assert secret not in page
    tab.screenshot("alerts")
    assert tab.errors == []


def test_alerts_page_shows_a_retraining_run_linked_to_mlflow_with_the_gates_numbers(
    tab: Tab, seeded: tuple[Path, Store]
) -> None:
    tab.open("/dashboard/alerts?monitor=churn")
    triggers = tab.page.locator("#alerts-triggers-table")
    expect(triggers).to_contain_text("rt_churn_seeded")
    expect(triggers).to_contain_text(
        "promoted: @production -> churn version 2 (roc_auc 0.8665 for version 2 vs 0.8197 "
        "for version 1 on 522 labelled records)"
    )
    link = triggers.locator(f"a[href='{RUN_URL}']")
    expect(link).to_have_text(RUN_ID)
    expect(triggers.locator(".badge.status-promoted")).to_have_text("promoted")
    tab.screenshot("alerts-retraining-run")
    assert tab.errors == []


def test_retrain_now_creates_a_trigger_and_shows_its_delivered_outcome(
    tab: Tab, server: str, receiver: Receiver
) -> None:
    api = f"{server}/api/v1/monitors/credit/retrain"
    before = {t["trigger_id"] for t in httpx.get(api).json()["triggers"]}
    tab.open("/dashboard/alerts?monitor=credit")
    tab.page.locator("#alerts-retrain-reason").fill("browser test: new labels")
    tab.page.locator("#alerts-retrain").click()
    expect(tab.page.locator("#alerts-retrain-id")).to_contain_text("rt_")
    trigger_id = tab.page.locator("#alerts-retrain-id").inner_text()
    assert trigger_id not in before
    # The service's delivery job sends it to the retrain target (the local receiver).
    expect(tab.page.locator("#alerts-retrain-status")).to_have_text("delivered", timeout=20_000)
    created = {t["trigger_id"]: t for t in httpx.get(api).json()["triggers"]}[trigger_id]
    assert (created["source"], created["requested_by"]) == ("manual", "dashboard")
    assert (created["reason"], created["outcome"]) == ("browser test: new labels", "delivered")
    audit = httpx.get(f"{server}/api/v1/audit", params={"monitor": "credit"}).json()["events"]
    mine = [e for e in audit if e["detail"].get("trigger_id") == trigger_id]
    assert [(e["actor"], e["action"]) for e in mine] == [("dashboard:operator", "retrain")]
    expect(tab.page.locator("#alerts-audit-table")).to_contain_text(trigger_id)
    sent = [json.loads(r.body) for r in receiver.on("/retrain")]
    assert trigger_id in [body["trigger_id"] for body in sent]
    expect(tab.page.locator("#alerts-triggers-table")).to_contain_text(trigger_id)
    tab.screenshot("alerts-retrain")
    assert tab.errors == []


def test_a_notifications_dashboard_link_opens_its_window(
    tab: Tab, server: str, seeded: tuple[Path, Store]
) -> None:
    store = seeded[1]
    firing = next(
        d
        for d in store.list_deliveries("credit")
        if d.channel == "ops" and d.payload["type"] == "alert.firing"
    )
    link = str(firing.payload["dashboard_url"])
    assert link.startswith(DASHBOARD_URL + "/monitor/credit?window=")
    tab.open(link.replace(DASHBOARD_URL, "/dashboard"))
    expect(tab.page.locator("#monitor-name")).to_have_text("credit")
    window = firing.payload["window"]["start"][:16].replace("T", " ")
    expect(tab.page.locator("#monitor-window")).to_contain_text(window)
    assert tab.errors == []
