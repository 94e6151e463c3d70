#!/usr/bin/env bash
# bench/run.sh mtls [--seconds 5] [--rounds 3] [--payload 64]: Micro over mTLS vs Micro over h2c, same run.
# Tiered JIT settles in seconds instead of ~30 s of load (see /work/shared/NOTES.md).
set -euo pipefail
export DOTNET_TC_CallCountingDelayMs=0
exec dotnet run -c Release --project "$(dirname "$0")" -- "$@"
