// The view's filters live in the URL (so a view can be shared) and become /v3/orders queries.

export const FILTER_NAMES = ["status", "payment_status", "payment_method", "since", "until", "search"];
export const MAX_IDS = 10000; // what one change-status call accepts
export const PAGE_SIZE = 25; // the most GET /v3/orders gives per page

/** {filters, cursor, direction, order} read from the page's query string. */
export function readUrl() {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const name of FILTER_NAMES) filters[name] = params.get(name) || "";
  return {
    filters,
    cursor: params.get("cursor") || "",
    direction: params.get("dir") === "prev" ? "prev" : "next",
    order: params.get("order") || "",
  };
}

/** Put the view in the address bar (replace for small moves, push for new views). */
export function writeUrl({ filters, cursor, direction, order }, { push = true } = {}) {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) if (filters[name]) params.set(name, filters[name]);
  if (cursor) {
    params.set("cursor", cursor);
    params.set("dir", direction);
  }
  if (order) params.set("order", order);
  const query = params.toString();
  const url = `${location.pathname}${query ? `?${query}` : ""}`;
  if (url === `${location.pathname}${location.search}`) return;
  history[push ? "pushState" : "replaceState"](null, "", url);
}

/**
 * A local calendar day as an ISO instant in this browser's zone: its start, or (for "until",
 * which the API takes as exclusive) the start of the next day.
 */
function dayBound(day, end) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const [y, m, d] = match.slice(1).map(Number);
  return new Date(y, m - 1, end ? d + 1 : d).toISOString();
}

/** The API filters of a view (`withStatus: false` leaves status out, to count every tab). */
export function apiFilters(filters, { withStatus = true } = {}) {
  return {
    status: withStatus ? filters.status : undefined,
    payment_status: filters.payment_status,
    payment_method: filters.payment_method,
    created_since: dayBound(filters.since, false),
    created_until: dayBound(filters.until, true),
    search: filters.search.trim(),
  };
}
