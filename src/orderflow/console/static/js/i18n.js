// English and Indonesian text, and the names sellers know the statuses by.

export const STATUSES = [
  "draft", "pending", "confirmed", "in_process", "ready",
  "shipped", "completed", "rts", "canceled", "closed",
];
export const PAYMENT_STATUSES = ["unpaid", "paid", "conflict", "settled"];
// The payment methods of contract 2026-07-21, which the console speaks; `va` and `indomaret`
// (older orders may carry them) keep their names below.
export const PAYMENT_METHODS = [
  "bank_transfer", "cod", "qris", "card", "invoice", "payment_link", "alfamart",
  "ovo", "dana", "shopeepay", "linkaja", "gopay", "marketplace", "no_payment",
  "va_bca", "va_bni", "va_bri", "va_mandiri", "va_permata", "va_cimb", "va_bsi", "va_maybank",
  "va_bnc", "va_danamon", "va_artha_graha", "va_muamalat", "va_btn", "va_ocbc", "va_bjb",
  "va_sahabat_sampoerna", "va_artajasa",
];

// Each bank's virtual account, by the bank's name (the same in English and Indonesian).
const VIRTUAL_ACCOUNTS = Object.fromEntries(
  Object.entries({
    va_bca: "BCA",
    va_bni: "BNI",
    va_bri: "BRI",
    va_mandiri: "Mandiri",
    va_permata: "Permata",
    va_cimb: "CIMB Niaga",
    va_bsi: "BSI",
    va_maybank: "Maybank",
    va_bnc: "BNC",
    va_danamon: "Danamon",
    va_artha_graha: "Artha Graha",
    va_muamalat: "Muamalat",
    va_btn: "BTN",
    va_ocbc: "OCBC",
    va_bjb: "BJB",
    va_sahabat_sampoerna: "Sahabat Sampoerna",
    va_artajasa: "Artajasa",
  }).map(([method, bank]) => [`method.${method}`, `Virtual account ${bank}`]),
);

