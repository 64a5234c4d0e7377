-- status: one consistent snapshot of the fleet (one shard, with shards) for the status command.
--
-- KEYS[1]  <ns>:seq
-- KEYS[2]  <ns>:queue
-- KEYS[3]  <ns>:nodes    the members (a shard's own copy, with shards)
-- KEYS[4]  <ns>:stats
-- KEYS[5]  <ns>:audit:counts  hash: 'total' = ids whose outcome is recorded (lib/audit.lua keeps it
--                           in the finish call that records them: O(1) here whatever the history)
-- KEYS[6]  <ns>:errors
-- KEYS[7]  <ns>:delayed  retries waiting for their due time
-- KEYS[8]  <ns>:paused   present while the fleet is paused: {"by":...,"at":...} (see pause.lua)
-- KEYS[9]  <ns>:leader   optional, with KEYS[10] and KEYS[11]: absent for a shard of a sharded
-- KEYS[10] <ns>:epoch    namespace, whose slot holds none of them (the answer then has no
-- KEYS[11] <ns>:dataset  leader, epoch 0 and no dataset; the namespace's own call has them)
-- ARGV[1]  key prefix "<ns>:" (a node's lists are prefix .. "landing:" .. id and
--          prefix .. "inflight:" .. id; same hash tag, same cluster slot)
--
-- A node's inflight figure is the messages it holds: the '|held' field of its in-flight hash
-- (lib/deliveries.lua), O(1) per node.
--
-- Returns {now, leader or false, leader pttl, epoch, seq, queue length, errors length,
--          {nodeId, lastHeartbeat, landing length, inflight length, ...},
--          {stats field, value, ...}, audited (ids recorded), delayed (retries waiting),
--          paused (the paused key's value, or false), dataset (its fields and values, {} when it
--          has none or KEYS[11] is not given)}
-- A key of the wrong type gives one error reply naming it (status reads only, it changes nothing).
--#include key-types
--#include clock
--#include deliveries
local refused = check_key_types({'string', 'list', 'zset', 'hash', 'hash', 'list', 'zset', 'string', 'string', 'string',
  'hash'})
if refused then
  return refused
end
local now = now_ms()
local nodes = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
local perNode = {}
for i = 1, #nodes, 2 do
  local id = nodes[i]
  perNode[#perNode + 1] = id
  perNode[#perNode + 1] = nodes[i + 1]
  for _, kind in ipairs({{'landing:', 'list'}, {'inflight:', 'hash'}}) do
    local key = ARGV[1] .. kind[1] .. id
    local bad = wrong_type(key, kind[2])
    if bad then
      return redis.error_reply(bad)
    end
  end
  perNode[#perNode + 1] = redis.call('LLEN', ARGV[1] .. 'landing:' .. id)
  perNode[#perNode + 1] = tonumber(redis.call('HGET', ARGV[1] .. 'inflight:' .. id, HELD_FIELD) or '0') or -1
end
local fleet = KEYS[9] ~= nil
return {
  now,
  fleet and redis.call('GET', KEYS[9]),
  fleet and redis.call('PTTL', KEYS[9]) or -2,
  fleet and (tonumber(redis.call('GET', KEYS[10]) or '0') or -1) or 0,
  tonumber(redis.call('GET', KEYS[1]) or '0') or -1,
  redis.call('LLEN', KEYS[2]),
  redis.call('LLEN', KEYS[6]),
  perNode,
  redis.call('HGETALL', KEYS[4]),
  tonumber(redis.call('HGET', KEYS[5], 'total') or '0') or -1,
  redis.call('ZCARD', KEYS[7]),
  redis.call('GET', KEYS[8]),
  fleet and redis.call('HGETALL', KEYS[11]) or {}
}
