#!/usr/bin/env bash
# Tracing off vs on in one run (see Program.cs). JIT tiering settles in seconds with call counting off.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_TC_CallCountingDelayMs=0
dotnet run -c Release --project Micro.Bench.Tracing.csproj -- "$@"
