// The console: sign in, the orders table with tabs, filters, pages and selection.

import { ApiError, hooks, listOrders, me, orderStatistics, session } from "./api.js";
import { openChangeDialog } from "./change.js";
import { openDetail } from "./detail.js";
import { $, fill, h } from "./dom.js";
import { apiFilters, MAX_IDS, PAGE_SIZE, readUrl, writeUrl } from "./filters.js";
import {
  currentLang, formatCount, formatMoney, formatTime, methodName, PAYMENT_METHODS,
  PAYMENT_STATUSES, paymentName, setLang, STATUSES, statusName, t, translatePage,
} from "./i18n.js";
import { streamMatching } from "./matching.js";
import { exportCsv } from "./export.js";
import { describeError, notify } from "./messages.js";
import { openUploadDialog } from "./upload.js";

const view = { ...readUrl(), page: null, counts: null, countsCapped: false };
const selection = new Map(); // id → {id, order_id, status, payment_status}
let allMatching = false; // the selection is "every order matching the filter"
let countsAbort = null;
let business = null;

// ---- sign in / out ----

async function showSignedIn() {
  try {
    const answer = await me();
    business = answer.connected_businesses[0];
  } catch (err) {
    session.signOut();
    showSignIn(err instanceof ApiError && err.status === 401 ? t("signin.bad") : describeError(err));
    return;
  }
  $("#signin").hidden = true;
  $("#console").hidden = false;
  $("#signout").hidden = false;
  $("#business").textContent = business.name;
  buildFilterOptions();
  renderTabs();
  await refresh();
  if (view.order) openDetail(view.order, { onClose: closeOrder });
}

function showSignIn(message = "") {
  $("#console").hidden = true;
  $("#signout").hidden = true;
  $("#business").textContent = "";
  $("#signin").hidden = false;
  $("#signin-error").textContent = message;
  $("#key").focus();
}

function signOut() {
  session.signOut();
  selection.clear();
  allMatching = false;
  fill($("#rows"));
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  showSignIn();
}

// ---- tabs and counts ----

/**
 * The tabs are made once and then updated in place: replacing them while a person clicks (the
 * counts arrive at any moment) would lose the click.
 */
function renderTabs() {
  const nav = $("#tabs");
  if (!nav.children.length) {
    fill(nav, ["", ...STATUSES].map((status) => h(
      "button",
      {
        type: "button", role: "tab", class: "tab", "data-status": status, "aria-controls": "orders",
        onclick: () => chooseTab(status), onkeydown: tabKeys,
      },
      h("span", { class: "label" }),
      " ",
      h("span", { class: "count", hidden: true }),
    )));
  }
  for (const tab of nav.children) {
    const status = tab.dataset.status;
    const selected = view.filters.status === status;
    tab.setAttribute("aria-selected", selected ? "true" : "false");
    tab.tabIndex = selected ? 0 : -1;
    tab.querySelector(".label").textContent = status ? statusName(status) : t("tabs.all");
    const count = view.counts === null
      ? null
      : status === ""
        ? [...view.counts.values()].reduce((a, b) => a + b, 0)
        : view.counts.get(status) || 0;
    const badge = tab.querySelector(".count");
    badge.hidden = count === null;
    if (count === null) {
      badge.removeAttribute("data-count");
      badge.textContent = "";
    } else {
      badge.dataset.count = String(count);
      badge.textContent = `${view.countsCapped ? "≥" : ""}${formatCount(count)}`;
    }
  }
}

function tabKeys(event) {
  const tabs = [...document.querySelectorAll("#tabs [role=tab]")];
  const at = tabs.indexOf(event.currentTarget);
  const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  const next = tabs[(to + tabs.length) % tabs.length];
  next.focus();
  next.click();
}

function chooseTab(status) {
  view.filters.status = status;
  newView();
}

/** Count every tab: the filter without its status, counted per status by the server. */
async function loadCounts() {
  countsAbort?.abort();
  const abort = (countsAbort = new AbortController());
  const counts = new Map();
  try {
    const answer = await orderStatistics(apiFilters(view.filters, { withStatus: false }), abort.signal);
    if (abort.signal.aborted) return;
    for (const item of answer.data) counts.set(item.status, item.count);
    view.counts = counts;
    view.countsCapped = false;
  } catch (err) {
    if (err.name === "AbortError") return;
    view.counts = null; // a key without order:statistics:read: tabs without counts
  }
  renderTabs();
  renderSelection();
}

// ---- filters ----

