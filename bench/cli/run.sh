#!/usr/bin/env bash
# bench/run.sh cli: wall time of one `micro` command, start to exit (what a developer or a script waits for), in a
# private network namespace with one greeter node found over mDNS. Rounds alternate between the commands; medians of
# ROUNDS (default 15) after 2 warm-up rounds. Needs root (ip netns).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-15}
dotnet build src/Micro.Cli -c Release -v quiet -nologo >/dev/null
dotnet build examples/Greeter -c Release -v quiet -nologo >/dev/null
cli=src/Micro.Cli/bin/Release/net10.0/Micro.Cli.dll
ns="micro-bench-cli-$$"
ip netns add "$ns"
cleanup() { [ -n "${greeter:-}" ] && kill "$greeter" 2>/dev/null; wait 2>/dev/null; ip netns del "$ns"; }
trap cleanup EXIT
ip -n "$ns" link set lo up
unset MICRO_REGISTRY
ip netns exec "$ns" dotnet examples/Greeter/bin/Release/net10.0/Greeter.dll --address 127.0.0.1:18090 >/dev/null 2>&1 &
greeter=$!
for _ in $(seq 1 40); do ip netns exec "$ns" dotnet "$cli" describe greeter >/dev/null 2>&1 && break; sleep 0.5; done
declare -A commands=(
  [help]="--help"
  [call-address]="call greeter Greeter.Hello {\"name\":\"Ada\"} --address 127.0.0.1:18090"
  [call-mdns]="call greeter Greeter.Hello {\"name\":\"Ada\"}"
  [services]="services"
)
declare -A times
for round in $(seq 1 $((rounds + 2))); do
  for name in help call-address call-mdns services; do
    read -r -a args <<<"${commands[$name]}"
    start=$(date +%s%N)
    ip netns exec "$ns" dotnet "$cli" "${args[@]}" >/dev/null 2>&1 || { echo "micro ${commands[$name]} failed" >&2; exit 1; }
    end=$(date +%s%N)
    [ "$round" -gt 2 ] && times[$name]+="$(( (end - start) / 1000000 )) "
  done
done
echo "micro command wall time, median of $rounds rounds (ms):"
for name in help call-address call-mdns services; do
  median=$(tr ' ' '\n' <<<"${times[$name]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '  %-13s %5s   micro %s\n' "$name" "$median" "${commands[$name]}"
done
