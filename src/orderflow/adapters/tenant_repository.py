"""Businesses and API keys: the only tables read before a business is known."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderflow.adapters import driver_statements
from orderflow.adapters.driver_statements import driver_statement
from orderflow.adapters.tables import api_keys, businesses
from orderflow.adapters.tenancy import Scope, across_businesses
from orderflow.services.records import ApiKeyRecord, BusinessRecord

# Every request runs this; built once, not per request.
_KEY_COLUMNS = (
    api_keys.c.id,
    api_keys.c.business_id,
    api_keys.c.prefix,
    api_keys.c.key_hash,
    api_keys.c.scopes,
    api_keys.c.revoked_at,
    api_keys.c.contract,
)
_FIND_API_KEY = select(*_KEY_COLUMNS).where(api_keys.c.prefix == bindparam("prefix"))
# A key's prefix is unique across businesses: it is how a request's business is found.
_BY_PREFIX = across_businesses("an API key is found by its prefix, before its business is known")


@dataclass(slots=True)
class SqlTenantRepository:
    """The `TenantRepository` port."""

    conn: AsyncConnection

    async def add_business(self, name: str, now: datetime) -> int:
        """Create a business and return its id."""
        result = await self.conn.execute(
            insert(businesses).values(name=name, created_at=now).returning(businesses.c.id)
        )
        return int(result.scalar_one())

    async def get_business(self, business_id: int) -> BusinessRecord | None:
        """The business with this id, if any."""
        row = (
            await self.conn.execute(select(businesses).where(businesses.c.id == business_id))
        ).first()
        return None if row is None else BusinessRecord(row.id, row.name, row.created_at)

    async def find_business_by_name(self, name: str) -> BusinessRecord | None:
        """The oldest business with this name, if any."""
        row = (
            await self.conn.execute(
                select(businesses).where(businesses.c.name == name).order_by(businesses.c.id)
            )
        ).first()
        return None if row is None else BusinessRecord(row.id, row.name, row.created_at)

    async def add_api_key(
        self,
        business_id: int,
        prefix: str,
        key_hash: str,
        scopes: frozenset[str],
        contract: str,
        now: datetime,
    ) -> int:
        """Store a key (only its hash) and return its id."""
        result = await self.conn.execute(
            Scope(business_id)
            .insert(api_keys)
            .values(
                prefix=prefix,
                key_hash=key_hash,
                scopes=" ".join(sorted(scopes)),
                contract=contract,
                created_at=now,
            )
            .returning(api_keys.c.id)
        )
        return int(result.scalar_one())

    async def find_api_key(self, prefix: str) -> ApiKeyRecord | None:
        """The key with this public prefix, revoked or not."""
        stmt = driver_statement(
            self.conn.dialect, "find_api_key", lambda: _FIND_API_KEY, _KEY_COLUMNS
        )
        rows = await driver_statements.fetch(self.conn, stmt, {"prefix": prefix}, _BY_PREFIX)
        if not rows:
            return None
        id_, business_id, found_prefix, key_hash, scopes, revoked_at, contract = rows[0]
        return ApiKeyRecord(
            id=id_,
            business_id=business_id,
            prefix=found_prefix,
            key_hash=key_hash,
            scopes=frozenset(scopes.split()),
            revoked=revoked_at is not None,
            contract=contract,
        )

    async def revoke_api_key(self, prefix: str, now: datetime) -> bool:
        """Revoke a key; False if there is no such (unrevoked) key."""
        result = await self.conn.execute(
            update(api_keys)
            .where(api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(**_BY_PREFIX)
        )
        return bool(result.rowcount)
