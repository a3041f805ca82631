#!/usr/bin/env bash
# Make sure `jq` is installed: the README's first payment, docs/quickstart.md and the runbook
# (docs/operations.md) read ids and fields from the answers with it, and tests/ops runs them.
# Idempotent: does nothing when jq is on PATH. Needs root (or sudo) for apt.
set -euo pipefail

if command -v jq >/dev/null 2>&1; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "ensure-jq: jq is missing and this is not root: apt-get install -y jq" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends jq
command -v jq >/dev/null
