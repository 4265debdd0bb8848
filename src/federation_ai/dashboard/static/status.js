// The policy at a glance: indicators, the frozen banner and the distance-to-limit bars.

import { el, minutesBetween, num, pct, renderIfChanged, severity, usd, when } from "./util.js";

// SPEC §5.1 defaults, used until GET /limits answers.
export const DEFAULT_LIMITS = {
  freeze: { drawdown: 0.1, daily_loss: 0.05, consecutive_losses: 5, min_equity: 1000 },
  unfreeze: { max_drawdown: 0.05, min_equity: 1500, min_daily_pnl: 0, min_freeze_minutes: 60 },
};

const TONE = {
  mode: { LIVE: "good", SHADOW: "info", PAUSED: "warn", EMERGENCY: "bad" },
  profile: { MICRO: "bad", LOW: "warn", NORMAL: "good", AGGRESSIVE: "info" },
  tier: { NORMAL: "good", CAUTION: "warn", WARNING: "warn", EMERGENCY: "bad" },
  ess: { NOMINAL: "good", CAUTION: "warn", WARNING: "warn", CRITICAL: "bad" },
};

function indicator(id, label, value, tone, extra) {
  return el(
    "div",
    { class: `indicator tone-${tone || "neutral"}`, id, "data-value": value ?? "" },
    el("span", { class: "ind-label", text: label }),
    el("span", { class: "ind-value", text: value ?? "n/a" }),
    extra ? el("span", { class: "ind-extra", text: extra }) : null,
  );
}

function pinText(pin) {
  if (!pin) return null;
  return `pinned by ${pin.key_name}${pin.until ? ` until ${when(pin.until)}` : " until changed"}`;
}

export function renderIndicators(root, policy) {
  const m = policy.metrics || {};
  const frozen = policy.frozen?.frozen;
  const risk = policy.risk_limits || {};
  root.replaceChildren(
    indicator("ind-mode", "Trading mode", policy.mode, TONE.mode[policy.mode],
      frozen ? "frozen" : pinText(policy.pinned?.mode)),
    indicator("ind-profile", "Capital profile", policy.capital_profile?.profile,
      TONE.profile[policy.capital_profile?.profile],
      `risk/trade ${pct(policy.capital_profile?.max_risk_per_trade_pct, 1)}, ` +
        `max ${policy.capital_profile?.max_positions} positions`),
    indicator("ind-tier", "Risk tier", risk.tier, TONE.tier[risk.tier],
      pinText(policy.pinned?.risk_adjustment) ||
        `leverage ${num(risk.max_leverage)}x, position ${pct(risk.max_position_size_pct, 1)}`),
    indicator("ind-ess", "ESS level", policy.ess?.level, TONE.ess[policy.ess?.level],
      `external ESS: ${m.ess_state || "n/a"}, health: ${m.overall_status || "n/a"}`),
    indicator("ind-equity", "Equity", usd(m.equity), "neutral",
      `NAV ${num(m.nav, 4)}, peak ${num(m.peak, 4)}`),
    indicator("ind-perf", "Win rate / Sharpe", `${pct(m.win_rate, 0)} / ${num(m.sharpe)}`,
      "neutral", `last event ${when(policy.last_event_at)}`),
  );
}

function condition(ok, text) {
  return el("li", { class: ok ? "cond ok" : "cond pending" },
    el("span", { class: "mark", "aria-hidden": "true", text: ok ? "\u2713" : "\u2717" }),
    el("span", { class: "sr-only", text: ok ? "met: " : "not yet: " }),
    text);
}

export const TRIGGER_WORDS = {
  drawdown: "drawdown over the limit",
  daily_loss: "daily loss over the limit",
  consecutive_losses: "losing-trade streak",
  low_equity: "equity below the floor",
  ess_critical: "external ESS CRITICAL",
};

