#!/usr/bin/env bash
# Installs (Debian packages) and starts/stops the real servers the plug-in tests talk to, all on
# 127.0.0.1 in a private state folder. Idempotent: "start" on a running server is a no-op.
#   scripts/servers.sh install            apt packages for every server
#   scripts/servers.sh start [NAME...]    etcd redis postgres nats (default: all)
#   scripts/servers.sh start-missing      starts those not running; prints their names
#   scripts/servers.sh stop  [NAME...]
#   scripts/servers.sh env                prints the addresses tests read
# Addresses (override with the same env vars):
#   MICRO_TEST_ETCD=127.0.0.1:23790  MICRO_TEST_REDIS=127.0.0.1:63790  MICRO_TEST_POSTGRES=Host=127.0.0.1;Port=54329;...
#   MICRO_TEST_NATS=127.0.0.1:42220 (JetStream on)
set -euo pipefail
STATE=${MICRO_SERVERS_STATE:-/tmp/micro-servers}
ETCD_PORT=23790; ETCD_PEER_PORT=23800; REDIS_PORT=63790; PG_PORT=54329; NATS_PORT=42220
ALL=(etcd redis postgres nats)
mkdir -p "$STATE"

install() {
  local need=()
  command -v etcd >/dev/null || need+=(etcd-server)
  command -v etcdctl >/dev/null || need+=(etcd-client)
  command -v nats-server >/dev/null || need+=(nats-server)
  command -v redis-server >/dev/null || need+=(redis-server)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

wait_for() { # name, command; up to 30 s
  local name=$1; shift
  for _ in $(seq 1 150); do if "$@" >/dev/null 2>&1; then return 0; fi; sleep 0.2; done
  echo "servers.sh: $name did not come up; log in $STATE/$name.log" >&2; tail -20 "$STATE/$name.log" >&2 || true; return 1
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

start_etcd() {
  if [ -f "$STATE/etcd.pid" ] && kill -0 "$(cat "$STATE/etcd.pid")" 2>/dev/null; then return; fi
  rm -rf "$STATE/etcd-data"
  nohup etcd --name micro-test --data-dir "$STATE/etcd-data" \
    --listen-client-urls http://127.0.0.1:$ETCD_PORT --advertise-client-urls http://127.0.0.1:$ETCD_PORT \
    --listen-peer-urls http://127.0.0.1:$ETCD_PEER_PORT --initial-advertise-peer-urls http://127.0.0.1:$ETCD_PEER_PORT \
    --initial-cluster micro-test=http://127.0.0.1:$ETCD_PEER_PORT >"$STATE/etcd.log" 2>&1 &
  echo $! >"$STATE/etcd.pid"
  wait_for etcd env ETCDCTL_API=3 etcdctl --endpoints=127.0.0.1:$ETCD_PORT endpoint health
}

start_redis() {
  if [ -f "$STATE/redis.pid" ] && kill -0 "$(cat "$STATE/redis.pid")" 2>/dev/null; then return; fi
  redis-server --bind 127.0.0.1 --port $REDIS_PORT --save '' --appendonly no --daemonize yes \
    --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" --dir "$STATE"
  wait_for redis redis-cli -h 127.0.0.1 -p $REDIS_PORT ping
}

start_postgres() {
  local bin; bin=$(pg_bin)
  if [ -f "$STATE/pg-data/postmaster.pid" ] && kill -0 "$(head -1 "$STATE/pg-data/postmaster.pid")" 2>/dev/null; then return; fi
  # postgres refuses to run as root: the data folder belongs to the postgres user.
  rm -rf "$STATE/pg-data"; mkdir -p "$STATE/pg-data" "$STATE/pg-sock"
  chown -R postgres:postgres "$STATE/pg-data" "$STATE/pg-sock"; chmod 755 "$STATE"
  su postgres -s /bin/sh -c "$bin/initdb -D $STATE/pg-data -U micro --auth=trust >/dev/null"
  su postgres -s /bin/sh -c "$bin/pg_ctl -D $STATE/pg-data -l $STATE/pg-data/server.log \
    -o \"-h 127.0.0.1 -p $PG_PORT -k $STATE/pg-sock -c fsync=off -c max_connections=200\" start >/dev/null"
  wait_for postgres psql -h 127.0.0.1 -p $PG_PORT -U micro -d postgres -c 'select 1'
  psql -h 127.0.0.1 -p $PG_PORT -U micro -d postgres -c 'create database micro_test' >/dev/null
}

start_nats() {
  if [ -f "$STATE/nats.pid" ] && kill -0 "$(cat "$STATE/nats.pid")" 2>/dev/null; then return; fi
  rm -rf "$STATE/nats-data"
  nohup nats-server -a 127.0.0.1 -p $NATS_PORT -js -sd "$STATE/nats-data" -P "$STATE/nats.pid" >"$STATE/nats.log" 2>&1 &
  wait_for nats bash -c "exec 3<>/dev/tcp/127.0.0.1/$NATS_PORT && head -c 4 <&3 | grep -q INFO"
}

running_etcd() { [ -f "$STATE/etcd.pid" ] && kill -0 "$(cat "$STATE/etcd.pid")" 2>/dev/null; }
running_redis() { [ -f "$STATE/redis.pid" ] && kill -0 "$(cat "$STATE/redis.pid")" 2>/dev/null; }
running_postgres() { [ -f "$STATE/pg-data/postmaster.pid" ] && kill -0 "$(head -1 "$STATE/pg-data/postmaster.pid")" 2>/dev/null; }

running_nats() { [ -f "$STATE/nats.pid" ] && kill -0 "$(cat "$STATE/nats.pid")" 2>/dev/null; }
stop_nats() { [ -f "$STATE/nats.pid" ] && kill "$(cat "$STATE/nats.pid")" 2>/dev/null; rm -f "$STATE/nats.pid"; }
stop_etcd() { [ -f "$STATE/etcd.pid" ] && kill "$(cat "$STATE/etcd.pid")" 2>/dev/null; rm -f "$STATE/etcd.pid"; }
stop_redis() { [ -f "$STATE/redis.pid" ] && kill "$(cat "$STATE/redis.pid")" 2>/dev/null; rm -f "$STATE/redis.pid"; }
stop_postgres() {
  [ -f "$STATE/pg-data/postmaster.pid" ] && su postgres -s /bin/sh -c "$(pg_bin)/pg_ctl -D $STATE/pg-data stop -m fast >/dev/null" || true
}

cmd=${1:-}; shift || true
names=("$@"); [ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
case "$cmd" in
  install) install ;;
  start) install; for n in "${names[@]}"; do "start_$n"; done ;;
  start-missing) # starts what is not running and prints the names it started
    install; out=()
    for n in "${names[@]}"; do if ! "running_$n"; then "start_$n" >&2; out+=("$n"); fi; done
    echo "${out[@]}" ;;
  stop) for n in "${names[@]}"; do "stop_$n" || true; done ;;
  env)
    echo "MICRO_TEST_ETCD=127.0.0.1:$ETCD_PORT"
    echo "MICRO_TEST_REDIS=127.0.0.1:$REDIS_PORT"
    echo "MICRO_TEST_POSTGRES=Host=127.0.0.1;Port=$PG_PORT;Username=micro;Database=micro_test"
    echo "MICRO_TEST_NATS=127.0.0.1:$NATS_PORT" ;;
  *) echo "usage: scripts/servers.sh install|start|stop|env [etcd redis postgres nats]" >&2; exit 2 ;;
esac
