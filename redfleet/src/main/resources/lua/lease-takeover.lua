-- lease-takeover: take the lease from a holder whose connection is gone (checked outside Lua with
-- CLIENT LIST, which scripts may not call), under a new epoch. Atomic: nothing happens unless the
-- lease still carries the same token and the same dead connection, so a holder that re-bound a new
-- connection, or a lease that changed hands meanwhile, is left alone.
--
-- KEYS[1]  <ns>:leader
-- KEYS[2]  <ns>:epoch
-- KEYS[3]  <ns>:leader:anchor
-- KEYS[4]  <ns>:anchors        hash nodeId -> anchor of each live node
-- ARGV[1]  the token seen, "<nodeId>:<epoch>"
-- ARGV[2]  the anchor seen dead
-- ARGV[3]  nodeId of the caller
-- ARGV[4]  the caller's own anchor: must be its registered one (a caller that has not
--          re-registered after a Redis restart does not act on what it saw before)
-- ARGV[5]  lease length in ms
--
-- Returns {1, epoch}  the caller now holds the lease as "<nodeId>:<epoch>", bound to ARGV[4]
--         {0, holder} nothing changed (holder: the current token, or false)
--
-- A fleet member's call is guarded (issue-guard: the dataset and server it knows, its floor for
-- epoch, which may be raised first), and followed by a WAIT when the master has replicas.
--#include key-types
--#include server
--#include issue-guard
local guarded = issue_guard()
if guarded then
  return guarded
end
local holder = redis.call('GET', KEYS[1])
if holder ~= ARGV[1] or redis.call('GET', KEYS[3]) ~= ARGV[1] .. '|' .. ARGV[2]
    or redis.call('HGET', KEYS[4], ARGV[3]) ~= ARGV[4] then
  return {0, holder}
end
local epoch = redis.call('INCR', KEYS[2])
local token = ARGV[3] .. ':' .. epoch
redis.call('SET', KEYS[1], token, 'PX', ARGV[5])
redis.call('SET', KEYS[3], token .. '|' .. ARGV[4])
return {1, epoch}
