-- lease-bind: record the leader's connection (anchor) with its lease, only while it holds it.
-- Called right after an acquisition and again after the leader's connection was re-established.
--
-- KEYS[1]  <ns>:leader
-- KEYS[2]  <ns>:leader:anchor
-- ARGV[1]  token "<nodeId>:<epoch>"
-- ARGV[2]  anchor "<clientId>@<name>" of the leader's dedicated connection
--
-- Returns 1 bound, 0 the caller no longer holds the lease (it must step down)
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], ARGV[1] .. '|' .. ARGV[2])
return 1
