#!/usr/bin/env bash
# The one entry point for every benchmark: bench/run.sh NAME (rpc, store, discovery, sync, ...).
# A benchmark is a folder bench/NAME with either a run.sh or a single .csproj (run in Release).
# A file bench/NAME/servers lists the real servers it talks to (etcd redis postgres nats): they are
# installed and started on 127.0.0.1 by scripts/servers.sh, and the ones started here are stopped after.
set -euo pipefail
cd "$(dirname "$0")"
name=${1:-}
if [ -z "$name" ] || [ ! -d "$name" ]; then
  echo "usage: bench/run.sh NAME   (one of: $(find . -mindepth 1 -maxdepth 1 -type d -printf '%f ' | sort))" >&2; exit 2
fi
shift
started=""
if [ -f "$name/servers" ]; then
  needed=$(tr '\n' ' ' <"$name/servers")
  if ! started=$(../scripts/servers.sh start-missing $needed 2>/tmp/micro-bench-servers.log); then
    echo "bench/run.sh $name: needs $needed on 127.0.0.1 and could not start them (see /tmp/micro-bench-servers.log); run: scripts/servers.sh start $needed" >&2
    exit 1
  fi
  eval "$(../scripts/servers.sh env | sed 's/^/export /; s/=\(.*\)$/="\1"/')"
fi
trap '[ -z "$started" ] || ../scripts/servers.sh stop $started' EXIT
# Nothing a benchmark starts in the host namespace may multicast mDNS on the real network.
export MICRO_REGISTRY=${MICRO_REGISTRY:-memory}
if [ -x "$name/run.sh" ]; then "$name/run.sh" "$@"; exit; fi
dotnet run -c Release --project "$name" -- "$@"
