-- stale-nodes: the nodes whose last heartbeat (or leave) is older than a bound, in Redis' own clock.
--
-- KEYS[1]  <ns>:nodes (node id -> last heartbeat), or <ns>:left (node id -> when it left)
-- ARGV[1]  stale bound in ms
-- ARGV[2]  at most this many node ids
--
-- Returns a list of node ids, most silent first
--#include clock
local now = now_ms()
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[1])), 'LIMIT', 0, tonumber(ARGV[2]))
