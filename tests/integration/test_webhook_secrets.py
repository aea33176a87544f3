"""Webhook signing secrets are sealed at rest (AES-256-GCM): a database dump holds none of them,
a sealed secret opens only with its key and for its business, and keys rotate."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from orderflow.adapters.secret_box import PREFIX, SecretBox, SecretUnreadable, key_id, new_key
from orderflow.adapters.tables import webhook_endpoints
from orderflow.adapters.webhook_repository import reseal_secrets
from orderflow.bootstrap import Container, build
from orderflow.config import Settings, decode_key
from orderflow.services.webhooks import CreateWebhook, create_webhook, rotate_secret
from tests.builders import DEFAULT_CONTRACT, Tenant, make_tenant
from tests.log_scan import remember_secret

URL = "https://93.184.215.14/hooks"  # public, never contacted: the endpoint is inactive


async def _endpoint(container: Container, tenant: Tenant) -> tuple[int, str]:
    command = CreateWebhook(URL, frozenset({"order.created"}), DEFAULT_CONTRACT.value, False)
    made = await create_webhook(container.uow_factory, tenant.actor, command, container.outbound())
    remember_secret(made.secret)
    return made.id, made.secret


async def _stored(container: Container) -> list[str]:
    async with container.engine.connect() as conn:
        rows = await conn.execute(select(webhook_endpoints.c.secret))
        return [r[0] for r in rows]


async def _secret_read(container: Container, tenant: Tenant, id_: int) -> str:
    async with container.uow_factory(tenant.business_id, write=False) as uow:
        endpoint = await uow.webhooks.get(id_)
    assert endpoint is not None
    return endpoint.secret


async def test_the_database_holds_no_secret_in_the_clear(container: Container) -> None:
    tenant = await make_tenant(container)
    id_, secret = await _endpoint(container, tenant)
    rotated = (await rotate_secret(container.uow_factory, tenant.actor, id_)).secret
    remember_secret(rotated)

    [stored] = await _stored(container)
    assert stored.startswith(PREFIX) and secret not in stored and rotated not in stored
    assert secret.removeprefix("whsec_") not in stored
    assert await _secret_read(container, tenant, id_) == rotated != secret


async def test_keys_rotate_without_losing_a_secret(settings: Settings) -> None:
    old, new = new_key(), new_key()
    first = build(settings.model_copy(update={"encryption_keys": SecretStr(old)}))
    tenant = await make_tenant(first)
    id_, _ = await _endpoint(first, tenant)
    # a secret stored before secrets were sealed (an older release) is read as it was
    async with first.engine.begin() as conn:
        await conn.execute(update(webhook_endpoints).values(secret="whsec_storedplain"))
    assert await _secret_read(first, tenant, id_) == "whsec_storedplain"
    await first.close()

    both = build(settings.model_copy(update={"encryption_keys": SecretStr(f"{new},{old}")}))
    assert await reseal_secrets(both.engine, both.uow_factory.secrets) == 1  # sealed at last
    assert await reseal_secrets(both.engine, both.uow_factory.secrets) == 0
    [stored] = await _stored(both)
    assert stored.startswith(f"{PREFIX}{key_id(decode_key(new))}:")
    await both.close()

    only_new = build(settings.model_copy(update={"encryption_keys": SecretStr(new)}))
    try:
        assert await _secret_read(only_new, tenant, id_) == "whsec_storedplain"
    finally:
        await only_new.close()
    only_old = build(settings.model_copy(update={"encryption_keys": SecretStr(old)}))
    try:
        with pytest.raises(SecretUnreadable, match="does not hold"):
            await _secret_read(only_old, tenant, id_)
    finally:
        await only_old.close()


def test_a_sealed_secret_opens_only_with_its_key_and_for_its_business() -> None:
    box = SecretBox([decode_key(new_key())])
    sealed = box.seal("whsec_abc", business_id=1)
    assert box.open(sealed, business_id=1) == "whsec_abc"
    assert box.seal("whsec_abc", business_id=1) != sealed  # a fresh nonce each time
    with pytest.raises(SecretUnreadable):
        box.open(sealed, business_id=2)  # copied to another business's row
    with pytest.raises(SecretUnreadable):
        SecretBox([decode_key(new_key())]).open(sealed, business_id=1)
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(SecretUnreadable):
        box.open(tampered, business_id=1)
