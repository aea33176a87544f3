// Reading the export of a filter as a stream: tab counts and "select all matching" need every
// matching order, and GET /v3/orders has no total, so the console counts the export's rows.

import { exportOrders } from "./api.js";
import { CsvReader } from "./csv.js";

/**
 * Stream GET /v3/orders/export for `query`, calling onRecord({id, order_id, status, ...}) per row,
 * and stop after `cap` rows. Resolves to {rows, capped}.
 */
export async function streamMatching(query, onRecord, { cap, signal } = {}) {
  const response = await exportOrders(query, signal);
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let header = null;
  let rows = 0;
  let capped = false;
  const csv = new CsvReader((cells) => {
    if (capped) return;
    if (header === null) {
      header = cells.map((name) => name.replace(/^\uFEFF/, "").trim());
      return;
    }
    if (cap !== undefined && rows >= cap) {
      capped = true;
      return;
    }
    const record = {};
    header.forEach((name, i) => {
      record[name] = cells[i] ?? "";
    });
    rows++;
    onRecord(record);
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      csv.push(decoder.decode(value, { stream: true }));
      if (capped) break;
    }
    if (!capped) {
      csv.push(decoder.decode());
      csv.end();
    }
  } finally {
    if (capped) reader.cancel().catch(() => {});
  }
  return { rows, capped };
}
