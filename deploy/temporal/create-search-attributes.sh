#!/bin/sh
# One-shot (docker-compose service `temporal-search-attributes`): wait for Temporal and its
# namespace, then register PayTrust's custom search attributes. Idempotent: an attribute that
# already exists is left alone, so `docker compose up` can run it every time.
set -eu
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
echo "waiting for Temporal at ${TEMPORAL_ADDRESS} ..."
until temporal operator cluster health >/dev/null 2>&1; do sleep 2; done
until temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; do
  sleep 2
done
existing="$(temporal operator search-attribute list --namespace "$NAMESPACE")"
for pair in TenantId=Keyword InvoiceId=Int InvoiceStatus=Keyword Currency=Keyword Gateway=Keyword; do
  name="${pair%%=*}"
  kind="${pair#*=}"
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$kind"
    echo "search attribute $name ($kind) created"
  fi
done
