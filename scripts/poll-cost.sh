#!/usr/bin/env bash
# What watching a fleet costs Redis, with real history behind it (issue 16: "status and /metrics
# polling cost is flat from 10k to 10M produced messages, measured").
#
# Usage (from the repository root, after `mvn -o -q -B package -DskipTests`):
#   scripts/poll-cost.sh
# Environment (all optional):
#   SIZES="10000 10000000"  histories to build, one namespace each (pollcost-N)
#   ROUNDS=2                measuring rounds; each round measures every size in turn (interleaved)
#   WINDOW=30               seconds of the idle node's window
#   CALLS=100               `status` command runs per measurement
#   SCRAPES=100             GET /metrics per measurement
#   ERROR_RATE=0.15         the history's handler failure rate (the bench's default)
#
# What it does, on a private redis-server (free port, no persistence, stopped at exit, like every
# JVM it starts):
# 1. Real history: for each N, three `run` nodes of target/app-fat.jar with the bench's settings
#    (--interval-ms 0 --limit N --max-delay-ms 0, 2 workers, concurrency 20000, batches of 1000)
#    on namespace pollcost-N, until the audit's total ({ns}:audit:counts) reaches N; then SIGTERM
#    (they leave the fleet). `bench` is not used: it picks its own namespace and deletes its keys.
# 2. For each round and each N: one node `run --source none --http-port 0` on that namespace
#    (nothing to generate, nothing queued), 5 s to settle, then three phases, with SLOWLOG
#    recording every command (slowlog-log-slower-than 0; a slowlog entry's duration is the same
#    measurement INFO commandstats adds up) so each command can be put down to who sent it:
#    a. WINDOW seconds idle: Redis CPU (INFO cpu, user + sys) as % of one core; the node's poll,
#       the once-a-second ObserveVerticle.poll that feeds /metrics, /health and the page: status.lua
#       plus HGETALL {ns}:handlers (StatusReport.take) plus HSET/HGETALL {ns}:nodetotals and LRANGE
#       {ns}:errors (FiguresStore.publishTotals): Redis us per poll; and INFO commandstats' evalsha
#       (every script of the node) for reference.
#    b. CALLS runs of `java -jar target/app-fat.jar status --redis URL --namespace NS`, one after
#       the other (their JVMs with -XX:TieredStopAtLevel=1 -XX:+UseSerialGC, only to start faster
#       on two busy cores: Redis sees the same commands): Redis us per run, summed over every
#       command sent by connections that did not exist before the phase and are gone after it
#       (the node's connections and this script's are left out; so are the entries of commands a
#       script calls, logged on their own with client '?:0', whose time is inside the script's
#       entry).
#    c. SCRAPES GET /metrics on one keep-alive connection (curl): Redis commands in the phase
#       against what the node's background rate of phase a predicts for that time, per scrape;
#       and that the scrape shows redfleet_fleet_produced_total = N (the polled value).
# Prints each measurement as it goes (stderr: every command of the node and of `status`, calls
# and us), then one table (stdout):
#   N | round | poll us/call (Redis) | of it status.lua | Redis CPU % idle node | status us/call |
#   status commands/call | /metrics Redis calls per scrape (beyond the node's background; 0 = none)
# Scripts are named by the SHA1 of their text as the jar sends it (includes expanded), so the
# figures are for the jar in target/, whatever the working tree holds.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=$PWD/target/app-fat.jar
[ -f "$jar" ] || { echo "poll-cost: $jar missing: run mvn -o -q -B package -DskipTests first" >&2; exit 2; }
sizes=${SIZES:-10000 10000000}
rounds=${ROUNDS:-2}
window=${WINDOW:-30}
calls=${CALLS:-100}
scrapes=${SCRAPES:-100}
error_rate=${ERROR_RATE:-0.15}
jvm=(-Xms256m -Xmx384m -XX:+UseParallelGC -XX:TieredStopAtLevel=1)  # the bench's fleet JVMs

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=redis://127.0.0.1:$port
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes \
  --logfile "$dir/redis.log" >/dev/null
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
echo "redis-server $(redis-cli -p "$port" info server | tr -d '\r' | sed -n 's/^redis_version://p') on port $port; work dir $dir" >&2

# stop: SIGTERM one process, wait for it (at most 30 s, then SIGKILL), forget it
stop() {
  local p=$1
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  local keep=()
  for q in "${pids[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
  pids=("${keep[@]}")
}

cat > "$dir/rs.py" <<'PY'
# Redis side of the measurement: one connection named pollcost, raw RESP.
import hashlib, json, socket, sys, time, zipfile

