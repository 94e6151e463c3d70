#!/usr/bin/env bash
# bench/run.sh pubsub [--quick]: publish->handled throughput and latency for memory, HTTP (two processes) and JetStream
# (Micro and raw NATS.Net). JetStream needs the NATS server of scripts/servers.sh (bench/run.sh starts it: see ./servers).
set -euo pipefail
cd "$(dirname "$0")"
nats=${MICRO_TEST_NATS:-127.0.0.1:42220}
if ! (exec 3<>"/dev/tcp/${nats%:*}/${nats#*:}") 2>/dev/null; then
  echo "bench/run.sh pubsub: no NATS at $nats; run: scripts/servers.sh start nats" >&2; exit 1
fi
dotnet build -c Release -v q --nologo >/dev/null
# Tiered JIT settles in seconds instead of tens of seconds on 2 cores.
export DOTNET_TC_CallCountingDelayMs=0 MICRO_TEST_NATS=$nats
exec dotnet bin/Release/net10.0/Micro.Bench.PubSub.dll "$@"
