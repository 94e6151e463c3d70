#!/usr/bin/env bash
# The project's test command (README): installs what a fresh Debian machine lacks (apt packages,
# NuGet restore), starts the real servers on 127.0.0.1, runs every test project, stops the servers
# it started, and ends with one line "N passed, N failed" over all projects.
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
scripts/install.sh || { echo "test.sh: scripts/install.sh failed"; echo "0 passed, 1 failed"; exit 1; }
# Stop afterwards only the servers this run started (a developer's own stay up).
started=$(scripts/servers.sh start-missing) || { echo "0 passed, 1 failed"; exit 1; }
eval "$(scripts/servers.sh env | sed 's/^/export /; s/=\(.*\)$/="\1"/')"

# A test that forgets to pick a registry must not multicast mDNS on the host's network.
export MICRO_REGISTRY=${MICRO_REGISTRY:-memory}

log=$(mktemp)
trap 'rm -f "$log"; [ -z "$started" ] || scripts/servers.sh stop $started' EXIT
dotnet build Micro.slnx -c Release -warnaserror 2>&1 | tail -3
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then echo "0 passed, 1 failed"; exit 1; fi
# One test project at a time: several of them load the same real servers hard (2 cores).
dotnet test Micro.slnx -c Release --no-build -m:1 --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" | grep -E '^\s*(Failed|Passed|Skipped) [A-Za-z]|Total tests|error|Test Run Aborted' | grep -vE '^\s*Passed ' 
status=${PIPESTATUS[0]}
# vstest prints one summary per test project: "Failed: F, Passed: P, Skipped: S, Total: T"
# or, in normal verbosity, "Total tests: T / Passed: P / Failed: F" lines.
passed=$(grep -E '^\s+Passed: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -E '^\s+Failed: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
aborted=$(grep -c 'Test Run Aborted' "$log" || true)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=$((aborted > 0 ? aborted : 1)); fi
if [ "$failed" -gt 0 ]; then echo "--- failures"; grep -E "^\s+Failed [A-Za-z]|Error Message" -A4 "$log" | head -150; fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
