// Upload a change-status CSV: drop it, check it with a dry run (per-row problems), apply it.

import { ApiError, newRequestId, uploadChangeStatus } from "./api.js";
import { fill, h } from "./dom.js";
import { formatCount, paymentName, statusName, t } from "./i18n.js";
import { describeError } from "./messages.js";
import { undoButton } from "./undo.js";

const SHOWN = 1000;

export function openUploadDialog({ onDone }) {
  const dialog = document.getElementById("upload-dialog");
  const state = { file: null, changed: false };
  dialog.onclose = () => {
    if (state.changed) onDone();
  };
  dialog.oncancel = (event) => {
    if (state.busy) event.preventDefault();
  };
  showPicker(dialog, state);
  if (!dialog.open) dialog.showModal();
}

function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "Asia/Jakarta";
  } catch {
    return "Asia/Jakarta";
  }
}

function showPicker(dialog, state) {
  const input = h("input", { type: "file", id: "u-file", accept: ".csv,text/csv", class: "visually-hidden" });
  const chosen = h("p", { class: "chosen", id: "u-chosen" }, state.file ? t("upload.file", { name: state.file.name }) : "");
  const check = h("button", { type: "submit", class: "primary", id: "u-check", disabled: !state.file }, t("upload.check"));
  const choose = (file) => {
    if (!file) return;
    state.file = file;
    chosen.textContent = t("upload.file", { name: file.name });
    check.disabled = false;
  };
  input.addEventListener("change", () => choose(input.files[0]));
  const zone = h("div", { class: "dropzone", id: "u-drop" },
    h("p", {}, t("upload.drop")),
    h("label", { for: "u-file", class: "button" }, t("upload.choose")),
    input,
    chosen);
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    choose(e.dataTransfer.files[0]);
  });
  const tz = h("input", { id: "u-tz", name: "tz", type: "text", value: state.tz || browserZone() });
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { novalidate: true },
    h("h2", { id: "upload-title" }, t("upload.title")),
    h("p", { class: "help" }, t("upload.help"), " ",
      h("button", { type: "button", class: "link-button", id: "u-template", onclick: downloadTemplate }, t("upload.template"))),
    zone,
    h("div", { class: "field" }, h("label", { for: "u-tz" }, t("upload.tz")), tz),
    error,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "button", onclick: () => dialog.close() }, t("change.cancel")),
      check));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!state.file) return;
    state.tz = tz.value.trim();
    check.disabled = true;
    error.textContent = "";
    try {
      const answer = await uploadChangeStatus(state.file, { tz: state.tz, dryRun: true, skip: true });
      showCheck(dialog, state, answer);
    } catch (err) {
      error.textContent = describeError(err);
      check.disabled = false;
    }
  });
  fill(dialog, form);
  // The visible "Choose file" label is the keyboard path: focus it through the hidden input.
  zone.querySelector("label").tabIndex = 0;
  zone.querySelector("label").addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      input.click();
    }
  });
  zone.querySelector("label").focus();
}

const TEMPLATE = [
  "order_id,status,shipment_receipt,day,month,year,payment_status,payment_method,transfer_time,transferproof_url,rtsproof_url,by",
  "261127QWERTY,confirmed,,,,,paid,bank_transfer,27/11/2026 12:31,https://example.com/proof-qwerty.jpg,,kasir@toko",
  "261127ASDFGH,shipped,JNE0012345678,28,11,2026,,,,,,gudang",
  "261126ZXCVBN,rts,,,,,,,,,https://example.com/rts-zxcvbn.jpg,kurir",
  "261126POIUYT,canceled,,,,,,,,,,cs@toko",
  "",
].join("\r\n");

