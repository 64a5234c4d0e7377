-- pause: pauses the whole fleet. While the key exists claim.lua takes nothing new (in-flight
-- messages finish and are recorded) and produce.lua writes nothing; it lives in Redis, so a node
-- restarted meanwhile is paused too. Pausing a paused fleet changes nothing: the first pause's
-- who and when are kept.
--
-- KEYS[1]  <ns>:paused   string {"by":<who>,"at":<Redis time, ms>}
-- ARGV[1]  who pauses (free text, e.g. user@host)
--
-- Returns {1, value} when this call paused the fleet, {0, value} when it was paused already;
-- value is the key's value after the call.
--
-- Fails before its first write (error reply, nothing changed) if the key exists with another type.
--#include clock
--#include key-types
local refused = check_key_types({'string'})
if refused then
  return refused
end
local existing = redis.call('GET', KEYS[1])
if existing then
  return {0, existing}
end
local now = now_ms()
local value = '{"by":' .. cjson.encode(ARGV[1]) .. ',"at":' .. string.format('%d', now) .. '}'
redis.call('SET', KEYS[1], value)
return {1, value}
