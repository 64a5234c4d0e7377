-- deliveries: the in-flight hash <ns>:inflight:<nodeId> (data format 4). A script includes it with
-- `--#include deliveries`. One delivery record per claim (a delivery of a batch), under the claim's
-- token, cut into chunks of DELIVERIES_CHUNK messages: message k of a claim (1-based, the index
-- finish names) is message k - c * DELIVERIES_CHUNK of chunk c = floor((k - 1) / DELIVERIES_CHUNK).
-- Chunk 0 is stored under the token itself, chunk c > 0 under '<token>#<c>'. Each chunk is a record
-- of its own, with the fields
--
--   <field>       its messages: an offsets table of n entries of 10 digits (entry i = where
--                 message i starts, counted from the end of the table), then the messages one after
--                 another, byte for byte as they were taken from the queue
--   <field>|ids   their ids: n entries of 16 characters (right-aligned, space padded; 16 digits
--                 cover 2^53), so reading id i is one string.sub and never touches the messages
--   <field>|done  absent until a message of the chunk is done; then n bytes, '1' for a message whose
--                 outcome is recorded (or that was given back), '0' for one still held
--   |held         the number of messages held (not done) in all records: status reads it, O(1) per
--                 node
--
-- Why chunks: a script reads a hash field whole, and Redis copies a field into Lua at about 2 us
-- per KB. A finish whose outcomes come from many large claims (handlers that take a while, each
-- claim finishing over a second) read each claim's whole id table, and for a failure its whole
-- record (16 and about 100 bytes per message: 100 KB for a claim of 1,000), once per call. A chunk
-- bounds that to DELIVERIES_CHUNK messages whatever the claim's size.
--
-- A token is never empty, has no '|' or '#' and does not start with '{' (claim refuses such a
-- token), so no token names another record's field or '|held'. When every message of a chunk is
-- done, its three fields go. Finishing k outcomes of a chunk reads its ids and done flags (16 + 1
-- bytes per message) and rewrites the flags: the messages themselves are read only for a failure, a
-- retry or a requeue.
--
-- DELIVERIES_CHUNK, HELD_FIELD
-- deliveries_field(token, k)         the field of message k of a claim, and k's index in it
-- deliveries_namer()                 a deliveries_field for many outcomes: names built once each,
--                                    nil for a token with '#' (it names no claim)
-- deliveries_origin(field)           the claim token of a chunk field, and the claim index of the
--                                    chunk's message 0 (message i of the chunk is index base + i)
-- deliveries_records(messages, ids, token)
--                                    the HSET arguments (field, value, ...) of a new claim's chunks
-- deliveries_message(record, n, i)   message i (1-based) of a chunk of n messages
-- deliveries_id(ids, i)              id i of an ids value, as a number
-- deliveries_mark(inflight, marks)  marks = {{field, n, done, indices}, ...}: marks the distinct
--                                    indices as done in each chunk whose done value is done (nil:
--                                    none yet); deletes a chunk when all n are done. One HSET and
--                                    one HDEL for all of them. Returns nothing.
-- deliveries_unhold(inflight, count) lowers |held by count, and drops it at 0 (an idle node's
--                                    in-flight hash is gone, not left holding a zero)
-- deliveries_held(inflight, token)   {messages, indices} not done in a claim's chunks (empty if
--                                    none; field found = true when the record exists), indices as
--                                    the claim numbers them
-- deliveries_requeue_all(inflight, queue)
--                                    RPUSHes the not-done messages of every record to the consumer
--                                    end of the queue, each claim's oldest message last (the next
--                                    taken); returns the count. The caller deletes the hash.
local DELIVERIES_CHUNK = 32
local HELD_FIELD = '|held'

local function deliveries_chunk_name(token, c)
  if c == 0 then
    return token
  end
  return token .. '#' .. c
end

local function deliveries_field(token, k)
  local c = (k - 1 - (k - 1) % DELIVERIES_CHUNK) / DELIVERIES_CHUNK
  return deliveries_chunk_name(token, c), k - c * DELIVERIES_CHUNK
end

-- for a call that names many outcomes: builds each chunk's name once, and tests each token for '#'
-- once (such a token names no claim and no chunk: claim refuses it)
local function deliveries_namer()
  local names = {}
  return function(token, k)
    local chunks = names[token]
    if chunks == nil then
      chunks = not string.find(token, '#', 1, true) and {}
      names[token] = chunks
    end
    if not chunks then
      return nil
    end
    local c = (k - 1 - (k - 1) % DELIVERIES_CHUNK) / DELIVERIES_CHUNK
    local name = chunks[c]
    if not name then
      name = deliveries_chunk_name(token, c)
      chunks[c] = name
    end
    return name, k - c * DELIVERIES_CHUNK
  end
