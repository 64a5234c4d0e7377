-- heartbeat: record that a node is alive, in Redis' own clock, and which handler it runs.
--
-- KEYS[1]  <ns>:nodes     sorted set nodeId -> last heartbeat (ms, Redis time)
-- KEYS[2]  <ns>:handlers  optional: hash nodeId -> the name of the handler the node runs
-- ARGV[1]  nodeId
-- ARGV[2]  the node's handler name (with KEYS[2])
--
-- Returns the heartbeat time (ms)
--
-- The handler record is best effort (redis.pcall, after the heartbeat): a handlers key of the
-- wrong type, or a Redis at maxmemory, must not make a live node look silent.
--#include clock
local now = now_ms()
redis.call('ZADD', KEYS[1], now, ARGV[1])
if KEYS[2] then
  redis.pcall('HSET', KEYS[2], ARGV[1], ARGV[2])
end
return now
