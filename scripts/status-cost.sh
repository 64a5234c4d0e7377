#!/usr/bin/env bash
# Cost of one status.lua call against a Redis holding N audited ids (issue 16, item 6a).
# Usage: scripts/status-cost.sh EXPANDED_STATUS_LUA N [CALLS]
#   EXPANDED_STATUS_LUA  status.lua with its --#include lines replaced by lua/lib/*.lua (the text
#                        redis/Script sends; scripts/expand-lua.py prints it)
# Starts a private redis-server on a free port, fills the audit for ids 1..N the fast way
# (SETRANGE of 0xff bytes: both the old single bitmap {ns}:audit and the segment bitmaps
# {ns}:audit:<n>, plus the counter {ns}:audit:counts total), three nodes, then times CALLS
# EVALSHA of the script with redis-benchmark (one client) and prints Redis's own usec_per_call.
set -euo pipefail
lua=$1; n=$2; calls=${3:-1000}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --save '' --appendonly no --dir "$dir" --daemonize yes --logfile "$dir/log" >/dev/null
trap 'redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
ns='{cost}'
python3 - "$port" "$n" "$ns" <<'PY'
import socket, sys
port, n, ns = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
seg = 1 << 24
def cmd(*args):
    out = b'*%d\r\n' % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b'$%d\r\n%s\r\n' % (len(a), a)
    return out
s = socket.create_connection(('127.0.0.1', port))
buf = b''
def bits(key, lo, hi):
    # ids lo..hi as bits lo..hi of key: whole bytes of 0xff plus the edges
    global buf
    first, last = lo // 8, hi // 8
    if last > first:
        buf += cmd('SETRANGE', key, first + 1, b'\xff' * (last - first - 1)) if last - first > 1 else b''
    for b in set([lo, hi] + list(range(lo, min(hi, (first + 1) * 8 - 1) + 1)) + list(range(max(lo, last * 8), hi + 1))):
        buf += cmd('SETBIT', key, b, 1)
bits(ns + ':audit', 1, n)
for sgm in range(0, n // seg + 1):
    lo, hi = max(1, sgm * seg), min(n, (sgm + 1) * seg - 1)
    if lo <= hi:
        bits('%s:audit:%d' % (ns, sgm), lo - sgm * seg, hi - sgm * seg)
        buf += cmd('HSET', ns + ':audit:counts', sgm, hi - lo + 1)
buf += cmd('HSET', ns + ':audit:counts', 'total', n)
buf += cmd('SET', ns + ':seq', n) + cmd('SET', ns + ':epoch', 1)
buf += cmd('HSET', ns + ':stats', 'produced', n, 'processed', n)
for node in ('a', 'b', 'c'):
    buf += cmd('ZADD', ns + ':nodes', 1, node)
buf += cmd('PING')
s.sendall(buf)
data = b''
while not data.endswith(b'+PONG\r\n'):
    data += s.recv(1 << 20)
PY
sha=$(redis-cli -p "$port" -x script load < "$lua")
echo "audit bitmap bytes: $(redis-cli -p "$port" strlen "$ns:audit"), audited total: $(redis-cli -p "$port" hget "$ns:audit:counts" total)"
# status.lua's keys, in its header's order (the fifth is whatever it reads the audit from: {ns}:audit
# for the BITCOUNT of old releases, {ns}:audit:counts now; AUDIT_KEY overrides it)
keys=("$ns:seq" "$ns:queue" "$ns:nodes" "$ns:stats" "${AUDIT_KEY:-$ns:audit:counts}" "$ns:errors" "$ns:delayed"
  "$ns:paused" "$ns:leader" "$ns:epoch" "$ns:dataset")
redis-cli -p "$port" evalsha "$sha" "${#keys[@]}" "${keys[@]}" "$ns:" >/dev/null
redis-cli -p "$port" config resetstat >/dev/null
redis-benchmark -p "$port" -c 1 -n "$calls" -q evalsha "$sha" "${#keys[@]}" "${keys[@]}" "$ns:" | tr '\r' '\n' | tail -1
redis-cli -p "$port" info commandstats | grep -E '^cmdstat_evalsha'
redis-cli -p "$port" --no-raw evalsha "$sha" "${#keys[@]}" "${keys[@]}" "$ns:" | grep -E '^10\)' | sed 's/^10)/status answers audited =/'
