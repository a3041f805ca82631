"""`paytrust` command: `run` (dev stack), `migrate`, `demo` (a first payment on a running stack),
`rotate-credentials-key` (re-encrypt merchants' gateway credentials under the first
GATEWAY_CREDENTIALS_KEY), `events tail|resend` (merchant webhooks while integrating)."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="paytrust", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the whole stack in the foreground (make run)")
    sub.add_parser("migrate", help="create the database if needed and upgrade to head")
    from demo import add_arguments as add_demo_arguments

    add_demo_arguments(
        sub.add_parser("demo", help="pay a first invoice end to end on a running stack (make demo)")
    )
    sub.add_parser(
        "rotate-credentials-key",
        help="re-encrypt gateway accounts' credentials under the first GATEWAY_CREDENTIALS_KEY",
    )
    from events_cli import add_arguments as add_events_arguments

    add_events_arguments(sub.add_parser("events", help="tail events, resend one to endpoints"))
    args = parser.parse_args(argv)
    if args.command == "rotate-credentials-key":
        import asyncio

        from config import load_settings
        from gateways.accounts import reencrypt_credentials

        settings = load_settings()
        count = asyncio.run(
            reencrypt_credentials(settings.database_url, settings.gateway_credentials_secret())
        )
        print(f"re-encrypted the credentials of {count} gateway account(s)")
        status = 0
    elif args.command == "run":
        from devstack import run_dev

        status = run_dev()
    elif args.command == "events":
        from events_cli import run_from_args as run_events

        status = run_events(args)
    elif args.command == "demo":
        from demo import run_from_args

        status = run_from_args(args)
    else:
        from db.migrations import create_database, upgrade_head
        from db.urls import async_url

        create_database(async_url())
        upgrade_head(async_url())
        status = 0
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
