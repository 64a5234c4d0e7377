-- status: one consistent snapshot of the fleet for the status command.
--
-- KEYS[1]  <ns>:leader
-- KEYS[2]  <ns>:epoch
-- KEYS[3]  <ns>:seq
-- KEYS[4]  <ns>:queue
-- KEYS[5]  <ns>:nodes
-- KEYS[6]  <ns>:stats
-- KEYS[7]  <ns>:audit:counts  hash: 'total' = ids whose outcome is recorded (lib/audit.lua keeps it
--                           in the finish call that records them: O(1) here whatever the history)
-- KEYS[8]  <ns>:errors
-- KEYS[9]  <ns>:delayed  retries waiting for their due time
-- KEYS[10] <ns>:paused   present while the fleet is paused: {"by":...,"at":...} (see pause.lua)
-- KEYS[11] <ns>:dataset  optional: the dataset's marker and its last change (see floors.lua)
-- ARGV[1]  key prefix "<ns>:" (a node's lists are prefix .. "landing:" .. id and
--          prefix .. "inflight:" .. id; same hash tag, same cluster slot)
--
-- A node's inflight figure is the messages it holds: the '|held' field of its in-flight hash
-- (lib/deliveries.lua), O(1) per node.
--
-- Returns {now, leader or false, leader pttl, epoch, seq, queue length, errors length,
--          {nodeId, lastHeartbeat, landing length, inflight length, ...},
--          {stats field, value, ...}, audited (ids recorded), delayed (retries waiting),
--          paused (the paused key's value, or false), dataset (with KEYS[11]: its fields and
--          values, {} when it has none)}
-- A key of the wrong type gives one error reply naming it (status reads only, it changes nothing).
--#include key-types
--#include deliveries
local refused = check_key_types({'string', 'string', 'string', 'list', 'zset', 'hash', 'hash', 'list', 'zset', 'string',
  'hash'})
if refused then
  return refused
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nodes = redis.call('ZRANGE', KEYS[5], 0, -1, 'WITHSCORES')
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
return {
  now,
  redis.call('GET', KEYS[1]),
  redis.call('PTTL', KEYS[1]),
  tonumber(redis.call('GET', KEYS[2]) or '0') or -1,
  tonumber(redis.call('GET', KEYS[3]) or '0') or -1,
  redis.call('LLEN', KEYS[4]),
  redis.call('LLEN', KEYS[8]),
  perNode,
  redis.call('HGETALL', KEYS[6]),
  tonumber(redis.call('HGET', KEYS[7], 'total') or '0') or -1,
  redis.call('ZCARD', KEYS[9]),
  redis.call('GET', KEYS[10]),
  KEYS[11] and redis.call('HGETALL', KEYS[11]) or {}
}
