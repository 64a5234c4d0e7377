-- errors-recover: give the entries of readers whose lease ran out (they crashed or hung before
-- acknowledging) back to the errors list, at the end that is read next.
--
-- KEYS[1]  <ns>:errors
-- KEYS[2]  <ns>:errors:readers
-- ARGV[1]  key prefix "<ns>:errors:reading:" (the reading list of reader R is prefix .. R; it
--          shares the hash tag of KEYS, so it lives in the same cluster slot)
--
-- Returns the number of entries handed back
--#include clock
local now = now_ms()
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)
local back = 0
for _, reader in ipairs(expired) do
  local key = ARGV[1] .. reader
  local entries = redis.call('LRANGE', key, 0, -1)
  -- entries are oldest first; pushing them right-to-left keeps the oldest the next one read
  for i = #entries, 1, -1 do
    redis.call('RPUSH', KEYS[1], entries[i])
  end
  back = back + #entries
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[2], reader)
end
return back