/** A starting file, made here: the API's template (docs/change-status-template.csv). */
function downloadTemplate() {
  const url = URL.createObjectURL(new Blob([TEMPLATE], { type: "text/csv" }));
  const link = h("a", { href: url, download: "change-status-template.csv", hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Per-row problems, whatever the server names them (`rejected` or a list of `errors`). */
function problemsOf(body) {
  const list = body.rejected || (Array.isArray(body.errors) ? body.errors : []);
  return list.map((p) => ({
    row: p.row ?? p.line ?? "",
    column: p.column ?? p.field ?? "",
    order: p.order_id ?? p.id ?? "",
    error: p.error ?? p.message ?? p.error_code ?? "",
  }));
}

function problemTable(problems) {
  return h("div", { class: "table-wrap results" },
    h("table", { class: "problems" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, t("upload.row")),
        h("th", { scope: "col" }, t("result.order")),
        h("th", { scope: "col" }, t("upload.column")),
        h("th", { scope: "col" }, t("upload.problem")))),
      h("tbody", {}, problems.slice(0, SHOWN).map((p) =>
        h("tr", { "data-row": String(p.row) },
          h("td", {}, String(p.row)), h("td", {}, String(p.order)),
          h("td", {}, String(p.column)), h("td", {}, p.error))))));
}

function okTable(data) {
  return h("div", { class: "table-wrap results" },
    h("table", { class: "outcomes" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, t("upload.row")),
        h("th", { scope: "col" }, t("result.order")),
        h("th", { scope: "col" }, t("col.status")),
        h("th", { scope: "col" }, t("col.payment_status")))),
      h("tbody", {}, data.slice(0, SHOWN).map((d) =>
        h("tr", { "data-id": String(d.id) },
          h("td", {}, String(d.row ?? "")),
          h("td", {}, d.order_id || String(d.id)),
          h("td", {}, statusName(d.status)),
          h("td", {}, paymentName(d.payment_status)))))));
}

function showCheck(dialog, state, answer) {
  const problems = problemsOf(answer);
  const data = answer.data || [];
  const all = h("button", {
    type: "button", class: "primary", id: "u-apply-all", disabled: problems.length > 0 || !data.length,
    onclick: () => apply(dialog, state, { skip: false }),
  }, t("apply.all"));
  const skip = h("button", {
    type: "button", id: "u-apply-skip", disabled: !data.length, class: problems.length ? "primary" : "",
    onclick: () => apply(dialog, state, { skip: true }),
  }, t("apply.skip"));
  fill(dialog,
    h("h2", { id: "upload-title" }, t("upload.file", { name: state.file.name })),
    h("dl", { class: "summary" },
      h("div", { class: "sum will-change" }, h("dt", {}, t("upload.rows_ok")), h("dd", { "data-n": String(data.length) }, formatCount(data.length))),
      h("div", { class: "sum refused" }, h("dt", {}, t("upload.rows_bad")), h("dd", { "data-n": String(problems.length) }, formatCount(problems.length)))),
    problems.length ? problemTable(problems) : null,
    data.length ? okTable(data) : null,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "button", onclick: () => showPicker(dialog, state) }, t("change.back")),
      skip, all));
  (problems.length ? skip : all).focus();
}

async function apply(dialog, state, { skip }) {
  fill(dialog, h("h2", { id: "upload-title" }, t("apply.running")), h("progress", { "aria-label": t("apply.running") }));
  let answer;
  state.busy = true;
  try {
    state.requestId = newRequestId();
    answer = await uploadChangeStatus(state.file, { tz: state.tz, skip, requestId: state.requestId });
  } catch (err) {
    state.busy = false;
    const problems = err instanceof ApiError ? problemsOf(err.body) : [];
    fill(dialog,
      h("h2", { id: "upload-title" }, t("result.title")),
      h("p", { class: "error", role: "alert" }, t("result.failed", { error: describeError(err) })),
      problems.length ? problemTable(problems) : null,
      h("div", { class: "dialog-buttons" },
        h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, t("change.close"))));
    return;
  }
  state.busy = false;
  state.changed = true;
  const problems = problemsOf(answer);
  const close = h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, t("change.close"));
  fill(dialog,
    h("h2", { id: "upload-title" }, t("result.title")),
    h("p", { class: "done", id: "u-done" }, t("upload.done", { n: formatCount((answer.data || []).length) })),
    problems.length ? problemTable(problems) : null,
    okTable(answer.data || []),
    h("div", { class: "dialog-buttons" }, (answer.data || []).length ? undo(dialog, state, answer.data) : null, close));
  close.focus();
}

function undo(dialog, state, data) {
  const names = new Map(data.map((d) => [d.id, d.order_id]));
  return undoButton(dialog, state.requestId, {
    titleId: "upload-title", nameOf: (id) => names.get(id) || String(id),
  });
}
