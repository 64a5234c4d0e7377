-- reserve: raises the ceiling of ids, used when the master has replicas. An id is handed out
-- (produce, send, requeue-error) only below the ceiling, and the caller WAITs until a replica has
-- the new ceiling before it hands out any id under it. A promoted replica therefore has a ceiling
-- at or above every id the old master handed out, and the fleet continues above it (floors.lua, on
-- a new server): ids the old master had not yet handed out when it died are skipped (a gap, at
-- most one block), none is handed out twice.
--
-- KEYS[1]  <ns>:dataset  hash; field 'ceiling' (0 when absent: no ids were reserved)
-- KEYS[2]  <ns>:seq      last id handed out
-- ARGV[1]  the block: the ceiling becomes at least seq + ARGV[1] (calls made at once ask for the
--          same ceiling, not for a block each)
--
-- Returns the ceiling.
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type or seq is
-- not an integer. A guarded call (issue-guard) may raise seq to the caller's floor first, and is
-- refused until the fleet has settled on this server and dataset.
--#include key-types
--#include server
--#include issue-guard
local guarded = issue_guard()
if guarded then
  return guarded
end
local refused = check_key_types({'hash', 'string'})
if refused then
  return refused
end
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
if not seq then
  return redis.error_reply('ERR redfleet: ' .. KEYS[2] .. ' is not an integer; nothing was changed')
end
local ceiling = tonumber(redis.call('HGET', KEYS[1], 'ceiling') or '0') or 0
local wanted = seq + tonumber(ARGV[1])
if wanted > ceiling then
  ceiling = wanted
  redis.call('HSET', KEYS[1], 'ceiling', string.format('%d', ceiling))
end
return ceiling
