"""The dashboard in Chromium: freeze banner and forced unfreeze, role cards, filters and
the decision detail, accounts, narrow layout."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import open_dashboard

pytestmark = pytest.mark.browser


def test_a_freeze_shows_the_banner_and_an_admin_can_force_the_unfreeze(page, server):
    server.snapshot(10_000.0)
    open_dashboard(page, server, "admin")
    banner = page.locator("#frozen-banner")
    expect(banner).to_be_hidden()
    server.snapshot(8_500.0)  # DD 15 %: the Supervisor freezes
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("TRADING FROZEN")
    expect(page.locator("#messages")).to_contain_text("Trading frozen on default: drawdown")
    expect(banner).to_contain_text("drawdown over the limit")
    expect(banner).to_contain_text("drawdown below 5 % (now 15.00 %)")
    expect(banner).to_contain_text("equity above $1,500.00")
    expect(banner.locator(".cond.pending")).to_have_count(3)  # DD, daily PnL, 60 min
    expect(page.locator("#ind-mode .ind-value")).to_have_text("EMERGENCY")
    expect(page.locator("#limit-drawdown")).to_have_attribute("data-level", "over")
    expect(page.locator("#limit-daily")).to_have_attribute("data-level", "over")
    expect(page.locator("#decision-rows tr[data-type='freeze']")).to_have_count(1)
    # the banner's button leads to the admin form
    page.click("#banner-unfreeze")
    expect(page.locator("#unfreeze-reason")).to_be_focused()
    page.keyboard.type("positions flattened by hand")
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("lift the freeze now and set the mode to SHADOW")
    page.click("#confirm-ok")
    expect(banner).to_be_hidden()
    expect(page.locator("#ind-mode .ind-value")).to_have_text("SHADOW")
    unfreeze = page.locator("#decision-rows tr[data-type='unfreeze']")
    expect(unfreeze).to_have_count(1)
    expect(unfreeze.locator("td.by")).to_have_text("admin-desk")


def test_the_banner_offers_no_forced_unfreeze_to_an_operator(page, server):
    server.snapshot(10_000.0)
    server.snapshot(500.0)  # equity under $1,000
    open_dashboard(page, server, "operator")
    banner = page.locator("#frozen-banner")
    expect(banner).to_contain_text("equity below the floor")
    expect(banner).to_contain_text("Only an admin key can force an unfreeze")
    expect(page.locator("#banner-unfreeze")).to_have_count(0)
    expect(page.locator("#unfreeze-form")).to_be_hidden()
    expect(page.locator("#limit-equity")).to_have_attribute("data-level", "over")


def test_roles_disable_and_enable_and_the_supervisor_is_locked(page, server):
    server.snapshot(10_000.0)
    open_dashboard(page, server, "operator")
    expect(page.locator("#role-supervisor-locked")).to_contain_text("cannot be disabled")
    expect(page.locator("#role-supervisor button")).to_have_count(0)
    cio = page.locator("#role-cio")
    expect(cio).to_have_attribute("data-enabled", "true")
    page.click("#role-cio-toggle")
    expect(page.locator("#confirm-dialog")).to_contain_text("disable the CIO role")
    page.fill("#confirm-reason", "model feed broken")
    page.keyboard.press("Enter")
    expect(cio).to_have_attribute("data-enabled", "false")
    expect(page.locator("#role-cio-state")).to_have_text("DISABLED")
    expect(page.locator("#role-cio-toggle")).to_have_text("Enable")
    row = page.locator("#decision-rows tr[data-type='role_status']")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("model feed broken")
    page.click("#role-cio-toggle")
    page.click("#confirm-ok")
    expect(cio).to_have_attribute("data-enabled", "true")
    expect(row).to_have_count(2)


def test_filters_and_the_decision_detail_by_keyboard(page, server):
    server.snapshot(10_000.0)
    server.snapshot(9_600.0)  # CRO tightens to CAUTION, ESS CAUTION
    server.health("DEGRADED")
    open_dashboard(page, server, "viewer")
    rows = page.locator("#decision-rows tr.row")
    expect(rows).to_have_count(4)
    page.select_option("#filter-role", "cro")
    expect(rows).to_have_count(3)
    page.select_option("#filter-type", "risk_adjustment")
    expect(rows).to_have_count(1)
    page.select_option("#filter-status", "vetoed")
    expect(rows).to_have_count(0)
    expect(page.locator("#decision-rows")).to_contain_text("No decisions match")
    page.select_option("#filter-status", "")
    expect(rows).to_have_count(1)
    # a live decision that does not match the filters stays out
    server.health("HEALTHY")
    expect(page.locator("#ind-mode .ind-value")).to_have_text("LIVE")
    expect(rows).to_have_count(1)
    rows.first.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#detail-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#detail-reason")).to_contain_text("CAUTION")
    expect(page.locator("#detail-payload")).to_contain_text('"tier": "CAUTION"')
    expect(page.locator("#detail-event")).to_contain_text('"total_equity": 9600')
    page.keyboard.press("Escape")
    expect(dialog).not_to_be_visible()
    expect(rows.first).to_be_focused()


def test_the_account_selector_switches_accounts(page, server):
    server.snapshot(10_000.0)
    server.snapshot(20_000.0, account="desk-b")
    server.health("CRITICAL", account="desk-b")  # desk-b: PAUSED
    open_dashboard(page, server, "viewer")
    expect(page.locator("#account option")).to_have_count(2)
    expect(page.locator("#ind-mode .ind-value")).to_have_text("LIVE")
    page.select_option("#account", "desk-b")
    expect(page.locator("#ind-mode .ind-value")).to_have_text("PAUSED")
    expect(page.locator("#ind-equity .ind-value")).to_have_text("$20,000.00")
    expect(page.locator("#decision-rows tr[data-type='mode_change']")).to_have_count(1)
    # live decisions of the other account do not enter this table
    server.health("DEGRADED")
    server.health("CRITICAL", account="desk-b", ess_state="CRITICAL")
    expect(page.locator("#decision-rows tr[data-type='freeze']")).to_have_count(1)
    expect(page.locator("#decision-rows tr[data-type='mode_change']")).to_have_count(1)


def test_readable_at_800_px(page, server):
    server.snapshot(10_000.0)
    server.snapshot(10_100.0)
    page.set_viewport_size({"width": 800, "height": 900})
    open_dashboard(page, server, "operator")
    expect(page.locator("#chart canvas")).to_be_visible()
    expect(page.locator("#ind-mode")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 800
    # one column: the limit bars and the chart stack
    bars = page.locator("#limits").bounding_box()
    chart = page.locator("#chart-panel").bounding_box()
    assert chart["y"] > bars["y"] + bars["height"] - 1
