#!/bin/sh
# One-shot job (temporalio/admin-tools image), run once the server is healthy: create the
# namespace the worker uses and register the search attributes the runbooks set (ClusterName and
# Runbook, Keyword). Safe to run again: existing ones are kept.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must be set, e.g. temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-30d}"
SEARCH_ATTRIBUTES="${PVE_RUNBOOKS_SEARCH_ATTRIBUTES:-ClusterName Runbook}"
export TEMPORAL_ADDRESS

wait_for() {
  what="$1"
  shift
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 90 ]; then
      echo "gave up waiting for $what after 180 s" >&2
      "$@" >&2 || true
      exit 1
    fi
    echo "waiting for $what"
    sleep 2
  done
}

wait_for "the Temporal server at $TEMPORAL_ADDRESS" temporal operator cluster health

if temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE already exists"
else
  temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" \
    --description "pve-runbooks"
fi

# A new namespace takes a few seconds to reach every service.
wait_for "namespace $NAMESPACE" temporal operator search-attribute list --namespace "$NAMESPACE"

for name in $SEARCH_ATTRIBUTES; do
  # Creating an attribute that exists with the same type succeeds; a different type fails.
  temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type Keyword
done

listing=$(temporal operator search-attribute list --namespace "$NAMESPACE")
for name in $SEARCH_ATTRIBUTES; do
  if ! printf '%s\n' "$listing" | grep -Eq "^[[:space:]]*$name[[:space:]]+Keyword"; then
    echo "search attribute $name (Keyword) is not registered in $NAMESPACE:" >&2
    printf '%s\n' "$listing" >&2
    exit 1
  fi
done
echo "namespace $NAMESPACE ready with search attributes: $SEARCH_ATTRIBUTES"
