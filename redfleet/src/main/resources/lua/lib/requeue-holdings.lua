-- requeue-holdings: shared by the scripts that give a node's messages back to the queue
-- (requeue-node, leave, forget-left). A script includes it with `--#include requeue-holdings`,
-- after `--#include deliveries`.
--
-- requeue_holdings(landing, inflight, queue, stats, claims)
--   RPUSHes exactly the messages of the node's in-flight records that are not done (a partly
--   finished batch gives back only its unfinished messages), and then the landing list, to the
--   consumer end of the queue, so they are the next to be taken; deletes the landing list, the
--   in-flight hash, its claim keys and the claims hash (written by releases of data format 2 only; deleted so an
--   idle namespace taken over keeps no leftover); adds the count to the stats field 'requeued'.
--   Returns the count, or nil and an error reply, before any write, for a claim key of the wrong
--   type. The caller has checked the keys' types and that 'requeued' is an integer.
local function requeue_holdings(landing, inflight, queue, stats, claims)
  -- reads only, up to here: a claim key of the wrong type refuses before the first write
  local held, refused = deliveries_all(inflight)
  if refused then
    return nil, refused
  end
  local moved = deliveries_requeue_all(inflight, queue, held)
  local landed = redis.call('LRANGE', landing, 0, -1)
  for i = 1, #landed, 1000 do
    redis.call('RPUSH', queue, unpack(landed, i, math.min(i + 999, #landed)))
  end
  moved = moved + #landed
  redis.call('DEL', landing, inflight, claims)
  if moved > 0 then
    redis.call('HINCRBY', stats, 'requeued', moved)
  end
  return moved
end

-- requeued_not_integer(stats): nil, or the error reply for a 'requeued' field that is not an integer
-- requeue_refused(types): nil, or the error reply of check_key_types(types) (key-types must be
--                         included first) or of requeued_not_integer(KEYS[5]): the checks every
--                         script that requeues a node's holdings makes before its first write
local function requeued_not_integer(stats)
  local requeued = redis.call('HGET', stats, 'requeued')
  if requeued and not string.match(requeued, '^%-?%d+$') then
    return redis.error_reply('ERR redfleet: field requeued of ' .. stats .. ' is not an integer; nothing was changed')
  end
  return nil
end

local function requeue_refused(types)
  return check_key_types(types) or requeued_not_integer(KEYS[5])
end
