#!/usr/bin/env bash
# Make sure `jq` is installed: the README's first payment, docs/quickstart.md and the runbook
# (docs/operations.md) read ids and fields from the answers with it, and tests/ops runs them.
exec bash "$(dirname "$0")/ensure-apt.sh" jq jq
