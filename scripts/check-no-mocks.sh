#!/usr/bin/env bash
# Fails when tests import mocking of the database or HTTP layer outside tests/mock-allowlist.txt.
set -euo pipefail
pattern='unittest\.mock|MagicMock|AsyncMock|mock\.patch|import respx|from respx|pytest_httpx|mockito|import mock$'
allow=tests/mock-allowlist.txt
hits=$(grep -rlE "$pattern" tests --include='*.py' || true)
bad=""
for f in $hits; do
  if [ -f "$allow" ] && grep -qxF "$f" "$allow"; then continue; fi
  bad="$bad $f"
done
if [ -n "$bad" ]; then
  echo "Mocks of the database or HTTP layer are not allowed in tests:$bad" >&2
  echo "(a justified exception goes in $allow, one path a line)" >&2
  exit 1
fi
