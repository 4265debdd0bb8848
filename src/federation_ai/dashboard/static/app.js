// The dashboard: wires the key, the account, the polling and the live stream together.

import { Actions } from "./actions.js";
import { call, followStream, savedKey, saveKey, takeKeyFromUrl } from "./api.js";
import { renderChart } from "./chart.js";
import { DecisionTable } from "./decisions.js";
import { renderEnforcement } from "./enforcement.js";
import { ROLES, renderRoles } from "./roles.js";
import {
  DEFAULT_LIMITS, TRIGGER_WORDS, renderBanner, renderBars, renderIndicators, warningText,
} from "./status.js";
import { $, debounce, el, throttle } from "./util.js";

const ACCOUNT_ITEM = "federation.account";
const POLL_MS = 3000;

const state = {
  who: null,
  account: sessionStorage.getItem(ACCOUNT_ITEM) || "default",
  policy: null,
  limits: DEFAULT_LIMITS,
  lastByRole: {},
  timeline: null,
  stopStream: null,
  timer: null,
  warned: {}, // account -> limits with an active early warning
  shownWarnings: new Set(), // warning ids already in the message area
  staleShown: false, // the account shown is stale and was said so
};

// --- messages: every API error ends up here in words -----------------------------------
function notify(text, kind = "error") {
  const box = $("#messages");
  const item = el("div", { class: `msg msg-${kind}`, role: kind === "error" ? "alert" : "status" },
    el("span", { class: "msg-text", text }),
    el("button", { type: "button", class: "msg-close", "aria-label": "Dismiss message",
      onclick: () => item.remove() }, "\u00D7"));
  box.prepend(item);
  while (box.children.length > 5) box.lastElementChild.remove();
}

const table = new DecisionTable({ onError: (text) => notify(text) });
const actions = new Actions({
  account: () => state.account,
  who: () => state.who,
  notify,
  remember: (eventId, name) => name && table.byEvent.set(eventId, name),
  refresh: () => refreshPolicy(),
});

// --- rendering ------------------------------------------------------------------------
function renderAll() {
  const p = state.policy;
  const canAct = state.who?.scope === "operator" || state.who?.scope === "admin";
  renderRoles($("#role-cards"), p, state.lastByRole, canAct, (role, name, enable) =>
    actions.toggleRole(role, name, enable));
  renderBanner($("#frozen-banner"), p, state.limits, state.who, () => {
    $("#unfreeze-reason").focus();
  });
  if (!p) return;
  renderIndicators($("#indicators"), p);
  renderBars($("#limit-bars"), p, state.limits, state.warned[state.account] || []);
  actions.showLimits(p);
}

function renderTimeline() {
  renderChart($("#chart"), $("#chart-summary"), state.timeline, state.limits.freeze.drawdown);
}

// --- data -----------------------------------------------------------------------------
let policyTicket = 0;
async function refreshPolicy() {
  const ticket = ++policyTicket; // a slow, older answer never overwrites a newer one
  try {
    const policy = await call("/policy", { query: { account_id: state.account } });
    if (ticket !== policyTicket) return;
    announceFreeze(state.policy, policy);
    state.policy = policy;
  } catch (err) {
    if (ticket !== policyTicket) return;
    state.policy = null;
    if (err.status === 404) {
      $("#indicators").replaceChildren(el("p", { class: "muted",
        text: `No event seen yet for account ${state.account}; waiting for the first one.` }));
    } else {
      notify(`Could not read the policy: ${err.message}`);
      stopPolling();
    }
  }
  renderAll();
}

let timelineTicket = 0;
// Screen readers hear a freeze or its end once, not on every refresh of the banner.
function announceFreeze(before, after) {
  if (!before || before.account_id !== after.account_id) return;
  const was = before.frozen?.frozen;
  const is = after.frozen?.frozen;
  if (!was && is) {
    const why = after.frozen.triggers.map((t) => TRIGGER_WORDS[t] || t).join(", ");
    notify(`Trading frozen on ${after.account_id}: ${why}.`);
  }
  if (was && !is) notify(`Freeze lifted on ${after.account_id}; mode ${after.mode}.`, "ok");
}

async function refreshTimeline() {
  if (!state.policy) return;
  const ticket = ++timelineTicket;
  try {
    const timeline = await call("/timeline", { query: { account_id: state.account } });
    if (ticket !== timelineTicket) return;
    state.timeline = timeline;
    renderTimeline();
  } catch (err) {
    if (err.status !== 404) notify(`Could not read the NAV timeline: ${err.message}`);
  }
}

async function refreshEnforcement() {
  try {
    const status = await call("/status", { query: { limit: 1 } });
    renderEnforcement($("#enforcement"), $("#enforcement-keys"), status.enforcement);
    showWarnings(status.early_warnings);
    showStale(status.watchdog);
  } catch (err) {
    if (err.status !== 404) notify(`Could not read the service status: ${err.message}`);
  }
}

