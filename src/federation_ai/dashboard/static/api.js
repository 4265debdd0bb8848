// The REST API client: the key (sessionStorage only), JSON calls, errors in words, SSE.

const KEY_ITEM = "federation.apiKey";
const BASE = "/api/federation";

export function savedKey() {
  return sessionStorage.getItem(KEY_ITEM) || "";
}

export function saveKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

// A login link (`/#key=...`, printed by `federation serve --demo`): a fragment never
// reaches the server; the key moves to this tab's sessionStorage and leaves the
// address bar (and the history entry) at once.
export function takeKeyFromUrl() {
  if (!window.location.hash.startsWith("#")) return;
  const params = new URLSearchParams(window.location.hash.slice(1));
  if (!params.has("key")) return;
  const key = (params.get("key") || "").trim();
  history.replaceState(history.state, "", window.location.pathname + window.location.search);
  if (key) saveKey(key);
}

export class ApiError extends Error {
  constructor(status, detail, words) {
    super(words);
    this.status = status;
    this.detail = detail;
  }
}

const TITLES = {
  400: "Bad request",
  401: "API key refused",
  403: "Not allowed for this key",
  404: "Not found",
  409: "Conflict",
  413: "Request too large",
  422: "Invalid input",
  429: "Too many requests",
};

function detailText(detail) {
  if (detail === undefined || detail === null) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const loc = Array.isArray(d.loc) ? d.loc.filter((p) => p !== "body").join(".") : "";
        return loc ? `${loc}: ${d.msg}` : String(d.msg ?? JSON.stringify(d));
      })
      .join("; ");
  }
  return JSON.stringify(detail);
}

const HINTS = {
  401: "Enter a valid API key above.",
  403: "Use a key with a higher scope (viewer < operator < admin).",
  413: "Shorten the reason or send fewer fields.",
};

// A sentence for an API failure, e.g. "Not allowed for this key (403): needs the operator scope".
export function describe(status, detail) {
  const title = TITLES[status] || (status >= 500 ? "Server error" : "Request failed");
  const text = detailText(detail);
  const hint = HINTS[status] ? ` ${HINTS[status]}` : "";
  return `${title} (${status})${text ? `: ${text}` : ""}.${hint}`;
}

export async function call(path, { method = "GET", body, key = savedKey(), query } = {}) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json" };
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, null, `Cannot reach the service: ${err.message}.`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!response.ok) {
    const detail = data && typeof data === "object" ? data.detail : data;
    throw new ApiError(response.status, detail, describe(response.status, detail));
  }
  return data;
}

// Follow the decision stream with fetch (EventSource cannot send the key header).
// Calls onDecision(decision) per event, onState("live"|"connecting"|"stopped", words).
export function followStream(accountId, { onDecision, onState }) {
  const controller = new AbortController();
  let stopped = false;

  async function once() {
    const url = new URL(`${BASE}/stream`, window.location.origin);
    if (accountId) url.searchParams.set("account_id", accountId);
    const response = await fetch(url, {
      headers: { "X-API-Key": savedKey(), Accept: "text/event-stream" },
      signal: controller.signal,
    });
    if (!response.ok) {
      let detail = null;
      try {
        detail = (await response.json()).detail;
      } catch {
        /* not JSON */
      }
      throw new ApiError(response.status, detail, describe(response.status, detail));
    }
    onState("live", "Live: decisions stream in as they are made");
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = frame
          .split("\n")
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).trimStart())
          .join("\n");
        if (data) onDecision(JSON.parse(data));
      }
    }
  }

  (async () => {
    let delay = 1000;
    while (!stopped) {
      onState("connecting", "Connecting to the live stream...");
      try {
        await once();
        delay = 1000;
      } catch (err) {
        if (stopped || err.name === "AbortError") return;
        if (err.status === 401 || err.status === 403 || err.status === 404) {
          onState("stopped", err.message);
          return;
        }
        onState("connecting", `Stream interrupted (${err.message}); retrying`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15000);
    }
  })();

  return () => {
    stopped = true;
    controller.abort();
  };
}
