// Errors and notices, in words a person can act on.

import { ApiError } from "./api.js";
import { $ } from "./dom.js";
import { t } from "./i18n.js";

export function describeError(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return t("error.network");
    if (err.status === 429 || err.status === 503) {
      return t(err.status === 429 ? "error.busy" : "error.unavailable", { seconds: err.retryAfter || "1" });
    }
    if (err.status === 403) return t("error.scope", { detail: err.body.detail || err.message });
    const fields = err.body.errors && !Array.isArray(err.body.errors)
      ? Object.entries(err.body.errors).map(([f, m]) => `${f}: ${[].concat(m).join(", ")}`)
      : [];
    return [err.message, ...fields].join(" — ");
  }
  return String(err?.message || err);
}

export function notify(message, kind = "info") {
  const el = $("#notice");
  el.className = `notice ${kind}`;
  el.textContent = message;
}
