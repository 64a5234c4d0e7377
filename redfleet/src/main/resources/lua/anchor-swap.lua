-- anchor-swap: compare-and-set of the connection (anchor) registered for a node id.
--
-- KEYS[1]  <ns>:anchors  hash nodeId -> "<clientId>@<name>"
-- ARGV[1]  nodeId
-- ARGV[2]  the anchor expected now ('' = none)
-- ARGV[3]  the anchor to register ('' = remove the entry)
--
-- Returns {1, false} swapped; {0, current or false} the entry was not ARGV[2]: nothing changed
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current or '') ~= ARGV[2] then
  return {0, current}
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return {1, false}
