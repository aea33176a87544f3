"""The console in a real browser against a real server: what a seller does, start to end."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from orderflow.services.demo import DEMO_KEY

NASTY_NAME = '<img src=x onerror="document.title=1">Budi'


def sign_in(page: Page) -> None:
    page.goto("/console/")
    page.fill("#key", DEMO_KEY)
    page.press("#key", "Enter")
    expect(page.locator("#business")).to_have_text("Demo Store")
    expect(page.locator("#rows tr[data-id]").first).to_be_visible()


def drop_csv(page: Page, text: str) -> None:
    """Drop `text` as the file resi.csv on the upload dialog's drop zone."""
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.items.add(new File([text], "resi.csv", { type: "text/csv" }));
            const zone = document.getElementById("u-drop");
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true }));
        }""",
        text,
    )


def shot(page: Page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"))


def count_of(page: Page, status: str) -> int:
    tab = page.locator(f'#tabs [data-status="{status}"] .count')
    expect(tab).to_be_visible()
    return int(tab.get_attribute("data-count") or "-1")


def test_sign_in_filter_select_preview_and_apply(
    page: Page, api: httpx.Client, shots: Path
) -> None:
    # given a signed-in seller: the key is in session storage only, never a cookie or the URL
    sign_in(page)
    assert page.evaluate("sessionStorage.getItem('orderflow.apiKey')") == DEMO_KEY
    assert page.context.cookies() == [] and DEMO_KEY not in page.url
    total = count_of(page, "")
    assert total == len(api.get("/v3/orders/export").text.strip().splitlines()) - 1
    shot(page, shots, "orders")

    # the pages follow the API's cursors, both ways, and the URL carries the cursor
    first_page = page.locator("#rows tr[data-id]").first.get_attribute("data-id")
    page.click("#next")
    expect(page).to_have_url(re.compile(r"cursor="))
    expect(page.locator("#rows tr[data-id]").first).not_to_have_attribute(
        "data-id", first_page or ""
    )
    page.click("#prev")
    expect(page.locator("#rows tr[data-id]").first).to_have_attribute("data-id", first_page or "")

    # a whole page, then "all N matching", can be selected (N from the tab's count)
    page.check("#select-page")
    expect(page.locator("#selected-count")).to_contain_text("25")
    page.click("#select-all")
    expect(page.locator("#selected-count")).to_contain_text(str(total))
    page.click("#selection button:has-text('Clear selection')")
    expect(page.locator("#selected-count")).to_have_count(0)

    # when they open the Pending tab: the URL follows, every row is pending, the count matches
    page.click('#tabs [data-status="pending"]')
    expect(page).to_have_url(re.compile(r"[?&]status=pending"))
    pending = count_of(page, "pending")
    rows = page.locator("#rows tr[data-id]")
    expect(rows).to_have_count(min(pending, 25))
    expect(page.locator("#rows .badge.s-pending")).to_have_count(min(pending, 25))

    # and select the page, then every matching order, and ask for confirmed + paid
    page.check("#select-page")
    if pending > 25:
        page.click("#select-all")
    expect(page.locator("#selected-count")).to_contain_text(str(pending))
    page.click("#change")
    page.select_option("#c-status", "confirmed")
    page.select_option("#c-payment-status", "paid")
    page.fill("#c-by", "kasir@console")
    expect(page.locator("#c-holder")).to_be_visible()  # bank fields come with "paid"
    shot(page, shots, "change-status")
    page.click("#c-preview")

    # then the dry run says how many change and which are refused, and why
    summary = page.locator("#change-dialog .summary")
    expect(summary).to_be_visible()
    will = int(summary.locator(".will-change dd").get_attribute("data-n") or "-1")
    refused = int(summary.locator(".refused dd").get_attribute("data-n") or "-1")
    assert will + refused == pending and will > 0
    if refused:
        expect(page.locator("#change-dialog tr.refused").first).to_contain_text("not allowed")
        expect(page.locator("#apply-all")).to_be_disabled()
    shot(page, shots, "dry-run")
    assert len(api.get("/v3/orders/export", params={"status": "pending"}).text.splitlines()) == (
        pending + 1
    ), "a dry run changes nothing"

    # when they apply, skipping the refused ones
    page.click("#apply-skip")
    expect(page.locator("#change-dialog .summary .changed dd")).to_have_attribute(
        "data-n", str(will)
    )
    expect(page.locator("#change-dialog tr.changed")).to_have_count(will)
    shot(page, shots, "result")
    page.locator("#change-dialog .dialog-buttons button.primary").click()

    # then the table and the counts follow, and the API agrees
    expect(page.locator('#tabs [data-status="pending"] .count')).to_have_attribute(
        "data-count", str(refused)
    )
    confirmed = api.get("/v3/orders", params={"status": "confirmed", "payment_status": "paid"})
    assert any(o["customer"]["name"] for o in confirmed.json()["data"])


def test_order_timeline_shows_who_when_and_from_to(
    page: Page, api: httpx.Client, shots: Path
) -> None:
    # given an order moved by a named person
    order = api.get("/v3/orders", params={"status": "draft", "page_size": 1}).json()["data"][0]
    moved = api.post(
        "/v3/orders/change-status",
        json={"ids": [order["id"]], "status": "pending", "payment_method": "cod", "by": "Rina"},
    )
    assert moved.status_code == 200, moved.text
    # when the seller finds it by its number and today's date
    sign_in(page)
    today = page.evaluate("new Date().toLocaleDateString('en-CA')")  # YYYY-MM-DD, local
    page.fill("#f-search", order["order_id"])
    page.fill("#f-since", today)
    page.fill("#f-until", today)
    page.press("#f-search", "Enter")
    expect(page).to_have_url(re.compile(rf"search={order['order_id']}"))
    expect(page).to_have_url(re.compile(rf"until={today}"))
    row = page.locator(f"#rows tr[data-id='{order['id']}']")
    expect(page.locator("#rows tr[data-id]")).to_have_count(1)
    # when they open it
    row.locator(".order-link").click()
    # then the timeline shows created → pending by Rina, and the URL names the order
    timeline = page.locator("#status-timeline li")
    expect(timeline).to_have_count(2)
    expect(timeline.nth(0)).to_contain_text("Created")
    expect(timeline.nth(1)).to_contain_text("Created → Pending")
    expect(timeline.nth(1)).to_contain_text("Rina")
    expect(timeline.nth(1)).to_contain_text("Cash on delivery")  # the payment method it came with
    expect(page.locator("#payment-timeline li")).to_have_count(1)
    expect(page).to_have_url(re.compile(rf"order={order['id']}"))
    shot(page, shots, "order-detail")
    # and Escape closes it (keyboard), taking the order out of the URL
    page.keyboard.press("Escape")
    expect(page.locator("#detail-dialog")).not_to_be_visible()
    expect(page).not_to_have_url(re.compile(r"order="))
    # and a date range that ends before today finds nothing
    page.fill("#f-since", "")
    page.fill("#f-until", "2020-01-01")
    page.press("#f-search", "Enter")
    expect(page.locator("#rows td.empty")).to_be_visible()


def test_a_payment_only_change_and_an_orders_uuid_in_the_url(page: Page, api: httpx.Client) -> None:
    # given a pending, unpaid order (the console speaks 2026-07-21: its id is a UUID)
    listed = api.get("/v3/orders", params={"status": "pending", "payment_status": "unpaid"})
    order = listed.json()["data"][0]
    assert re.fullmatch(r"[0-9a-f-]{36}", order["id"])
    sign_in(page)
    page.fill("#f-search", order["order_id"])
    page.press("#f-search", "Enter")
    row = page.locator(f'#rows tr[data-id="{order["id"]}"]')
    expect(row).to_be_visible()
    # when the seller records the payment only, leaving the status as it is
    row.locator("input[type=checkbox]").check()
    page.click("#change")
    expect(page.locator("#c-status")).to_have_value("")
    page.select_option("#c-payment-status", "paid")
    page.click("#c-preview")
    expect(page.locator("#change-dialog .summary .will-change dd")).to_have_attribute("data-n", "1")
    page.click("#apply-all")
    expect(page.locator("#change-dialog .summary .changed dd")).to_have_attribute("data-n", "1")
    page.locator("#change-dialog .dialog-buttons button.primary").click()
    # then the order is paid and still pending
    after = api.get(f"/v3/orders/{order['id']}").json()
    assert (after["status"], after["payment_status"]) == ("pending", "paid")
    # and opening it puts its UUID in the address bar
    row.locator("button.order-link").click()
    expect(page.locator("#detail-dialog")).to_be_visible()
    expect(page).to_have_url(re.compile(f"order={order['id']}"))


def test_upload_csv_dry_run_then_apply(page: Page, api: httpx.Client, shots: Path) -> None:
    # given two shipped orders and a CSV completing them, with one row that cannot work
    shipped = api.get("/v3/orders", params={"status": "shipped", "page_size": 2}).json()["data"]
    assert len(shipped) == 2
    text = "order_id,status,by\n" + "".join(f"{o['order_id']},completed,kurir\n" for o in shipped)
    text += "NOSUCHORDER1,completed,kurir\n"
    sign_in(page)
    page.click("#upload")
    # when the file is dropped on the drop zone
    drop_csv(page, text)
    expect(page.locator("#u-chosen")).to_contain_text("resi.csv")
    page.click("#u-check")
    # then the dry run lists the rows that can be applied and the row that cannot, by number
    expect(page.locator("#upload-dialog .will-change dd")).to_have_attribute("data-n", "2")
    expect(page.locator("#upload-dialog .refused dd")).to_have_attribute("data-n", "1")
    expect(page.locator("#upload-dialog table.problems tbody tr")).to_have_count(1)
    expect(page.locator("#upload-dialog table.problems")).to_contain_text("NOSUCHORDER1")
    shot(page, shots, "upload-dry-run")
    assert api.get(f"/v3/orders/{shipped[0]['id']}").json()["status"] == "shipped"
    # when they apply, skipping the bad row
    page.click("#u-apply-skip")
    expect(page.locator("#u-done")).to_be_visible()
    for order in shipped:
        assert api.get(f"/v3/orders/{order['id']}").json()["status"] == "completed"
    page.locator("#upload-dialog .dialog-buttons button.primary").click()


def test_phone_screen_language_keyboard_and_sign_out(page: Page, shots: Path) -> None:
    # given a phone-sized screen
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page)
    # then the table is a list of labelled cards, not a table wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator("table.orders th:has-text('Customer')")).to_be_hidden()
    expect(page.locator("label.page-label")).to_be_visible()  # "select page" stays reachable
    expect(page.locator("#filters")).to_be_hidden()  # folded away until asked for
    page.click("#filters-toggle")
    expect(page.locator("#f-search")).to_be_visible()
    shot(page, shots, "phone")
    # when the language is switched, the statuses take the names Indonesian sellers use
    page.click("#lang")
    expect(page.locator('#tabs [data-status="ready"]')).to_contain_text("Siap Kirim")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    shot(page, shots, "phone-id")
    # and the tabs work from the keyboard (arrow keys move and choose)
    page.focus('#tabs [data-status=""]')
    page.keyboard.press("ArrowRight")
    expect(page.locator('#tabs [data-status="draft"]')).to_be_focused()
    expect(page).to_have_url(re.compile(r"status=draft"))
    # when they sign out, the key is gone from the tab
    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    # and a wrong key is refused with a message, and not kept
    page.fill("#key", "sk_wrong_key")
    page.press("#key", "Enter")
    expect(page.locator("#signin-error")).not_to_be_empty()
    assert page.evaluate("sessionStorage.length") == 0


def test_large_selection_applies_in_chunks_with_progress(page: Page, api: httpx.Client) -> None:
    # given every order selected ("all N matching" on the All tab)
    sign_in(page)
    total = count_of(page, "")
    page.check("#select-page")
    page.click("#select-all")
    expect(page.locator("#selected-count")).to_contain_text(str(total))
    calls: list[str] = []
    page.on(
        "request",
        lambda r: calls.append(r.url) if "/v3/orders/change-status" in r.url else None,
    )
    page.evaluate(
        """() => {
            window.progressSeen = [];
            new MutationObserver((records) => {
                for (const r of records) {
                    if (r.target.id === "apply-progress" && r.attributeName === "value") {
                        window.progressSeen.push(Number(r.oldValue || 0));
                    }
                }
            }).observe(document.body, { subtree: true, attributes: true, attributeOldValue: true });
        }"""
    )
    # when they cancel them all, skipping the ones that cannot be canceled
    page.click("#change")
    page.select_option("#c-status", "canceled")
    page.click("#c-preview")
    will = int(page.locator("#change-dialog .will-change dd").get_attribute("data-n") or "-1")
    page.click("#apply-skip")
    expect(page.locator("#change-dialog .summary .changed dd")).to_have_attribute(
        "data-n", str(will)
    )
    # then one dry run and then several calls went out, and the bar followed them to the end
    assert len(calls) >= 3 and "dry_run=true" in calls[0]
    # (each value the bar had before it moved on: it stood part-way, never went back)
    seen = page.evaluate("window.progressSeen")
    assert seen == sorted(seen) and any(0 < v < total for v in seen), seen


def test_data_is_text_and_export_follows_the_tab(page: Page, api: httpx.Client) -> None:
    # given an order whose customer name is markup
    created = api.post(
        "/v3/orders",
        json={
            "customer": {"name": NASTY_NAME},
            "items": [{"name": "Kopi", "quantity": 1, "price": "85000.00"}],
        },
    )
    assert created.status_code == 201, created.text
    # when the seller finds it, its name is shown as text, never run as markup
    sign_in(page)
    page.fill("#f-search", created.json()["order_id"])
    page.press("#f-search", "Enter")
    expect(page.locator("#rows tr[data-id] td").nth(2)).to_have_text(NASTY_NAME)
    assert page.locator("#rows img").count() == 0 and page.title() != "1"
    # given the Completed tab (no other filter)
    page.click("#f-reset")
    expect(page).not_to_have_url(re.compile(r"search="))
    page.click('#tabs [data-status="completed"]')
    expect(page).to_have_url(re.compile(r"status=completed"))
    # when it is exported: the file has exactly the orders of that tab
    completed = count_of(page, "completed")
    with page.expect_download() as download:
        page.click("#export")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert len(rows) == completed and {r["status"] for r in rows} == {"completed"}


def test_template_upload_sets_tracking_numbers_and_the_counts_follow(
    page: Page, api: httpx.Client
) -> None:
    # given two new orders, and the template the upload dialog offers
    new = {
        "customer": {"name": "Rina"},
        "items": [{"name": "Kaos", "quantity": 1, "price": "75000.00"}],
        "payment_method": "bank_transfer",
    }
    ready = [api.post("/v3/orders", json=new).json() for _ in range(2)]
    assert all("order_id" in o for o in ready), ready
    sign_in(page)
    shipped_before = count_of(page, "shipped")
    page.click("#upload")
    with page.expect_download() as download:
        page.click("#u-template")
    template = Path(download.value.path()).read_text("utf-8")
    header = next(csv.reader(io.StringIO(template)))
    assert header[:6] == ["order_id", "status", "shipment_receipt", "day", "month", "year"]
    # when the seller fills it in with the courier's tracking numbers and the day they shipped
    # (today: the demo's orders were made today)
    today = datetime.now(UTC).date()
    day = [str(today.day), str(today.month), str(today.year)]
    lines = [",".join(header)]
    blank = [""] * (len(header) - 6)
    for n, order in enumerate(ready):
        lines.append(",".join([order["order_id"], "shipped", f"JNE00{n}", *day, *blank]))
    text = "\n".join(lines) + "\n"
    page.set_input_files(
        "#u-file", files=[{"name": "manifest.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.fill("#u-tz", "UTC")
    page.click("#u-check")
    expect(page.locator("#upload-dialog .will-change dd")).to_have_attribute("data-n", "2")
    page.click("#u-apply-all")
    expect(page.locator("#u-done")).to_be_visible()
    page.locator("#upload-dialog .dialog-buttons button.primary").click()
    # then both are shipped with their numbers, and the Shipped tab counts them
    for n, order in enumerate(ready):
        shown = api.get(f"/v3/orders/{order['id']}").json()
        assert (shown["status"], shown["shipment_receipt"]) == ("shipped", f"JNE00{n}")
        assert shown["shipped_time"].startswith(today.isoformat())
    expect(page.locator('#tabs [data-status="shipped"] .count')).to_have_attribute(
        "data-count", str(shipped_before + 2)
    )
    # and the order's detail shows its tracking number, in its timeline too
    page.click('#tabs [data-status="shipped"]')
    page.fill("#f-search", ready[0]["order_id"])
    page.press("#f-search", "Enter")
    page.locator("#rows tr[data-id] button.order-link").first.click()
    expect(page.locator("#detail-receipt")).to_contain_text("JNE000")
    expect(page.locator("#status-timeline")).to_contain_text("JNE000")


def _new_orders(api: httpx.Client, n: int, customer: str) -> list[str]:
    """`n` new pending orders of `customer`, made through the API (other tests move the demo's)."""
    ids = []
    for _ in range(n):
        made = api.post(
            "/v3/orders",
            json={
                "customer": {"name": customer},
                "items": [{"name": "Kopi", "quantity": 1, "price": "25000.00"}],
                "payment_method": "cod",
            },
        )
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    return ids


def test_undo_a_change_shows_the_dry_run_then_puts_back_and_marks_the_timeline(
    page: Page, api: httpx.Client, shots: Path
) -> None:
    # given a seller who marks three new pending orders ready (found by their customer)
    ids = _new_orders(api, 3, "Undo Lestari")
    sign_in(page)
    page.fill("#f-search", "Undo Lestari")
    page.press("#f-search", "Enter")
    expect(page.locator("#rows tr[data-id]")).to_have_count(3)
    page.check("#select-page")
    page.click("#change")
    page.select_option("#c-status", "ready")
    page.fill("#c-by", "gudang")
    page.click("#c-preview")
    page.click("#apply-all")
    expect(page.locator("#change-dialog .summary .changed dd")).to_have_attribute("data-n", "3")
    # and one of them is shipped by someone else meanwhile
    shipped = api.post("/v3/orders/change-status", json={"ids": [ids[1]], "status": "shipped"})
    assert shipped.status_code == 200, shipped.text

    # when they press Undo, the dry run says two go back and one is left, and why
    page.click("#undo")
    summary = page.locator("#undo-summary")
    expect(summary.locator(".go-back dd")).to_have_attribute("data-n", "2")
    expect(summary.locator(".refused dd")).to_have_attribute("data-n", "1")
    expect(page.locator("#undo-refused tr[data-code='changed_since']")).to_have_count(1)
    expect(page.locator("#undo-refused")).to_contain_text("changed since")
    shot(page, shots, "undo-dry-run")
    assert {api.get(f"/v3/orders/{i}").json()["status"] for i in (ids[0], ids[2])} == {"ready"}

    # when they put them back
    page.click("#undo-apply")
    expect(page.locator("#undo-done")).to_contain_text("2")
    assert [api.get(f"/v3/orders/{i}").json()["status"] for i in ids] == [
        "pending",
        "shipped",
        "pending",
    ]
    page.locator("#change-dialog .dialog-buttons button.primary").click()

    # then the order's timeline marks the change that was undone, and the undo
    page.locator(f"#rows tr[data-id='{ids[0]}'] .order-link").click()
    timeline = page.locator("#status-timeline li")
    expect(timeline.locator(".m-reverted")).to_have_count(1)
    expect(timeline.locator(".m-revert")).to_have_count(1)
    expect(timeline.last).to_contain_text("Ready To Ship → Pending")
    expect(page.locator("#status-timeline li.reverted")).to_contain_text("Pending → Ready To Ship")
    shot(page, shots, "undo-timeline")


def test_undo_an_upload_puts_the_rows_back(page: Page, api: httpx.Client) -> None:
    # given two ready orders shipped from a CSV upload, with tracking numbers
    made = _new_orders(api, 2, "Undo Upload")
    assert api.post("/v3/orders/change-status", json={"ids": made, "status": "ready"}).is_success
    ready = [api.get(f"/v3/orders/{id_}").json() for id_ in made]
    text = "order_id,status,shipment_receipt\n" + "".join(
        f"{o['order_id']},shipped,UNDO{n}\n" for n, o in enumerate(ready)
    )
    sign_in(page)
    page.click("#upload")
    drop_csv(page, text)
    page.click("#u-check")
    page.click("#u-apply-all")
    expect(page.locator("#u-done")).to_be_visible()
    assert {api.get(f"/v3/orders/{o['id']}").json()["shipment_receipt"] for o in ready} == {
        "UNDO0",
        "UNDO1",
    }

    # when the upload is undone
    page.click("#undo")
    expect(page.locator("#undo-summary .go-back dd")).to_have_attribute("data-n", "2")
    page.click("#undo-apply")
    expect(page.locator("#undo-done")).to_be_visible()

    # then the orders are ready again, without the tracking numbers the file gave
    for o in ready:
        after = api.get(f"/v3/orders/{o['id']}").json()
        assert (after["status"], after["shipment_receipt"]) == ("ready", o["shipment_receipt"])
