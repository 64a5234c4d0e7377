#!/usr/bin/env bash
# What shards on a Redis Cluster buy (issue 18): Redis CPU per master, against one master and one
# plain redis-server, measured with the real bench on this machine.
#
# Usage (from the repository root, after `mvn -o -q -B package -DskipTests`):
#   scripts/bench-cluster.sh
# Environment (all optional):
#   ROUNDS=3        rounds; each round runs the six variants below in turn (interleaved, so a
#                   machine that drifts during the run affects every variant alike)
#   LIMIT=500000    messages per bench run (--limit)
#   SHARDS=6        shards of the sharded runs
#   BENCH_ARGS=""   more bench options for every run (default: none beyond --max-delay-ms 0)
#   LOG_DIR=        if set, each bench run's progress log (stderr) is copied there at the end
#
# What it does:
# 1. Starts a 3-master Redis Cluster on loopback (no replicas, nothing persisted; ports BASE..BASE+2
#    and their cluster bus ports BASE+10000.. all free) and one plain redis-server (free port, same
#    settings without cluster), in a private temporary directory; every server and the directory
#    go at exit, whatever happens (trap on EXIT).
# 2. Each round runs `java -jar target/app-fat.jar bench --json --max-delay-ms 0 --limit LIMIT` as
#      cluster-N  --redis redis-cluster://<the 3 masters> --shards SHARDS
#      cluster-1  the same cluster, --shards 1 (every key under one tag: one master does it all)
#      plain-1    --redis redis://<the plain server> --shards 1
#      plain-N    the plain server, --shards SHARDS (what sharding costs by itself)
#    and then, without bench:
#      gen-cluster-N, gen-plain-1  one generator alone: a single `run` node (the bench's JVM options,
#                  its settings: --interval-ms 0 --batch-size 1000 --limit LIMIT; with the simulated
#                  source the elected node runs no workers), nobody consuming, timed from its first
#                  produced message until the shards' produced counters add up to LIMIT: one
#                  generator's produce rate and its JVM CPU per message (the fleet's single lease
#                  means one such process produces for the whole fleet); its messages are then
#                  deleted (FLUSHALL: every server here is this script's own)
#    and reads every server's INFO cpu (used_cpu_sys + used_cpu_user) just before and after the
#    command: the delta is that server's Redis CPU over the run (the bench's own redis_cpu_s
#    reads one node of a cluster only, so it is not used). A run that loses or duplicates a message
#    stops the script.
# 3. Messages per master: the bench's namespace (in its report) gives the shards' hash tags
#    (Keys.shardTag: <ns>/<s>.<k>, the first k whose slot falls in shard s's slice; `{ns}` itself
#    with one shard), each tag's slot (checked against CLUSTER KEYSLOT) and the master serving it
#    (CLUSTER NODES); shard s holds Shards.shardLimit(s, LIMIT) of the messages. The fleet-wide keys
#    (lease, nodes, heartbeats, latency reports) sit under `{ns}` on one master, marked "fleet keys".
# Prints a line per run (stderr) and the tables (stdout):
#   per master of the sharded cluster run: CPU s, share of the mean (within +-20 % is the target),
#   messages it held, us per message it held, us per message of the whole fleet;
#   per variant: throughput, Redis CPU per message (all servers), the busiest master's CPU per fleet
#   message, JVM CPU per message (the 3 fleet processes, JVM start included);
#   per generator run: messages produced a second, the generator's JVM CPU and Redis CPU per message.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=$PWD/target/app-fat.jar
[ -f "$jar" ] || { echo "bench-cluster: $jar missing: run mvn -o -q -B package -DskipTests first" >&2; exit 2; }
rounds=${ROUNDS:-3}
limit=${LIMIT:-500000}
shards=${SHARDS:-6}
extra=${BENCH_ARGS:-}

