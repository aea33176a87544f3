// "Change status": choose the target, preview it with a dry run, then apply it.

import { ApiError, changeStatus, newRequestId } from "./api.js";
import { fill, h } from "./dom.js";
import {
  formatCount, methodName, PAYMENT_METHODS, PAYMENT_STATUSES, paymentName, STATUSES, statusName, t,
} from "./i18n.js";
import { describeError } from "./messages.js";
import { undoButton } from "./undo.js";

// Skipping refused orders goes in about ten calls (50 to 500 ids each) so progress can be shown.
const chunkSize = (n) => Math.min(500, Math.max(50, Math.ceil(n / 10)));
const SHOWN = 1000; // result rows drawn at most; the counts above them cover every order
const BY_KEY = "orderflow.by";

/** Open the dialog for `orders` ([{id, order_id, status, payment_status}]). */
export function openChangeDialog(orders, { onDone }) {
  const dialog = document.getElementById("change-dialog");
  const state = { orders, byId: new Map(orders.map((o) => [o.id, o])), onDone, changed: false };
  dialog.onclose = () => {
    if (state.changed) onDone();
  };
  // While a change is being applied, Escape must not hide its outcome.
  dialog.oncancel = (event) => {
    if (state.busy) event.preventDefault();
  };
  showForm(dialog, state);
  if (!dialog.open) dialog.showModal();
}

function field(id, label, control) {
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

function select(id, name, options, { required = false, keep = true } = {}) {
  return h(
    "select", { id, name, required },
    keep ? h("option", { value: "" }, t("change.keep")) : null,
    options.map(([value, label]) => h("option", { value }, label)),
  );
}

function showForm(dialog, state) {
  // "Leave as it is" changes the payment status only (the API takes either, or both).
  const status = select("c-status", "status", STATUSES.map((s) => [s, statusName(s)]));
  if (state.body) status.value = state.body.status || "";
  const paymentStatus = select("c-payment-status", "payment_status", PAYMENT_STATUSES.map((p) => [p, paymentName(p)]));
  const paymentMethod = select("c-payment-method", "payment_method", PAYMENT_METHODS.map((m) => [m, methodName(m)]));
  const input = (id, name, type = "text", extra = {}) => h("input", { id, name, type, ...extra });
  const bank = h(
    "fieldset", { class: "bank" },
    h("legend", {}, t("change.bank")),
    field("c-holder", t("change.holder"), input("c-holder", "payment_account_holder", "text", { maxlength: "255" })),
    field("c-account", t("change.account"), input("c-account", "payment_account_number", "text", { maxlength: "255", inputmode: "numeric" })),
    field("c-transfer-time", t("change.transfer_time"), input("c-transfer-time", "transfer_time", "datetime-local")),
    field("c-proof", t("change.proof"), input("c-proof", "transferproof_url", "url", { placeholder: "https://" })),
  );
  const rts = field("c-rts", t("change.rts_proof"), input("c-rts", "rtsproof_url", "url", { placeholder: "https://" }));
  const by = input("c-by", "by", "text", { maxlength: "255", value: localStorage.getItem(BY_KEY) || "" });
  const error = h("p", { class: "error", role: "alert" });
  const showRelevant = () => {
    rts.hidden = status.value !== "rts";
    bank.hidden = !(paymentMethod.value === "bank_transfer" || ["paid", "settled"].includes(paymentStatus.value));
  };
  for (const control of [status, paymentStatus, paymentMethod]) control.addEventListener("change", showRelevant);
  if (state.body) {
    for (const [name, value] of Object.entries(state.body)) {
      const el = [paymentStatus, paymentMethod, by, ...bank.querySelectorAll("input"), rts.querySelector("input")]
        .find((c) => c.name === name);
      if (el && name !== "transfer_time") el.value = value;
    }
  }
  showRelevant();

  const form = h(
    "form", { class: "change-form", novalidate: true },
    h("h2", { id: "change-title" }, t("change.title", { n: formatCount(state.orders.length) })),
    h("div", { class: "grid" },
      field("c-status", t("change.status"), status),
      field("c-payment-status", t("change.payment_status"), paymentStatus),
      field("c-payment-method", t("change.payment_method"), paymentMethod),
      field("c-by", t("change.by"), by)),
    bank,
    rts,
    error,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "button", onclick: () => dialog.close() }, t("change.cancel")),
      h("button", { type: "submit", class: "primary", id: "c-preview" }, t("change.preview"))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { ids: state.orders.map((o) => o.id) };
    for (const el of form.querySelectorAll("input, select")) {
      if (!el.value || el.closest("[hidden]")) continue;
      body[el.name] = el.name === "transfer_time" ? new Date(el.value).toISOString() : el.value.trim();
    }
    if (!body.status && !body.payment_status) {
      error.textContent = t("change.need_target");
      return;
    }
    if (body.by) localStorage.setItem(BY_KEY, body.by);
    state.body = body;
    preview(dialog, state, error);
  });
  fill(dialog, form);
  status.focus();
}