function buildFilterOptions() {
  const option = (value, label, chosen) => h("option", { value, selected: value === chosen }, label);
  fill(
    $("#f-payment-status"),
    option("", t("filters.any"), view.filters.payment_status),
    PAYMENT_STATUSES.map((p) => option(p, paymentName(p), view.filters.payment_status)),
  );
  fill(
    $("#f-payment-method"),
    option("", t("filters.any"), view.filters.payment_method),
    PAYMENT_METHODS.map((m) => option(m, methodName(m), view.filters.payment_method)),
  );
  $("#f-search").value = view.filters.search;
  $("#f-since").value = view.filters.since;
  $("#f-until").value = view.filters.until;
}

function filtersActive() {
  return ["payment_status", "payment_method", "since", "until", "search"].some((n) => view.filters[n]);
}

function showFilters(open) {
  $("#filters").classList.toggle("open", open);
  $("#filters-toggle").setAttribute("aria-expanded", open ? "true" : "false");
}

function readFilterForm() {
  view.filters.search = $("#f-search").value.trim();
  view.filters.payment_status = $("#f-payment-status").value;
  view.filters.payment_method = $("#f-payment-method").value;
  view.filters.since = $("#f-since").value;
  view.filters.until = $("#f-until").value;
}

/** The filters changed: first page, fresh counts, selection cleared, URL updated. */
function newView() {
  view.cursor = "";
  view.direction = "next";
  selection.clear();
  allMatching = false;
  view.counts = null;
  writeUrl(view);
  renderTabs();
  refresh();
}

// ---- the table ----

async function refresh({ counts = true } = {}) {
  if (counts) loadCounts();
  await loadPage();
}

async function loadPage() {
  const rows = $("#rows");
  rows.setAttribute("aria-busy", "true");
  const query = { ...apiFilters(view.filters), page_size: PAGE_SIZE };
  if (view.cursor) query[view.direction === "prev" ? "previous_cursor" : "next_cursor"] = view.cursor;
  try {
    view.page = await listOrders(query);
  } catch (err) {
    view.page = null;
    const message = err instanceof ApiError && (err.status === 404 || err.status === 405)
      ? t("error.listing", { error: err.message })
      : describeError(err);
    fill(rows, h("tr", {}, h("td", { colspan: "8", class: "empty" }, message)));
    rows.removeAttribute("aria-busy");
    return;
  }
  rows.removeAttribute("aria-busy");
  renderRows();
}

function renderRows() {
  const orders = view.page?.data || [];
  const label = (key) => t(key);
  fill(
    $("#rows"),
    orders.length === 0
      ? h("tr", {}, h("td", { colspan: "8", class: "empty" }, t("table.empty")))
      : orders.map((order) =>
          h(
            "tr",
            { "data-id": String(order.id), class: selection.has(order.id) ? "selected" : "" },
            h(
              "td", { class: "check" },
              h("input", {
                type: "checkbox", checked: selection.has(order.id),
                "aria-label": t("table.select_one", { order: order.order_id }),
                onchange: (e) => toggle(order, e.currentTarget.checked),
              }),
            ),
            h(
              "td", { "data-label": label("col.order") },
              h("button", {
                type: "button", class: "link-button order-link",
                "aria-label": t("detail.open", { order: order.order_id }),
                onclick: () => showOrder(order.id),
              }, order.order_id),
            ),
            h("td", { "data-label": label("col.customer") }, customerName(order)),
            h("td", { class: "num", "data-label": label("col.total") }, formatMoney(order.total)),
            h("td", { "data-label": label("col.status") },
              h("span", { class: `badge s-${order.status}` }, statusName(order.status))),
            h("td", { "data-label": label("col.payment_status") },
              h("span", { class: `badge p-${order.payment_status}` }, paymentName(order.payment_status))),
            h("td", { "data-label": label("col.payment_method") }, methodName(order.payment_method)),
            h("td", { "data-label": label("col.created") },
              h("time", { datetime: order.created_at }, formatTime(order.created_at))),
          ),
        ),
  );
  $("#prev").disabled = !view.page?.previous_cursor;
  $("#next").disabled = !view.page?.next_cursor;
  renderSelection();
}

const customerName = (order) => order.customer?.name ?? order.customer_name ?? "";

function showOrder(id) {
  view.order = String(id);
  writeUrl(view);
  openDetail(id, { onClose: closeOrder });
}

function closeOrder() {
  view.order = "";
  writeUrl(view, { push: false });
}

function goPage(direction) {
  const cursor = direction === "prev" ? view.page?.previous_cursor : view.page?.next_cursor;
  if (!cursor) return;
  view.cursor = cursor;
  view.direction = direction;
  writeUrl(view);
  loadPage().then(() => $("#orders").focus());
}

// ---- selection ----

function pick(order) {
  return { id: order.id, order_id: order.order_id, status: order.status, payment_status: order.payment_status };
}

function toggle(order, on) {
  allMatching = false;
  if (on) selection.set(order.id, pick(order));
  else selection.delete(order.id);
  renderRows();
}

