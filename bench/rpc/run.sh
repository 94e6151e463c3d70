#!/usr/bin/env bash
# bench/run.sh rpc [args]: needs no servers (everything runs in this process on loopback).
# Tiered JIT promotes hot methods without its usual 100 ms call-counting delay, so the warm-up settles in seconds.
# A plain run first measures tracing on against off (bench/tracing, its own process, sides alternating), so that the
# one command prints `traced/plain throughput at 64 in flight` as well; `--no-tracing`, `--cost` and `--pair` skip it.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_TC_CallCountingDelayMs=0
args=()
tracing=yes
for a in "$@"; do
  case "$a" in
    --no-tracing) tracing=no ;;
    --cost|--pair) tracing=no; args+=("$a") ;;
    *) args+=("$a") ;;
  esac
done
if [ "$tracing" = yes ]; then ../tracing/run.sh; fi
exec dotnet run -c Release --project . -- "${args[@]}"
