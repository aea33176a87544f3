// "Undo" on the outcome of a change or an upload: a dry run of the revert first (how many orders
// go back, which are refused and why), then the revert itself (POST /v3/orders/revert).

import { revertRequest } from "./api.js";
import { fill, h } from "./dom.js";
import { formatCount, t } from "./i18n.js";
import { describeError } from "./messages.js";

const SHOWN = 1000;
const BY_KEY = "orderflow.by";

/**
 * The Undo button of an outcome screen in `dialog`: `requestId` is the X-Request-ID the change
 * was sent with, `titleId` the id its heading takes, `nameOf(id)` an order's number if known.
 */
export function undoButton(dialog, requestId, { titleId, nameOf = (id) => String(id), onChanged = () => {} }) {
  const view = { dialog, requestId, titleId, nameOf, onChanged };
  return h("button", { type: "button", id: "undo", onclick: () => preview(view) }, t("undo.button"));
}

function heading(view, text) {
  return h("h2", { id: view.titleId }, text);
}

function by() {
  return localStorage.getItem(BY_KEY) || undefined;
}

async function preview(view) {
  const button = view.dialog.querySelector("#undo");
  if (button) button.disabled = true;
  let answer;
  try {
    answer = await revertRequest(view.requestId, { dryRun: true, skip: true, by: by() });
  } catch (err) {
    if (button) {
      button.disabled = false;
      button.after(h("p", { class: "error", role: "alert", id: "undo-error" }, describeError(err)));
    }
    return;
  }
  const back = (answer.data || []).length;
  const refused = answer.rejected || [];
  const keep = h("button", { type: "button", id: "undo-keep", onclick: () => view.dialog.close() }, t("undo.keep"));
  const apply = h("button", {
    type: "button", class: "primary", id: "undo-apply", disabled: back === 0,
    onclick: () => run(view, { skip: refused.length > 0 }),
  }, t("undo.apply", { n: formatCount(back) }));
  fill(
    view.dialog,
    heading(view, t("undo.title")),
    h("p", { class: "help" }, t("undo.help")),
    h("dl", { class: "summary", id: "undo-summary" },
      sum("go-back", t("undo.go_back"), back),
      sum("refused", t("preview.refused"), refused.length)),
    refused.length ? [h("h3", {}, t("undo.refused_list")), refusedTable(view, refused)] : null,
    h("div", { class: "dialog-buttons" }, keep, apply),
  );
  (back ? apply : keep).focus();
}

function sum(kind, label, n) {
  return h("div", { class: `sum ${kind}`, "data-kind": kind },
    h("dt", {}, label), h("dd", { "data-n": String(n) }, formatCount(n)));
}

function refusedTable(view, refused) {
  return h("div", { class: "table-wrap results" },
    h("table", { class: "outcomes", id: "undo-refused" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, t("result.order")),
        h("th", { scope: "col" }, t("result.reason")))),
      h("tbody", {}, refused.slice(0, SHOWN).map((r) =>
        h("tr", { class: "refused", "data-id": String(r.id), "data-code": r.error_code },
          h("td", {}, view.nameOf(r.id)),
          h("td", {}, r.error))))),
    refused.length > SHOWN ? h("p", { class: "help" }, `… ${formatCount(refused.length - SHOWN)}`) : null);
}

async function run(view, { skip }) {
  fill(view.dialog, heading(view, t("undo.running")), h("progress", { "aria-label": t("undo.running") }));
  let answer;
  try {
    answer = await revertRequest(view.requestId, { skip, by: by() });
  } catch (err) {
    fill(view.dialog,
      heading(view, t("undo.title")),
      h("p", { class: "error", role: "alert" }, t("result.failed", { error: describeError(err) })),
      h("div", { class: "dialog-buttons" },
        h("button", { type: "button", class: "primary", onclick: () => view.dialog.close() }, t("change.close"))));
    return;
  }
  view.onChanged();
  const refused = answer.rejected || [];
  const close = h("button", { type: "button", class: "primary", onclick: () => view.dialog.close() }, t("change.close"));
  fill(view.dialog,
    heading(view, t("undo.done_title")),
    h("p", { class: "done", id: "undo-done" }, t("undo.done", { n: formatCount((answer.data || []).length) })),
    refused.length ? refusedTable(view, refused) : null,
    h("div", { class: "dialog-buttons" }, close));
  close.focus();
}
