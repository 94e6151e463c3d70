#!/usr/bin/env bash
# Everything a fresh machine needs for the tests and benchmarks (scripts/test.sh runs it first): Debian packages for the real
# servers and the mDNS peer, and the NuGet restore of the solution.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(etcd-server etcd-client redis-server postgresql nats-server avahi-daemon avahi-utils dbus iproute2 nghttp2-client curl
  chromium nodejs)   # chromium + node: the micro dashboard's browser test, the MCP test's and the grpc-js health/reflection clients
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian's nodejs comes without npm (other node builds bring their own).
command -v npm >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
# playwright-core (drives the system chromium, downloads no browser) and the MCP TypeScript SDK, pinned by the lock file.
npm ci --prefix tests/Micro.Cli.Tests/js --no-audit --no-fund --loglevel=error >/dev/null
dotnet restore Micro.slnx
# Independent gRPC clients (grpc-js) the health and reflection tests drive, pinned by tests/interop/package-lock.json.
[ -d tests/interop/node_modules/@grpc/grpc-js ] || (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
