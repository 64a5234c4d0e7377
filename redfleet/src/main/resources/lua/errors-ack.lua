-- errors-ack: a reader's consumer has taken the oldest COUNT entries of its reading list: delete
-- them for good, and renew the reader's lease. When the reader is done, the rest of its reading
-- list (printed but never confirmed taken, or never printed) goes back to the errors list, at the
-- end that is read next, and the reader leaves the readers set.
--
-- KEYS[1]  <ns>:errors:readers
-- KEYS[2]  <ns>:errors:reading:<reader>
-- KEYS[3]  <ns>:errors
-- ARGV[1]  readerId
-- ARGV[2]  1 if the reader is done, 0 if it goes on
-- ARGV[3]  COUNT: entries to delete from the head (oldest end) of the reading list
-- ARGV[4]  reader lease in ms (renewed when the reader goes on)
--
-- Returns {deleted, handed back, lease held (1) or lost to errors-recover (0)}
--#include clock
local count = tonumber(ARGV[3])
local deleted = 0
if count > 0 then
  local gone = redis.call('LPOP', KEYS[2], count)
  if gone then
    deleted = #gone
  end
end
local back = 0
if ARGV[2] == '1' then
  local rest = redis.call('LRANGE', KEYS[2], 0, -1)
  for i = #rest, 1, -1 do
    redis.call('RPUSH', KEYS[3], rest[i])
  end
  back = #rest
  redis.call('DEL', KEYS[2])
  local held = redis.call('ZREM', KEYS[1], ARGV[1])
  return {deleted, back, held}
end
local now = now_ms()
local held = redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[4]), ARGV[1])
if held == 0 then
  held = redis.call('ZSCORE', KEYS[1], ARGV[1]) and 1 or 0
end
return {deleted, back, held}
