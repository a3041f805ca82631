#!/usr/bin/env bash
# Make sure headless Chromium is available for the browser-driven sandbox test.
# Idempotent: does nothing when /usr/bin/chromium already exists. Needs root (or sudo) for apt.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "ensure-chromium: /usr/bin/chromium missing and not root (no sudo)" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium

test -x /usr/bin/chromium