def conn(port):
    s = socket.create_connection(('127.0.0.1', port))
    f = s.makefile('rb')
    def call(*args):
        out = b'*%d\r\n' % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b'$%d\r\n%s\r\n' % (len(a), a)
        s.sendall(out)
        return read(f)
    call('CLIENT', 'SETNAME', 'pollcost')
    return call

def read(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind == b'+': return rest.decode()
    if kind == b'-': raise RuntimeError(rest.decode())
    if kind == b':': return int(rest)
    if kind == b'$':
        n = int(rest)
        if n < 0: return None
        data = f.read(n + 2)[:-2]
        return data.decode('utf-8', 'replace')
    if kind == b'*':
        n = int(rest)
        return None if n < 0 else [read(f) for _ in range(n)]
    raise RuntimeError('unexpected reply %r' % line)

def info(call):
    cpu = dict(l.split(':', 1) for l in call('INFO', 'cpu').splitlines() if ':' in l)
    stats = {}
    for l in call('INFO', 'commandstats').splitlines():
        if l.startswith('cmdstat_'):
            name, fields = l[8:].split(':', 1)
            d = dict(kv.split('=') for kv in fields.split(','))
            stats[name] = (int(d['calls']), int(d['usec']))
    return {'t': time.time(), 'cpu': float(cpu['used_cpu_user']) + float(cpu['used_cpu_sys']), 'stats': stats}

def shas(jar):
    # the SHA1 of each script as redis/Script sends it: '--#include NAME' lines replaced by lua/lib/NAME.lua
    names = {}
    with zipfile.ZipFile(jar) as z:
        for entry in z.namelist():
            if entry.startswith('lua/') and entry.endswith('.lua') and '/lib/' not in entry:
                out = []
                for line in z.read(entry).decode().split('\n'):
                    if line.startswith('--#include '):
                        out.append(z.read('lua/lib/' + line[len('--#include '):].strip() + '.lua').decode())
                    else:
                        out.append(line + '\n')
                names[hashlib.sha1(''.join(out)[:-1].encode()).hexdigest()] = entry[4:-4]
    return names

def label(args, names, ns):
    # what a slowlog entry was: a script by name, or the command and its key without the namespace
    cmd = args[0].lower()
    if cmd in ('evalsha', 'evalsha_ro') and len(args) > 1:
        return names.get(args[1].lower(), 'script ' + args[1][:8])
    if cmd in ('eval', 'eval_ro') and len(args) > 1:
        return 'eval (script text)'
    if len(args) > 1 and args[1].startswith('{'):
        return cmd + ' ' + args[1].replace('{' + ns + '}:', '')
    if cmd == 'client' and len(args) > 1:
        return 'client ' + args[1].lower()
    return cmd

POLL = ('status', 'hgetall handlers', 'hset nodetotals', 'hgetall nodetotals', 'lrange errors')

def main():
    action, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    call = conn(port)
    if action == 'begin':
        tag = sys.argv[4]
        call('CONFIG', 'SET', 'slowlog-max-len', '1000000')
        call('CONFIG', 'SET', 'slowlog-log-slower-than', '0')
        clients = [dict(kv.split('=', 1) for kv in l.split(' ') if '=' in kv) for l in call('CLIENT', 'LIST').splitlines()]
        state = info(call)
        state['clients'] = [c['addr'] for c in clients]
        call('SLOWLOG', 'RESET')
        json.dump(state, open('%s/%s.state.json' % (d, tag), 'w'))
        return
    # end TAG NS N ROUND JAR [extra json]
    tag, ns, n, rnd, jar = sys.argv[4:9]
    extra = json.loads(sys.argv[9]) if len(sys.argv) > 9 else {}
    log = call('SLOWLOG', 'GET', '-1')
    still = [dict(kv.split('=', 1) for kv in l.split(' ') if '=' in kv)['addr'] for l in call('CLIENT', 'LIST').splitlines()]
    after = info(call)
    before = json.load(open('%s/%s.state.json' % (d, tag)))
    names = shas(jar)
    seconds = after['t'] - before['t']
    calls_delta = {k: (v[0] - before['stats'].get(k, (0, 0))[0], v[1] - before['stats'].get(k, (0, 0))[1])
                   for k, v in after['stats'].items()}
    # the node's: connections open before the phase, and those still open after it (the node may
    # open one during the phase; a status run's connection is gone with its JVM)
    mine = set(before['clients']) | set(still)
    groups = {}   # (who, label) -> [calls, usec]
    for entry in log:
        _id, _ts, usec, args, addr, name = entry[:6]
        # '?:0' is the scripts' own client: a command a script calls is logged on its own too, and
        # its time is already inside the script's entry
        if name == 'pollcost' or addr == '?:0' or args[0].lower() == 'slowlog':
            continue
        who = 'node' if addr in mine else 'new'
        g = groups.setdefault((who, label(args, names, ns)), [0, 0])
        g[0] += 1
        g[1] += usec
    r = {'tag': tag, 'n': int(n), 'round': int(rnd), 'seconds': round(seconds, 2),
         'redis_cpu_pct': round(100 * (after['cpu'] - before['cpu']) / seconds, 3),
         'slowlog_entries': len(log), 'slowlog_full': len(log) >= 1000000}
    r.update(extra)
    node_calls = sum(g[0] for (who, _), g in groups.items() if who == 'node')
    polls = groups.get(('node', 'status'), [0, 0])[0]
    poll_usec = sum(groups.get(('node', p), [0, 0])[1] for p in POLL)
    r['node_calls'] = node_calls
    r['node_calls_per_s'] = round(node_calls / seconds, 2)
    r['polls'] = polls
    if polls:
        r['poll_us'] = round(poll_usec / polls, 1)
        r['poll_status_lua_us'] = round(groups[('node', 'status')][1] / polls, 1)
    ev = calls_delta.get('evalsha', (0, 0))
    r['evalsha_calls'], r['evalsha_usec'] = ev
    new = {l: g for (who, l), g in groups.items() if who == 'new'}
    r['new_calls'] = sum(g[0] for g in new.values())
    r['new_usec'] = sum(g[1] for g in new.values())
    r['node'] = {l: g for (who, l), g in sorted(groups.items()) if who == 'node'}
    r['new'] = dict(sorted(new.items()))
    print(json.dumps(r))

if __name__ == '__main__':
    main()
PY
rs() { python3 "$dir/rs.py" "$1" "$port" "$dir" "${@:2}"; }
audited() { redis-cli -p "$port" hget "{$1}:audit:counts" total | grep -E '^[0-9]+$' || echo 0; }

# 1. history
for n in $sizes; do
  ns=pollcost-$n
  started=$(date +%s)
  fleet=()
  for i in 0 1 2; do
    java "${jvm[@]}" -jar "$jar" run --redis "$url" --namespace "$ns" --node-id "history-$n-$i" --interval-ms 0 \
      --limit "$n" --max-delay-ms 0 --error-rate "$error_rate" --workers 2 --concurrency 20000 --batch-size 1000 \
      >"$dir/history-$n-$i.log" 2>&1 &
    pids+=($!); fleet+=($!)
  done
  last=0
  while [ "$(audited "$ns")" -lt "$n" ]; do
    sleep 1
    now=$(date +%s)
    if [ $((now - last)) -ge 10 ]; then echo "history $n: $(audited "$ns") audited after $((now - started)) s" >&2; last=$now; fi
    for p in "${fleet[@]}"; do
      kill -0 "$p" 2>/dev/null || { echo "poll-cost: a history node exited early; see $dir/history-$n-*.log" >&2; exit 1; }
    done
  done
  for p in "${fleet[@]}"; do stop "$p"; done
  echo "history $n: $(audited "$ns") audited in $(( $(date +%s) - started )) s; errors list $(redis-cli -p "$port" llen "{$ns}:errors"); Redis used_memory $(redis-cli -p "$port" info memory | tr -d '\r' | sed -n 's/^used_memory_human://p')" >&2
done

# 2. measurements, interleaved: round 1 every size, round 2 every size, ...
for r in $(seq "$rounds"); do
  for n in $sizes; do
    ns=pollcost-$n
    rm -f "$dir/http-port"
    java "${jvm[@]}" -jar "$jar" run --redis "$url" --namespace "$ns" --node-id "idle-$n-$r" --source none \
      --http-port 0 --http-port-file "$dir/http-port" >"$dir/idle-$n-$r.log" 2>&1 &
    node=$!; pids+=($node)
    for _ in $(seq 600); do
      [ -s "$dir/http-port" ] && curl -fs "http://127.0.0.1:$(cat "$dir/http-port")/health" >/dev/null 2>&1 && break
      sleep 0.1
    done
    http=http://127.0.0.1:$(cat "$dir/http-port")
    curl -fs "$http/health" >/dev/null || { echo "poll-cost: the idle node is not healthy; see $dir/idle-$n-$r.log" >&2; exit 1; }
    sleep 5

    # a. idle window
    rs begin idle
    sleep "$window"
    rs end idle "$ns" "$n" "$r" "$jar" > "$dir/idle.json"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("N=%d round %d idle %.1f s: Redis CPU %.3f%%, %d polls, poll %s us (status.lua %s us), node %s calls/s, evalsha %d calls %d us; node commands %s" % (r["n"], r["round"], r["seconds"], r["redis_cpu_pct"], r["polls"], r.get("poll_us"), r.get("poll_status_lua_us"), r["node_calls_per_s"], r["evalsha_calls"], r["evalsha_usec"], r["node"]))' "$dir/idle.json" >&2

    # b. the status command, CALLS times
    rs begin status
    t0=$(date +%s.%N); failed=0
    for _ in $(seq "$calls"); do
      java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$jar" status --redis "$url" --namespace "$ns" >"$dir/status.out" 2>"$dir/status.err" || failed=$((failed + 1))
    done
    rs end status "$ns" "$n" "$r" "$jar" "{\"status_runs\": $calls, \"status_failed\": $failed}" > "$dir/status.json"
    grep -E 'counters|audit ' "$dir/status.out" | sed "s/^/N=$n status says:/" >&2
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("N=%d round %d status: %d runs (%d failed) in %.1f s: %d commands, %.1f us per run; %s" % (r["n"], r["round"], r["status_runs"], r["status_failed"], r["seconds"], r["new_calls"], r["new_usec"] / r["status_runs"], {k: [v[0], round(v[1] / r["status_runs"], 1)] for k, v in r["new"].items()}))' "$dir/status.json" >&2

    # c. SCRAPES GET /metrics on one connection
    args=(); for _ in $(seq "$scrapes"); do args+=("$http/metrics"); done
    rs begin scrape
    curl -fs "${args[@]}" >/dev/null
    rs end scrape "$ns" "$n" "$r" "$jar" > "$dir/scrape.json"
    produced=$(curl -fs "$http/metrics" | sed -n 's/^redfleet_fleet_produced_total[{ ]\(.*\)$/\1/p' | awk '{print $NF}')
    python3 - "$dir/idle.json" "$dir/status.json" "$dir/scrape.json" "$scrapes" "$produced" >> "$dir/results.jsonl" <<'PY'
import json, sys
idle, status, scrape = (json.load(open(p)) for p in sys.argv[1:4])
scrapes, produced = int(sys.argv[4]), sys.argv[5]
expected = idle['node_calls_per_s'] * scrape['seconds']
row = {'n': idle['n'], 'round': idle['round'], 'poll_us': idle.get('poll_us'), 'poll_status_lua_us': idle.get('poll_status_lua_us'),
       'polls': idle['polls'], 'idle_cpu_pct': idle['redis_cpu_pct'], 'status_us': round(status['new_usec'] / status['status_runs'], 1),
       'status_cmds': round(status['new_calls'] / status['status_runs'], 2), 'status_failed': status['status_failed'],
       'status_phase_poll_us': status.get('poll_us'),
       'scrape_calls': scrape['node_calls'], 'scrape_seconds': scrape['seconds'], 'scrape_expected': round(expected, 1),
       'scrape_extra_per_scrape': round((scrape['node_calls'] + scrape['new_calls'] - expected) / scrapes, 2),
       'scrape_polls': scrape['polls'], 'produced_on_metrics': produced}
print(json.dumps(row))
print('N=%d round %d /metrics: %d scrapes in %.2f s, %d Redis commands (node background predicts %.1f; %d of them polls): %+.2f per scrape; redfleet_fleet_produced_total %s'
      % (row['n'], row['round'], scrapes, row['scrape_seconds'], row['scrape_calls'], expected, row['scrape_polls'], row['scrape_extra_per_scrape'], produced),
      file=sys.stderr)
PY
    stop "$node"
  done
done

# 3. the table
python3 - "$dir/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print('| N | round | poll us/call (Redis) | of it status.lua | Redis CPU % idle node | status us/call | status commands/call | /metrics Redis calls per scrape |')
print('|---|---|---|---|---|---|---|---|')
for r in sorted(rows, key=lambda r: (r['n'], r['round'])):
    print('| {:,} | {} | {} | {} | {:.3f} | {} | {} | {:+.2f} |'.format(r['n'], r['round'], r['poll_us'], r['poll_status_lua_us'],
          r['idle_cpu_pct'], r['status_us'], r['status_cmds'], r['scrape_extra_per_scrape']))
PY
