-- requeue-error: moves one entry of the errors list back into the queue as a new message, in one
-- step: the entry is removed and the new message added together, or neither. A crash of the
-- caller between two calls therefore loses no entry and doubles none.
--
-- KEYS[1]  <ns>:errors
-- KEYS[2]  <ns>:seq     the new message gets the next id
-- KEYS[3]  <ns>:queue
-- KEYS[4]  <ns>:stats   'produced' and 'requeued_errors' are incremented
-- ARGV[1]  the errors entry, byte for byte as read (LREM removes one copy of it, the one nearest
--          the right end)
-- ARGV[2]  the new message's tail (send.lua, lib/entry.lua): its body, key and headers, the original id among
--          the headers
--
-- Returns the new message's id, or 0 when the entry was no longer in the list (another
-- requeue-errors, or a getErrors reader, took it first): nothing was written.
--
-- A fleet member's call is guarded (issue-guard: the dataset and server it knows, its floor for
-- seq, which may be raised first).
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type or seq
-- is not an integer.
--#include clock
--#include key-types
--#include server
--#include issue-guard
local guarded = issue_guard()
if guarded then
  return guarded
end
local refused = check_key_types({'list', 'string', 'list', 'hash'})
if refused then
  return refused
end
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
local produced = redis.call('HGET', KEYS[4], 'produced')
if not seq or (produced and not string.match(produced, '^%-?%d+$')) then
  return redis.error_reply('ERR redfleet: ' .. KEYS[2] .. ' or field produced of ' .. KEYS[4] .. ' is not an integer; nothing was changed')
end
-- -1: the search starts at the right end, where requeue-errors reads (oldest first); from the
-- left every call would walk the whole list
if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 0 then
  return 0
end
local now = string.format('%d', now_ms())
seq = seq + 1
local id = string.format('%d', seq)
redis.call('LPUSH', KEYS[3], id .. ':0:' .. now .. ':1:0:' .. ARGV[2])
redis.call('SET', KEYS[2], id)
redis.call('HINCRBY', KEYS[4], 'produced', 1)
redis.call('HINCRBY', KEYS[4], 'requeued_errors', 1)
return seq
