-- requeue-stranded: after the master changed, gives back to the queue what this node's in-flight
-- record holds on the new master but the node itself no longer holds. A finish the old master
-- acknowledged but never passed on to its replica leaves its message here, in the record of a
-- node that is alive (so the reaper never takes it) and that will never finish it again.
--
-- KEYS[1]  <ns>:inflight:<nodeId>
-- KEYS[2]  <ns>:queue
-- KEYS[3]  <ns>:stats    'requeued' and 'stranded' are incremented
-- ARGV[1..] the ids the node still holds (running, or finished with the outcome not yet recorded):
--           those stay
--
-- Returns the number of messages given back (to the consumer end of the queue, the next taken). An
-- entry stored with a delivery prefix ("<token>|{...}": not starting with '{') goes back without it,
-- as requeue-node.lua returns it.
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type or a
-- counter is not an integer.
--#include key-types
--#include requeue-holdings
local refused = check_key_types({'hash', 'list', 'hash'})
if refused then
  return refused
end
local counters = redis.call('HMGET', KEYS[3], 'requeued', 'stranded')
for i = 1, 2 do
  if counters[i] and not string.match(counters[i], '^%-?%d+$') then
    return redis.error_reply('ERR redfleet: a counter of ' .. KEYS[3] .. ' is not an integer; nothing was changed')
  end
end
local keep = {}
for i = 1, #ARGV do
  keep[ARGV[i]] = true
end
local stranded = {}
local held = redis.call('HKEYS', KEYS[1])
for i = 1, #held do
  if not keep[held[i]] then
    stranded[#stranded + 1] = held[i]
  end
end
if #stranded == 0 then
  return 0
end
for i = 1, #stranded, 1000 do
  local part = {unpack(stranded, i, math.min(i + 999, #stranded))}
  local values = redis.call('HMGET', KEYS[1], unpack(part))
  for j = 1, #values do
    values[j] = without_delivery(values[j])
  end
  redis.call('RPUSH', KEYS[2], unpack(values))
  redis.call('HDEL', KEYS[1], unpack(part))
end
redis.call('HINCRBY', KEYS[3], 'requeued', #stranded)
redis.call('HINCRBY', KEYS[3], 'stranded', #stranded)
return #stranded
