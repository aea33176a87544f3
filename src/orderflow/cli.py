"""The `orderflow` command: serve, worker, migrate, businesses, API keys, demo data."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from orderflow.adapters.migrate import upgrade
from orderflow.bootstrap import Container, build
from orderflow.config import Settings
from orderflow.contracts.versions import NEWEST, Contract
from orderflow.domain.errors import OrderflowError
from orderflow.observability.logs import configure_logging, redact
from orderflow.observability.metrics import shared_across_processes
from orderflow.safety import UnsafeConfiguration, check_production_safety
from orderflow.services.access import ALL_SCOPES, create_api_key, create_business, revoke_api_key
from orderflow.services.demo import seed_demo

EXIT_CONFIG = 78  # sysexits EX_CONFIG: systemd units do not restart a refused configuration


def _run(work: Callable[[Container], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        container = build()
        try:
            return await work(container)
        finally:
            await container.close()

    return asyncio.run(main())


def _print_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")


def cmd_migrate(args: argparse.Namespace) -> None:
    """Upgrade the database to the newest schema."""
    _run(lambda c: upgrade(c.engine))
    print("database is at the newest schema", file=sys.stderr)


def cmd_business_create(args: argparse.Namespace) -> None:
    issued = _run(lambda c: create_business(c.uow_factory, args.name, args.contract))
    _print_json(
        {"business_id": issued.business_id, "api_key": issued.key, "contract": args.contract}
    )


def cmd_apikey_create(args: argparse.Namespace) -> None:
    scopes = frozenset(args.scope) if args.scope else None
    issued = _run(lambda c: create_api_key(c.uow_factory, args.business, scopes, args.contract))
    _print_json(
        {
            "business_id": issued.business_id,
            "api_key": issued.key,
            "prefix": issued.prefix,
            "contract": args.contract,
        }
    )


def cmd_apikey_revoke(args: argparse.Namespace) -> None:
    _run(lambda c: revoke_api_key(c.uow_factory, args.prefix))
    _print_json({"revoked": args.prefix})


def cmd_demo(args: argparse.Namespace) -> None:
    async def work(c: Container) -> None:
        await upgrade(c.engine)
        info = await seed_demo(c.uow_factory, NEWEST.value, orders=args.orders)
        verb = "created" if info.created else "already there"
        print(f"demo business {info.business_id}: {verb}", file=sys.stderr)
        _print_demo_help(c.settings, info.api_key, info.example_uuid, args.host, args.port)

    _run(work)


def _print_demo_help(settings: Settings, key: str, example_uuid: str, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    print(
        f"""
orderflow demo is ready ({redact(settings.database_url)}).
API key: {key}

Try it:
  curl -s '{base}/v3/orders?page_size=3' -H 'Authorization: Bearer {key}'
  curl -s {base}/v3/orders/{example_uuid} -H 'Authorization: Bearer {key}'
  curl -s -X POST {base}/v3/orders/change-status \\
       -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\
       -d '{{"ids": ["{example_uuid}"], "status": "confirmed", "payment_status": "paid"}}'
