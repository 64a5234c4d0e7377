-- requeue-holdings: shared by the scripts that give a node's messages back to the queue
-- (requeue-node, leave, forget-left, requeue-stranded). A script includes it with `--#include requeue-holdings`.
--
-- without_delivery(value)
--   An in-flight value as the message it holds: "<claim token>|<message>" without its token; a
--   value that starts with '{' is a bare message and is returned as it is.
--
-- requeue_holdings(landing, inflight, queue, stats, claims)
--   RPUSHes the in-flight values (without_delivery) and then the landing list to the consumer end of
--   the queue, so they are the next to be taken; deletes the landing list, the in-flight hash and
--   the claims hash; adds the count to the stats field 'requeued'. Returns the count.
--   The caller has checked the keys' types and that 'requeued' is an integer.
local function without_delivery(value)
  if string.byte(value, 1) ~= 123 then
    local bar = string.find(value, '|', 1, true)
    if bar then
      return string.sub(value, bar + 1)
    end
  end
  return value
end

local function requeue_holdings(landing, inflight, queue, stats, claims)
  local moved = 0
  local held = redis.call('HVALS', inflight)
  for i = 1, #held do
    held[i] = without_delivery(held[i])
  end
  for i = 1, #held, 1000 do
    redis.call('RPUSH', queue, unpack(held, i, math.min(i + 999, #held)))
  end
  moved = moved + #held
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
