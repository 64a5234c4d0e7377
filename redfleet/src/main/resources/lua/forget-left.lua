-- forget-left: the last sweep of a node that left (see leave.lua). Once the node has been gone at
-- least ARGV[2] ms, longer than any BLMOVE it sent can still be pending, whatever landed in its
-- landing list after it left goes back to the queue, and the node is no longer remembered.
-- If the node id is a member again (a process restarted under it), its landing list is that
-- process's: nothing moves, and only the memory of the leave is dropped.
--
-- KEYS[1]  <ns>:nodes    the members (in a sharded namespace, the shard's own copy, Keys.members)
-- KEYS[2]  <ns>:landing:<nodeId>
-- KEYS[3]  <ns>:inflight:<nodeId>  (and its claim keys <ns>:inflight:<nodeId>|<token>: not declared)
-- KEYS[4]  <ns>:queue
-- KEYS[5]  <ns>:stats     'requeued' is incremented
-- KEYS[6]  <ns>:claims:<nodeId>
-- KEYS[7]  <ns>:left
-- ARGV[1]  nodeId
-- ARGV[2]  forgetMs: act only if the node left at least this many ms ago
--
-- Returns the number of messages returned to the queue; -1 if the node is not remembered or left
-- less than ARGV[2] ms ago (nothing changed); -2 if the id is a member again (only the memory of
-- the leave was dropped).
--
-- Fails before its first write (error reply, nothing changed) if a key (a claim key too) has the wrong type or the
-- 'requeued' counter is not an integer.
--#include key-types
--#include clock
--#include deliveries
--#include requeue-holdings
local refused = requeue_refused({'zset', 'list', 'hash', 'list', 'hash', 'hash', 'zset'})
if refused then
  return refused
end
local left = redis.call('ZSCORE', KEYS[7], ARGV[1])
if not left then
  return -1
end
local now = now_ms()
if now - tonumber(left) < tonumber(ARGV[2]) then
  return -1
end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZREM', KEYS[7], ARGV[1])
  return -2
end
-- the requeue before the ZREM: it refuses a claim key of the wrong type before its first write
local moved, wrong = requeue_holdings(KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
if wrong then
  return wrong
end
redis.call('ZREM', KEYS[7], ARGV[1])
return moved
