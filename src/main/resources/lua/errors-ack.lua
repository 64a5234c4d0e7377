-- errors-ack: a reader has printed its claimed entries: delete them for good.
--
-- KEYS[1]  <ns>:errors:readers
-- KEYS[2]  <ns>:errors:reading:<reader>
-- ARGV[1]  readerId
-- ARGV[2]  1 if the reader is done (it leaves the readers set), 0 if it goes on
--
-- Returns the number of entries deleted
local n = redis.call('LLEN', KEYS[2])
redis.call('DEL', KEYS[2])
if ARGV[2] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return n
