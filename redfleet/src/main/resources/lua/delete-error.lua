-- delete-error: deletes one entry of the errors list, identified by its exact content, for the
-- live page's "delete" action. Identical copies of an entry cannot be told apart, so removing
-- any one of them removes "that" entry; an entry another reader (getErrors, requeue-errors, a
-- second click) took first is not found and nothing is written: never a neighbour by position.
--
-- KEYS[1]  <ns>:errors
-- KEYS[2]  <ns>:stats   'deleted_errors' is incremented
-- ARGV[1]  the errors entry, byte for byte as read (LREM removes one copy of it, the one nearest
--          the left end: the page shows the newest entries, which are there)
--
-- Returns 1 when the entry was deleted, 0 when it was no longer in the list: nothing was written.
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type.
--#include key-types
local refused = check_key_types({'list', 'hash'})
if refused then
  return refused
end
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
redis.call('HINCRBY', KEYS[2], 'deleted_errors', 1)
return 1
