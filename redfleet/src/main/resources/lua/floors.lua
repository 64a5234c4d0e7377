-- floors: each node's check of the dataset, every heartbeatMs and at once when it sees a new
-- server: is this still the dataset it knows, on the server it knows? Raises seq and epoch to the
-- highest the caller has seen (they never go backwards while one node that saw them survives),
-- writes the dataset's random marker if there is none (an empty or new dataset), and ends the
-- settle of a new server or dataset once every live node has raised its floors there.
-- issue-guard refuses ids and epochs until then.
--
-- In a sharded namespace it runs on the namespace's keys and, one call each, on every shard's:
-- there KEYS are the shard's (its own dataset, seq, members and counters) and KEYS[3] is the
-- shard's fence, which stands for the epoch (ARGV[8] 'fence').
--
-- KEYS[1]  <ns>:dataset  hash: id (the marker), created, server (run_id, '?' when INFO is
--                        refused), since (when the server or dataset was first seen, Redis ms),
--                        settled (= server once settled), ceiling (reserve.lua: on another server
--                        seq goes up to it); the last change: change, change_at, change_by,
--                        change_seq, change_epoch (found), raised_seq, raised_epoch
-- KEYS[2]  <ns>:seq
-- KEYS[3]  <ns>:epoch      (a shard: <shard>:fence)
-- KEYS[4]  <ns>:nodes    sorted set nodeId -> last heartbeat: the live nodes
-- KEYS[5]  <ns>:floored  sorted set nodeId -> when it last ran this script (Redis time, ms)
-- KEYS[6]  <ns>:stats    'data_lost', 'master_changes' and 'ids_skipped' are incremented
-- ARGV[1]  nodeId ('' = a one-shot command: not waited for, not recorded)
-- ARGV[2]  the dataset id the caller knows ('' = none yet)
-- ARGV[3]  a fresh random id, the marker if the dataset has none
-- ARGV[4]  the caller's seq floor: the highest id it has seen
-- ARGV[5]  the caller's epoch floor: the highest epoch it has seen
-- ARGV[6]  min settle (ms): a new server or dataset settles at least this long, so that the
--          periodic check of every live node (every heartbeatMs) has run on it
-- ARGV[7]  max settle (ms), staleMs: a node silent that long is gone and not waited for
-- ARGV[8]  'fence': KEYS[3] is a shard's fence, raised by a generator only when it first writes
--          there, so an epoch floor above it is no sign of lost data; '' (or absent): the epoch itself
--
-- Returns {id, server, seq, epoch, seqFound, epochFound, change, settled, replicas}
--   id, server     the dataset's marker and this server's run_id ('?' if INFO is refused)
--   seq, epoch     after raising; seqFound, epochFound: as found
--   change         '' nothing new; 'new' the namespace's first dataset; 'lost' no marker although
--                  the caller knew one or had floors (FLUSHALL, a restart without persistence, an
--                  empty replica promoted); 'replaced' a marker other than the caller's (another
--                  node saw the loss first, or a dataset was restored); 'server' another server
--                  (a replica promoted, a restart)
--   settled        1: ids and epochs may be handed out; 0: still settling
--   replicas       connected replicas of this server (-1: unknown)
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type, or seq
-- or epoch is not an integer.
--#include clock
--#include key-types
--#include server
local refused = check_key_types({'hash', 'string', 'string', 'zset', 'zset', 'hash'})
if refused then
  return refused
end
local seqFound = tonumber(redis.call('GET', KEYS[2]) or '0')
local epochFound = tonumber(redis.call('GET', KEYS[3]) or '0')
if not seqFound or not epochFound then
  return redis.error_reply('ERR redfleet: ' .. KEYS[2] .. ' or ' .. KEYS[3] .. ' is not an integer; nothing was changed')
end
local node = ARGV[1]
local known = ARGV[2]
local seqFloor = tonumber(ARGV[4])
local epochFloor = tonumber(ARGV[5])
local minSettle = tonumber(ARGV[6])
local maxSettle = math.max(minSettle, tonumber(ARGV[7]))
local now = now_ms()

local d = redis.call('HMGET', KEYS[1], 'id', 'server', 'since', 'settled', 'ceiling')
local id, server, since, settledOn = d[1], d[2], d[3], d[4]
local ceiling = tonumber(d[5] or '0') or 0
local run = server_run_id() or '?'
local change = ''
local fresh = false
if not id then
  id = ARGV[3]
  fresh = true
  -- whether the caller had seen what an empty dataset lacks. A shard: ids above what is there (a
  -- shard of a namespace made before shards had their own markers has ids and no marker; its
  -- fence may sit below the epoch floor). The namespace: any id or epoch at all.
  local sawMore
  if ARGV[8] == 'fence' then
    sawMore = seqFloor > seqFound
  else
    sawMore = seqFloor > 0 or epochFloor > 0
  end
  if known ~= '' or sawMore then
    change = 'lost'
  else
    change = 'new'
  end
  redis.call('HSET', KEYS[1], 'id', id, 'created', now)
elseif known ~= '' and id ~= known then
  change = 'replaced'
end
local seqAbove = seqFloor
if fresh or server ~= run then
  if change == '' and server then
    change = 'server'
    -- the old server may have handed out every id up to the ceiling (a replica had it)
    seqAbove = math.max(seqAbove, ceiling)
  end
  server, since, settledOn = run, now, ''
  redis.call('HSET', KEYS[1], 'server', server, 'since', since, 'settled', '')
end

local seq = math.max(seqFound, seqAbove)
local epoch = math.max(epochFound, epochFloor)
if seq > seqFound then
  redis.call('SET', KEYS[2], string.format('%d', seq))
end
if epoch > epochFound then
  redis.call('SET', KEYS[3], string.format('%d', epoch))
end

if change == 'lost' or change == 'server' then
  redis.call('HSET', KEYS[1], 'change', change, 'change_at', now, 'change_by', node, 'change_seq', seqFound,
    'change_epoch', epochFound, 'raised_seq', seq, 'raised_epoch', epoch)
  redis.call('HINCRBY', KEYS[6], change == 'lost' and 'data_lost' or 'master_changes', 1)
elseif seq > seqFound or epoch > epochFound then
  local r = redis.call('HMGET', KEYS[1], 'raised_seq', 'raised_epoch')
  redis.call('HSET', KEYS[1], 'raised_seq', math.max(seq, tonumber(r[1] or '0') or 0),
    'raised_epoch', math.max(epoch, tonumber(r[2] or '0') or 0))
end
if seq > seqFound then
  redis.call('HINCRBY', KEYS[6], 'ids_skipped', seq - seqFound)
end

if node ~= '' then
  redis.call('ZADD', KEYS[5], now, node)
  -- nodes gone for long are dropped here, so the set stays as small as the fleet
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. (now - 10 * maxSettle))
end

-- the settle: until every node with a recent heartbeat has raised its floors on this server (or
-- dataset), and at least minSettle, at most maxSettle
local settled = 1
if settledOn ~= server then
  since = tonumber(since) or now
  local elapsed = now - since
  local done = elapsed >= maxSettle
  if not done and elapsed >= minSettle then
    done = true
    local live = redis.call('ZRANGEBYSCORE', KEYS[4], now - maxSettle, '+inf')
    for i = 1, #live do
      local at = tonumber(redis.call('ZSCORE', KEYS[5], live[i]) or '0')
      if at < since then
        done = false
        break
      end
    end
  end
  if done then
    redis.call('HSET', KEYS[1], 'settled', server)
  else
    settled = 0
  end
end
return {id, server, seq, epoch, seqFound, epochFound, change, settled, connected_replicas()}
