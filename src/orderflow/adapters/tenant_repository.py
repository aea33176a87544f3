"""Businesses and API keys: the only tables read before a business is known."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from orderflow.adapters.tables import api_keys, businesses
from orderflow.services.unit_of_work import ApiKeyRecord, BusinessRecord

# Every request runs this; built once, not per request.
_FIND_API_KEY = select(api_keys).where(api_keys.c.prefix == bindparam("prefix"))


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
        self, business_id: int, prefix: str, key_hash: str, scopes: frozenset[str], now: datetime
    ) -> int:
        """Store a key (only its hash) and return its id."""
        result = await self.conn.execute(
            insert(api_keys)
            .values(
                business_id=business_id,
                prefix=prefix,
                key_hash=key_hash,
                scopes=" ".join(sorted(scopes)),
                created_at=now,
            )
            .returning(api_keys.c.id)
        )
        return int(result.scalar_one())

    async def find_api_key(self, prefix: str) -> ApiKeyRecord | None:
        """The key with this public prefix, revoked or not."""
        row = (await self.conn.execute(_FIND_API_KEY, {"prefix": prefix})).first()
        if row is None:
            return None
        return ApiKeyRecord(
            id=row.id,
            business_id=row.business_id,
            prefix=row.prefix,
            key_hash=row.key_hash,
            scopes=frozenset(row.scopes.split()),
            revoked=row.revoked_at is not None,
        )

    async def revoke_api_key(self, prefix: str, now: datetime) -> bool:
        """Revoke a key; False if there is no such (unrevoked) key."""
        result = await self.conn.execute(
            update(api_keys)
            .where(api_keys.c.prefix == prefix, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)
