-- claim: take messages into a node's in-flight hash (id -> "<token>|<message>"). Everything BLMOVE
-- landed in the node's landing list is taken, plus up to ARGV[2] more straight from the queue, in
-- one call.
--
-- KEYS[1]  <ns>:queue
-- KEYS[2]  <ns>:landing:<nodeId>
-- KEYS[3]  <ns>:inflight:<nodeId>
-- KEYS[4]  <ns>:nodes    the claim doubles as a heartbeat: a node that holds work is always known
-- KEYS[5]  <ns>:errors
-- KEYS[6]  <ns>:stats    'malformed' is incremented for entries that are not messages
-- KEYS[7]  <ns>:claims:<nodeId>  hash: worker slot -> "<token>|<id>,<id>,..." of its last claim,
--                                and 'maxid' -> the highest id this node has claimed
-- KEYS[8]  <ns>:seq      a message's id is at most this (no id the generator did not hand out)
-- KEYS[9]  <ns>:epoch    a message's epoch is at most this
-- KEYS[10] <ns>:paused   present (any type) while the fleet is paused: the claim takes nothing
-- ARGV[1]  nodeId
-- ARGV[2]  how many to take from the queue besides what landed (0 = landing only); at most a fair
--          share of the queue is taken: ceil(queue length / members of <ns>:nodes)
-- ARGV[3]  the calling worker's slot (one per worker verticle)
-- ARGV[4]  claim token: a worker that did not get the answer (Redis died, the call timed out)
--          calls again with the same token and gets the same claim back, instead of a new one,
--          so a lost answer cannot strand messages in the in-flight hash of a live node. The token
--          also names each message's delivery: the in-flight value is "<token>|<message>", and
--          finish records an outcome only for the delivery it names (a finish re-sent after a lost
--          answer must not act on a later delivery of the same id). Not empty, no '|', not
--          starting with '{' (a value starting with '{' is a bare message: held under no delivery,
--          written by hand or before deliveries were named); refused otherwise.
--
-- Returns {messages, marker}: messages = the claimed messages (raw JSON), oldest first; each starts
-- with {"id":<id> (the message itself, without the delivery prefix). marker is {'paused'} while the
-- fleet is paused, else empty.
--
-- While the fleet is paused a new claim takes nothing: what the node's BLMOVE landed goes back to
-- the consumer end of the queue (as unland does), the token is recorded with no ids, and the
-- answer is {{}, {'paused'}}: the worker then polls instead of blocking. A repeated token still
-- gets its claim back (the messages are the node's already, held under its token), with the
-- 'paused' marker. The cost on the hot path is one EXISTS.
--
-- A message is what the generator made: it starts with {"id":N,"epoch":E, where N is canonical
-- (no sign, no leading zero) and 1 <= N <= seq, 0 <= E <= epoch (0: sent by a client), and it
-- ends with "}. Anything
-- else, and an entry whose id is already in this node's in-flight hash or earlier in the same
-- claim (a forged copy must not overwrite the real message), goes to the errors list as
-- {"error":"malformed","raw":...,"node":...,"at":...}, raw kept byte for byte. The worker checks
-- the rest of the shape (body) and finishes what fails as 'malformed'.
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type or the
-- token cannot name a delivery. Under
-- maxmemory with noeviction the first write is an RPOP (never refused, it frees memory); the
-- writes that follow are allowed once the script has written, and the heartbeat of a claim that
-- took nothing is best effort (redis.pcall), so a full Redis still drains. While paused the first
-- write is the DEL of the landing list, for the same reason.
--#include key-types
local refused = check_key_types({'list', 'list', 'hash', 'zset', 'list', 'hash', 'hash', 'string', 'string'})
if refused then
  return refused
end
local token = ARGV[4]
if token == '' or string.find(token, '|', 1, true) or string.byte(token, 1) == 123 then
  return redis.error_reply('ERR redfleet: claim token ' .. cjson.encode(token) .. ' is empty or has a | or a leading {; nothing was changed')
end
local counter = redis.call('HGET', KEYS[6], 'malformed')
if counter and not string.match(counter, '^%-?%d+$') then
  return redis.error_reply('ERR redfleet: field malformed of ' .. KEYS[6] .. ' is not an integer; nothing was changed')
end

local seq = tonumber(redis.call('GET', KEYS[8]) or '0')
local epoch = tonumber(redis.call('GET', KEYS[9]) or '0')
if not seq or not epoch then
  return redis.error_reply('ERR redfleet: ' .. KEYS[8] .. ' or ' .. KEYS[9] .. ' is not an integer; nothing was changed')
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- EXISTS, not GET: a paused key of any type pauses, as in produce.lua (it is only ever read here)
local paused = redis.call('EXISTS', KEYS[10]) == 1
local marker = paused and {'paused'} or {}

local previous = redis.call('HGET', KEYS[7], ARGV[3])
if previous then
  local bar = string.find(previous, '|', 1, true)
  if bar and string.sub(previous, 1, bar - 1) == token then
    local ids = {}
    for id in string.gmatch(string.sub(previous, bar + 1), '[^,]+') do
      ids[#ids + 1] = id
    end
    local again = {}
    if #ids > 0 then
      -- only what is still held under this very claim (another delivery of the id is not this one's)
      local prefix = token .. '|'
      local held = redis.call('HMGET', KEYS[3], unpack(ids))
      for i = 1, #ids do
        if held[i] and string.sub(held[i], 1, #prefix) == prefix then
          again[#again + 1] = string.sub(held[i], #prefix + 1)
        end
      end
    end
    redis.pcall('ZADD', KEYS[4], now, ARGV[1])
    return {again, marker}
  end
end

if paused then
  -- the landing list is newest first: pushed in that order, its oldest ends up at the right end,
  -- the next to be taken. DEL first: at maxmemory Redis refuses a script's first write if it may
  -- grow memory, and allows the rest once the script has written
  local landed = redis.call('LRANGE', KEYS[2], 0, -1)
  if #landed > 0 then
    redis.call('DEL', KEYS[2])
  end
  for i = 1, #landed, 1000 do
    redis.call('RPUSH', KEYS[1], unpack(landed, i, math.min(i + 999, #landed)))
  end
  redis.pcall('ZADD', KEYS[4], now, ARGV[1])
  redis.pcall('HSET', KEYS[7], ARGV[3], token .. '|')
  return {{}, marker}
end

local taken = {}
local landed = redis.call('LLEN', KEYS[2])
if landed > 0 then
  taken = redis.call('RPOP', KEYS[2], landed)
end
local more = tonumber(ARGV[2])
-- fair share (issue 17): a claim takes at most ceil(queued / nodes) straight from the queue, so a
-- burst that arrives at once is split among the nodes instead of going whole to the first claim
-- that runs; a long queue (a high rate) still fills every claim. Nodes: the members of <ns>:nodes.
if more > 0 then
  more = math.min(more, math.ceil(redis.call('LLEN', KEYS[1]) / math.max(1, redis.call('ZCARD', KEYS[4]))))
end
if more > 0 then
  local popped = redis.call('RPOP', KEYS[1], more)
  if popped then
    for i = 1, #popped do
      taken[#taken + 1] = popped[i]
    end
  end
end
-- the heartbeat: after the pops, so a Redis at maxmemory still lets a claim take messages
redis.pcall('ZADD', KEYS[4], now, ARGV[1])
if #taken == 0 then
  redis.pcall('HSET', KEYS[7], ARGV[3], token .. '|')
  return {{}, {}}
end

-- O(1) per entry and no allocation but the id itself: one anchored match, then comparisons of
-- canonical digit strings (a shorter one is smaller; equal lengths compare as text)
local seqText = string.format('%d', seq)
local epochComma = string.format('%d', epoch) .. ','
local function at_most(digits, limit)
  return #digits < #limit or (#digits == #limit and digits <= limit)
end
local function message_id(raw)
  local id = string.match(raw, '^{"id":([1-9]%d*),"epoch":')
  if not id or not at_most(id, seqText) then
    return nil
  end
  local last, close = string.byte(raw, -2, -1)
  if last ~= 34 or close ~= 125 then
    return nil
  end
  local at = #id + 16
  -- the common case: the current epoch
  if string.find(raw, epochComma, at, true) ~= at then
    -- epoch 0: a message sent by a client (send, HTTP, the Java client), not by a generator
    local e = string.match(raw, '^(%d+),', at)
    if not e or (e ~= '0' and (string.byte(e, 1) == 48 or not at_most(e, epochComma:sub(1, -2)))) then
      return nil
    end
  end
  return id
end

local candidates, candidateIds = {}, {}
local errors = {}
local function malformed(raw)
  errors[#errors + 1] = cjson.encode({error = 'malformed', raw = raw, node = ARGV[1], at = now})
end
for i = 1, #taken do
  local id = message_id(taken[i])
  if id then
    candidates[#candidates + 1] = taken[i]
    candidateIds[#candidateIds + 1] = id
  else
    malformed(taken[i])
  end
end

-- an id already held, or twice in this claim: the later copy is not the generator's message.
-- Only ids up to the highest this node ever claimed can be held (field 'maxid' of the claims
-- hash, dropped with the in-flight hash when the node is requeued); the queue is FIFO, so in the
-- steady state a claim has only higher ids and costs no lookup at all.
local maxHeld = tonumber(redis.call('HGET', KEYS[7], 'maxid') or '0') or 0
local top = maxHeld
local lookup, lookupAt = {}, {}
for i = 1, #candidateIds do
  local n = tonumber(candidateIds[i])
  if n <= maxHeld then
    lookup[#lookup + 1] = candidateIds[i]
    lookupAt[#lookupAt + 1] = i
  elseif n > top then
    top = n
  end
end
local held = {}
for i = 1, #lookup, 1000 do
  local part = redis.call('HMGET', KEYS[3], unpack(lookup, i, math.min(i + 999, #lookup)))
  for j = 1, #part do
    held[lookupAt[i + j - 1]] = part[j]
  end
end
local claimed, claimedIds, fields, seen = {}, {}, {}, {}
local prefix = token .. '|'
for i = 1, #candidates do
  local id = candidateIds[i]
  if held[i] or seen[id] then
    malformed(candidates[i])
  else
    seen[id] = true
    claimed[#claimed + 1] = candidates[i]
    claimedIds[#claimedIds + 1] = id
    fields[#fields + 1] = id
    fields[#fields + 1] = prefix .. candidates[i]
  end
end

for i = 1, #fields, 1000 do
  redis.call('HSET', KEYS[3], unpack(fields, i, math.min(i + 999, #fields)))
end
for i = 1, #errors, 1000 do
  redis.call('LPUSH', KEYS[5], unpack(errors, i, math.min(i + 999, #errors)))
end
if #errors > 0 then
  redis.call('HINCRBY', KEYS[6], 'malformed', #errors)
end
redis.call('HSET', KEYS[7], ARGV[3], token .. '|' .. table.concat(claimedIds, ','), 'maxid', string.format('%d', top))
return {claimed, {}}
