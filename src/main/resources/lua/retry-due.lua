-- retry-due: move the retries whose due time has come from the delayed set back to the consumer
-- end of the queue, the earliest due taken first. Run by the leader, like the reaper.
--
-- KEYS[1]  <ns>:delayed  sorted set: message (carrying its next "attempt") -> due time (ms,
--                        Redis clock), written by finish
-- KEYS[2]  <ns>:queue
-- ARGV[1]  at most this many messages per call
--
-- Returns {moved, still delayed}
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type. The
-- first write is the ZREM (allowed at maxmemory), so a full Redis keeps returning retries; the
-- move is memory neutral.
--#include key-types
local refused = check_key_types({'zset', 'list'})
if refused then
  return refused
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
if #due == 0 then
  return {0, redis.call('ZCARD', KEYS[1])}
end
for i = 1, #due, 1000 do
  redis.call('ZREM', KEYS[1], unpack(due, i, math.min(i + 999, #due)))
end
-- the consumer takes from the right: the earliest due must end up rightmost
local reversed = {}
for i = #due, 1, -1 do
  reversed[#reversed + 1] = due[i]
end
for i = 1, #reversed, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(reversed, i, math.min(i + 999, #reversed)))
end
return {#due, redis.call('ZCARD', KEYS[1])}
