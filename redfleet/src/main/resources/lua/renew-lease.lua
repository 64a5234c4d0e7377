-- renew-lease: extend the lease, only if the caller still holds it under the same epoch.
--
-- KEYS[1]  <ns>:leader
-- ARGV[1]  token "<nodeId>:<epoch>" returned by acquire-lease
-- ARGV[2]  lease length in ms
--
-- Returns 1 renewed, 0 the lease expired or belongs to another token (the caller must step down)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
