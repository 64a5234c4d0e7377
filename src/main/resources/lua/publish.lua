-- publish: the second half of a durable produce (see reserve.lua): writes the messages of a
-- reservation a replica has acknowledged, with exactly its ids, once. Fenced like produce.lua;
-- for a source with a position, commits the cursor with the batch (all or nothing).
--
-- KEYS[1]  <ns>:leader         must still hold ARGV[1], or nothing is written
-- KEYS[2]  <ns>:queue          list; producers LPUSH, consumers take from the right
-- KEYS[3]  <ns>:stats          hash; 'produced' is incremented
-- KEYS[4]  <ns>:source:cursor  the source's committed position
-- KEYS[5]  <ns>:reserved       must be "<ARGV[1]>|<ARGV[3]>|<ARGV[4]>"; deleted when published
-- ARGV[1]  token "<nodeId>:<epoch>"
-- ARGV[2]  epoch, written into every message
-- ARGV[3]  the first reserved id
-- ARGV[4]  how many ids were reserved: the messages published
-- ARGV[5]  the cursor the batch was read from ('' = no position)
-- ARGV[6]  the cursor after the batch; written only with the whole batch
-- ARGV[7]  the status to answer when published: what reserve.lua answered ('ok', 'full', 'limit')
-- ARGV[8..] the messages (at least ARGV[4] of them; the first ARGV[4] are published), as for produce.lua
--
-- Returns {count, lastId, status}: ARGV[7] when published (count = ARGV[4], lastId its last id), 'fenced', 'gone' (the
-- reservation is not this one any more: a newer reservation replaced it, or Redis lost it; its ids
-- are skipped), or 'moved' with a fourth element, the committed cursor. Nothing is written unless 'ok'.
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type or the
-- 'produced' counter is not an integer.
--#include key-types
--#include messages
local refused = check_key_types({'string', 'list', 'hash', 'string', 'string'})
if refused then
  return refused
end
local first = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {0, first + n - 1, 'fenced'}
end
if redis.call('GET', KEYS[5]) ~= ARGV[1] .. '|' .. ARGV[3] .. '|' .. ARGV[4] then
  return {0, first + n - 1, 'gone'}
end
local withCursor = ARGV[6] ~= ''
if withCursor then
  local committed = redis.call('GET', KEYS[4]) or ''
  if committed ~= ARGV[5] then
    return {0, first + n - 1, 'moved', committed}
  end
end
local produced = redis.call('HGET', KEYS[3], 'produced')
if produced and not string.match(produced, '^%-?%d+$') then
  return redis.error_reply('ERR redfleet: field produced of ' .. KEYS[3] .. ' is not an integer; nothing was changed')
end
push_messages(KEYS[2], build_messages(first, n, ARGV[2], 8))
redis.call('HINCRBY', KEYS[3], 'produced', n)
if withCursor then
  redis.call('SET', KEYS[4], ARGV[6])
end
redis.call('DEL', KEYS[5])
return {n, first + n - 1, ARGV[7]}