const EN = {
  "app.title": "orderflow console",
  "signin.title": "Sign in",
  "signin.key": "API key",
  "signin.help": "Paste an API key (sk_… or rk_…). It stays in this browser tab only and is forgotten when the tab closes.",
  "signin.submit": "Sign in",
  "signin.bad": "That key was not accepted.",
  "signout": "Sign out",
  "lang": "Bahasa Indonesia",
  "nav.skip": "Skip to orders",
  "tabs.label": "Order status",
  "tabs.all": "All",
  "filters.label": "Filters",
  "filters.payment_status": "Payment status",
  "filters.payment_method": "Payment method",
  "filters.any": "Any",
  "filters.since": "Created from",
  "filters.until": "Created until",
  "filters.search": "Search",
  "filters.search_ph": "Order number, name, phone, email",
  "filters.apply": "Apply",
  "filters.reset": "Reset",
  "actions.export": "Export CSV",
  "actions.upload": "Upload CSV",
  "actions.change": "Change status",
  "col.order": "Order",
  "col.customer": "Customer",
  "col.total": "Total",
  "col.status": "Status",
  "col.payment_status": "Payment",
  "col.payment_method": "Method",
  "col.created": "Created",
  "table.empty": "No orders match these filters.",
  "table.select_page": "Select all orders on this page",
  "table.select_one": "Select order {order}",
  "page.prev": "Previous",
  "page.next": "Next",
  "page.label": "Pages",
  "sel.count": "{n} selected",
  "sel.all": "Select all {n} matching this filter",
  "sel.all_capped": "Select the first {n} matching this filter",
  "sel.all_done": "All {n} orders matching this filter are selected.",
  "sel.clear": "Clear selection",
  "sel.loading": "Collecting matching orders…",
  "change.title": "Change status of {n} orders",
  "change.status": "New status",
  "change.payment_status": "Payment status",
  "change.payment_method": "Payment method",
  "change.keep": "Leave as it is",
  "change.bank": "Bank transfer",
  "change.holder": "Account holder",
  "change.account": "Account number",
  "change.transfer_time": "Transfer time",
  "change.proof": "Transfer proof URL",
  "change.rts_proof": "Return-to-sender proof URL",
  "change.by": "Changed by",
  "change.preview": "Preview (dry run)",
  "change.cancel": "Cancel",
  "change.close": "Close",
  "change.back": "Back",
  "preview.title": "What would happen",
  "preview.will_change": "Will change",
  "preview.already": "Already there",
  "preview.refused": "Refused",
  "preview.refused_list": "Refused orders and why",
  "apply.all": "Apply all (nothing if any is refused)",
  "apply.skip": "Apply, skipping refused",
  "apply.running": "Applying…",
  "apply.progress": "{done} of {total} orders",
  "result.title": "Result",
  "result.changed": "Changed",
  "result.unchanged": "Already there",
  "result.refused": "Refused",
  "result.order": "Order",
  "result.outcome": "Outcome",
  "result.reason": "Reason",
  "result.failed": "Nothing was changed: {error}",
  "result.partial": "Stopped after {done} of {total} orders: {error}",
  "detail.title": "Order {order}",
  "detail.customer": "Customer",
  "detail.items": "Items",
  "detail.subtotal": "Subtotal",
  "detail.shipping": "Shipping",
  "detail.total": "Total",
  "detail.payment": "Payment",
  "detail.receipt": "Tracking number",
  "detail.status_timeline": "Status timeline",
  "detail.payment_timeline": "Payment timeline",
  "detail.nohistory": "No changes recorded.",
  "detail.by": "by {by}",
  "detail.key": "key {key}",
  "detail.open": "Open order {order}",
  "upload.title": "Upload a change-status CSV",
  "upload.drop": "Drop a CSV file here, or choose one",
  "upload.choose": "Choose file",
  "upload.tz": "Time zone for dates without an offset",
  "upload.help": "Columns: order_id (or id), status, and optionally shipment_receipt (the tracking number; blank keeps it), day, month, year (the date the order entered the status; blank: now), payment_status, payment_method, transfer_time, transferproof_url, rtsproof_url, by.",
  "upload.check": "Check (dry run)",
  "upload.template": "Download a template",
  "upload.rows_ok": "Rows that can be applied",
  "upload.rows_bad": "Rows with problems",
  "upload.row": "Row",
  "upload.column": "Column",
  "upload.problem": "Problem",
  "upload.file": "File: {name}",
  "upload.done": "Applied: {n} orders",
  "export.running": "Exporting…",
  "error.network": "The server could not be reached.",
  "error.busy": "Too many requests with this key; try again in {seconds} s.",
  "error.unavailable": "The database is not answering; try again in {seconds} s.",
  "filters.toggle": "Filters",
  "error.scope": "This key may not do that ({detail}).",
  "error.listing": "This server cannot list orders yet ({error}).",
  "status.draft": "Created",
  "status.pending": "Pending",
  "status.confirmed": "Confirmed",
  "status.in_process": "In Process",
  "status.ready": "Ready To Ship",
  "status.shipped": "Shipped",
  "status.completed": "Completed",
  "status.rts": "Return To Sender",
  "status.canceled": "Canceled",
  "status.closed": "Closed",
  "pay.unpaid": "Unpaid",
  "pay.paid": "Paid",
  "pay.conflict": "Conflict",
  "pay.settled": "Settled",
  "method.bank_transfer": "Bank transfer",
  "method.cod": "Cash on delivery",
  ...VIRTUAL_ACCOUNTS,
  "method.payment_link": "Payment link",
  "change.need_target": "Choose a status, a payment status or both.",
  "method.va": "Virtual account",
  "method.qris": "QRIS",
  "method.card": "Card",
  "method.invoice": "Invoice",
  "method.alfamart": "Alfamart",
  "method.indomaret": "Indomaret",
  "method.ovo": "OVO",
  "method.dana": "DANA",
  "method.shopeepay": "ShopeePay",
  "method.linkaja": "LinkAja",
  "method.gopay": "GoPay",
  "method.marketplace": "Marketplace",
  "method.no_payment": "No payment",
  "method.none": "—",
};

