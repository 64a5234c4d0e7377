-- heartbeat: record that a node is alive, in Redis' own clock.
--
-- KEYS[1]  <ns>:nodes  sorted set nodeId -> last heartbeat (ms, Redis time)
-- ARGV[1]  nodeId
--
-- Returns the heartbeat time (ms)
--#include clock
local now = now_ms()
redis.call('ZADD', KEYS[1], now, ARGV[1])
return now
