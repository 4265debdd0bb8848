// The trading backend's halt keys (interop profile): does each one match the policy?

import { el, when } from "./util.js";

function shown(value) {
  return value === null || value === undefined ? "absent" : JSON.stringify(value);
}

export function renderEnforcement(section, root, enforcement) {
  if (!enforcement) {
    section.hidden = true; // no interop profile enforcing: nothing to show
    return;
  }
  section.hidden = false;
  const rows = Object.entries(enforcement.keys || {}).map(([key, k]) =>
    el("tr", { class: k.matches ? "cond ok" : "cond pending", "data-key": key },
      el("th", { scope: "row", text: key }),
      el("td", { text: shown(k.value) }),
      el("td", { text: shown(k.expected) }),
      el("td", { text: k.matches ? "\u2713 matches" : "\u2717 does not match" })));
  const frozen = enforcement.frozen === null ? "no policy yet"
    : enforcement.frozen ? "frozen" : "not frozen";
  root.replaceChildren(
    el("p", { id: "enforcement-summary",
      class: enforcement.all_match ? "muted" : "warn",
      text: `${enforcement.account_id}: ${frozen}; ` +
        (enforcement.all_match ? "every halt key matches" : "halt keys do not match the policy") +
        ` (checked ${when(enforcement.checked_at)})` +
        (enforcement.error ? `; Redis: ${enforcement.error}` : "") }),
    el("table", { class: "keys" },
      el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: "Key" }), el("th", { scope: "col", text: "Now" }),
        el("th", { scope: "col", text: "Policy wants" }), el("th", { scope: "col", text: "" }))),
      el("tbody", {}, ...rows)),
    enforcement.reason ? el("p", { class: "muted small", text: `Reason: ${enforcement.reason}` })
      : null,
  );
}