const ID = {
  "app.title": "Konsol orderflow",
  "signin.title": "Masuk",
  "signin.key": "Kunci API",
  "signin.help": "Tempel kunci API (sk_… atau rk_…). Kunci hanya disimpan di tab browser ini dan hilang saat tab ditutup.",
  "signin.submit": "Masuk",
  "signin.bad": "Kunci itu tidak diterima.",
  "signout": "Keluar",
  "lang": "English",
  "nav.skip": "Langsung ke pesanan",
  "tabs.label": "Status pesanan",
  "tabs.all": "Semua",
  "filters.label": "Filter",
  "filters.payment_status": "Status pembayaran",
  "filters.payment_method": "Metode pembayaran",
  "filters.any": "Semua",
  "filters.since": "Dibuat dari",
  "filters.until": "Dibuat sampai",
  "filters.search": "Cari",
  "filters.search_ph": "No. pesanan, nama, telepon, email",
  "filters.apply": "Terapkan",
  "filters.reset": "Atur ulang",
  "actions.export": "Ekspor CSV",
  "actions.upload": "Unggah CSV",
  "actions.change": "Ubah status",
  "col.order": "Pesanan",
  "col.customer": "Pelanggan",
  "col.total": "Total",
  "col.status": "Status",
  "col.payment_status": "Pembayaran",
  "col.payment_method": "Metode",
  "col.created": "Dibuat",
  "table.empty": "Tidak ada pesanan yang cocok dengan filter ini.",
  "table.select_page": "Pilih semua pesanan di halaman ini",
  "table.select_one": "Pilih pesanan {order}",
  "page.prev": "Sebelumnya",
  "page.next": "Berikutnya",
  "page.label": "Halaman",
  "sel.count": "{n} dipilih",
  "sel.all": "Pilih semua {n} pesanan yang cocok",
  "sel.all_capped": "Pilih {n} pesanan pertama yang cocok",
  "sel.all_done": "Semua {n} pesanan yang cocok sudah dipilih.",
  "sel.clear": "Hapus pilihan",
  "sel.loading": "Mengumpulkan pesanan yang cocok…",
  "change.title": "Ubah status {n} pesanan",
  "change.status": "Status baru",
  "change.payment_status": "Status pembayaran",
  "change.payment_method": "Metode pembayaran",
  "change.keep": "Biarkan",
  "change.bank": "Transfer bank",
  "change.holder": "Nama pemilik rekening",
  "change.account": "Nomor rekening",
  "change.transfer_time": "Waktu transfer",
  "change.proof": "URL bukti transfer",
  "change.rts_proof": "URL bukti retur",
  "change.by": "Diubah oleh",
  "change.preview": "Pratinjau (uji coba)",
  "change.cancel": "Batal",
  "change.close": "Tutup",
  "change.back": "Kembali",
  "preview.title": "Yang akan terjadi",
  "preview.will_change": "Akan berubah",
  "preview.already": "Sudah di status itu",
  "preview.refused": "Ditolak",
  "preview.refused_list": "Pesanan yang ditolak dan alasannya",
  "apply.all": "Terapkan semua (batal semua jika ada yang ditolak)",
  "apply.skip": "Terapkan, lewati yang ditolak",
  "apply.running": "Menerapkan…",
  "apply.progress": "{done} dari {total} pesanan",
  "result.title": "Hasil",
  "result.changed": "Berubah",
  "result.unchanged": "Sudah di status itu",
  "result.refused": "Ditolak",
  "result.order": "Pesanan",
  "result.outcome": "Hasil",
  "result.reason": "Alasan",
  "result.failed": "Tidak ada yang diubah: {error}",
  "result.partial": "Berhenti setelah {done} dari {total} pesanan: {error}",
  "detail.title": "Pesanan {order}",
  "detail.customer": "Pelanggan",
  "detail.items": "Barang",
  "detail.subtotal": "Subtotal",
  "detail.shipping": "Ongkir",
  "detail.total": "Total",
  "detail.payment": "Pembayaran",
  "detail.receipt": "Nomor resi",
  "detail.status_timeline": "Riwayat status",
  "detail.payment_timeline": "Riwayat pembayaran",
  "detail.nohistory": "Belum ada perubahan.",
  "detail.by": "oleh {by}",
  "detail.key": "kunci {key}",
  "detail.open": "Buka pesanan {order}",
  "upload.title": "Unggah CSV perubahan status",
  "upload.drop": "Seret file CSV ke sini, atau pilih file",
  "upload.choose": "Pilih file",
  "upload.tz": "Zona waktu untuk tanggal tanpa offset",
  "upload.help": "Kolom: order_id (atau id), status, dan opsional shipment_receipt (nomor resi; kosong: tetap), day, month, year (tanggal pesanan masuk status itu; kosong: sekarang), payment_status, payment_method, transfer_time, transferproof_url, rtsproof_url, by.",
  "upload.check": "Periksa (uji coba)",
  "upload.template": "Unduh templat",
  "upload.rows_ok": "Baris yang bisa diterapkan",
  "upload.rows_bad": "Baris bermasalah",
  "upload.row": "Baris",
  "upload.column": "Kolom",
  "upload.problem": "Masalah",
  "upload.file": "File: {name}",
  "upload.done": "Diterapkan: {n} pesanan",
  "export.running": "Mengekspor…",
  "error.network": "Server tidak dapat dihubungi.",
  "error.busy": "Terlalu banyak permintaan dengan kunci ini; coba lagi dalam {seconds} detik.",
  "error.unavailable": "Database tidak menjawab; coba lagi dalam {seconds} detik.",
  "filters.toggle": "Filter",
  "error.scope": "Kunci ini tidak boleh melakukan itu ({detail}).",
  "error.listing": "Server ini belum bisa menampilkan daftar pesanan ({error}).",
  "status.draft": "Dibuat",
  "status.pending": "Menunggu",
  "status.confirmed": "Dikonfirmasi",
  "status.in_process": "Diproses",
  "status.ready": "Siap Kirim",
  "status.shipped": "Dikirim",
  "status.completed": "Selesai",
  "status.rts": "Retur ke Pengirim",
  "status.canceled": "Dibatalkan",
  "status.closed": "Ditutup",
  "pay.unpaid": "Belum dibayar",
  "pay.paid": "Dibayar",
  "pay.conflict": "Bermasalah",
  "pay.settled": "Lunas",
  "method.bank_transfer": "Transfer bank",
  "method.cod": "Bayar di tempat (COD)",
  ...VIRTUAL_ACCOUNTS,
  "method.payment_link": "Tautan pembayaran",
  "change.need_target": "Pilih status, status pembayaran, atau keduanya.",
  "method.va": "Virtual account",
  "method.qris": "QRIS",
  "method.card": "Kartu",
  "method.invoice": "Invoice",
  "method.alfamart": "Alfamart",
  "method.indomaret": "Indomaret",
  "method.ovo": "OVO",
  "method.dana": "DANA",
  "method.shopeepay": "ShopeePay",
  "method.linkaja": "LinkAja",
  "method.gopay": "GoPay",
  "method.marketplace": "Marketplace",
  "method.no_payment": "Tanpa pembayaran",
  "method.none": "—",
};

