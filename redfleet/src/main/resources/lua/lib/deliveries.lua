-- deliveries: the in-flight hash <ns>:inflight:<nodeId> (data format 3). A script includes it with
-- `--#include deliveries`. One record per claim (a delivery of a batch), under the claim's token:
--
--   <token>       the claimed messages: an offsets table of n entries of 10 digits (entry i = where
--                 message i starts, counted from the end of the table), then the messages one after
--                 another, byte for byte as they were taken from the queue
--   <token>|ids   their ids: n entries of 16 characters (right-aligned, space padded; 16 digits
--                 cover 2^53), so reading id i is one string.sub and never touches the messages
--   <token>|done  absent until a message of the claim is done; then n bytes, '1' for a message whose
--                 outcome is recorded (or that was given back), '0' for one still held
--   |held         the number of messages held (not done) in all records: status reads it, O(1) per
--                 node
--
-- A token is never empty, has no '|' and does not start with '{' (claim refuses such a token), so
-- no token names another record's field or '|held'. When every message of a record is done, its
-- three fields go. Finishing k outcomes of a record reads its ids and done flags (16 + 1 bytes per
-- message) and rewrites the flags: the messages themselves are read only for a failure, a retry or
-- a requeue.
--
-- HELD_FIELD                         '|held'
-- deliveries_record(messages, ids)   the <token> and <token>|ids values of a new record
-- deliveries_message(record, n, i)   message i (1-based) of a record of n messages
-- deliveries_id(ids, i)              id i of an ids value, as a number
-- deliveries_mark(inflight, token, n, done, marks)
--                                    marks the distinct indices as done in a record whose done
--                                    value is done (nil: none yet); deletes the record when all n
--                                    are done (then without sorting or building anything: the
--                                    common case of a claim finished in one call). Returns nothing.
-- deliveries_unhold(inflight, count) lowers |held by count, and drops it at 0 (an idle node's
--                                    in-flight hash is gone, not left holding a zero)
-- deliveries_held(inflight, token)   {messages, indices} not done in a record (empty if none;
--                                    field found = true when the record exists)
-- deliveries_requeue_all(inflight, queue)
--                                    RPUSHes the not-done messages of every record to the consumer
--                                    end of the queue, each record's oldest message last (the next
--                                    taken); returns the count. The caller deletes the hash.
local HELD_FIELD = '|held'

local function deliveries_record(messages, ids)
  local offsets, padded = {}, {}
  local at = 0
  for i = 1, #messages do
    offsets[i] = string.format('%010d', at)
    padded[i] = string.format('%16s', ids[i])
    at = at + #messages[i]
  end
  return table.concat(offsets) .. table.concat(messages), table.concat(padded)
end

local function deliveries_message(record, n, i)
  local base = n * 10
  local from = base + tonumber(string.sub(record, i * 10 - 9, i * 10)) + 1
  local to = #record
  if i < n then
    to = base + tonumber(string.sub(record, i * 10 + 1, i * 10 + 10))
  end
  return string.sub(record, from, to)
end

local function deliveries_id(ids, i)
  return tonumber(string.sub(ids, i * 16 - 15, i * 16))
end

local function deliveries_mark(inflight, token, n, done, marks)
  if not done and #marks == n then
    redis.call('HDEL', inflight, token, token .. '|ids')
    return
  end
  done = done or string.rep('0', n)
  table.sort(marks)
  local parts, from = {}, 1
  for j = 1, #marks do
    local i = marks[j]
    parts[#parts + 1] = string.sub(done, from, i - 1)
    parts[#parts + 1] = '1'
    from = i + 1
  end
  parts[#parts + 1] = string.sub(done, from)
  done = table.concat(parts)
  if string.find(done, '0', 1, true) then
    redis.call('HSET', inflight, token .. '|done', done)
  else
    redis.call('HDEL', inflight, token, token .. '|ids', token .. '|done')
  end
end

local function deliveries_unhold(inflight, count)
  if redis.call('HINCRBY', inflight, HELD_FIELD, -count) <= 0 then
    redis.call('HDEL', inflight, HELD_FIELD)
  end
end

local function deliveries_held(inflight, token)
  local fields = redis.call('HMGET', inflight, token, token .. '|ids', token .. '|done')
  local record, ids, done = fields[1], fields[2], fields[3]
  local messages, indices = {}, {}
  if not record or not ids then
    return {messages, indices}
  end
  local n = #ids / 16
  for i = 1, n do
    if not done or string.byte(done, i) ~= 49 then
      messages[#messages + 1] = deliveries_message(record, n, i)
      indices[#indices + 1] = i
    end
  end
  return {messages, indices, found = true}
end

local function deliveries_requeue_all(inflight, queue)
  local all = redis.call('HGETALL', inflight)
  local values = {}
  for i = 1, #all, 2 do
    values[all[i]] = all[i + 1]
  end
  local moved = 0
  for field, record in pairs(values) do
    local ids = values[field .. '|ids']
    if not string.find(field, '|', 1, true) and ids then
      local n = #ids / 16
      local done = values[field .. '|done']
      local back = {}
      for i = n, 1, -1 do
        if not done or string.byte(done, i) ~= 49 then
          back[#back + 1] = deliveries_message(record, n, i)
        end
      end
      for i = 1, #back, 1000 do
        redis.call('RPUSH', queue, unpack(back, i, math.min(i + 999, #back)))
      end
      moved = moved + #back
    end
  end
  return moved
end