Contract version {NEWEST.value} (UUIDs); send 'Orderflow-Contract: 2025-01-01' for the older one.
API docs: {base}/docs
Console:  {base}/console/ (sign in with the API key above)
""",
        file=sys.stderr,
    )


def cmd_housekeeping(args: argparse.Namespace) -> None:
    """One housekeeping round (what the server does every 10 minutes), for cron and tests."""
    from orderflow.adapters.housekeeping import housekeeping_round, retention

    async def work(c: Container) -> None:
        purged = await housekeeping_round(c.engine, retention(c.settings), datetime.now(UTC))
        print(json.dumps({"purged": purged.as_dict()}))

    _run(work)


def cmd_reseal(args: argparse.Namespace) -> None:
    """Seal every webhook secret with the first of ORDERFLOW_ENCRYPTION_KEYS (key rotation)."""
    from orderflow.adapters.webhook_repository import reseal_secrets

    async def work(c: Container) -> None:
        print(json.dumps({"resealed": await reseal_secrets(c.engine, c.uow_factory.secrets)}))

    _run(work)


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    if args.no_access_log:
        os.environ["ORDERFLOW_LOG_ACCESS"] = "false"  # read again by every server process
    settings = Settings()
    if settings.is_sqlite and args.workers > 1:
        raise SystemExit(
            "orderflow: several workers need PostgreSQL (SQLite has one writer per file); "
            "set ORDERFLOW_DATABASE_URL=postgresql://... or use --workers 1"
        )
    try:
        check_production_safety(settings, args.workers)
    except UnsafeConfiguration as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
    configure_logging(settings.log_level, settings.log_format, access=settings.log_access)
    with shared_across_processes(args.workers):
        uvicorn.run(
            "orderflow.api.app:create_app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            access_log=False,  # orderflow writes its own (observability/logs.py says why)
            log_config=None,
            proxy_headers=True,
            timeout_graceful_shutdown=args.graceful_timeout,
        )


def cmd_worker(args: argparse.Namespace) -> None:
    """Deliver webhooks from the outbox until SIGTERM/SIGINT (the current round finishes first)."""
    from orderflow.worker.outbox_relay import build_relay

    settings = Settings()
    try:
        check_production_safety(settings)
    except UnsafeConfiguration as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None
    configure_logging(settings.log_level, settings.log_format, access=settings.log_access)

    async def work(c: Container) -> None:
        relay = build_relay(c)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, relay.request_stop)
        print(
            "orderflow worker: relaying webhooks (SIGTERM: stop after this round)", file=sys.stderr
        )
        await relay.run()

    _run(work)


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(prog="orderflow", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    serve.add_argument("--no-access-log", action="store_true")
    serve.add_argument("--graceful-timeout", type=int, default=60, help="seconds to finish work")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("worker", help="deliver webhooks (the outbox relay)").set_defaults(
        func=cmd_worker
    )
    sub.add_parser("migrate", help="upgrade the database schema").set_defaults(func=cmd_migrate)
    sub.add_parser(
        "housekeeping", help="purge expired keys, old webhook events (and history): one round"
    ).set_defaults(func=cmd_housekeeping)
    sub.add_parser(
        "reseal-webhook-secrets",
        help="seal every webhook secret with the first ORDERFLOW_ENCRYPTION_KEYS key (rotation)",
    ).set_defaults(func=cmd_reseal)

    business = sub.add_parser("business", help="manage businesses").add_subparsers(
        dest="action", required=True
    )
    bc = business.add_parser("create", help="create a business and its sk_ key")
    bc.add_argument("--name", required=True)
    contract = {
        "choices": [c.value for c in Contract],
        "default": NEWEST.value,
        "help": f"the contract version its key answers in (default: the newest, {NEWEST.value})",
    }
    bc.add_argument("--contract", **contract)  # type: ignore[arg-type]
    bc.set_defaults(func=cmd_business_create)

    apikey = sub.add_parser("apikey", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    ac = apikey.add_parser("create", help="create a key (rk_ when scopes are given)")
    ac.add_argument("--business", type=int, required=True)
    ac.add_argument("--scope", action="append", choices=sorted(ALL_SCOPES))
    ac.add_argument("--contract", **contract)  # type: ignore[arg-type]
    ac.set_defaults(func=cmd_apikey_create)
    ar = apikey.add_parser(
        "revoke",
        help="revoke a key by its public prefix (servers stop taking it within "
        "ORDERFLOW_AUTH_CACHE_S seconds)",
    )
    ar.add_argument("prefix")
    ar.set_defaults(func=cmd_apikey_revoke)

    demo = sub.add_parser("demo", help="migrate and create demo data (idempotent)")
    demo.add_argument("--orders", type=int, default=200)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(func=cmd_demo)
    return p


def main(argv: Sequence[str] | None = None) -> None:
    """Run the `orderflow` command."""
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except OrderflowError as exc:
        raise SystemExit(f"orderflow: {exc.message}") from None
