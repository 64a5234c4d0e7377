-- requeue-stranded: after the master changed, gives back to the queue what this node's in-flight
-- records hold on the new master but the node itself no longer holds. A finish the old master
-- acknowledged but never passed on to its replica leaves its message here, held in the record of
-- a node that is alive (so the reaper never takes it) and that will never finish it again.
--
-- KEYS[1]  <ns>:inflight:<nodeId>  (and its claim keys <ns>:inflight:<nodeId>|<token>: not declared)
-- KEYS[2]  <ns>:queue
-- KEYS[3]  <ns>:stats    'requeued' and 'stranded' are incremented
-- ARGV[1..] the deliveries the node still holds, each "<claim token>|<index>" (running, or
--           finished with the outcome not yet recorded): those stay
--
-- Returns the number of messages given back (to the consumer end of the queue, the next taken);
-- they are marked done in their records (lib/deliveries.lua), so a late finish of one is dropped.
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type or a
-- counter is not an integer.
--#include key-types
--#include deliveries
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
local held = redis.call('HGET', KEYS[1], HELD_FIELD)
if held and not string.match(held, '^%-?%d+$') then
  return redis.error_reply('ERR redfleet: field ' .. HELD_FIELD .. ' of ' .. KEYS[1] .. ' is not an integer; nothing was changed')
end
local keep = {}
for i = 1, #ARGV do
  keep[ARGV[i]] = true
end
local claims
claims, refused = deliveries_all(KEYS[1])
if refused then
  return refused
end
local stranded, settled = {}, {}
for _, claim in ipairs(claims) do
  local these = {}
  -- the node names a delivery as the claim does: its token and index in the whole claim
  for k = claim.n, 1, -1 do
    if claim.ids[k] and claim.ids[k] ~= 0 and not keep[claim.token .. '|' .. k] then
      local message = deliveries_message_of(claim, k)
      if message then
        stranded[#stranded + 1] = message
        these[#these + 1] = k
      end
    end
  end
  if #these > 0 then
    settled[#settled + 1] = {claim = claim, done = these}
  end
end
if #stranded == 0 then
  return 0
end
for i = 1, #stranded, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(stranded, i, math.min(i + 999, #stranded)))
end
deliveries_settle(KEYS[1], settled)
deliveries_unhold(KEYS[1], #stranded)
redis.call('HINCRBY', KEYS[3], 'requeued', #stranded)
redis.call('HINCRBY', KEYS[3], 'stranded', #stranded)
return #stranded
