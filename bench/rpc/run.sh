#!/usr/bin/env bash
# bench/run.sh rpc [args]: needs no servers (everything runs in this process on loopback).
# Tiered JIT promotes hot methods without its usual 100 ms call-counting delay, so the warm-up settles in seconds.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_TC_CallCountingDelayMs=0
exec dotnet run -c Release --project . -- "$@"