end

local function deliveries_origin(field)
  local token, c = string.match(field, '^(.*)#(%d+)$')
  if not token then
    return field, 0
  end
  return token, tonumber(c) * DELIVERIES_CHUNK
end

local function deliveries_records(messages, ids, token)
  local args = {}
  for first = 1, #messages, DELIVERIES_CHUNK do
    local last = math.min(first + DELIVERIES_CHUNK - 1, #messages)
    local n = last - first + 1
    local offsets = {}
    local at = 0
    for i = first, last do
      offsets[i - first + 1] = at
      at = at + #messages[i]
    end
    local field = deliveries_field(token, first)
    -- a chunk's offsets (and ids) in one string.format of the format repeated n times: a C call
    -- per chunk instead of one per message
    args[#args + 1] = field
    args[#args + 1] = string.format(string.rep('%010d', n), unpack(offsets)) .. table.concat(messages, '', first, last)
    args[#args + 1] = field .. '|ids'
    args[#args + 1] = string.format(string.rep('%16s', n), unpack(ids, first, last))
  end
  return args
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

-- each mark is {field, n, done, indices}: the chunk's done flags become set, and writes them in one
-- HSET (the chunks still holding something) and one HDEL (the chunks now all done)
local function deliveries_mark(inflight, marks)
  local sets, dels = {}, {}
  for m = 1, #marks do
    local field, n, done, list = marks[m][1], marks[m][2], marks[m][3], marks[m][4]
    if not done and #list == n then
      -- the common case of a chunk finished in one call: nothing to sort or build
      dels[#dels + 1] = field
      dels[#dels + 1] = field .. '|ids'
    else
      done = done or string.rep('0', n)
      table.sort(list)
      local parts, from = {}, 1
      for j = 1, #list do
        local i = list[j]
        parts[#parts + 1] = string.sub(done, from, i - 1)
        parts[#parts + 1] = '1'
        from = i + 1
      end
      parts[#parts + 1] = string.sub(done, from)
      done = table.concat(parts)
      if string.find(done, '0', 1, true) then
        sets[#sets + 1] = field .. '|done'
        sets[#sets + 1] = done
      else
        dels[#dels + 1] = field
        dels[#dels + 1] = field .. '|ids'
        dels[#dels + 1] = field .. '|done'
      end
    end
  end
  for i = 1, #sets, 1000 do
    redis.call('HSET', inflight, unpack(sets, i, math.min(i + 999, #sets)))
  end
  for i = 1, #dels, 999 do
    redis.call('HDEL', inflight, unpack(dels, i, math.min(i + 998, #dels)))
  end
end

local function deliveries_unhold(inflight, count)
  if redis.call('HINCRBY', inflight, HELD_FIELD, -count) <= 0 then
    redis.call('HDEL', inflight, HELD_FIELD)
  end
end

-- A repeated token is a claim whose answer never came: the worker got none of its messages, so
-- none was finished and every chunk is still there; the chunks are read until one is missing.
local function deliveries_held(inflight, token)
  local messages, indices = {}, {}
  local found = false
  local k = 1
  while true do
    local field = deliveries_field(token, k)
    local fields = redis.call('HMGET', inflight, field, field .. '|ids', field .. '|done')
    local record, ids, done = fields[1], fields[2], fields[3]
    if not record or not ids then
      break
    end
    found = true
    local n = #ids / 16
    for i = 1, n do
      if not done or string.byte(done, i) ~= 49 then
        messages[#messages + 1] = deliveries_message(record, n, i)
        indices[#indices + 1] = k + i - 1
      end
    end
    if n < DELIVERIES_CHUNK then
      break
    end
    k = k + DELIVERIES_CHUNK
  end
  return {messages, indices, found = found}
end

local function deliveries_requeue_all(inflight, queue)
  local all = redis.call('HGETALL', inflight)
  local values = {}
  local fields = {}
  for i = 1, #all, 2 do
    values[all[i]] = all[i + 1]
    if not string.find(all[i], '|', 1, true) then
      fields[#fields + 1] = all[i]
    end
  end
  -- a claim's chunks newest first, so that its oldest message is pushed last (the next taken)
  local tokenOf, baseOf = {}, {}
  for _, field in ipairs(fields) do
    tokenOf[field], baseOf[field] = deliveries_origin(field)
  end
  table.sort(fields, function(a, b)
    if tokenOf[a] ~= tokenOf[b] then
      return tokenOf[a] < tokenOf[b]
    end
    return baseOf[a] > baseOf[b]
  end)
  local moved = 0
  for _, field in ipairs(fields) do
    local record = values[field]
    local ids = values[field .. '|ids']
    if ids then
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
