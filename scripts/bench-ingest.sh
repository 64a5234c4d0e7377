#!/usr/bin/env bash
# Messages in, side by side in one run: ROUNDS rounds, each running in turn
#   1. `send` from stdin: MESSAGES lines (`seq`), one JVM, ids printed (JVM start included);
#   2. HTTP bulk POST: arrays of 1,000 over 4 connections to one node (scripts/http-bench.sh);
#   3. the Java client: sendAll of lists of 1,000, 8 in flight (scripts/ClientBench.java);
#   4. send-to-handler pickup latency at 1,000 msg/s: `bench --send --rate 1000 --duration 10
#      --max-delay-ms 0` (the bench sends through the same Sender; 3 fleet processes, --source none).
# Each figure gets a fresh private redis-server (and for 1-3 a fresh namespace, checked after the
# run: seq and queue must equal what was sent). Prints each run and the medians.
#
#   scripts/bench-ingest.sh [ROUNDS=3] [MESSAGES=1000000]
#
# Needs target/app-fat.jar (mvn -o -q package -DskipTests), redis-server and redis-cli on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
messages=${2:-1000000}
jar=target/app-fat.jar
[ -f "$jar" ] || { echo "bench-ingest: $jar is missing: mvn -o -q package -DskipTests" >&2; exit 2; }
work=$(mktemp -d /tmp/bench-ingest.XXXXXX)
redis_pid=
stop_redis() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
  redis_pid=
}
trap stop_redis EXIT
start_redis() {
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
    redis_pid=$!
    sleep 0.3
    if kill -0 "$redis_pid" 2>/dev/null && redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
      return 0
    fi
    stop_redis
  done
  echo "bench-ingest: no redis-server could be started" >&2
  exit 1
}
check_count() { # check_count PORT NS EXPECTED
  local seq queue
  seq=$(redis-cli -p "$1" get "{$2}:seq")
  queue=$(redis-cli -p "$1" llen "{$2}:queue")
  if [ "$seq" != "$3" ] || [ "$queue" != "$3" ]; then
    echo "bench-ingest: expected $3 messages in {$2}, found seq=$seq queue=$queue" >&2
    exit 1
  fi
}
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$2"; }
stdin_rates= http_rates= client_rates= p50s= p99s=
printf '%-6s %14s %14s %14s %12s %12s\n' round stdin_msgs/s http_msgs/s client_msgs/s p50_ms p99_ms
for ((r = 1; r <= rounds; r++)); do
  start_redis
  start=$(date +%s%N)
  seq "$messages" | java -jar "$jar" send --redis "redis://127.0.0.1:$port" --namespace stdin >"$work/ids.txt"
  stdin_rate=$(( messages * 1000000000 / ($(date +%s%N) - start) ))
  [ "$(wc -l <"$work/ids.txt")" = "$messages" ] || { echo "bench-ingest: send printed $(wc -l <"$work/ids.txt") ids" >&2; exit 1; }
  check_count "$port" stdin "$messages"
  json=$(java -cp "$jar" scripts/ClientBench.java "redis://127.0.0.1:$port" client "$messages" 1000 8)
  client_rate=$(field msgs_per_s "$json")
  check_count "$port" client "$messages"
  stop_redis
  http_rate=$(scripts/http-bench.sh 1 "$messages" 4 | sed -n 's/^median of [0-9]* runs: \([0-9]*\) msgs.*/\1/p')
  [ -n "$http_rate" ] || { echo "bench-ingest: the HTTP run gave no figure" >&2; exit 1; }
  latency=$(java -jar "$jar" bench --send --rate 1000 --duration 10 --max-delay-ms 0 --error-rate 0 --json 2>/dev/null | tail -1)
  p50=$(field latency_p50_ms "$latency")
  p99=$(field latency_p99_ms "$latency")
  if [ "$(field missing "$latency")" != 0 ] || [ "$(field duplicates "$latency")" != 0 ]; then
    echo "bench-ingest: the latency run did not end clean: $latency" >&2
    exit 1
  fi
  printf '%-6d %14s %14s %14s %12s %12s\n' "$r" "$stdin_rate" "$http_rate" "$client_rate" "$p50" "$p99"
  stdin_rates+="$stdin_rate " http_rates+="$http_rate " client_rates+="$client_rate " p50s+="$p50 " p99s+="$p99 "
done
printf '%-6s %14s %14s %14s %12s %12s\n' median "$(median "$stdin_rates")" "$(median "$http_rates")" \
  "$(median "$client_rates")" "$(median "$p50s")" "$(median "$p99s")"