function togglePage(on) {
  allMatching = false;
  for (const order of view.page?.data || []) {
    if (on) selection.set(order.id, pick(order));
    else selection.delete(order.id);
  }
  renderRows();
}

function matchingCount() {
  if (view.counts === null) return null;
  if (view.filters.status === "") return [...view.counts.values()].reduce((a, b) => a + b, 0);
  return view.filters.status.split(",").reduce((sum, s) => sum + (view.counts.get(s) || 0), 0);
}

async function selectAllMatching() {
  notify(t("sel.loading"));
  const rows = new Map();
  try {
    await streamMatching(
      apiFilters(view.filters),
      (r) => {
        const id = r.id; // the UUID (the console speaks 2026-07-21)
        rows.set(id, { id, order_id: r.order_id, status: r.status, payment_status: r.payment_status });
      },
      { cap: MAX_IDS },
    );
  } catch (err) {
    notify(describeError(err), "error");
    return;
  }
  selection.clear();
  for (const [id, row] of rows) selection.set(id, row);
  allMatching = true;
  notify("");
  renderRows();
}

function renderSelection() {
  const pageOrders = view.page?.data || [];
  const onPage = pageOrders.filter((o) => selection.has(o.id)).length;
  const pageBox = $("#select-page");
  pageBox.checked = pageOrders.length > 0 && onPage === pageOrders.length;
  pageBox.indeterminate = onPage > 0 && onPage < pageOrders.length;
  $("#change").disabled = selection.size === 0;

  const parts = [];
  if (selection.size) parts.push(h("strong", { id: "selected-count" }, t("sel.count", { n: formatCount(selection.size) })));
  const total = matchingCount();
  if (allMatching) {
    parts.push(h("span", {}, t("sel.all_done", { n: formatCount(selection.size) })));
  } else if (pageBox.checked && total !== null && total > pageOrders.length) {
    const n = Math.min(total, MAX_IDS);
    const text = view.countsCapped || total > MAX_IDS ? t("sel.all_capped", { n: formatCount(n) }) : t("sel.all", { n: formatCount(n) });
    parts.push(h("button", { type: "button", id: "select-all", class: "link-button", onclick: selectAllMatching }, text));
  }
  if (selection.size) {
    parts.push(h("button", {
      type: "button", class: "link-button", onclick: () => {
        selection.clear();
        allMatching = false;
        renderRows();
      },
    }, t("sel.clear")));
  }
  // Redraw only when the words change, so a click is never lost to an identical redraw.
  const box = $("#selection");
  const signature = parts.map((p) => p.textContent).join("|");
  if (box.dataset.signature === signature) return;
  box.dataset.signature = signature;
  fill(box, parts);
}

// ---- wiring ----

function retranslate() {
  translatePage();
  if (!$("#console").hidden) {
    buildFilterOptions();
    renderTabs();
    if (view.page) renderRows();
  }
}

function afterChange() {
  selection.clear();
  allMatching = false;
  refresh();
}

function start() {
  setLang(currentLang());
  translatePage();
  hooks.onUnauthorized = () => {
    signOut();
    $("#signin-error").textContent = t("signin.bad");
  };
  $("#lang").addEventListener("click", () => {
    setLang(currentLang() === "en" ? "id" : "en");
    retranslate();
  });
  $("#signout").addEventListener("click", signOut);
  $("#signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("#key").value.trim();
    if (!key) return;
    session.signIn(key);
    $("#key").value = "";
    showSignedIn();
  });
  $("#filters").addEventListener("submit", (event) => {
    event.preventDefault();
    readFilterForm();
    newView();
  });
  $("#f-reset").addEventListener("click", () => {
    for (const name of Object.keys(view.filters)) view.filters[name] = "";
    buildFilterOptions();
    newView();
  });
  $("#filters-toggle").addEventListener("click", () =>
    showFilters(!$("#filters").classList.contains("open")));
  showFilters(filtersActive());
  $("#select-page").addEventListener("change", (e) => togglePage(e.currentTarget.checked));
  $("#prev").addEventListener("click", () => goPage("prev"));
  $("#next").addEventListener("click", () => goPage("next"));
  $("#change").addEventListener("click", () =>
    openChangeDialog([...selection.values()], { onDone: afterChange }));
  $("#upload").addEventListener("click", () => openUploadDialog({ onDone: afterChange }));
  $("#export").addEventListener("click", () => exportCsv(apiFilters(view.filters)));
  window.addEventListener("popstate", () => {
    const next = readUrl();
    Object.assign(view, next, { counts: null });
    selection.clear();
    allMatching = false;
    buildFilterOptions();
    renderTabs();
    refresh();
    const detail = $("#detail-dialog");
    if (next.order) openDetail(next.order, { onClose: closeOrder });
    else if (detail.open) detail.close();
  });
  if (session.key) showSignedIn();
  else showSignIn();
}

start();
