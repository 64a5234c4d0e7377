-- errors-claim: move the oldest error entries into a reader's own reading list before they are
-- printed, so that a reader that crashes half way loses nothing (errors-recover gives them back)
-- and two readers never get the same entry.
--
-- KEYS[1]  <ns>:errors                   list; the fleet LPUSHes, readers take from the right
-- KEYS[2]  <ns>:errors:readers           sorted set readerId -> lease deadline (ms, Redis time)
-- KEYS[3]  <ns>:errors:reading:<reader>  list, oldest first; entries this reader is printing
-- ARGV[1]  readerId
-- ARGV[2]  at most this many entries
-- ARGV[3]  reader lease in ms: if the reader neither acks nor claims again within it, its
--          entries are handed back to the errors list
-- ARGV[4]  how many entries at the head of the reading list the reader has already printed and
--          not yet acknowledged (their delivery to the consumer is not confirmed yet); optional, 0
--
-- Returns the claimed entries, oldest first. Entries in the reading list beyond the ARGV[4] known
-- ones (an earlier claim whose answer was lost) are returned first, instead of new ones.
--#include clock
local now = now_ms()
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
local known = tonumber(ARGV[4] or '0')
local pending = redis.call('LRANGE', KEYS[3], known, -1)
if #pending > 0 then
  return pending
end
local taken = redis.call('RPOP', KEYS[1], tonumber(ARGV[2]))
if not taken then
  return {}
end
for i = 1, #taken, 1000 do
  redis.call('RPUSH', KEYS[3], unpack(taken, i, math.min(i + 999, #taken)))
end
return taken
