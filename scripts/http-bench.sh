#!/usr/bin/env bash
# HTTP bulk-send throughput: POST /messages with arrays of BATCH messages over CONNECTIONS
# keep-alive connections, against one node and a private redis-server, RUNS times (a fresh Redis
# and node each run). The node is the only one, so it is the generator, which (--source none,
# --leader-handles false) produces nothing and handles nothing: every message sent stays in the
# queue, and the figure is the cost of sending alone. After each run, Redis must hold exactly
# MESSAGES messages (seq and queue length), or the script stops. Prints each run's JSON line and
# the median msgs/s.
#
#   scripts/http-bench.sh [RUNS=3] [MESSAGES=300000] [CONNECTIONS=4] [BATCH=1000] [BODY_BYTES=64]
#
# Needs target/app-fat.jar (mvn -o -q package -DskipTests), redis-server and redis-cli on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
messages=${2:-300000}
connections=${3:-4}
batch=${4:-1000}
body_bytes=${5:-64}
jar=target/app-fat.jar
[ -f "$jar" ] || { echo "http-bench: $jar is missing: mvn -o -q package -DskipTests" >&2; exit 2; }
work=$(mktemp -d /tmp/http-bench.XXXXXX)
redis_pid=
node_pid=
stop() {
  # only the processes this script started, by PID
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
  node_pid=
  redis_pid=
}
trap stop EXIT

# a redis-server on a free port: a random one, tried again if another process holds it
start_redis() {
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
    redis_pid=$!
    sleep 0.3
    if kill -0 "$redis_pid" 2>/dev/null && redis-cli -p "$port" ping >/dev/null 2>&1; then
      return
    fi
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=
  done
  echo "http-bench: could not start redis-server" >&2
  exit 1
}

rates=()
for ((run = 1; run <= runs; run++)); do
  start_redis
  rm -f "$work/port"
  java -jar "$jar" run --redis "redis://127.0.0.1:$port" --node-id bench --http-port 0 --http-port-file "$work/port" \
    --source none --leader-handles false --workers 1 --block-ms 100 >"$work/node-$run.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 1 600); do
    [ -s "$work/port" ] && [ -n "$(redis-cli -p "$port" get '{redfleet}:leader')" ] && break
    sleep 0.1
  done
  [ -s "$work/port" ] || { echo "http-bench: the node did not start; see $work/node-$run.log" >&2; exit 1; }
  # elected: its worker stops claiming once a claim already waiting has ended (--block-ms)
  sleep 0.5
  json=$(java scripts/HttpBulkPost.java "http://127.0.0.1:$(cat "$work/port")/messages" "$messages" "$batch" \
    "$connections" "$body_bytes")
  seq=$(redis-cli -p "$port" get '{redfleet}:seq')
  queued=$(redis-cli -p "$port" llen '{redfleet}:queue')
  echo "run $run: $json seq=$seq queue=$queued"
  if [ "$seq" != "$messages" ] || [ "$queued" != "$messages" ]; then
    echo "http-bench: Redis holds $queued queued messages (seq $seq), expected $messages" >&2
    exit 1
  fi
  rates+=("$(sed -n 's/.*"msgs_per_s":\([0-9]*\).*/\1/p' <<<"$json")")
  stop
done
printf '%s\n' "${rates[@]}" | sort -n | awk -v c="$connections" -v b="$batch" -v m="$messages" \
  '{a[NR]=$1} END {printf "median of %d runs: %d msgs/s (min %d, max %d; %d messages, arrays of %d, %d connections)\n", NR, a[int((NR+1)/2)], a[1], a[NR], m, b, c}'
rm -rf "$work"
