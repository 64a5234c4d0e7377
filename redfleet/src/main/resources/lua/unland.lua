-- unland: give back what a node's blocking pop landed while the node may not take messages (it
-- became the generator meanwhile): the entries return to the consumer end of the queue, oldest
-- first out, as if they had never left it.
--
-- KEYS[1]  <ns>:landing:<nodeId>
-- KEYS[2]  <ns>:queue
--
-- Returns the number of entries given back. Fails before its first write (error reply, nothing
-- changed) if a key has the wrong type.
--#include key-types
local refused = check_key_types({'list', 'list'})
if refused then
  return refused
end
local landed = redis.call('LRANGE', KEYS[1], 0, -1)
-- landed is newest first; the oldest must end up at the right end, the next to be taken
for i = 1, #landed, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(landed, i, math.min(i + 999, #landed)))
end
if #landed > 0 then
  redis.call('DEL', KEYS[1])
end
return #landed
