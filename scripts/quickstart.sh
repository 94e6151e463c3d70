#!/usr/bin/env bash
# The README's first command: the greeter service and a client that finds it by name over mDNS (the
# default registry, no configuration), in two processes. They run inside a private network namespace
# (only its loopback exists there), so no multicast leaves this machine. Needs root (ip netns).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build examples/GreeterClient -c Release -v quiet -nologo >/dev/null
ns="micro-quickstart-$$"
ip netns add "$ns"
cleanup() { [ -n "${greeter:-}" ] && kill "$greeter" 2>/dev/null; wait 2>/dev/null; ip netns del "$ns"; }
trap cleanup EXIT
ip -n "$ns" link set lo up
unset MICRO_REGISTRY
bin=examples/Greeter/bin/Release/net10.0
ip netns exec "$ns" dotnet "$bin/Greeter.dll" >/tmp/micro-quickstart-greeter.log 2>&1 &
greeter=$!
# The client looks greeter up by name; until the service has started, it is not found yet.
for _ in $(seq 1 40); do
  if reply=$(ip netns exec "$ns" dotnet examples/GreeterClient/bin/Release/net10.0/GreeterClient.dll --name Ada 2>/dev/null); then
    echo "$reply"; exit 0
  fi
  sleep 0.5
done
echo "quickstart: the client did not reach greeter; its log:" >&2; cat /tmp/micro-quickstart-greeter.log >&2; exit 1
