#!/usr/bin/env bash
# NativeAOT vs JIT for the greeter example: publish size, time from exec to the first answered call, and
# resident memory after that call. bench/run.sh aot [ROUNDS]   (needs curl with HTTP/2; all on 127.0.0.1)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
echo "publishing (JIT framework-dependent, and NativeAOT) ..." >&2
dotnet publish examples/Greeter -c Release -o "$out/jit" >/dev/null
dotnet publish examples/Greeter -c Release -r linux-x64 -p:PublishAot=true -o "$out/aot" >/dev/null
rm -f "$out"/aot/*.dbg "$out"/aot/*.pdb "$out"/jit/*.pdb

measure() { # label, command...; prints "ms rss_kb" for one start
  shift; local port=$((20000 + RANDOM % 20000)) start end pid rss
  start=$(date +%s%N)
  MICRO_REGISTRY=memory "$@" --address 127.0.0.1:$port >/dev/null 2>&1 & pid=$!
  for _ in $(seq 1 2000); do
    if curl -s --http2-prior-knowledge -H 'Content-Type: application/json' -d '{"name":"Ada"}' \
        "http://127.0.0.1:$port/greeter.Greeter/Hello" 2>/dev/null | grep -q 'Hello Ada'; then break; fi
    sleep 0.005
  done
  end=$(date +%s%N)
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  kill $pid; wait $pid 2>/dev/null || true
  echo "$(( (end - start) / 1000000 )) $rss"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo; echo "# aot benchmark: greeter, $rounds starts each (medians), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-5s %10s %12s %10s\n' build size_MB start_ms rss_MB
for kind in jit aot; do
  if [ $kind = jit ]; then cmd=(dotnet "$out/jit/Greeter.dll"); else cmd=("$out/aot/Greeter"); fi
  : >"$out/$kind.txt"
  for _ in $(seq 1 "$rounds"); do measure $kind "${cmd[@]}" >>"$out/$kind.txt"; done
  size=$(du -sm "$out/$kind" | cut -f1)
  ms=$(cut -d' ' -f1 "$out/$kind.txt" | median); rss=$(cut -d' ' -f2 "$out/$kind.txt" | median)
  printf '%-5s %10s %12s %10s\n' $kind "$size" "$ms" "$((rss / 1024))"
  eval "${kind}_ms=$ms ${kind}_rss=$rss ${kind}_size=$size"
done
echo "aot/jit start-up time: $(awk "BEGIN {printf \"%.2f\", $aot_ms / $jit_ms}"), memory: $(awk "BEGIN {printf \"%.2f\", $aot_rss / $jit_rss}"), size: ${aot_size} MB vs ${jit_size} MB"
