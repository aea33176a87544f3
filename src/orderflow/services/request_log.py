"""What one request did (`GET /v3/orders/changes/{request_id}`): who, when, how many orders, and
each order's change from → to, a page at a time (oldest first), for the console and support."""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.services.cursors import CursorCodec, Direction
from orderflow.services.records import Actor, Keyset, RecordedChange, RequestSummary
from orderflow.services.revert import RequestNotFound
from orderflow.services.unit_of_work import UnitOfWorkFactory

MAX_CHANGES_PAGE = 1000


@dataclass(frozen=True, slots=True)
class RequestChanges:
    """One page of a request's changes: the request counted, its rows on this page, which of
    their orders a revert put back (order id → the revert's request id), the next page."""

    summary: RequestSummary
    changes: list[RecordedChange]
    reverted: dict[int, str]
    next_cursor: str | None


async def request_changes(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    request_id: str,
    codec: CursorCodec,
    *,
    size: int,
    next_cursor: str | None = None,
) -> RequestChanges:
    """The request's summary and one page of its rows (404 `request_not_found`: it changed
    nothing of the caller's business)."""
    scope = f"changes:{request_id}"
    after = None
    if next_cursor is not None:
        after = codec.decode(next_cursor, Direction.NEXT, actor.business_id, scope).id
    async with uow_factory(actor.business_id, write=False) as uow:
        summary = await uow.history.request_summary(request_id)
        if summary is None:
            raise RequestNotFound(f"no change was made by request {request_id}")
        rows = await uow.history.request_changes(request_id, after=after, limit=size + 1)
        page = rows[:size]
        reverted = await uow.history.reverted_orders(request_id, [r.order_id for r in page])
    following = None
    if len(rows) > size:
        last = page[-1]
        following = codec.encode(
            Direction.NEXT, Keyset(last.created_at, last.history_id), actor.business_id, scope
        )
    return RequestChanges(summary, page, reverted, following)
