// Recent decisions: filters, a live table, and the detail dialog (reason, payload, event).

import { call } from "./api.js";
import { $, el, pretty, when } from "./util.js";

const ROLE_OPTIONS = ["supervisor", "operator", "cro", "ceo", "cio", "cfo", "researcher"];
const TYPE_OPTIONS = [
  "mode_change", "capital_profile", "risk_adjustment", "ess_policy", "strategy_allocation",
  "symbol_universe", "cashflow", "research_task", "override", "freeze", "unfreeze", "role_status",
];
const STATUS_OPTIONS = ["applied", "superseded", "vetoed"];
const MAX_ROWS = 300;

export class DecisionTable {
  constructor({ onError }) {
    this.onError = onError;
    this.rows = [];
    this.live = [];
    this.ticket = 0;
    this.cursor = null;
    this.account = "default";
    this.byEvent = new Map(); // operator event id -> key name
    this.tbody = $("#decision-rows");
    this.more = $("#load-more");
    this.count = $("#decision-count");
    fillSelect($("#filter-role"), "All roles", ROLE_OPTIONS);
    fillSelect($("#filter-type"), "All types", TYPE_OPTIONS);
    fillSelect($("#filter-status"), "All statuses", STATUS_OPTIONS);
    $("#filters").addEventListener("change", () => this.reload());
    $("#filters").addEventListener("submit", (e) => e.preventDefault());
    this.more.addEventListener("click", () => this.load(true));
    $("#detail-close").addEventListener("click", () => $("#detail-dialog").close());
  }

  filters() {
    return {
      role: $("#filter-role").value,
      type: $("#filter-type").value,
      status: $("#filter-status").value,
    };
  }

  matches(d) {
    const f = this.filters();
    return d.account_id === this.account && (!f.role || d.role_source === f.role) &&
      (!f.type || d.decision_type === f.type) && (!f.status || d.status === f.status);
  }

  async reload(account) {
    if (account) this.account = account;
    this.rows = [];
    this.cursor = null;
    await this.load(false);
  }

  async load(older) {
    const f = this.filters();
    const ticket = ++this.ticket; // only the latest load may render
    if (!older) this.live = []; // decisions streamed in while this page is fetched
    try {
      const page = await call("/decisions", {
        query: {
          account_id: this.account, role: f.role, type: f.type, status: f.status, limit: 50,
          cursor: older ? this.cursor : undefined,
        },
      });
      if (ticket !== this.ticket) return;
      if (older) {
        const known = new Set(this.rows.map((d) => d.decision_id));
        this.rows = [...this.rows, ...page.items.filter((d) => !known.has(d.decision_id))];
      } else {
        const ids = new Set(page.items.map((d) => d.decision_id));
        const streamed = this.live.filter((d) => !ids.has(d.decision_id) && this.matches(d));
        this.rows = [...streamed, ...page.items];
      }
      this.cursor = page.next_cursor;
      this.render();
    } catch (err) {
      if (ticket !== this.ticket) return;
      if (err.status !== 404) this.onError(`Could not load decisions: ${err.message}`);
      if (!older) this.rows = [];
      this.render();
    }
  }

  // A decision from the live stream.
  add(d) {
    if (!this.matches(d) || this.rows.some((r) => r.decision_id === d.decision_id)) return;
    this.rows.unshift(d);
    this.live.push(d);
    if (this.live.length > MAX_ROWS) this.live.shift();
    if (this.rows.length > MAX_ROWS) this.rows.length = MAX_ROWS;
    this.render(d.decision_id);
  }

  keyName(d) {
    if (d.role_source !== "operator") {
      return d.decision_type === "unfreeze" ? d.payload?.by || "" : "";
    }
    if (this.byEvent.has(d.event_id)) return this.byEvent.get(d.event_id);
    this.byEvent.set(d.event_id, "...");
    call(`/decisions/${encodeURIComponent(d.decision_id)}`)
      .then((full) => {
        this.byEvent.set(d.event_id, full.event?.payload?.key_name || "?");
        this.render();
      })
      .catch(() => this.byEvent.set(d.event_id, "?"));
    return "...";
  }

  render(freshId) {
    const focusedId = document.activeElement?.dataset?.decisionId;
    this.tbody.replaceChildren(
      ...this.rows.map((d) => {
        const row = el("tr", {
          tabindex: "0",
          class: `row row-${d.status}${d.decision_id === freshId ? " fresh" : ""}`,
          "data-decision-id": d.decision_id,
          "data-type": d.decision_type,
          "data-role": d.role_source,
          "aria-label": `${d.decision_type} by ${d.role_source}, ${d.status}. Press Enter for details.`,
          onclick: () => this.open(d),
          onkeydown: (e) => {
            if (e.key === "Enter" || e.key === " ") {
              e.preventDefault();
              this.open(d);
            }
          },
        },
        el("td", { class: "nowrap", text: when(d.timestamp) }),
        el("td", { text: d.role_source }),
        el("td", {}, el("span", { class: "tag", text: d.decision_type })),
        el("td", {}, el("span", { class: `status status-${d.status}`, text: d.status })),
        el("td", { class: "by", text: this.keyName(d) }),
        el("td", { class: "reason", text: d.reason }));
        return row;
      }),
    );
    if (!this.rows.length) {
      this.tbody.append(el("tr", {}, el("td", { colspan: "6", class: "muted", text: "No decisions match." })));
    }
    if (focusedId) this.tbody.querySelector(`[data-decision-id="${CSS.escape(focusedId)}"]`)?.focus();
    this.more.hidden = !this.cursor;
    this.count.textContent = `(${this.rows.length} shown)`;
  }

  async open(d) {
    const dialog = $("#detail-dialog");
    const body = $("#detail-body");
    $("#detail-title").textContent = `${d.decision_type} by ${d.role_source} - ${d.status}`;
    body.replaceChildren(el("p", { class: "muted", text: "Loading..." }));
    if (!dialog.open) dialog.showModal();
    $("#detail-close").focus();
    let full = d;
    let eventBlock;
    try {
      full = await call(`/decisions/${encodeURIComponent(d.decision_id)}`);
      eventBlock = el("pre", { class: "json", id: "detail-event", text: pretty(full.event) });
    } catch (err) {
      eventBlock = el("p", { class: "error", role: "alert", text: err.message });
    }
    body.replaceChildren(
      el("dl", { class: "meta" },
        el("dt", { text: "Reason" }), el("dd", { id: "detail-reason", text: full.reason }),
        el("dt", { text: "Time (event)" }), el("dd", { text: when(full.timestamp) }),
        el("dt", { text: "Priority" }), el("dd", { text: String(full.priority) }),
        el("dt", { text: "Decision id" }), el("dd", { class: "mono", text: full.decision_id }),
        el("dt", { text: "Config" }), el("dd", { class: "mono", text: full.config_digest })),
      el("h3", { text: "Payload" }),
      el("pre", { class: "json", id: "detail-payload", text: pretty(full.payload) }),
      el("h3", { text: `Triggering event ${full.event_id}` }),
      eventBlock,
    );
  }
}

function fillSelect(select, allLabel, options) {
  select.replaceChildren(
    el("option", { value: "", text: allLabel }),
    ...options.map((o) => el("option", { value: o, text: o })),
  );
}
