-- acquire-lease: take the generator lease if nobody holds it, under a new epoch.
--
-- KEYS[1]  <ns>:leader  string "<nodeId>:<epoch>" with a PX TTL
-- KEYS[2]  <ns>:epoch   integer, the last epoch handed out (the fencing token)
-- ARGV[1]  nodeId of the caller
-- ARGV[2]  lease length in ms
--
-- Returns {1, epoch}            the caller now holds the lease as "<nodeId>:<epoch>"
--         {1, epoch, garbage}   the same, after replacing a leader value that no node can hold
--                               (no TTL, or not "<nodeId>:<epoch>"): it would otherwise stop
--                               generation forever; the caller logs it
--         {0, holder}           someone (possibly an older incarnation of the caller) holds it
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type or epoch
-- is not an integer. A fleet member's call is guarded (issue-guard: the dataset and server it
-- knows, its floor for epoch, which may be raised first): an epoch is never handed out twice.
--#include key-types
--#include server
--#include issue-guard
local guarded = issue_guard()
if guarded then
  return guarded
end
local refused = check_key_types({'string', 'string'})
if refused then
  return refused
end
local epochNow = redis.call('GET', KEYS[2])
if epochNow and not string.match(epochNow, '^%d+$') then
  return redis.error_reply('ERR redfleet: ' .. KEYS[2] .. ' is not an integer; nothing was changed')
end
local holder = redis.call('GET', KEYS[1])
local garbage = nil
if holder then
  if redis.call('PTTL', KEYS[1]) >= 0 and string.match(holder, '^.+:%d+$') then
    return {0, holder}
  end
  garbage = holder
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. epoch, 'PX', ARGV[2])
if garbage then
  return {1, epoch, garbage}
end
return {1, epoch}
