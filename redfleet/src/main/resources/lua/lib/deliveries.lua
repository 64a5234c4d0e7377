-- deliveries: what a node holds, in its in-flight hash <ns>:inflight:<nodeId> and one string per
-- claim (data format 8). A script includes it with `--#include deliveries`. One delivery record per
-- claim (a delivery of a batch), under the claim's token. Message k of a claim (1-based, the index
-- finish names) is kept in two places:
--
--   <ns>:inflight:<nodeId>|<token>   the claim's ids (a string; the "claim key"): 8-byte big-endian
--                 signed integers, #0 the number of messages still held, #1 the claim's size n,
--                 #(k+1) the id of message k, set to 0 once message k is done (recorded, or given
--                 back). Finish reads the key whole (GET: one copy of 8 bytes an id), unpacks the
--                 slots it names (all of them when it names a quarter of the claim or more), and
--                 writes its marks in place (SETRANGE) or the key back whole (SET, for many).
--   the in-flight hash, field <token> (messages 1-32) and <token>#c (messages 32c+1 .. 32c+32):
--                 the messages byte for byte, in chunks of DELIVERIES_CHUNK: an offsets table of
--                 m entries of 10 digits (entry i = where message i starts, counted from the end of
--                 the table), then the m messages one after another. Read only for a failure, a
--                 retry or a requeue, and then only that message's chunk.
--   |held         (a field of the hash) the number of messages held in all records: status reads
--                 it, O(1) per node
--
-- A node's names cannot hold '|' (the configuration refuses it) and a token has no '|' or '#' and
-- does not start with '{' (claim refuses such a token), so no claim key is another node's key, and
-- no token names another record's field or '|held'. The claim key shares the hash's {ns} hash tag,
-- so it lives in the same Cluster slot. When the last message of a claim is done, its claim key and
-- its chunks go.
--
-- DELIVERIES_CHUNK, HELD_FIELD
-- deliveries_token_ok(token)         whether a token can name a claim: not empty, no '|' or '#', no
--                                    leading '{' (claim refuses any other; finish drops its outcomes)
-- deliveries_key(inflight, token)    the claim key of a token
-- deliveries_field(token, k)         the chunk field of message k of a claim, and k's index in it
-- deliveries_chunk_size(n, field_k)  how many messages the chunk holding message k has in a claim of n
-- deliveries_origin(field)           the claim token of a chunk field, and the claim index of the
--                                    chunk's message 0 (message i of the chunk is index base + i)
-- deliveries_records(messages, token)
--                                    the HSET arguments (field, value, ...) of a new claim's chunks
-- deliveries_ids(ids)                the value of a new claim's key (ids: digit strings)
-- deliveries_message(record, m, i)   message i (1-based) of a chunk of m messages
-- deliveries_read(key, indices, count)
--                                    a typed read of a claim key, for the count indices named in
--                                    indices (whole numbers >= 1, repeats allowed): {held, n, ids,
--                                    value = the key's value} where ids[k] is the id of message k
--                                    for each k named (0 or nil: done, or no such message), or nil
--                                    and an error reply (wrong type). A missing key reads as held 0.
-- deliveries_settle(inflight, settled)
--                                    settled = {{claim = {key, token, held, n, value}, done =
--                                    indices}}, value the claim key as read:
--                                    marks each claim's distinct indices (ids not 0) as done (done
--                                    may be sorted in place); a claim
--                                    that holds nothing more loses its key and chunks. Per claim
--                                    still holding, a SETRANGE per mark (few marks) or one SET of
--                                    the rebuilt key; one DEL and one HDEL for the others.
-- deliveries_unhold(inflight, count) lowers |held by count, and drops it at 0 (an idle node's
--                                    in-flight hash is gone, not left holding a zero)
-- deliveries_held(inflight, token)   {messages, indices} not done in a claim (empty if none; field
--                                    found = true when the claim exists), indices as the claim
--                                    numbers them
-- deliveries_all(inflight)           every claim of the node: {{token, key, held, n, ids, chunks}},
--                                    ids[k] the id of message k (0: done), chunks[c] the chunk
--                                    values (one HGETALL, one GET per claim); or nil and an error
--                                    reply for a claim key of the wrong type (reads only, so a
--                                    script calls it before its first write). Chunks whose claim
--                                    key is missing (deleted by hand) hold nothing: without the
--                                    key, which of their messages are done is not known
-- deliveries_message_of(claim, k)    message k of a claim read by deliveries_all
-- deliveries_requeue_all(inflight, queue, claims)
--                                    claims as deliveries_all read them: RPUSHes the not-done
--                                    messages of every record to the consumer
--                                    end of the queue, each claim's oldest message last (the next
--                                    taken), deletes the claim keys; returns the count. The caller
--                                    deletes the hash.
local DELIVERIES_CHUNK = 32
local HELD_FIELD = '|held'
-- a claim key is read whole with GET; its ids are decoded all at once (one struct.unpack per 1,000)
-- when a call names at least 1 / DELIVERIES_DECODE_SHARE of the claim's messages, else one by one
local DELIVERIES_DECODE_SHARE = 4

