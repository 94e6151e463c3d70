#!/usr/bin/env bash
# bench/run.sh auth [--seconds 5] [--rounds 3]: Micro RPC with auth on (token check + rules on every call) vs off, one run.
set -euo pipefail
cd "$(dirname "$0")"
# Settle the tiered JIT in seconds rather than ~30 s of load (see shared notes on benchmarking).
export DOTNET_TC_CallCountingDelayMs=0
exec dotnet run -c Release --project . -- "$@"