// Early warnings (not decisions): the limit bars mark the active ones, and each new
// warning of the account shown gets one line in the message area.
function showWarnings(early) {
  if (!early) return; // an older server
  state.warned = early.active || {};
  for (const w of early.recent || []) {
    if (state.shownWarnings.has(w.warning_id)) continue;
    state.shownWarnings.add(w.warning_id);
    if (w.account_id === state.account) notify(warningText(w), "warn");
  }
  if (state.policy) {
    renderBars($("#limit-bars"), state.policy, state.limits, state.warned[state.account] || []);
  }
}

// The stale-data watchdog: one message when the account shown turns stale.
function showStale(watchdog) {
  if (!watchdog) return; // an older server
  const stale = (watchdog.stale_accounts || []).includes(state.account);
  if (stale && !state.staleShown) {
    notify(`Stale data: no new portfolio snapshot of ${state.account} for `
      + `${watchdog.stale_after_s} s.`, "warn");
  }
  state.staleShown = stale;
}

async function refreshAccounts() {
  try {
    const { accounts } = await call("/accounts");
    const select = $("#account");
    const all = accounts.includes(state.account) ? accounts : [...accounts, state.account];
    const current = [...select.options].map((o) => o.value).join("|");
    if (current !== all.join("|")) {
      select.replaceChildren(...all.map((a) => el("option", { value: a, text: a })));
    }
    select.value = state.account;
  } catch (err) {
    notify(`Could not list accounts: ${err.message}`);
  }
}

async function refreshLastByRole() {
  const found = {};
  await Promise.all(ROLES.map(async ([role]) => {
    try {
      const page = await call("/decisions", { query: { account_id: state.account, role, limit: 1 } });
      found[role] = page.items[0] || null;
    } catch {
      found[role] = null; // unknown account: nothing decided yet
    }
  }));
  state.lastByRole = found;
}

const refreshSoon = throttle(() => {
  refreshPolicy();
  refreshTimeline();
}, 300);

function onDecision(d) {
  if (d.account_id !== state.account) {
    refreshAccounts();
    return;
  }
  table.add(d);
  if (ROLES.some(([role]) => role === d.role_source)) state.lastByRole[d.role_source] = d;
  refreshSoon();
}

function startPolling() {
  stopPolling();
  state.timer = setInterval(() => {
    refreshPolicy();
    refreshTimeline();
    refreshEnforcement();
  }, POLL_MS);
  state.stopStream = followStream(null, {
    onDecision,
    onState: (kind, words) => {
      const node = $("#stream-state");
      node.dataset.state = kind;
      node.textContent = kind === "live" ? "Live" : kind === "connecting" ? "Connecting..." : "Stream stopped";
      node.title = words;
      if (kind === "stopped") notify(`Live stream stopped: ${words}`);
      // (re)connected: catch up with anything decided while the stream was down
      if (kind === "live") refreshLastByRole().then(() => table.reload()).then(renderAll);
    },
  });
}

function stopPolling() {
  clearInterval(state.timer);
  state.timer = null;
  if (state.stopStream) state.stopStream();
  state.stopStream = null;
}

async function loadAccount() {
  await Promise.all([refreshPolicy(), refreshLastByRole(), table.reload(state.account),
    refreshEnforcement()]);
  renderAll();
  await refreshTimeline();
}

// --- key and account ------------------------------------------------------------------
function showWho() {
  const who = state.who;
  $("#who").textContent = who ? `Key: ${who.name} (${who.scope})` : "No key";
  $("#who").dataset.scope = who?.scope || "";
  actions.setAccess(who?.scope);
}

async function useKey(key) {
  stopPolling();
  saveKey(key);
  try {
    state.who = await call("/whoami");
  } catch (err) {
    state.who = null;
    saveKey("");
    showWho();
    notify(err.message);
    $("#api-key").focus();
    return;
  }
  showWho();
  try {
    state.limits = await call("/limits");
  } catch {
    state.limits = DEFAULT_LIMITS; // an older server: the SPEC defaults
  }
  await refreshAccounts();
  await loadAccount();
  startPolling();
}

function init() {
  takeKeyFromUrl();
  $("#key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const key = $("#api-key").value.trim();
    $("#api-key").value = "";
    if (!key) {
      notify("Enter an API key first.");
      return;
    }
    useKey(key);
  });
  $("#forget-key").addEventListener("click", () => {
    stopPolling();
    saveKey("");
    state.who = null;
    showWho();
    notify("Key forgotten for this tab.", "ok");
  });
  $("#account").addEventListener("change", async (e) => {
    state.account = e.target.value;
    state.staleShown = false;
    sessionStorage.setItem(ACCOUNT_ITEM, state.account);
    await loadAccount();
  });
  window.addEventListener("resize", debounce(renderTimeline, 200));
  showWho();
  renderAll();
  if (savedKey()) useKey(savedKey());
  else $("#api-key").focus();
}

init();