const DICTS = { en: EN, id: ID };
const LANG_KEY = "orderflow.lang";
let lang = pickLanguage();

function pickLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved in DICTS) return saved;
  return (navigator.language || "en").toLowerCase().startsWith("id") ? "id" : "en";
}

export function currentLang() {
  return lang;
}

export function setLang(next) {
  lang = next in DICTS ? next : "en";
  localStorage.setItem(LANG_KEY, lang); // a preference, not a secret
  document.documentElement.lang = lang;
}

/** Translated text for `key`, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = DICTS[lang][key] ?? EN[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export const statusName = (s) => (s ? t(`status.${s}`) : "");
export const paymentName = (p) => (p ? t(`pay.${p}`) : "");
export const methodName = (m) => t(`method.${m || "none"}`);

const locale = () => (lang === "id" ? "id-ID" : "en-GB");

export function formatTime(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(when);
}

export function formatMoney(amount) {
  const n = Number(amount);
  if (!Number.isFinite(n)) return String(amount ?? "");
  return new Intl.NumberFormat(locale(), {
    style: "currency", currency: "IDR", maximumFractionDigits: 0,
  }).format(n);
}

export const formatCount = (n) => new Intl.NumberFormat(locale()).format(n);

/** Put translated text into every element that names a key with data-i18n (and friends). */
export function translatePage(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  document.title = t("app.title");
}
