-- requeue-node: move everything a node holds (landing list and in-flight hash) back to the
-- consumer end of the queue, atomically; in-flight messages without their delivery prefix. Used by
-- the reaper for a silent or dead node, and by a restarted node taking its id back. (A node leaving
-- gracefully uses leave.lua.)
--
-- KEYS[1]  <ns>:nodes    the members (in a sharded namespace, the shard's own copy, Keys.members)
-- KEYS[2]  <ns>:landing:<nodeId>
-- KEYS[3]  <ns>:inflight:<nodeId>  (and its claim keys <ns>:inflight:<nodeId>|<token>: not declared)
-- KEYS[4]  <ns>:queue
-- KEYS[5]  <ns>:stats     'requeued' is incremented
-- KEYS[6]  <ns>:claims:<nodeId>  the node's claim tokens, dropped with what they claimed
-- KEYS[7]  <ns>:anchors  optional (with ARGV[4], ARGV[5]): act only if the node's registered
--          connection is ARGV[4] ('' = none), and then register ARGV[5] instead ('' = remove).
--          Used when a node's connection is gone (reaper) and by a restarted node taking its id back.
-- ARGV[1]  nodeId
-- ARGV[2]  only act if the node has been silent at least this many ms (0 = unconditionally)
-- ARGV[3]  forget the node (remove it from nodes) once silent at least this many ms. This must
--          exceed any BLMOVE the node may still have pending, because a stopped-but-connected
--          process can still have a message moved into its landing list; until then it stays
--          known and is reaped again.
--
-- Returns {moved, forgotten}: moved = messages requeued (-1: node alive or unknown,
--                             -2: the registered connection was not ARGV[4]; nothing changed),
--                             forgotten = 1 if the node was removed from nodes
--
-- Fails before its first write (error reply, nothing changed) if a key (a claim key too) has the wrong type or the
-- 'requeued' counter is not an integer. Retries waiting in <ns>:delayed belong to no node and are
-- not touched: a reaped node's retries still come back when due.
--#include key-types
--#include clock
--#include deliveries
--#include requeue-holdings
local refused = requeue_refused({'zset', 'list', 'hash', 'list', 'hash', 'hash', 'hash'})
if refused then
  return refused
end
if KEYS[7] and (redis.call('HGET', KEYS[7], ARGV[1]) or '') ~= ARGV[4] then
  return {-2, 0}
end
local last = redis.call('ZSCORE', KEYS[1], ARGV[1])
local now = now_ms()
local silent = now
if last then
  silent = now - tonumber(last)
end
if silent < tonumber(ARGV[2]) then
  return {-1, 0}
end

local moved, wrong = requeue_holdings(KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
if wrong then
  return wrong
end

if KEYS[7] then
  if ARGV[5] == '' then
    redis.call('HDEL', KEYS[7], ARGV[1])
  else
    redis.call('HSET', KEYS[7], ARGV[1], ARGV[5])
  end
end

local forgotten = 0
if last and silent >= tonumber(ARGV[3]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  forgotten = 1
end
return {moved, forgotten}
