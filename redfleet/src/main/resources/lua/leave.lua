-- leave: a node leaving gracefully gives back everything it holds (landing list and in-flight
-- hash) and stops being a member, atomically; it is remembered in <ns>:left, with the time it
-- left, until forget-left has swept its landing list once more.
--
-- Why the second sweep: the node closes its blocking connections before it leaves, but a BLMOVE it
-- sent on one of them may still be served after this script runs, if the server has not yet
-- processed the close (a slow network, a proxy, a busy server). That message lands in the landing
-- list of a node that is no longer a member. The leader's reaper runs forget-left for the node once
-- it has been gone longer than any BLMOVE can wait (forgetMs), and that message goes back too.
--
-- KEYS[1]  <ns>:nodes    the members (in a sharded namespace, the shard's own copy, Keys.members)
-- KEYS[2]  <ns>:landing:<nodeId>
-- KEYS[3]  <ns>:inflight:<nodeId>  (and its claim keys <ns>:inflight:<nodeId>|<token>: not declared)
-- KEYS[4]  <ns>:queue
-- KEYS[5]  <ns>:stats     'requeued' is incremented
-- KEYS[6]  <ns>:claims:<nodeId>
-- KEYS[7]  <ns>:left      node id -> Redis time (ms) it left
-- ARGV[1]  nodeId
--
-- Returns the number of messages returned to the queue.
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
local now = now_ms()
local moved, wrong = requeue_holdings(KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
if wrong then
  return wrong
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[7], now, ARGV[1])
return moved