/** What each order would do: the dry run's answer next to what we knew of the order. */
function outcomes(state, answer) {
  const changed = [];
  const unchanged = [];
  for (const item of answer.data || []) {
    const before = state.byId.get(item.id);
    const same = before && before.status === item.status && before.payment_status === item.payment_status;
    (same ? unchanged : changed).push(item);
  }
  return { changed, unchanged, rejected: answer.rejected || [] };
}

async function preview(dialog, state, error) {
  const button = dialog.querySelector("#c-preview");
  button.disabled = true;
  error.textContent = "";
  let answer;
  try {
    answer = await changeStatus(state.body, { dryRun: true, skip: true });
  } catch (err) {
    error.textContent = describeError(err);
    button.disabled = false;
    return;
  }
  const result = outcomes(state, answer);
  const applyAll = h("button", {
    type: "button", class: "primary", id: "apply-all", disabled: result.rejected.length > 0,
    onclick: () => apply(dialog, state, { skip: false }),
  }, t("apply.all"));
  const applySkip = h("button", {
    type: "button", id: "apply-skip", disabled: result.changed.length === 0,
    class: result.rejected.length ? "primary" : "",
    onclick: () => apply(dialog, state, { skip: true }),
  }, t("apply.skip"));
  fill(
    dialog,
    h("h2", { id: "change-title" }, t("preview.title")),
    h("p", { class: "target" },
      [state.body.status && statusName(state.body.status),
        state.body.payment_status && paymentName(state.body.payment_status)].filter(Boolean).join(" · ")),
    summary([
      ["will-change", t("preview.will_change"), result.changed.length],
      ["already", t("preview.already"), result.unchanged.length],
      ["refused", t("preview.refused"), result.rejected.length],
    ]),
    result.rejected.length
      ? [h("h3", {}, t("preview.refused_list")), reasons(result.rejected), outcomeTable(state, [], [], result.rejected)]
      : null,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "button", onclick: () => showForm(dialog, state) }, t("change.back")),
      applySkip,
      applyAll),
  );
  (result.rejected.length ? applySkip : applyAll).focus();
}

function summary(items) {
  return h("dl", { class: "summary" }, items.map(([name, label, n]) =>
    h("div", { class: `sum ${name}`, "data-kind": name },
      h("dt", {}, label), h("dd", { "data-n": String(n) }, formatCount(n)))));
}

/** The refusal reasons, each with how many orders gave it. */
function reasons(rejected) {
  const counts = new Map();
  for (const r of rejected) counts.set(r.error, (counts.get(r.error) || 0) + 1);
  return h("ul", { class: "reasons" }, [...counts].map(([reason, n]) =>
    h("li", {}, h("strong", {}, `${formatCount(n)}× `), reason)));
}

