#!/usr/bin/env bash
# The README's messaging demo: the "billing" subscriber and the "shop" publisher find each other over mDNS (no
# configuration) and the orders go through the HTTP broker's durable outbox. Both run inside a private network
# namespace (only its loopback exists), so no multicast leaves this machine. Needs root (ip netns).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build examples/OrderSubscriber -c Release -v quiet -nologo >/dev/null
dotnet build examples/OrderPublisher -c Release -v quiet -nologo >/dev/null
ns="micro-pubsub-$$"
data=$(mktemp -d)
ip netns add "$ns"
cleanup() { [ -n "${billing:-}" ] && kill "$billing" 2>/dev/null; wait 2>/dev/null; ip netns del "$ns"; rm -rf "$data"; }
trap cleanup EXIT
ip -n "$ns" link set lo up
unset MICRO_REGISTRY MICRO_BROKER
export MICRO_BROKER_OUTBOX_PATH="$data"
ip netns exec "$ns" dotnet examples/OrderSubscriber/bin/Release/net10.0/OrderSubscriber.dll >"$data/billing.log" 2>&1 &
billing=$!
# Until billing has announced its subscription the orders wait in shop's outbox; the publisher waits for delivery.
ip netns exec "$ns" dotnet examples/OrderPublisher/bin/Release/net10.0/OrderPublisher.dll --count "${1:-3}"
status=$?
grep '^billing:' "$data/billing.log" || true
exit $status
