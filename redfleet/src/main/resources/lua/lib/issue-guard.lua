-- issue-guard: run first by every script that hands out ids (produce, reserve, send,
-- requeue-error) or epochs (acquire-lease, lease-takeover), so that neither ever goes back after
-- Redis lost data. Needs `--#include key-types` and `--#include server` before it. Included with
-- `--#include issue-guard`;
-- the script then calls issue_guard() before anything else and returns its answer if it has one.
--
-- A fleet member's redis/Scripts appends two KEYS and three ARGV to the script's own, which
-- issue_guard() removes (table.remove) before the script reads them; a call without them (the
-- last key is not <prefix>dataset) is not guarded (tests, tools):
--   KEYS[n-1]  the counter the script increments: <ns>:seq or <ns>:epoch (a shard's call of a
--              sharded namespace: <shard>:seq, and KEYS[n] is <shard>:dataset, the shard's own)
--   KEYS[n]    <ns>:dataset  hash: id (the dataset's random marker), server (run_id of the server
--              the fleet raised its floors on, '?' when INFO is refused), settled (= server once
--              every live node has raised its floors there), ceiling (see reserve.lua)
--   ARGV[m-2]  the dataset id the caller knows (from floors.lua)
--   ARGV[m-1]  the caller's floor for the counter: the highest id (or epoch) it has seen
--   ARGV[m]    ids the call may hand out, to be found under the ceiling (the master has replicas:
--              see reserve.lua); 0 = no ceiling
--
-- Refuses (an error reply, nothing written) with
--   'FLOORS dataset'   the dataset is not the one the caller knows: empty (FLUSHALL, a restart
--                      without persistence, an empty replica promoted) or replaced
--   'FLOORS server'    the server changed (a promoted replica, a restart) and no node has run
--                      floors.lua on it yet
--   'FLOORS settling'  the server changed or the dataset is new, and not every live node has
--                      raised its floors yet
--   'FLOORS reserve'   the ids would go above the ceiling: the caller raises it (reserve.lua, then
--                      WAIT) first
-- after which the caller runs floors.lua and calls again. Otherwise raises the counter to the
-- caller's floor (the one write before the script's own checks: idempotent, and only ever up) and
-- returns nil.
local function issue_guard()
  local n = #KEYS
  if n < 2 then
    return nil
  end
  local prefix = string.match(KEYS[1], '^(.-}:)')
  if not prefix or KEYS[n] ~= prefix .. 'dataset' then
    return nil
  end
  local dataset = table.remove(KEYS)
  local counter = table.remove(KEYS)
  local need = tonumber(table.remove(ARGV)) or 0
  local floor = tonumber(table.remove(ARGV))
  local known = table.remove(ARGV)
  -- the typed reads are the type checks (lib/key-types.lua): no TYPE probe
  local d = redis.pcall('HMGET', dataset, 'id', 'server', 'settled', 'ceiling')
  if failed(d) then
    return refused_type(dataset, 'hash') or redis.call('HMGET', dataset, 'id', 'server', 'settled', 'ceiling')
  end
  if d[1] ~= known then
    return redis.error_reply('FLOORS dataset: the dataset is not ' .. known .. '; nothing was changed')
  end
  local run = server_run_id()
  if run and d[2] ~= run then
    return redis.error_reply('FLOORS server: the server changed; nothing was changed')
  end
  if d[3] ~= d[2] then
    return redis.error_reply('FLOORS settling: the fleet raises its floors on a new server; nothing was changed')
  end
  -- a counter of the wrong type or not a number is left to the script's own checks
  local current = redis.pcall('GET', counter)
  current = not failed(current) and tonumber(current or '0')
  if current and floor and floor > current then
    redis.call('SET', counter, string.format('%d', floor))
    current = floor
  end
  if current and need > 0 and current + need > (tonumber(d[4] or '0') or 0) then
    return redis.error_reply('FLOORS reserve: the ids would go above the ceiling; nothing was changed')
  end
  return nil
end
