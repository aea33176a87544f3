// Export the current filter: the CSV is fetched with the key in a header (never in a URL), then
// handed to the browser as a download.

import { exportOrders } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { describeError, notify } from "./messages.js";

export async function exportCsv(query) {
  const button = document.getElementById("export");
  button.disabled = true;
  notify(t("export.running"));
  try {
    const response = await exportOrders(query);
    const blob = await response.blob();
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, "");
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: `orders-${stamp}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    notify("");
  } catch (err) {
    notify(describeError(err), "error");
  } finally {
    button.disabled = false;
  }
}
