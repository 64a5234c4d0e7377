-- stale-nodes: the nodes whose last heartbeat (or leave) is older than a bound, in Redis' own clock.
--
-- KEYS[1]  <ns>:nodes (node id -> last heartbeat), or <ns>:left (node id -> when it left)
-- ARGV[1]  stale bound in ms
-- ARGV[2]  at most this many node ids
--
-- Returns a list of node ids, most silent first
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[1])), 'LIMIT', 0, tonumber(ARGV[2]))