export function renderBanner(root, policy, limits, who, onUnfreeze) {
  const frozen = policy?.frozen;
  if (!frozen?.frozen) {
    root.hidden = true;
    renderIfChanged(root, "", () => []);
    return;
  }
  const m = policy.metrics || {};
  const u = limits.unfreeze;
  const minutes = minutesBetween(frozen.since, policy.last_event_at);
  const triggers = (frozen.triggers || []).map((t) => TRIGGER_WORDS[t] || t).join(", ");
  const conditions = el("ul", { class: "conditions" },
    condition(m.drawdown !== null && m.drawdown < u.max_drawdown,
      `drawdown below ${pct(u.max_drawdown, 0)} (now ${pct(m.drawdown)})`),
    condition(m.equity !== null && m.equity > u.min_equity,
      `equity above ${usd(u.min_equity)} (now ${usd(m.equity)})`),
    condition(m.daily_pnl_pct !== null && m.daily_pnl_pct > u.min_daily_pnl,
      `daily PnL above 0 % (now ${pct(m.daily_pnl_pct)})`),
    condition(m.ess_state !== "CRITICAL", `external ESS not CRITICAL (now ${m.ess_state || "n/a"})`),
    condition(minutes !== null && minutes >= u.min_freeze_minutes,
      `frozen at least ${u.min_freeze_minutes} min of event time (now ${minutes === null ? "n/a" : Math.floor(minutes)} min)`),
  );
  const admin = who?.scope === "admin";
  root.hidden = false;
  const signature = JSON.stringify([frozen, admin, conditions.textContent]);
  renderIfChanged(root, signature, () => [
    el("div", { class: "banner-head" },
      el("strong", { class: "banner-title", text: "TRADING FROZEN" }),
      el("span", { text: ` since ${when(frozen.since)} - triggers: ${triggers || "n/a"}` })),
    el("p", { class: "banner-lift", text: "The Supervisor lifts the freeze by itself once all of these hold:" }),
    conditions,
    admin
      ? el("button", { type: "button", id: "banner-unfreeze", class: "danger", onclick: onUnfreeze },
        "Forced unfreeze (admin)...")
      : el("p", { class: "small", text: "Only an admin key can force an unfreeze." }),
  ]);
}

function bar(id, label, used, valueText, limitText, warned = false) {
  const level = severity(used);
  const words = { ok: "OK", near: "NEAR LIMIT", over: "AT LIMIT", unknown: "NO DATA" }[level];
  const fill = el("div", { class: "fill" });
  fill.style.width = `${Math.max(0, Math.min(1, used || 0)) * 100}%`;
  const attrs = { class: `limit level-${level}${warned ? " warned" : ""}`, id, "data-level": level };
  if (warned) attrs["data-warning"] = "active";
  return el("div", attrs,
    el("div", { class: "limit-head" },
      el("span", { class: "limit-label", text: label }),
      el("span", { class: "limit-state", text: warned && level !== "over" ? `EARLY WARNING - ${words}` : words })),
    el("div", {
      class: "track", role: "meter", "aria-label": `${label}: ${valueText} of ${limitText}`,
      "aria-valuemin": "0", "aria-valuemax": "100",
      "aria-valuenow": String(Math.round(Math.max(0, Math.min(1, used || 0)) * 100)),
    }, fill),
    el("div", { class: "limit-text small", text: `${valueText} - ${limitText}` }));
}

// `warned`: the limits with an active early warning (GET /status early_warnings.active).
export function renderBars(root, policy, limits, warned = []) {
  const m = policy.metrics || {};
  const f = limits.freeze;
  const dd = m.drawdown;
  const loss = m.daily_pnl_pct === null || m.daily_pnl_pct === undefined
    ? null : Math.max(0, -m.daily_pnl_pct);
  const on = new Set(warned);
  root.replaceChildren(
    bar("limit-drawdown", "Drawdown", dd === null ? null : dd / f.drawdown,
      `DD ${pct(dd)}`, `freeze above ${pct(f.drawdown, 0)}`, on.has("drawdown")),
    bar("limit-daily", "Daily PnL", loss === null ? null : loss / f.daily_loss,
      `today ${pct(m.daily_pnl_pct)}`, `freeze below -${pct(f.daily_loss, 0)}`,
      on.has("daily_loss")),
    bar("limit-losses", "Consecutive losing trades",
      (m.consecutive_losses ?? 0) / f.consecutive_losses,
      `${m.consecutive_losses ?? 0} in a row`, `freeze at ${f.consecutive_losses}`,
      on.has("consecutive_losses")),
    bar("limit-equity", "Equity floor", m.equity ? f.min_equity / m.equity : null,
      `equity ${usd(m.equity)}`, `freeze below ${usd(f.min_equity)}`, on.has("low_equity")),
  );
}

const WARNING_WORDS = {
  drawdown: (w) => `drawdown ${pct(w.value)} reached ${pct(w.threshold)} (freeze above ${pct(w.freeze_at, 0)})`,
  daily_loss: (w) => `daily PnL ${pct(w.value)} reached ${pct(w.threshold)} (freeze below ${pct(w.freeze_at, 0)})`,
  consecutive_losses: (w) => `${w.value} losing trades in a row (freeze at ${w.freeze_at})`,
  low_equity: (w) => `equity ${usd(w.value)} down to ${usd(w.threshold)} (freeze below ${usd(w.freeze_at)})`,
};

// One early warning in words, for the message area.
export function warningText(w) {
  const words = WARNING_WORDS[w.limit];
  return `Early warning for ${w.account_id}: ${words ? words(w) : w.limit}.`;
}