dir=$(mktemp -d)
started=()   # the pid of every redis-server started here
cleanup() {
  for p in "${started[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${started[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  if [ -n "${LOG_DIR:-}" ]; then mkdir -p "$LOG_DIR" && cp "$dir"/bench-*.log "$LOG_DIR"/ 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
# a copy of the jar, so that a build during the run cannot change what is measured
cp "$jar" "$dir/app-fat.jar"
jar=$dir/app-fat.jar

# started_pid PIDFILE: remember the daemonized server's pid (redis-server removes its pid file when it exits)
started_pid() {
  for _ in $(seq 50); do [ -s "$1" ] && break; sleep 0.1; done
  started+=("$(cat "$1")")
}

# free_base: a port BASE with BASE..BASE+2 and BASE+10000..BASE+10002 all free on 127.0.0.1
free_base() {
  python3 - <<'PY'
import random, socket
for _ in range(200):
    base = random.randrange(20000, 30000)
    socks = []
    try:
        for p in [base, base + 1, base + 2, base + 10000, base + 10001, base + 10002]:
            s = socket.socket(); s.bind(('127.0.0.1', p)); socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks: s.close()
    print(base); break
PY
}

# the cluster: the command line of a verified 3-master recipe, no replicas, nothing persisted
base=$(free_base)
masters=("$base" "$((base + 1))" "$((base + 2))")
for p in "${masters[@]}"; do
  mkdir -p "$dir/$p"
  redis-server --port "$p" --bind 127.0.0.1 --dir "$dir/$p" \
    --cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" \
    --cluster-node-timeout 2000 --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/$p/redis.pid" --logfile "$dir/$p/redis.log" >/dev/null
  started_pid "$dir/$p/redis.pid"
done
for p in "${masters[@]}"; do
  for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
redis-cli --cluster create 127.0.0.1:"${masters[0]}" 127.0.0.1:"${masters[1]}" 127.0.0.1:"${masters[2]}" \
  --cluster-replicas 0 --cluster-yes >"$dir/cluster-create.log" 2>&1
for _ in $(seq 100); do
  redis-cli -p "${masters[0]}" cluster info | grep -q 'cluster_state:ok' && break; sleep 0.1
done
redis-cli -p "${masters[0]}" cluster info | grep -q 'cluster_state:ok' \
  || { echo "bench-cluster: the cluster did not come up; see $dir" >&2; cat "$dir/cluster-create.log" >&2; exit 1; }
# every master must see every slot assigned, or the bench would start against a half-made cluster
for p in "${masters[@]}"; do
  for _ in $(seq 100); do
    redis-cli -p "$p" cluster info | grep -q 'cluster_slots_ok:16384' && break; sleep 0.1
  done
done

# the plain server: the same settings, no cluster
plain=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/$plain"
redis-server --port "$plain" --bind 127.0.0.1 --dir "$dir/$plain" --save "" --appendonly no \
  --daemonize yes --pidfile "$dir/$plain/redis.pid" --logfile "$dir/$plain/redis.log" >/dev/null
started_pid "$dir/$plain/redis.pid"
for _ in $(seq 50); do redis-cli -p "$plain" ping >/dev/null 2>&1 && break; sleep 0.1; done

version=$(redis-cli -p "$plain" info server | tr -d '\r' | sed -n 's/^redis_version://p')
echo "redis $version: cluster masters ${masters[*]} (bus +10000), plain server $plain; work dir $dir" >&2
echo "load before: $(uptime)" >&2
cluster_url=redis-cluster://127.0.0.1:${masters[0]},127.0.0.1:${masters[1]},127.0.0.1:${masters[2]}

# cpu PORT -> used_cpu_sys + used_cpu_user of that server
cpu() {
  redis-cli -p "$1" info cpu | tr -d '\r' \
    | awk -F: '$1 == "used_cpu_sys" || $1 == "used_cpu_user" {s += $2} END {printf "%.6f", s}'
}

# run VARIANT ROUND URL SHARDS PORTS... : one bench run, its measurements appended to results.jsonl
run() {
  local variant=$1 round=$2 url=$3 n=$4
  shift 4
  local ports=("$@") before=() after=() p json
  for p in "${ports[@]}"; do before+=("$(cpu "$p")"); done
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  # shellcheck disable=SC2086 # BENCH_ARGS is a list of options
  json=$(java -jar "$jar" bench --json --redis "$url" --shards "$n" --max-delay-ms 0 --limit "$limit" $extra \
    2>"$dir/bench-$variant-$round.log" | tail -1) || true
  for p in "${ports[@]}"; do after+=("$(cpu "$p")"); done
  python3 - "$variant" "$round" "$n" "$limit" "$load" "$json" "${ports[*]}" "${before[*]}" "${after[*]}" \
    >>"$dir/results.jsonl" <<'PY' || { echo "bench-cluster: run $round of $variant did not end clean; its log:" >&2; tail -20 "$dir/bench-$variant-$round.log" >&2; exit 1; }
import json, subprocess, sys
variant, rnd, n, limit, load, raw, ports, before, after = sys.argv[1:10]
n, limit, rnd = int(n), int(limit), int(rnd)
ports = [int(p) for p in ports.split()]
cpu = [float(a) - float(b) for a, b in zip(after.split(), before.split())]
try:
    rep = json.loads(raw)
except ValueError:
    print('no report: %r' % raw, file=sys.stderr); sys.exit(1)
if rep.get('missing') != 0 or rep.get('duplicates') != 0 or rep.get('messages') != limit:
    print('audit not clean: %s' % raw, file=sys.stderr); sys.exit(1)
ns = rep['namespace']

def slot(tag):  # CRC16/XMODEM mod 16384, as Keys.slot and CLUSTER KEYSLOT
    crc = 0
    for b in tag.encode():
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xffff if crc & 0x8000 else (crc << 1) & 0xffff
    return crc & 16383

def shard_tag(s):  # Keys.shardTag
    lo, hi = s * 16384 // n, (s + 1) * 16384 // n
    k = 0
    while not lo <= slot('%s/%d.%d' % (ns, s, k)) < hi:
        k += 1
    return '%s/%d.%d' % (ns, s, k)

def shard_limit(s):  # Shards.shardLimit
    return -1 if limit <= s else (limit - s - 1) // n + 1

tags = [ns] if n == 1 else [shard_tag(s) for s in range(n)]
parts = [limit] if n == 1 else [shard_limit(s) for s in range(n)]
assert sum(parts) == limit
cluster = len(ports) > 1
owner = lambda sl: ports[0]
if cluster:
    ranges = {}
    for p in ports:
        me = next(l for l in subprocess.check_output(['redis-cli', '-p', str(p), 'cluster', 'nodes'], text=True).splitlines()
                  if 'myself' in l)
        ranges[p] = [tuple(int(x) for x in r.split('-')) if '-' in r else (int(r), int(r))
                     for r in me.split()[8:] if not r.startswith('[')]
    def owner(sl):
        return next(p for p, rs in ranges.items() if any(a <= sl <= b for a, b in rs))
    for t in tags:
        said = int(subprocess.check_output(['redis-cli', '-p', str(ports[0]), 'cluster', 'keyslot', '{%s}:x' % t], text=True))
        assert said == slot(t), (t, said, slot(t))
held = {p: 0 for p in ports}
shards_on = {p: 0 for p in ports}
for t, m in zip(tags, parts):
    held[owner(slot(t))] += m
    shards_on[owner(slot(t))] += 1
fleet_port = owner(slot(ns))
jvm = sum(rep['jvm_cpu_s_each'])
row = {'variant': variant, 'round': rnd, 'shards': n, 'load': float(load), 'messages': limit,
       'wall_s': rep['wall_s'], 'msgs_per_s': rep['msgs_per_s'], 'processing_msgs_per_s': rep['processing_msgs_per_s'],
       'jvm_cpu_s': round(jvm, 2), 'jvm_cpu_s_each': rep['jvm_cpu_s_each'], 'bench_redis_cpu_s': rep['redis_cpu_s'],
       'namespace': ns,
       'servers': [{'port': p, 'cpu_s': round(c, 3), 'messages': held[p], 'shards': shards_on[p],
                    'fleet_keys': p == fleet_port} for p, c in zip(ports, cpu)]}
print(json.dumps(row))
total = sum(cpu)
print('%-10s round %d (load %s): %6.2f s, %7d msgs/s (processing %7d/s); Redis CPU %.2f s = %.2f us/msg; JVM CPU %.2f s = %.2f us/msg; per server: %s'
      % (variant, rnd, load, rep['wall_s'], rep['msgs_per_s'], rep['processing_msgs_per_s'], total, total * 1e6 / limit,
         jvm, jvm * 1e6 / limit,
         ', '.join('%d%s %.2f s / %d msgs (%d shards)' % (s['port'], '*' if s['fleet_keys'] else '', s['cpu_s'], s['messages'], s['shards'])
                   for s in row['servers'])), file=sys.stderr)
PY
}

# gen VARIANT ROUND URL SHARDS PORTS...: one generator alone, nobody consuming (see the header)
gen() {
  local variant=$1 round=$2 url=$3 n=$4
  shift 4
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  python3 - "$variant" "$round" "$url" "$n" "$limit" "$load" "$jar" "$dir" "$*" >>"$dir/results.jsonl" <<'PY2' \
    || { echo "bench-cluster: generator run $round of $variant failed; its log:" >&2; tail -20 "$dir/gen-$variant-$round.log" >&2; exit 1; }
import json, os, random, signal, socket, subprocess, sys, time
variant, rnd, url, n, limit, load, jar, d, ports = sys.argv[1:10]
n, limit, rnd, ports = int(n), int(limit), int(rnd), [int(p) for p in ports.split()]

def conn(port):
    s = socket.create_connection(('127.0.0.1', port))
    f = s.makefile('rb')
    def call(*args):
        out = b'*%d\r\n' % len(args)
        for a in args:
            a = str(a).encode()
            out += b'$%d\r\n%s\r\n' % (len(a), a)
        s.sendall(out)
        line = f.readline()
        if line[:1] == b'$':
            k = int(line[1:-2])
            return None if k < 0 else f.read(k + 2)[:-2].decode()
        if line[:1] == b'-':
            raise RuntimeError(line.decode())
        return line[1:-2].decode()
    return call

def slot(tag):
    crc = 0
    for b in tag.encode():
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xffff if crc & 0x8000 else (crc << 1) & 0xffff
    return crc & 16383

def shard_tag(ns, s):
    lo, hi = s * 16384 // n, (s + 1) * 16384 // n
    k = 0
    while not lo <= slot('%s/%d.%d' % (ns, s, k)) < hi:
        k += 1
    return '%s/%d.%d' % (ns, s, k)

def cpu(call):
    info = dict(l.split(':', 1) for l in call('INFO', 'cpu').splitlines() if ':' in l)
    return float(info['used_cpu_sys']) + float(info['used_cpu_user'])

def jvm_cpu(pid):
    fields = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

calls = {p: conn(p) for p in ports}
ns = 'gen-%08x' % random.getrandbits(32)
tags = [ns] if n == 1 else [shard_tag(ns, s) for s in range(n)]
owner = {}
for t in tags:
    for p, call in calls.items():
        if len(ports) == 1:
            owner[t] = p
            break
        try:
            call('EXISTS', '{%s}:x' % t)
            owner[t] = p
            break
        except RuntimeError:  # MOVED: another master serves the slot
            pass
before = {p: cpu(c) for p, c in calls.items()}
log = open('%s/gen-%s-%d.log' % (d, variant, rnd), 'w')
proc = subprocess.Popen(['java', '-Xms256m', '-Xmx384m', '-XX:+UseParallelGC', '-XX:TieredStopAtLevel=1', '-jar', jar,
                         'run', '--redis', url, '--namespace', ns, '--node-id', 'gen', '--shards', str(n),
                         '--interval-ms', '0', '--batch-size', '1000', '--limit', str(limit), '--max-delay-ms', '0'],
                        stdout=log, stderr=subprocess.STDOUT)
t0 = cpu0 = None
deadline = time.time() + 600
try:
    while True:
        produced = sum(int(calls[owner[t]]('HGET', '{%s}:stats' % t, 'produced') or 0) for t in tags)
        now = time.time()
        if t0 is None and produced > 0:
            t0, cpu0, first = now, jvm_cpu(proc.pid), produced
        if produced >= limit:
            t1, cpu1 = now, jvm_cpu(proc.pid)
            break
        if proc.poll() is not None or now > deadline:
            raise SystemExit('the generator exited or took too long: produced %d' % produced)
        time.sleep(0.02)
finally:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill(); proc.wait()
after = {p: cpu(c) for p, c in calls.items()}
measured = limit - first  # the first poll's messages were produced before t0
held = {p: 0 for p in ports}
for s, t in enumerate(tags):
    held[owner[t]] += limit if n == 1 else (limit - s - 1) // n + 1
row = {'variant': variant, 'round': rnd, 'shards': n, 'load': float(load), 'messages': limit, 'generator': True,
       'produce_msgs_per_s': round(measured / (t1 - t0)), 'generator_jvm_us_per_msg': round((cpu1 - cpu0) * 1e6 / measured, 2),
       'namespace': ns,
       'servers': [{'port': p, 'cpu_s': round(after[p] - before[p], 3), 'messages': held[p]} for p in ports]}
print(json.dumps(row))
for c in calls.values():
    c('FLUSHALL')  # nobody consumed: the generator's messages go (every server here is this script's)
print('%-12s round %d (load %s): one generator %d msgs/s, its JVM %.2f us/msg; Redis CPU %.2f s = %.2f us/msg; per server: %s'
      % (variant, rnd, load, row['produce_msgs_per_s'], row['generator_jvm_us_per_msg'],
         sum(s['cpu_s'] for s in row['servers']), sum(s['cpu_s'] for s in row['servers']) * 1e6 / limit,
         ', '.join('%d %.2f s / %d msgs' % (s['port'], s['cpu_s'], s['messages']) for s in row['servers'])), file=sys.stderr)
PY2
}

for r in $(seq "$rounds"); do
  while read -r load _; do
    echo "round $r: load average $load ($(nproc) cores)" >&2
  done </proc/loadavg
  run "cluster-$shards" "$r" "$cluster_url" "$shards" "${masters[@]}"
  run cluster-1 "$r" "$cluster_url" 1 "${masters[@]}"
  run plain-1 "$r" "redis://127.0.0.1:$plain" 1 "$plain"
  run "plain-$shards" "$r" "redis://127.0.0.1:$plain" "$shards" "$plain"
  gen "gen-cluster-$shards" "$r" "$cluster_url" "$shards" "${masters[@]}"
  gen gen-plain-1 "$r" "redis://127.0.0.1:$plain" 1 "$plain"
done
echo "load after: $(uptime)" >&2
# keys a run left behind (the bench deletes its namespace's keys at the end)
for p in "${masters[@]}" "$plain"; do echo "keys left on $p: $(redis-cli -p "$p" dbsize)" >&2; done

python3 - "$dir/results.jsonl" "$shards" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
shards = int(sys.argv[2])
gen_rows = [r for r in rows if r.get('generator')]
bench_rows = [r for r in rows if not r.get('generator')]
med = statistics.median
def spread(xs, f='%.2f'):
    return (f + ' (' + f + '..' + f + ')') % (med(xs), min(xs), max(xs))

sharded = [r for r in rows if r['variant'] == 'cluster-%d' % shards]
print('Sharded cluster run (%d shards on 3 masters), per master; medians over %d rounds (min..max):' % (shards, len(sharded)))
print()
print('| master | shards | messages held | Redis CPU s | share of the mean | us per message held | us per fleet message |')
print('|---|---|---|---|---|---|---|')
for i, s0 in enumerate(sharded[0]['servers']):
    cpus, shares, held_us, fleet_us = [], [], [], []
    for r in sharded:
        s = r['servers'][i]
        mean = sum(x['cpu_s'] for x in r['servers']) / len(r['servers'])
        cpus.append(s['cpu_s'])
        shares.append(100 * (s['cpu_s'] / mean - 1))
        held_us.append(s['cpu_s'] * 1e6 / s['messages'] if s['messages'] else float('nan'))
        fleet_us.append(s['cpu_s'] * 1e6 / r['messages'])
    fleet = sum(1 for r in sharded if r['servers'][i]['fleet_keys'])
    print('| %s%s | %d | %d | %s | %s | %s | %s |' % (
        'ABC'[i] if i < 3 else i, ' (fleet keys in %d of %d runs)' % (fleet, len(sharded)) if fleet else '',
        s0['shards'], s0['messages'], spread(cpus), spread(shares, '%+.1f%%'), spread(held_us), spread(fleet_us)))
worst = [max(abs(x['cpu_s'] / (sum(y['cpu_s'] for y in r['servers']) / 3) - 1) for x in r['servers']) for r in sharded]
print()
print('Largest distance of a master from the mean, per round: %s (target: within 20 %%)'
      % ', '.join('%.1f%%' % (100 * w) for w in worst))
print()
print('Per variant, medians (min..max) over the rounds:')
print()
print('| variant | msgs/s (wall) | processing msgs/s | Redis CPU s, all servers | Redis us/msg, all servers | busiest server: us per fleet message | JVM CPU us/msg (3 fleet JVMs) | load |')
print('|---|---|---|---|---|---|---|---|')
for v in ['cluster-%d' % shards, 'cluster-1', 'plain-1', 'plain-%d' % shards]:
    rs = [r for r in rows if r['variant'] == v]
    if not rs:
        continue
    total = [sum(s['cpu_s'] for s in r['servers']) for r in rs]
    print('| %s | %s | %s | %s | %s | %s | %s | %s |' % (
        v, spread([r['msgs_per_s'] for r in rs], '%.0f'), spread([r['processing_msgs_per_s'] for r in rs], '%.0f'),
        spread(total), spread([t * 1e6 / r['messages'] for t, r in zip(total, rs)]),
        spread([max(s['cpu_s'] for s in r['servers']) * 1e6 / r['messages'] for r in rs]),
        spread([r['jvm_cpu_s'] * 1e6 / r['messages'] for r in rs]),
        ' / '.join('%.2f' % r['load'] for r in rs)))
single = [max(s['cpu_s'] for s in r['servers']) for r in rows if r['variant'] == 'cluster-1']
busiest = [max(s['cpu_s'] for s in r['servers']) for r in sharded]
mean = [sum(s['cpu_s'] for s in r['servers']) / 3 for r in sharded]
if single and sharded:
    print()
    print('Per-master Redis CPU of the sharded run against the single master (medians): mean master %.2fx, busiest master %.2fx'
          % (med(mean) / med(single), med(busiest) / med(single)))
idle = [s['cpu_s'] for r in rows if r['variant'] == 'cluster-1' for s in r['servers'] if s['messages'] == 0]
if idle:
    print('Idle masters during the single-master runs (cluster bus, cron): %s CPU s each' % spread(idle, '%.3f'))
gens = [v for v in ['gen-cluster-%d' % shards, 'gen-plain-1'] if any(r['variant'] == v for r in rows)]
if gens:
    print()
    print('One generator alone (nobody consuming), medians (min..max):')
    print()
    print('| variant | produced msgs/s | generator JVM CPU us/msg | Redis us/msg, all servers | busiest server: us/msg | load |')
    print('|---|---|---|---|---|---|')
    for v in gens:
        rs = [r for r in rows if r['variant'] == v]
        print('| %s | %s | %s | %s | %s | %s |' % (
            v, spread([r['produce_msgs_per_s'] for r in rs], '%.0f'), spread([r['generator_jvm_us_per_msg'] for r in rs]),
            spread([sum(s['cpu_s'] for s in r['servers']) * 1e6 / r['messages'] for r in rs]),
            spread([max(s['cpu_s'] for s in r['servers']) * 1e6 / r['messages'] for r in rs]),
            ' / '.join('%.2f' % r['load'] for r in rs)))
print()
print('Each run, raw:')
for r in bench_rows + gen_rows:
    print(json.dumps(r))
PY
