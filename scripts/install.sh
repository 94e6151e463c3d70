#!/usr/bin/env bash
# Everything a fresh machine needs for the tests and benchmarks (scripts/test.sh runs it first): Debian packages for the real
# servers and the mDNS peer, and the NuGet restore of the solution.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(etcd-server etcd-client redis-server postgresql nats-server avahi-daemon avahi-utils dbus iproute2 nghttp2-client curl)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# Node for the grpc-js interop clients: Debian's only when the machine has no node/npm of its own (a nodesource node bundles npm).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
dotnet restore Micro.slnx
# Independent gRPC clients (grpc-js) the health and reflection tests drive, pinned by tests/interop/package-lock.json.
[ -d tests/interop/node_modules/@grpc/grpc-js ] || (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
