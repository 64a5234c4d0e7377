-- format: the data format a namespace holds, so that nodes of releases that read and write fleet
-- state differently never share one. Run by every node before it joins, and by the client and
-- the one-shot commands that write messages, before their first write.
--
-- KEYS[1]  <ns>:format  string: the format number of everything in the namespace
-- KEYS[2]  <ns>:nodes   the members
-- KEYS[3]  <ns>:queue
-- KEYS[4]  <ns>:delayed
-- ARGV[1]  the caller's format: the number alone with one shard, '<number>/<shards>' with more
-- ARGV[2]  optional: 'keep' never takes over a stored format (a sharded caller asks so first: the
--          idle test here cannot see the shards' queues, which the caller then checks itself)
--
-- Returns the namespace's format after the call, as a string: ARGV[1] when the key was absent (a
-- new namespace, or one written before formats were recorded: taken over as it is) or when the
-- namespace is idle (no member, nothing queued, nothing delayed: nothing is held in another
-- format, so the caller's format takes over) and it has the same shard count; otherwise the
-- stored value, which the caller compares with its own. A namespace's shard count is never taken
-- over, not even when idle: the idle check sees only the namespace's own queue and delayed set,
-- not the shards', whose messages would be left where no node of the other count looks. Fails before its first write (error reply, nothing changed) if a key has
-- the wrong type.
--#include key-types
local refused = check_key_types({'string', 'zset', 'list', 'zset'})
if refused then
  return refused
end
local stored = redis.call('GET', KEYS[1])
if stored == ARGV[1] then
  return stored
end
local function shards_of(format)
  return string.match(format, '/(%d+)$') or '1'
end
if not stored or (ARGV[2] ~= 'keep' and shards_of(stored) == shards_of(ARGV[1]) and redis.call('ZCARD', KEYS[2]) == 0
    and redis.call('LLEN', KEYS[3]) == 0 and redis.call('ZCARD', KEYS[4]) == 0) then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return stored