function outcomeTable(state, changed, unchanged, rejected) {
  const rows = [
    ...rejected.map((r) => [r.id, "refused", t("result.refused"), r.error]),
    ...changed.map((d) => [d.id, "changed", t("result.changed"), `${statusName(d.status)} · ${paymentName(d.payment_status)}`]),
    ...unchanged.map((d) => [d.id, "unchanged", t("result.unchanged"), ""]),
  ];
  return h("div", { class: "table-wrap results" },
    h("table", { class: "outcomes" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, t("result.order")),
        h("th", { scope: "col" }, t("result.outcome")),
        h("th", { scope: "col" }, t("result.reason")))),
      h("tbody", {}, rows.slice(0, SHOWN).map(([id, kind, label, reason]) =>
        h("tr", { class: kind, "data-id": String(id) },
          h("td", {}, state.byId.get(id)?.order_id || String(id)),
          h("td", {}, label),
          h("td", {}, reason))))),
    rows.length > SHOWN ? h("p", { class: "help" }, `… ${formatCount(rows.length - SHOWN)}`) : null);
}

/**
 * All-or-nothing is one call (the server applies it in one transaction, so its progress cannot
 * be split); skipping refused orders goes in chunks, and the bar follows them.
 */
async function apply(dialog, state, { skip }) {
  const ids = state.body.ids;
  const bar = h("progress", { id: "apply-progress", max: String(ids.length), "aria-label": t("apply.running") });
  if (skip) bar.value = 0;
  const label = h("p", { class: "progress-label", "aria-live": "polite" }, skip
    ? t("apply.progress", { done: 0, total: formatCount(ids.length) })
    : t("apply.running"));
  fill(dialog, h("h2", { id: "change-title" }, t("apply.running")), bar, label);
  const answer = { data: [], rejected: [] };
  let done = 0;
  state.busy = true;
  // Every chunk carries the same request id: Undo puts back all of them at once.
  state.requestId = newRequestId();
  try {
    const chunks = skip ? chunked(ids, chunkSize(ids.length)) : [ids];
    for (const chunk of chunks) {
      const part = await changeStatus({ ...state.body, ids: chunk }, { skip, requestId: state.requestId });
      answer.data.push(...part.data);
      answer.rejected.push(...(part.rejected || []));
      state.changed = true;
      done += chunk.length;
      if (skip) {
        bar.value = done;
        label.textContent = t("apply.progress", { done: formatCount(done), total: formatCount(ids.length) });
      }
    }
  } catch (err) {
    showFailure(dialog, state, err, { done, total: ids.length });
    return;
  } finally {
    state.busy = false;
  }
  const result = outcomes(state, answer);
  const close = h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, t("change.close"));
  fill(
    dialog,
    h("h2", { id: "change-title" }, t("result.title")),
    summary([
      ["changed", t("result.changed"), result.changed.length],
      ["already", t("result.unchanged"), result.unchanged.length],
      ["refused", t("result.refused"), result.rejected.length],
    ]),
    outcomeTable(state, result.changed, result.unchanged, result.rejected),
    h("div", { class: "dialog-buttons" }, result.changed.length ? undo(dialog, state) : null, close),
  );
  close.focus();
}

function undo(dialog, state) {
  const nameOf = (id) => state.byId.get(id)?.order_id || String(id);
  return undoButton(dialog, state.requestId, { titleId: "change-title", nameOf });
}

function showFailure(dialog, state, err, { done, total }) {
  // Chunks already applied stay applied (skip mode promises no more): say how far it got.
  const message = done
    ? t("result.partial", { done: formatCount(done), total: formatCount(total), error: describeError(err) })
    : t("result.failed", { error: describeError(err) });
  const rejected = err instanceof ApiError ? err.body.rejected || [] : [];
  const back = h("button", { type: "button", onclick: () => showForm(dialog, state) }, t("change.back"));
  fill(
    dialog,
    h("h2", { id: "change-title" }, t("result.title")),
    h("p", { class: "error", role: "alert" }, message),
    rejected.length ? outcomeTable(state, [], [], rejected) : null,
    h("div", { class: "dialog-buttons" }, back, done ? undo(dialog, state) : null,
      h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, t("change.close"))),
  );
  back.focus();
}

function chunked(items, size) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
