-- fence: raise one shard's fence to a new generator's epoch (a sharded namespace only). A new
-- generator runs it on every shard right after it won the lease and before its first produce
-- anywhere, so that a stale generator (paused, partitioned, SIGSTOPped) is refused by produce.lua
-- on every shard from then on, even on a shard the new one has not written to yet.
--
-- KEYS[1]  <shard>:fence  string: the epoch of the last generator allowed to write to the shard
-- ARGV[1]  the new generator's epoch
--
-- Returns the fence after the call: ARGV[1] when it was lower (or absent) and was raised; a
-- higher fence when a newer generator got there first (the caller is stale: it must not produce).
-- Never lowers it. Fails before its first write (error reply, nothing changed) if the key has the
-- wrong type or holds something other than an integer.
--#include key-types
local fence = redis.pcall('GET', KEYS[1])
if failed(fence) then return refused_type(KEYS[1], 'string') or redis.call('GET', KEYS[1]) end
local current = tonumber(fence or '0')
local epoch = tonumber(ARGV[1])
if not current or not epoch then
  return redis.error_reply('ERR redfleet: ' .. KEYS[1] .. ' or the epoch is not an integer; nothing was changed')
end
if current < epoch then
  redis.call('SET', KEYS[1], ARGV[1])
  return epoch
end
return current
