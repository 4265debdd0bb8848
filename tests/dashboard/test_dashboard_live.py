"""The dashboard in Chromium against a running `federation serve`: loading, the live
decision stream, operator overrides, scopes and API errors in words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import open_dashboard

pytestmark = pytest.mark.browser


def test_page_loads_and_shows_the_policy(page, server):
    server.snapshot(10_000.0)
    page.goto(server.url + "/")
    expect(page).to_have_title("Federation AI - operator dashboard")
    expect(page.locator("#api-key")).to_be_focused()  # keyboard first: type the key, Enter
    page.keyboard.type(server.keys["operator"])
    page.keyboard.press("Enter")
    expect(page.locator("#who")).to_have_text("Key: operator-desk (operator)")
    expect(page.locator("#ind-mode .ind-value")).to_have_text("LIVE")
    expect(page.locator("#ind-mode")).to_have_class("indicator tone-good")
    expect(page.locator("#ind-profile .ind-value")).to_have_text("LOW")
    expect(page.locator("#ind-tier .ind-value")).to_have_text("NORMAL")
    expect(page.locator("#ind-ess .ind-value")).to_have_text("NOMINAL")
    expect(page.locator("#limit-drawdown")).to_have_attribute("data-level", "ok")
    expect(page.locator("#stream-state")).to_have_attribute("data-state", "live")
    expect(page.locator("#frozen-banner")).to_be_hidden()
    # the key lives in sessionStorage only
    stored = page.evaluate("() => [sessionStorage.getItem('federation.apiKey'), localStorage.length]")
    assert stored == [server.keys["operator"], 0]


def test_a_posted_event_appears_live_without_a_reload(page, server):
    server.snapshot(10_000.0)
    open_dashboard(page, server, "viewer")
    expect(page.locator("#stream-state")).to_have_attribute("data-state", "live")
    page.evaluate("() => { window.__sameDocument = true; }")
    rows = page.locator("#decision-rows tr[data-type='mode_change']")
    expect(rows).to_have_count(0)
    server.health("DEGRADED")  # the CEO demotes LIVE -> SHADOW
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ceo")
    expect(rows.first).to_contain_text("applied")
    expect(page.locator("#ind-mode .ind-value")).to_have_text("SHADOW")
    expect(page.locator("#role-ceo .last")).to_contain_text("mode_change")
    assert page.evaluate("() => window.__sameDocument") is True


def test_operator_mode_override_with_reason_and_confirmation(page, server):
    server.snapshot(10_000.0)
    open_dashboard(page, server, "operator")
    page.select_option("#mode-select", "PAUSED")
    page.fill("#mode-duration", "30")
    # no reason: refused in words, nothing sent
    page.click("#mode-submit")
    expect(page.locator("#messages")).to_contain_text("A reason is required")
    expect(page.locator("#confirm-dialog")).not_to_be_visible()
    page.fill("#mode-reason", "exchange maintenance")
    page.click("#mode-submit")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("set the mode to PAUSED for 30 minutes")
    expect(dialog).to_contain_text("Reason: exchange maintenance")
    # Escape cancels: nothing changes
    page.keyboard.press("Escape")
    expect(dialog).not_to_be_visible()
    expect(page.locator("#ind-mode .ind-value")).to_have_text("LIVE")
    page.click("#mode-submit")
    expect(page.locator("#confirm-ok")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).not_to_be_visible()
    expect(page.locator("#ind-mode .ind-value")).to_have_text("PAUSED")
    expect(page.locator("#ind-mode")).to_contain_text("pinned by operator-desk")
    row = page.locator("#decision-rows tr[data-role='operator'][data-type='mode_change']")
    expect(row).to_have_count(1)
    expect(row.locator("td.by")).to_have_text("operator-desk")
    expect(page.locator("#messages")).to_contain_text("Applied: mode_change")


def test_viewer_sees_controls_disabled_and_a_403_in_words(page, server):
    server.snapshot(10_000.0)
    open_dashboard(page, server, "viewer")
    expect(page.locator("#scope-note")).to_contain_text("Read-only key (viewer)")
    expect(page.locator("#mode-submit")).to_be_disabled()
    expect(page.locator("#risk-submit")).to_be_disabled()
    expect(page.locator("#role-cro-toggle")).to_be_disabled()
    expect(page.locator("#unfreeze-form")).to_be_hidden()
    # Even if the controls are forced open, the API's 403 is shown, not swallowed.
    page.evaluate("() => { document.querySelector('#mode-form fieldset').disabled = false; }")
    page.fill("#mode-reason", "trying")
    page.click("#mode-submit")
    page.click("#confirm-ok")
    error = page.locator("#confirm-error")
    expect(error).to_contain_text("Not allowed for this key (403)")
    expect(error).to_contain_text("needs the operator scope")
    page.click("#confirm-cancel")
    expect(page.locator("#ind-mode .ind-value")).to_have_text("LIVE")


def test_an_unknown_key_is_refused_in_words(page, server):
    page.goto(server.url + "/")
    page.fill("#api-key", "fed_not-a-key")
    page.press("#api-key", "Enter")
    expect(page.locator("#messages")).to_contain_text("API key refused (401)")
    expect(page.locator("#who")).to_have_text("No key")
    assert page.evaluate("() => sessionStorage.getItem('federation.apiKey')") is None


def test_invalid_risk_limits_show_the_422_field(page, server):
    server.snapshot(10_000.0)
    open_dashboard(page, server, "operator")
    page.fill("#risk-max_position_size_pct", "5")  # a fraction must be <= 1
    page.fill("#risk-reason", "widen")
    page.click("#risk-submit")
    page.click("#confirm-ok")
    error = page.locator("#confirm-error")
    expect(error).to_contain_text("Invalid input (422)")
    expect(error).to_contain_text("max_position_size_pct")
    page.keyboard.press("Escape")
    page.fill("#risk-max_position_size_pct", "0.05")
    page.click("#risk-submit")
    page.click("#confirm-ok")
    expect(page.locator("#confirm-dialog")).not_to_be_visible()
    expect(page.locator("#ind-tier")).to_contain_text("pinned by operator-desk")
    expect(page.locator("#decision-rows tr[data-role='operator'][data-type='risk_adjustment']")).to_have_count(1)


def test_keyboard_focus_order_and_visible_focus(page, server):
    server.snapshot(10_000.0)
    open_dashboard(page, server, "operator")
    page.focus("#api-key")
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => document.activeElement.id"))
    assert order[:3] == ["use-key", "forget-key", "account"]
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    # a live update re-renders the role cards but keeps the keyboard focus
    page.focus("#role-cro-toggle")
    expect(page.locator("#stream-state")).to_have_attribute("data-state", "live")
    server.health("DEGRADED")
    expect(page.locator("#role-ceo .last")).to_contain_text("mode_change")
    expect(page.locator("#role-cro-toggle")).to_be_focused()
    # the role button is operable from the keyboard
    page.keyboard.press("Enter")
    expect(page.locator("#confirm-dialog")).to_be_visible()
    expect(page.locator("#confirm-reason")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#confirm-dialog")).not_to_be_visible()
    expect(page.locator("#role-cro")).to_have_attribute("data-enabled", "true")
