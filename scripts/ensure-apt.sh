#!/usr/bin/env bash
# ensure-apt.sh PROGRAM PACKAGE: install Debian's PACKAGE when PROGRAM (a command name or a
# path) is missing. Idempotent; needs root (or password-less sudo) for apt.
set -euo pipefail
program="$1"
package="$2"

present() { if [[ "$program" == /* ]]; then [ -x "$program" ]; else command -v "$program" >/dev/null 2>&1; fi; }

present && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "ensure-apt: $program missing and not root (no sudo): apt-get install -y $package" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "$package"

present
