-- claim: take messages into a node's in-flight hash as one delivery record under the claim's token
-- (layout in lib/deliveries.lua). Everything BLMOVE landed in the node's landing list is taken,
-- plus up to ARGV[2] more straight from the queue, in one call.
--
-- KEYS[1]  <ns>:queue
-- KEYS[2]  <ns>:landing:<nodeId>
-- KEYS[3]  <ns>:inflight:<nodeId>
-- KEYS[4]  <ns>:nodes    the claim doubles as a heartbeat: a node that holds work is always known
-- KEYS[5]  <ns>:errors
-- KEYS[6]  <ns>:stats    'malformed' is incremented for entries that are not messages
-- KEYS[7]  <ns>:seq      a message's id is at most this (no id the generator did not hand out)
-- KEYS[8]  <ns>:epoch    a message's epoch is at most this
-- KEYS[9]  <ns>:paused   present (any type) while the fleet is paused: the claim takes nothing
-- ARGV[1]  nodeId
-- ARGV[2]  how many to take from the queue besides what landed (0 = landing only)
-- ARGV[3]  the calling worker's slot (one per worker verticle; kept for the callers' sake, unused)
-- ARGV[4]  claim token: names the delivery. A worker that did not get the answer (Redis died, the
--          call timed out) calls again with the same token and gets back what its record still
--          holds (the messages not done), instead of a new claim, so a lost answer cannot strand
--          messages in the in-flight hash of a live node. finish names an outcome by (token,
--          index), so an outcome re-sent after a lost answer cannot act on a later delivery of the
--          same id. Not empty, no '|', not starting with '{'; refused otherwise.
--
-- Returns {messages, marker, indices}: messages = the claimed messages (raw JSON), oldest first;
-- each starts with {"id":<id>. marker is {'paused'} while the fleet is paused, else empty. indices
-- = each message's index in its record, for finish: empty for a new claim (message k has index
-- k), given for a repeated token (only the messages not done come back).
--
-- While the fleet is paused a new claim takes nothing: what the node's BLMOVE landed goes back to
-- the consumer end of the queue (as unland does) and the answer is {{}, {'paused'}, {}}: the worker
-- then polls instead of blocking. A repeated token still gets its record back, with the 'paused'
-- marker. The cost on the hot path is one EXISTS.
--
-- A message is what the generator made: it starts with {"id":N,"epoch":E, where N is canonical
-- (no sign, no leading zero) and 1 <= N <= seq, 0 <= E <= epoch (0: sent by a client), and it
-- ends with "}. Anything else goes to the errors list as
-- {"error":"malformed","raw":...,"node":...,"at":...}, raw kept byte for byte. The worker checks
-- the rest of the shape (body) and finishes what fails as 'malformed'. An id already held, or twice
-- in one claim (a forged copy), is not looked for: both copies are delivered, and the audit bitmap
-- records the first outcome and counts the second as a duplicate (finish.lua).
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type, a
-- counter is not an integer or the token cannot name a delivery. Under maxmemory with noeviction
-- the first write is an RPOP (never refused, it frees memory); the writes that follow are allowed
-- once the script has written, and the heartbeat of a claim that took nothing is best effort
-- (redis.pcall), so a full Redis still drains. While paused the first write is the DEL of the
-- landing list, for the same reason.
--#include key-types
--#include clock
--#include deliveries
local refused = check_key_types({'list', 'list', 'hash', 'zset', 'list', 'hash', 'string', 'string'})
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
local held = redis.call('HGET', KEYS[3], HELD_FIELD)
if held and not string.match(held, '^%-?%d+$') then
  return redis.error_reply('ERR redfleet: field ' .. HELD_FIELD .. ' of ' .. KEYS[3] .. ' is not an integer; nothing was changed')
end

local seq = tonumber(redis.call('GET', KEYS[7]) or '0')
local epoch = tonumber(redis.call('GET', KEYS[8]) or '0')
if not seq or not epoch then
  return redis.error_reply('ERR redfleet: ' .. KEYS[7] .. ' or ' .. KEYS[8] .. ' is not an integer; nothing was changed')
end

local now = now_ms()

-- EXISTS, not GET: a paused key of any type pauses, as in produce.lua (it is only ever read here)
local paused = redis.call('EXISTS', KEYS[9]) == 1
local marker = paused and {'paused'} or {}

-- a repeated token: what its record still holds (a record exists only for a claim that took
-- something; one that took nothing simply claims now)
if redis.call('HGET', KEYS[3], token .. '|ids') then
  local again = deliveries_held(KEYS[3], token)
  redis.pcall('ZADD', KEYS[4], now, ARGV[1])
  return {again[1], marker, again[2]}
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
  return {{}, marker, {}}
end

local taken = {}
local landed = redis.call('LLEN', KEYS[2])
if landed > 0 then
  taken = redis.call('RPOP', KEYS[2], landed)
end
local more = tonumber(ARGV[2])
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
  return {{}, {}, {}}
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

local claimed, claimedIds = {}, {}
local errors = {}
for i = 1, #taken do
  local id = message_id(taken[i])
  if id then
    claimed[#claimed + 1] = taken[i]
    claimedIds[#claimedIds + 1] = id
  else
    errors[#errors + 1] = cjson.encode({error = 'malformed', raw = taken[i], node = ARGV[1], at = now})
  end
end

if #claimed > 0 then
  local record, ids = deliveries_record(claimed, claimedIds)
  redis.call('HSET', KEYS[3], token, record, token .. '|ids', ids)
  redis.call('HINCRBY', KEYS[3], HELD_FIELD, #claimed)
end
for i = 1, #errors, 1000 do
  redis.call('LPUSH', KEYS[5], unpack(errors, i, math.min(i + 999, #errors)))
end
if #errors > 0 then
  redis.call('HINCRBY', KEYS[6], 'malformed', #errors)
end
return {claimed, {}, {}}
