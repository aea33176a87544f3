// One order: its details and its status and payment timelines (who, when, from → to).

import { getOrder, statusHistory } from "./api.js";
import { fill, h, safeLink } from "./dom.js";
import { formatMoney, formatTime, methodName, paymentName, statusName, t } from "./i18n.js";
import { describeError } from "./messages.js";

export async function openDetail(id, { onClose }) {
  const dialog = document.getElementById("detail-dialog");
  dialog.onclose = onClose;
  fill(dialog, h("p", { "aria-busy": "true" }, "…"));
  if (!dialog.open) dialog.showModal();
  let order;
  let history;
  try {
    [order, history] = await Promise.all([getOrder(id), statusHistory(id)]);
  } catch (err) {
    fill(dialog, h("p", { class: "error", role: "alert" }, describeError(err)), closeButton(dialog));
    return;
  }
  const { statuses, payments } = history ? fromHistory(history.data || []) : fromOrder(order);
  const close = closeButton(dialog);
  fill(
    dialog,
    h("header", { class: "detail-head" },
      h("h2", { id: "detail-title" }, t("detail.title", { order: order.order_id })),
      h("span", { class: `badge s-${order.status}` }, statusName(order.status)),
      h("span", { class: `badge p-${order.payment_status}` }, paymentName(order.payment_status))),
    h("div", { class: "detail-grid" },
      h("section", {},
        h("h3", {}, t("detail.customer")),
        h("p", {}, order.customer?.name || ""),
        h("p", { class: "muted" }, [order.customer?.phone, order.customer?.email].filter(Boolean).join(" · ")),
        order.shipment_receipt
          ? h("dl", { class: "facts", id: "detail-receipt" },
            h("dt", {}, t("detail.receipt")), h("dd", {}, order.shipment_receipt))
          : null,
        h("h3", {}, t("detail.payment")),
        h("p", {}, methodName(order.payment_method)),
        paymentFacts(order)),
      h("section", {},
        h("h3", {}, t("detail.items")),
        h("ul", { class: "items" }, (order.items || []).map((i) =>
          h("li", {}, `${i.quantity} × ${i.name}`, h("span", { class: "num" }, formatMoney(i.price))))),
        h("dl", { class: "totals" },
          h("dt", {}, t("detail.subtotal")), h("dd", {}, formatMoney(order.subtotal)),
          h("dt", {}, t("detail.shipping")), h("dd", {}, formatMoney(order.shipping_cost)),
          h("dt", {}, t("detail.total")), h("dd", {}, formatMoney(order.total))))),
    h("div", { class: "detail-grid" },
      h("section", { "aria-labelledby": "tl-status" },
        h("h3", { id: "tl-status" }, t("detail.status_timeline")),
        timeline("status-timeline", statuses, statusName)),
      h("section", { "aria-labelledby": "tl-payment" },
        h("h3", { id: "tl-payment" }, t("detail.payment_timeline")),
        timeline("payment-timeline", payments, paymentName))),
    h("div", { class: "dialog-buttons" }, close),
  );
  close.focus();
}

function closeButton(dialog) {
  return h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, t("change.close"));
}

function paymentFacts(order) {
  const facts = [
    [t("change.holder"), order.payment_account_holder],
    [t("change.account"), order.payment_account_number],
    [t("change.transfer_time"), order.transfer_time && formatTime(order.transfer_time)],
    [t("change.proof"), order.transferproof_url && safeLink(order.transferproof_url)],
    [t("change.rts_proof"), order.rtsproof_url && safeLink(order.rtsproof_url)],
  ].filter(([, value]) => value);
  if (!facts.length) return null;
  return h("dl", { class: "facts" }, facts.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]));
}

/** Entries {from, to, by, time, key} from GET /v3/orders/{id}/status-history; a change of
 * details only (a new tracking number) is an entry of the status it stays in. */
function fromHistory(rows) {
  const statuses = [];
  const payments = [];
  for (const r of rows) {
    const common = {
      by: r.by, time: r.time ?? r.created_at ?? r.changed_at, key: r.api_key_prefix ?? r.key_prefix,
      reverted: Boolean(r.reverted_by), revert: Boolean(r.reverts),
    };
    // The payment fields that came with a change go with its payment entry, else its status entry.
    const paymentMoved = r.from_payment_status !== r.to_payment_status;
    const details = paymentDetails(r);
    if (r.from_status !== r.to_status || r.kind === "details") {
      const moved = r.from_status !== r.to_status;
      statuses.push({ from: moved ? r.from_status : null, to: r.to_status, ...common, details: paymentMoved ? [] : details });
    }
    if (paymentMoved) payments.push({ from: r.from_payment_status, to: r.to_payment_status, ...common, details });
  }
  return { statuses, payments };
}

/** The tracking number and payment fields that came with a change, as [label, value] pairs. */
function paymentDetails(r) {
  return [
    [t("detail.receipt"), r.shipment_receipt],
    [t("change.payment_method"), r.payment_method && methodName(r.payment_method)],
    [t("change.holder"), r.payment_account_holder],
    [t("change.account"), r.payment_account_number],
    [t("change.transfer_time"), r.transfer_time && formatTime(r.transfer_time)],
    [t("change.proof"), r.transferproof_url && safeLink(r.transferproof_url)],
    [t("change.rts_proof"), r.rtsproof_url && safeLink(r.rtsproof_url)],
  ].filter(([, value]) => value);
}

/** The same from the order's own status_history lists: each entry's "from" is the one before. */
function fromOrder(order) {
  const chain = (entries) => (entries || []).map((e, i, all) => ({
    from: i ? all[i - 1].status : null, to: e.status, by: e.by, time: e.time,
  }));
  return { statuses: chain(order.status_history), payments: chain(order.payment_status_history) };
}

function timeline(id, entries, name) {
  if (!entries.length) return h("p", { id, class: "muted" }, t("detail.nohistory"));
  // A change a revert put back, and the revert itself, are marked.
  return h("ol", { id, class: "timeline" }, entries.map((e) =>
    h("li", { class: [e.reverted && "reverted", e.revert && "revert"].filter(Boolean).join(" ") || null },
      h("time", { datetime: e.time }, formatTime(e.time)),
      h("span", { class: "move" }, e.from ? `${name(e.from)} → ${name(e.to)}` : name(e.to)),
      e.reverted ? h("span", { class: "mark m-reverted" }, t("detail.reverted")) : null,
      e.revert ? h("span", { class: "mark m-revert" }, t("detail.revert")) : null,
      e.by ? h("span", { class: "who" }, t("detail.by", { by: e.by })) : null,
      e.key ? h("span", { class: "who muted" }, t("detail.key", { key: e.key })) : null,
      e.details?.length
        ? h("dl", { class: "facts small" }, e.details.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]))
        : null)));
}
