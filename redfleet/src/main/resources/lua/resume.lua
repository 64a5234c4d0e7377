-- resume: ends a pause of the fleet (see pause.lua). Workers notice at their next claim (they poll
-- every pausedPollMs while paused), the generator at its next produce call.
--
-- KEYS[1]  <ns>:paused
--
-- Returns the value the key held (who paused, and when), or false when the fleet was not paused:
-- nothing was changed.
--
-- Fails before its first write (error reply, nothing changed) if the key exists with another type:
-- the fleet counts it as paused, but it was not written by pause, so it is not deleted blindly.
--#include key-types
local refused = check_key_types({'string'})
if refused then
  return refused
end
local existing = redis.call('GET', KEYS[1])
if existing then
  redis.call('DEL', KEYS[1])
end
return existing
