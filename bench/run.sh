#!/usr/bin/env bash
# The one entry point for every benchmark: bench/run.sh NAME (rpc, store, discovery, sync, ...).
# A benchmark is a folder bench/NAME with either a run.sh or a single .csproj (run in Release).
set -euo pipefail
cd "$(dirname "$0")"
name=${1:-}
if [ -z "$name" ] || [ ! -d "$name" ]; then
  echo "usage: bench/run.sh NAME   (one of: $(find . -mindepth 1 -maxdepth 1 -type d -printf '%f ' | sort))" >&2; exit 2
fi
shift
if [ -x "$name/run.sh" ]; then exec "$name/run.sh" "$@"; fi
exec dotnet run -c Release --project "$name" -- "$@"
