#!/usr/bin/env bash
# The long fuzz run of the mDNS decoders (the test suite runs 100,000 packets):
#   tests/Micro.Tests/Registry/Mdns/fuzz.sh [ITERATIONS] [SEED]     default 5,000,000 packets, seed from the clock
set -euo pipefail
cd "$(dirname "$0")/../../../.."
export MICRO_FUZZ_ITERATIONS=${1:-5000000} MICRO_FUZZ_SEED=${2:-$(date +%s)}
echo "fuzzing $MICRO_FUZZ_ITERATIONS packets, seed $MICRO_FUZZ_SEED"
dotnet test tests/Micro.Tests -c Release --filter "FullyQualifiedName~DnsFuzzTests" --logger "console;verbosity=detailed"
