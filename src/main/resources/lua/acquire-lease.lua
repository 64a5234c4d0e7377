-- acquire-lease: take the generator lease if nobody holds it, under a new epoch.
--
-- KEYS[1]  <ns>:leader  string "<nodeId>:<epoch>" with a PX TTL
-- KEYS[2]  <ns>:epoch   integer, the last epoch handed out (the fencing token)
-- ARGV[1]  nodeId of the caller
-- ARGV[2]  lease length in ms
--
-- Returns {1, epoch}  the caller now holds the lease as "<nodeId>:<epoch>"
--         {0, holder} someone (possibly an older incarnation of the caller) holds it
local holder = redis.call('GET', KEYS[1])
if holder then
  return {0, holder}
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. epoch, 'PX', ARGV[2])
return {1, epoch}
