"""Businesses and API keys: creating them, revoking them, and checking a presented key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from orderflow.domain.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from orderflow.services.change_status import Clock, utc_now
from orderflow.services.records import BusinessRecord
from orderflow.services.unit_of_work import UnitOfWorkFactory


class Scope(StrEnum):
    ORDER_READ = "order:read"
    ORDER_LIST = "order:list"
    ORDER_STATISTICS_READ = "order:statistics:read"
    ORDER_CREATE = "order:create"
    ORDER_CHANGE_STATUS = "order:change_status"
    ORDER_DELETE = "order:delete"
    WEBHOOK_MANAGE = "webhook:manage"


ALL_SCOPES = frozenset(s.value for s in Scope)
SECRET_KIND = "sk"  # every scope
RESTRICTED_KIND = "rk"  # only the scopes it was given
_ALPHABET = string.ascii_letters + string.digits
_PREFIX_CHARS = 12
_SECRET_CHARS = 32


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller behind a valid key."""

    business_id: int
    api_key_id: int
    api_key_prefix: str
    scopes: frozenset[str]
    contract: str  # the contract version the key answers in unless a request asks otherwise

    def require(self, scope: Scope) -> None:
        """Raise Forbidden unless this key carries `scope`."""
        if scope.value not in self.scopes:
            raise Forbidden(f"this API key lacks the scope {scope.value}")


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: str  # shown once, never stored
    prefix: str
    business_id: int


def hash_key(key: str) -> str:
    """The stored form of a key: SHA-256 (keys are 190 random bits, so no slow hash is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def _prefix_of(key: str) -> str | None:
    kind, _, rest = key.partition("_")
    if kind not in (SECRET_KIND, RESTRICTED_KIND) or len(rest) != _PREFIX_CHARS + 1 + _SECRET_CHARS:
        return None
    return f"{kind}_{rest[:_PREFIX_CHARS]}"


async def create_business(
    uow_factory: UnitOfWorkFactory, name: str, contract: str, clock: Clock = utc_now
) -> IssuedKey:
    """Create a business and its first secret (`sk_`) key, which has every scope and answers in
    the contract version `contract` (the caller checked it is one)."""
    name = name.strip()
    if not name or len(name) > 255:
        raise InvalidInput("invalid business name", {"name": ["must be 1 to 255 characters"]})
    async with uow_factory() as uow:
        business_id = await uow.tenants.add_business(name, clock())
        await uow.commit()
    return await create_api_key(uow_factory, business_id, None, contract, clock)


async def create_api_key(
    uow_factory: UnitOfWorkFactory,
    business_id: int,
    scopes: frozenset[str] | None,
    contract: str,
    clock: Clock = utc_now,
) -> IssuedKey:
    """Issue a key: `sk_` with every scope when `scopes` is None, else `rk_` with just those;
    it answers in the contract version `contract` (the caller checked it is one)."""
    if scopes is not None:
        unknown = sorted(scopes - ALL_SCOPES)
        if unknown or not scopes:
            raise InvalidInput(
                "invalid scopes",
                {"scope": [f"unknown scope {s}" for s in unknown] or ["give at least one scope"]},
            )
    kind = SECRET_KIND if scopes is None else RESTRICTED_KIND
    prefix = f"{kind}_{_random(_PREFIX_CHARS)}"
    key = f"{prefix}_{_random(_SECRET_CHARS)}"
    async with uow_factory() as uow:
        if await uow.tenants.get_business(business_id) is None:
            raise NotFound(f"business {business_id} not found")
        await uow.tenants.add_api_key(
            business_id, prefix, hash_key(key), scopes or ALL_SCOPES, contract, clock()
        )
        await uow.commit()
    return IssuedKey(key=key, prefix=prefix, business_id=business_id)


async def revoke_api_key(
    uow_factory: UnitOfWorkFactory, prefix: str, clock: Clock = utc_now
) -> None:
    """Revoke the key with this public prefix; it stops working within `KeyCache.ttl_s`."""
    async with uow_factory() as uow:
        if not await uow.tenants.revoke_api_key(prefix, clock()):
            raise NotFound(f"no active API key with prefix {prefix}")
        await uow.commit()


class KeyCache:
    """Keys verified in the last `ttl_s` seconds, so a busy integration's requests do not each
    ask the database again (that lookup was a tenth of a small change's cost, measured).

    Only keys the database accepted are kept, by their hash, never the key itself; a key revoked
    in the meantime keeps working for at most `ttl_s` more seconds in each server process.
    `ttl_s=0` keeps nothing: every request is checked against the database.
    """

    def __init__(
        self,
        ttl_s: float,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_keys = max_keys
        self._clock = clock
        self._verified: dict[str, tuple[Principal, float]] = {}

    def get(self, key_hash: str) -> Principal | None:
        """The principal of a key verified less than `ttl_s` ago."""
        found = self._verified.get(key_hash)
        if found is None:
            return None
        principal, until = found
        if self._clock() >= until:
            del self._verified[key_hash]
            return None
        return principal

    def put(self, key_hash: str, principal: Principal) -> None:
        """Remember a key the database just accepted."""
        if self.ttl_s <= 0:
            return
        if len(self._verified) >= self.max_keys:
            self._verified.clear()  # rare (that many live keys in one process): start afresh
        self._verified[key_hash] = (principal, self._clock() + self.ttl_s)


async def authenticate(
    uow_factory: UnitOfWorkFactory, key: str, cache: KeyCache | None = None
) -> Principal:
    """The principal behind `key`; Unauthorized for a malformed, unknown or revoked key."""
    prefix = _prefix_of(key)
    if prefix is None:
        raise Unauthorized("Unauthorized")
    presented = hash_key(key)
    if cache is not None and (principal := cache.get(presented)) is not None:
        return principal
    async with uow_factory(write=False) as uow:
        record = await uow.tenants.find_api_key(prefix)
    if record is None or record.revoked or not hmac.compare_digest(record.key_hash, presented):
        raise Unauthorized("Unauthorized")
    scopes = ALL_SCOPES if prefix.startswith(SECRET_KIND) else record.scopes
    principal = Principal(record.business_id, record.id, record.prefix, scopes, record.contract)
    if cache is not None:
        cache.put(presented, principal)
    return principal


async def describe_business(uow_factory: UnitOfWorkFactory, business_id: int) -> BusinessRecord:
    """The business a key belongs to."""
    async with uow_factory(write=False) as uow:
        business = await uow.tenants.get_business(business_id)
    if business is None:
        raise NotFound(f"business {business_id} not found")
    return business
