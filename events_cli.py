"""`paytrust events tail` and `paytrust events resend EVENT_ID`: what a merchant runs while
integrating webhooks. The API key comes from `--api-key`, else PAYTRUST_API_KEY, else the key
`make run` wrote (as `paytrust demo`); the api from `--api-url`/API_URL.

- `tail` prints the tenant's events as they happen (one line each: time, id, type, invoice and
  sequence; `--json` for the whole event), optionally only `--type` / `--invoice-id`; it reads
  GET /events once a second and stops on Ctrl-C.
- `resend EVENT_ID` asks every endpoint that was sent the event to deliver it again now
  (POST /webhook-endpoints/{id}/deliveries/{delivery}/retry).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import httpx

from demo import DEFAULT_API_URL, DemoError, resolve_api_key

SEEN_KEPT = 10_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api-url", default=os.environ.get("API_URL", DEFAULT_API_URL))
    parser.add_argument("--api-key", default=None, help="default: PAYTRUST_API_KEY")
    sub = parser.add_subparsers(dest="events_command", required=True)
    tail = sub.add_parser("tail", help="print events as they happen")
    tail.add_argument("--type", default=None, help="only this event type")
    tail.add_argument("--invoice-id", type=int, default=None)
    tail.add_argument("--json", action="store_true", help="print each event as JSON")
    tail.add_argument("--interval", type=float, default=1.0, help="seconds between reads")
    tail.add_argument("--backlog", type=int, default=10, help="recent events shown at start")
    tail.add_argument("--once", action="store_true", help="print the backlog and exit")
    resend = sub.add_parser("resend", help="deliver an event again to its endpoints")
    resend.add_argument("event_id")


def _client(args: argparse.Namespace) -> httpx.Client:
    return httpx.Client(
        base_url=args.api_url.rstrip("/"),
        headers={"X-API-Key": resolve_api_key(args.api_key)},
        timeout=30,
    )


def _check(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:200]
        raise DemoError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {message}"
        )
    return response.json() if response.content else None


def _line(event: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(event, sort_keys=True)
    where = f"invoice {event['invoice_id']} #{event['sequence']}" if event["invoice_id"] else "-"
    return f"{event['created_at']}  {event['id']}  {event['type']:<28} {where}"


def tail(args: argparse.Namespace, out: Any = sys.stdout) -> int:
    params: dict[str, Any] = {"limit": 100}
    if args.type:
        params["type"] = args.type
    if args.invoice_id:
        params["invoice_id"] = args.invoice_id
    seen: list[str] = []
    first = True
    with _client(args) as http:
        while True:
            page = _check(http.get("/events", params=params))["data"]  # newest first
            fresh = [e for e in page if e["id"] not in seen]
            if first:
                fresh = fresh[: args.backlog]
                seen.extend(e["id"] for e in page)
                first = False
            for event in reversed(fresh):
                print(_line(event, args.json), file=out, flush=True)
                seen.append(event["id"])
            del seen[:-SEEN_KEPT]
            if args.once:
                return 0
            time.sleep(args.interval)


def resend(args: argparse.Namespace, out: Any = sys.stdout) -> int:
    with _client(args) as http:
        _check(http.get(f"/events/{args.event_id}"))
        endpoints = _check(http.get("/webhook-endpoints"))["data"]
        sent = 0
        for endpoint in endpoints:
            found = _check(
                http.get(
                    f"/webhook-endpoints/{endpoint['id']}/deliveries",
                    params={"event_id": args.event_id},
                )
            )["data"]
            for delivery in found:
                _check(
                    http.post(
                        f"/webhook-endpoints/{endpoint['id']}/deliveries/{delivery['id']}/retry"
                    )
                )
                print(f"resending {args.event_id} to {endpoint['url']}", file=out, flush=True)
                sent += 1
        if not sent:
            print(f"{args.event_id} was not sent to any endpoint", file=out)
            return 1
    return 0


def run_from_args(args: argparse.Namespace) -> int:
    try:
        if args.events_command == "tail":
            return tail(args)
        return resend(args)
    except DemoError as exc:
        print(f"paytrust events: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    except httpx.HTTPError as exc:
        print(f"paytrust events: cannot reach {args.api_url}: {exc}", file=sys.stderr)
        return 1
