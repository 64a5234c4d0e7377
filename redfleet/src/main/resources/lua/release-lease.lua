-- release-lease: give the lease up at once so a follower can take it on its next try.
--
-- KEYS[1]  <ns>:leader
-- ARGV[1]  token "<nodeId>:<epoch>"
--
-- Returns 1 released, 0 the lease was no longer the caller's (nothing touched)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
