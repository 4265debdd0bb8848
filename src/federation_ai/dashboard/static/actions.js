// Operator actions: every one is reviewed in a confirmation dialog before it is sent.

import { call } from "./api.js";
import { $, el, num } from "./util.js";

const RISK_FIELDS = [
  ["max_leverage", "Max leverage (x)", "0.1"],
  ["max_position_size_pct", "Max position size (fraction, 0.10 = 10 %)", "0.01"],
  ["max_exposure_pct", "Max exposure (fraction of equity)", "0.05"],
  ["max_drawdown_pct", "Max drawdown (fraction)", "0.01"],
  ["stop_loss_multiplier", "Stop-loss multiplier", "0.05"],
];

// Show the dialog; resolves when the action succeeded or the user cancelled.
// send(reason) performs the request; its error is shown in the dialog, never swallowed.
function confirmDialog({ title, lines, askReason, send }) {
  const dialog = $("#confirm-dialog");
  const error = $("#confirm-error");
  const ok = $("#confirm-ok");
  const reasonWrap = $("#confirm-reason-wrap");
  const reason = $("#confirm-reason");
  $("#confirm-title").textContent = title;
  $("#confirm-body").replaceChildren(...lines.map((line) => el("p", { text: line })));
  error.textContent = "";
  reasonWrap.hidden = !askReason;
  reason.value = "";
  ok.disabled = false;
  return new Promise((resolve) => {
    const finish = (value) => {
      cleanup();
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onSubmit = async (event) => {
      event.preventDefault();
      ok.disabled = true;
      error.textContent = "";
      try {
        const result = await send(reason.value.trim());
        finish(result);
      } catch (err) {
        error.textContent = err.message;
        ok.disabled = false;
        ok.focus();
      }
    };
    const onCancel = () => finish(null);
    const onClose = () => finish(null);
    const cleanup = () => {
      $("#confirm-form").removeEventListener("submit", onSubmit);
      $("#confirm-cancel").removeEventListener("click", onCancel);
      dialog.removeEventListener("close", onClose);
    };
    $("#confirm-form").addEventListener("submit", onSubmit);
    $("#confirm-cancel").addEventListener("click", onCancel);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    (askReason ? reason : ok).focus();
  });
}

function outcomeWords(result) {
  const ds = result?.decisions || [];
  const vetoed = ds.filter((d) => d.status === "vetoed");
  if (vetoed.length) {
    const veto = ds.find((d) => d.decision_type === "override" && d.payload?.action === "veto");
    return `Vetoed by the Supervisor${veto ? ` (${veto.payload.rule})` : ""}: ${vetoed[0].reason}`;
  }
  const applied = ds.filter((d) => d.status === "applied").map((d) => d.decision_type);
  return applied.length ? `Applied: ${applied.join(", ")}.` : "Sent; no decision changed anything.";
}

export class Actions {
  // ctx: { account(), who(), notify(text, kind), remember(eventId, keyName), refresh() }
  constructor(ctx) {
    this.ctx = ctx;
    $("#risk-fields").replaceChildren(
      ...RISK_FIELDS.map(([name, label, step]) => el("div", { class: "field" },
        el("label", { for: `risk-${name}`, text: label }),
        el("input", { id: `risk-${name}`, name, type: "number", step, min: "0", inputmode: "decimal" }))),
    );
    $("#mode-form").addEventListener("submit", (e) => this.reviewMode(e));
    $("#risk-form").addEventListener("submit", (e) => this.reviewRisk(e));
    $("#unfreeze-form").addEventListener("submit", (e) => this.reviewUnfreeze(e));
  }

  // Placeholders show the limits in force.
  showLimits(policy) {
    for (const [name] of RISK_FIELDS) {
      const value = policy?.risk_limits?.[name];
      $(`#risk-${name}`).placeholder = value === undefined ? "" : `now ${num(value, 3)}`;
    }
  }

  setAccess(scope) {
    const operator = scope === "operator" || scope === "admin";
    for (const form of ["#mode-form", "#risk-form"]) $(`${form} fieldset`).disabled = !operator;
    $("#unfreeze-form").hidden = scope !== "admin";
    $("#unfreeze-form fieldset").disabled = scope !== "admin";
    $("#scope-note").textContent = !scope ? "Enter an API key to act." : operator
      ? `Actions are recorded with your key's name.${scope === "admin" ? " Admin: forced unfreeze available." : ""}`
      : "Read-only key (viewer): overrides and role changes need an operator key.";
  }

  async run(title, lines, body, path, askReason = false) {
    const { ctx } = this;
    const result = await confirmDialog({
      title, lines, askReason,
      send: (extraReason) => call(path, {
        method: "POST",
        body: askReason ? { ...body, reason: extraReason || undefined } : body,
      }),
    });
    if (result) {
      ctx.remember(result.event_id, ctx.who()?.name);
      ctx.notify(`${title}: ${outcomeWords(result)}`, "ok");
      ctx.refresh();
    }
    return result;
  }

  requireReason(input, e) {
    e.preventDefault();
    const reason = $(input).value.trim();
    if (!reason) {
      this.ctx.notify("A reason is required for every override.", "error");
      $(input).setAttribute("aria-invalid", "true");
      $(input).focus();
      return null;
    }
    $(input).removeAttribute("aria-invalid");
    return reason;
  }

  async reviewMode(e) {
    const reason = this.requireReason("#mode-reason", e);
    if (!reason) return;
    const mode = $("#mode-select").value;
    const minutes = $("#mode-duration").value ? Number($("#mode-duration").value) : undefined;
    const account = this.ctx.account();
    const done = await this.run("Change trading mode", [
      `Account ${account}: set the mode to ${mode}${minutes ? ` for ${minutes} minutes` : " until changed"}.`,
      "While pinned, the CEO's mode decisions are superseded; the Supervisor may still veto.",
      `Reason: ${reason}`,
    ], { account_id: account, mode, reason, duration_minutes: minutes }, "/mode");
    if (done) $("#mode-reason").value = "";
  }

  async reviewRisk(e) {
    const reason = this.requireReason("#risk-reason", e);
    if (!reason) return;
    const limits = {};
    for (const [name] of RISK_FIELDS) {
      const raw = $(`#risk-${name}`).value;
      if (raw !== "") limits[name] = Number(raw);
    }
    const minutes = $("#risk-duration").value ? Number($("#risk-duration").value) : undefined;
    const account = this.ctx.account();
    const shown = Object.entries(limits).map(([k, v]) => `${k} = ${v}`).join(", ") || "(none)";
    const done = await this.run("Override risk limits", [
      `Account ${account}: ${shown}${minutes ? ` for ${minutes} minutes` : " until changed"}.`,
      "While pinned, the CRO's risk adjustments are superseded.",
      `Reason: ${reason}`,
    ], { account_id: account, ...limits, reason, duration_minutes: minutes }, "/risk");
    if (done) $("#risk-reason").value = "";
  }

  async reviewUnfreeze(e) {
    const reason = this.requireReason("#unfreeze-reason", e);
    if (!reason) return;
    const mode = $("#unfreeze-mode").value;
    const account = this.ctx.account();
    const done = await this.run("Forced unfreeze", [
      `Account ${account}: lift the freeze now and set the mode to ${mode}.`,
      "Peak and day open are reset to the current NAV; only new deterioration freezes again.",
      `Reason: ${reason}`,
    ], { account_id: account, mode, reason, force: true }, "/mode");
    if (done) $("#unfreeze-reason").value = "";
  }

  toggleRole(role, name, enable) {
    const account = this.ctx.account();
    const verb = enable ? "enable" : "disable";
    return this.run(`${enable ? "Enable" : "Disable"} ${name}`, [
      `Account ${account}: ${verb} the ${name} role.`,
      enable ? "It proposes decisions again from the next event."
        : "It stops proposing decisions until enabled again.",
    ], { account_id: account }, `/roles/${role}/${verb}`, true);
  }
}