local function deliveries_token_ok(token)
  return token ~= '' and not string.find(token, '[|#]') and string.byte(token, 1) ~= 123
end

local function deliveries_key(inflight, token)
  return inflight .. '|' .. token
end

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

-- the chunk fields of a claim of n messages, chunk 0 first
local function deliveries_chunk_fields(token, n)
  local fields = {}
  for first = 1, n, DELIVERIES_CHUNK do
    fields[#fields + 1] = deliveries_field(token, first)
  end
  return fields
end

local function deliveries_chunk_size(n, k)
  local first = k - (k - 1) % DELIVERIES_CHUNK
  return math.min(DELIVERIES_CHUNK, n - first + 1)
end

local function deliveries_origin(field)
  local token, c = string.match(field, '^(.*)#(%d+)$')
  if not token then
    return field, 0
  end
  return token, tonumber(c) * DELIVERIES_CHUNK
end

local function deliveries_records(messages, token)
  local args = {}
  for first = 1, #messages, DELIVERIES_CHUNK do
    local last = math.min(first + DELIVERIES_CHUNK - 1, #messages)
    local offsets = {}
    local at = 0
    for i = first, last do
      offsets[i - first + 1] = at
      at = at + #messages[i]
    end
    -- a chunk's offsets in one string.format of the format repeated m times: a C call per chunk
    -- instead of one per message
    args[#args + 1] = deliveries_field(token, first)
    args[#args + 1] = string.format(string.rep('%010d', last - first + 1), unpack(offsets))
      .. table.concat(messages, '', first, last)
  end
  return args
end

-- struct.pack takes digit strings as numbers (exact up to 2^53, as every id is)
local function deliveries_ids(ids)
  local parts = {struct.pack('>i8i8', #ids, #ids)}
  for first = 1, #ids, 500 do
    local last = math.min(first + 499, #ids)
    parts[#parts + 1] = struct.pack('>' .. string.rep('i8', last - first + 1), unpack(ids, first, last))
  end
  return table.concat(parts)
end

local function deliveries_message(record, m, i)
  local base = m * 10
  local from = base + tonumber(string.sub(record, i * 10 - 9, i * 10)) + 1
  local to = #record
  if i < m then
    to = base + tonumber(string.sub(record, i * 10 + 1, i * 10 + 10))
  end
  return string.sub(record, from, to)
end

-- the ids of a whole claim value, ids[k] for message k (1-based), one struct.unpack per 1,000
local function deliveries_decode(value)
  local count = math.floor(#value / 8)
  local held, n, ids = 0, 0, {}
  local at = 1
  for first = 0, count - 1, 1000 do
    local last = math.min(first + 999, count - 1)
    local got = {struct.unpack('>' .. string.rep('i8', last - first + 1), value, at)}
    at = got[#got]
    if first == 0 then
      -- a value of one slot has no size: got[2] is then unpack's next position, not a slot
      held, n = got[1], last >= 1 and got[2] or 0
    end
    -- slot s (0-based) is the id of message s - 1
    for s = math.max(first, 2), last do
      ids[s - 1] = got[s - first + 1]
    end
  end
  return held, n, ids
end

local function deliveries_read(key, indices, count)
  local value, refused = typed_read('string', 'GET', key)
  if refused then
    return nil, refused
  end
  value = value or ''
  if #value < 16 then
    -- missing, or cut to fewer than two slots by hand: no size, so no message
    return {#value >= 8 and struct.unpack('>i8', value) or 0, 0, {}, value = value}
  end
  local held, n = struct.unpack('>i8i8', value)
  if count * DELIVERIES_DECODE_SHARE >= n then
    local _, _, all = deliveries_decode(value)
    return {held, n, all, value = value}
  end
  -- a few messages of a large claim (handlers of random duration finish a few of each of many
  -- claims): one unpack each, not a decode of the whole claim per call
  local ids = {}
  local slots = #value - #value % 8
  for j = 1, count do
    local index = indices[j]
    local at = index * 8 + 9
    ids[index] = at + 7 <= slots and struct.unpack('>i8', value, at) or 0
  end
  return {held, n, ids, value = value}
end

-- settled = {{claim = {key, token, held, n, value}, done = indices}, ...}, value the claim key as
-- read: each claim's keys and chunks go when nothing of it stays held (one DEL and one HDEL for all
-- of those). The others get their marks and count: a claim with few marks (at most one in
-- DELIVERIES_REBUILD_SHARE of its messages: handlers of random duration finish a few of each of
-- many claims) one SETRANGE each; one with more is written back whole with one SET (a copy of the
-- value in Lua then costs less than a command per mark). On Redis 7.0, 33 marks in a claim of
-- 1,000: 35 us in place against 48 us rebuilt; 100 marks: 80 us against 69 us.
local DELIVERIES_REBUILD_SHARE = 16
local DELIVERIES_DONE_SLOT = struct.pack('>i8', 0)
local function deliveries_settle(inflight, settled)
  local keys, fields = {}, {}
  for _, s in ipairs(settled) do
    local claim, done = s.claim, s.done
    if claim.held - #done <= 0 then
      keys[#keys + 1] = claim.key
      for _, field in ipairs(deliveries_chunk_fields(claim.token, claim.n)) do
        fields[#fields + 1] = field
      end
    else
      local marks = #done
      if marks * DELIVERIES_REBUILD_SHARE <= claim.n then
        -- a few marks: in place, 8 zero bytes at each done message's slot, then the held count
        local key = claim.key
        for j = 1, marks do
          redis.call('SETRANGE', key, done[j] * 8 + 8, DELIVERIES_DONE_SLOT)
        end
        redis.call('SETRANGE', key, 0, struct.pack('>i8', claim.held - marks))
      else
        local value = claim.value
        -- done is the caller's list, sorted in place (its order means nothing once settled)
        table.sort(done)
        local parts = {struct.pack('>i8', claim.held - marks)}
        local p = 1
        local from = 9
        for j = 1, marks do
          local at = done[j] * 8 + 9
          parts[p + 1] = string.sub(value, from, at - 1)
          parts[p + 2] = DELIVERIES_DONE_SLOT
          p = p + 2
          from = at + 8
        end
        parts[p + 1] = string.sub(value, from)
        redis.call('SET', claim.key, table.concat(parts))
      end
    end
  end
  for i = 1, #keys, 1000 do
    redis.call('DEL', unpack(keys, i, math.min(i + 999, #keys)))
  end
  for i = 1, #fields, 1000 do
    redis.call('HDEL', inflight, unpack(fields, i, math.min(i + 999, #fields)))
  end
end

local function deliveries_unhold(inflight, count)
  if redis.call('HINCRBY', inflight, HELD_FIELD, -count) <= 0 then
    redis.call('HDEL', inflight, HELD_FIELD)
  end
end

-- the chunk values of a claim of n messages, chunks[c] for chunk c (0-based), false when missing
local function deliveries_chunks(inflight, token, n)
  local fields = deliveries_chunk_fields(token, n)
  if #fields == 0 then
    return {}
  end
  local values = redis.call('HMGET', inflight, unpack(fields))
  local chunks = {}
  for c = 1, #values do
    chunks[c - 1] = values[c]
  end
  return chunks
end

local function deliveries_message_of(claim, k)
  local c = (k - 1 - (k - 1) % DELIVERIES_CHUNK) / DELIVERIES_CHUNK
  local record = claim.chunks[c]
  if not record then
    return nil
  end
  return deliveries_message(record, deliveries_chunk_size(claim.n, k), k - c * DELIVERIES_CHUNK)
end

-- A repeated token is a claim whose answer never came: the worker got none of its messages, so
-- none was finished and the claim is there whole.
-- The caller has checked the claim key's type (claim_refused).
local function deliveries_held(inflight, token)
  local value = redis.call('GET', deliveries_key(inflight, token))
  if not value then
    return {{}, {}, found = false}
  end
  local _, n, ids = deliveries_decode(value)
  local claim = {n = n, chunks = deliveries_chunks(inflight, token, n)}
  local messages, indices = {}, {}
  for k = 1, n do
    if ids[k] ~= 0 then
      local message = deliveries_message_of(claim, k)
      if message then
        messages[#messages + 1] = message
        indices[#indices + 1] = k
      end
    end
  end
  return {messages, indices, found = true}
end

local function deliveries_all(inflight)
  local all = redis.call('HGETALL', inflight)
  local claims, byToken = {}, {}
  for i = 1, #all, 2 do
    local field = all[i]
    if not string.find(field, '|', 1, true) then
      local token, base = deliveries_origin(field)
      local claim = byToken[token]
      if not claim then
        claim = {token = token, key = deliveries_key(inflight, token), chunks = {}}
        byToken[token] = claim
        claims[#claims + 1] = claim
      end
      claim.chunks[base / DELIVERIES_CHUNK] = all[i + 1]
    end
  end
  local found = {}
  for _, claim in ipairs(claims) do
    local value, refused = typed_read('string', 'GET', claim.key)
    if refused then
      return nil, refused
    end
    if value then
      claim.value = value
      claim.held, claim.n, claim.ids = deliveries_decode(value)
      found[#found + 1] = claim
    end
  end
  -- in token order, so that what a requeue pushes does not depend on the hash's order
  table.sort(found, function(a, b) return a.token < b.token end)
  return found
end

local function deliveries_requeue_all(inflight, queue, claims)
  local moved = 0
  local keys = {}
  for _, claim in ipairs(claims) do
    keys[#keys + 1] = claim.key
    -- newest first, so that the claim's oldest message is pushed last (the next taken)
    local back = {}
    for k = claim.n, 1, -1 do
      if claim.ids[k] and claim.ids[k] ~= 0 then
        back[#back + 1] = deliveries_message_of(claim, k)
      end
    end
    for i = 1, #back, 1000 do
      redis.call('RPUSH', queue, unpack(back, i, math.min(i + 999, #back)))
    end
    moved = moved + #back
  end
  for i = 1, #keys, 1000 do
    redis.call('DEL', unpack(keys, i, math.min(i + 999, #keys)))
  end
  return moved
end
