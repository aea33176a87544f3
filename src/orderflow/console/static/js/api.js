// The public /v3 API, called with the key from session storage: the console has no other door.

const KEY = "orderflow.apiKey";
export const CONTRACT = "2026-07-21";

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  signIn(key) {
    sessionStorage.setItem(KEY, key);
  },
  signOut() {
    sessionStorage.removeItem(KEY);
  },
};

export class ApiError extends Error {
  constructor(status, body, retryAfter = null) {
    super(body?.error || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.retryAfter = retryAfter;
  }
  get code() {
    return this.body.error_code || "";
  }
}

/** Called when the server says the key is no longer good (401). */
export const hooks = { onUnauthorized: () => {} };

function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** An X-Request-ID for the calls of one apply: a change split in chunks is one request to undo. */
export const newRequestId = () => `console-${newIdempotencyKey()}`;

/** fetch() on our own origin with the Bearer key; JSON in, JSON or a Response out. */
export async function call(path, { method = "GET", query, json, form, raw = false, signal, requestId } = {}) {
  if (!session.key) throw new ApiError(401, { error: "Signed out", error_code: "unauthorized" });
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  // The console speaks the newest contract version, whatever the key is pinned to.
  const headers = {
    Authorization: `Bearer ${session.key}`,
    Accept: "application/json",
    "Orderflow-Contract": CONTRACT,
  };
  if (requestId) headers["X-Request-ID"] = requestId;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  // A retried POST must not apply twice: each call carries its own idempotency key.
  if (method === "POST") headers["Idempotency-Key"] = newIdempotencyKey();
  let response;
  try {
    response = await fetch(url, {
      method, headers, body, signal, credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, { error: "network", error_code: "network" });
  }
  if (!response.ok) {
    let data = {};
    try {
      data = await response.json();
    } catch {
      data = { error: response.statusText, error_code: `http_${response.status}` };
    }
    if (response.status === 401) hooks.onUnauthorized();
    throw new ApiError(response.status, data, response.headers.get("Retry-After"));
  }
  return raw ? response : response.json();
}

export const me = () => call("/v3/me");
export const getOrder = (id) => call(`/v3/orders/${encodeURIComponent(id)}`);
export const listOrders = (query) => call("/v3/orders", { query });
/** How many orders match `query`, per status (scope order:statistics:read). */
export const orderStatistics = (query, signal) =>
  call("/v3/orders/statistics", { query: { ...query, is_breakdown_status: "true" }, signal });

/** The full change history of one order, or null if this server has no such endpoint yet. */
export async function statusHistory(id) {
  try {
    return await call(`/v3/orders/${encodeURIComponent(id)}/status-history`);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) return null;
    throw err;
  }
}

function modes({ dryRun = false, skip = false }) {
  const query = {};
  if (dryRun) query.dry_run = "true";
  if (skip) query.on_error = "skip";
  return query;
}

export function changeStatus(body, { dryRun = false, skip = false, requestId } = {}) {
  return call("/v3/orders/change-status", { method: "POST", json: body, query: modes({ dryRun, skip }), requestId });
}

export function uploadChangeStatus(file, { tz, dryRun = false, skip = false, requestId } = {}) {
  const form = new FormData();
  form.append("file", file, file.name);
  if (tz) form.append("tz", tz);
  return call("/v3/orders/upload-change-status", { method: "POST", form, query: modes({ dryRun, skip }), requestId });
}

/** Put back what the request `requestId` changed (POST /v3/orders/revert). */
export function revertRequest(requestId, { dryRun = false, skip = false, by } = {}) {
  const json = { request_id: requestId };
  if (by) json.by = by;
  return call("/v3/orders/revert", { method: "POST", json, query: modes({ dryRun, skip }) });
}

/** GET /v3/orders/export as a Response, to stream or to save. */
export const exportOrders = (query, signal) =>
  call("/v3/orders/export", { query, raw: true, signal });
