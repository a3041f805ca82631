#!/usr/bin/env bash
# Make sure headless Chromium is available for the browser-driven tests (pay page, Web UI,
# offline /docs): Debian's chromium package, never a browser download.
exec bash "$(dirname "$0")/ensure-apt.sh" /usr/bin/chromium chromium
