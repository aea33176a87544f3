"""The console's files: served at /console with a strict CSP, no inline code, `/` leads there."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from orderflow.console import STATIC_DIR
from orderflow.domain.lifecycle import OrderStatus, PaymentMethod, PaymentStatus


async def test_console_is_served_with_security_headers(client: httpx.AsyncClient) -> None:
    # when the console page and one of its modules are fetched
    page = await client.get("/console/")
    module = await client.get("/console/js/main.js")
    # then both carry the CSP that forbids inline and foreign code, and nothing else is needed
    for answer in (page, module):
        assert answer.status_code == 200
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert page.headers["content-type"].startswith("text/html")
    assert module.headers["content-type"].startswith(("text/javascript", "application/javascript"))


async def test_root_and_bare_path_lead_to_the_console(client: httpx.AsyncClient) -> None:
    assert (await client.get("/")).headers["location"] == "/console/"
    assert (await client.get("/console")).headers["location"].endswith("/console/")


async def test_api_answers_are_untouched(client: httpx.AsyncClient) -> None:
    # the console's CSP is for its files only: the API and its docs keep their own headers
    answer = await client.get("/v3/me")
    assert answer.status_code == 401
    assert "content-security-policy" not in answer.headers


def test_no_inline_code_and_no_html_injection_sinks() -> None:
    # given every file of the console
    files = {p.relative_to(STATIC_DIR).as_posix(): p.read_text() for p in STATIC_DIR.rglob("*.*")}
    html = files["index.html"]
    # then the page has no inline script, style or event handler (the CSP would block them)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and not re.search(r"\son[a-z]+=", html)
    # and no script writes markup from strings (data goes in as text only)
    for name, text in files.items():
        if name.endswith(".js"):
            for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
                assert sink not in text, f"{name} uses {sink}"


def test_the_key_never_leaves_session_storage() -> None:
    source = "\n".join(p.read_text() for p in Path(STATIC_DIR, "js").glob("*.js"))
    assert "document.cookie" not in source
    assert "sessionStorage.setItem(KEY" in source
    assert re.search(r"localStorage\.setItem\([^)]*[Kk]ey", source) is None


def test_english_and_indonesian_say_the_same_things() -> None:
    # every text has both languages; every status, payment status and method has a name
    source = Path(STATIC_DIR, "js", "i18n.js").read_text()
    shared, tables = source.split("const EN = {", 1)
    # the banks' virtual accounts are one table spread into both languages
    accounts = {f"method.{k}" for k in re.findall(r"^\s+(va_[a-z_]+):", shared, re.M)}
    english, indonesian = (
        set(re.findall(r'^\s+"([a-z_]+\.[a-z_]+)":', block, re.M))
        | (accounts if "...VIRTUAL_ACCOUNTS" in block else set())
        for block in tables.split("const ID = {", 1)
    )
    assert len(accounts) == 17
    assert english == indonesian
    named = {f"status.{s}" for s in OrderStatus} | {f"pay.{p}" for p in PaymentStatus}
    assert named | {f"method.{m}" for m in PaymentMethod} <= english
