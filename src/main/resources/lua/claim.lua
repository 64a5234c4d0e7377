-- claim: take messages into a node's in-flight hash (id -> message). Everything BLMOVE landed in
-- the node's landing list is taken, plus up to ARGV[2] more straight from the queue, in one call.
--
-- KEYS[1]  <ns>:queue
-- KEYS[2]  <ns>:landing:<nodeId>
-- KEYS[3]  <ns>:inflight:<nodeId>
-- KEYS[4]  <ns>:nodes    the claim doubles as a heartbeat: a node that holds work is always known
-- KEYS[5]  <ns>:errors
-- KEYS[6]  <ns>:stats    'malformed' is incremented for entries that are not messages
-- KEYS[7]  <ns>:claims:<nodeId>  hash: worker slot -> "<token>|<id>,<id>,..." of its last claim
-- ARGV[1]  nodeId
-- ARGV[2]  how many to take from the queue besides what landed (0 = landing only)
-- ARGV[3]  the calling worker's slot (one per worker verticle)
-- ARGV[4]  claim token: a worker that did not get the answer (Redis died, the call timed out)
--          calls again with the same token and gets the same claim back, instead of a new one,
--          so a lost answer cannot strand messages in the in-flight hash of a live node
--
-- Returns {messages, odd}: messages = the claimed messages (raw JSON), oldest first; odd = a flat
-- list {position, id, ...} giving the id of each claimed message that does not start with
-- {"id":<digits>, (for all others, the id is those digits). An entry without a positive integer
-- "id" is not a message: it goes to the errors list as
-- {"error":"malformed","raw":...,"node":...,"at":...}, raw kept.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[4], now, ARGV[1])

local previous = redis.call('HGET', KEYS[7], ARGV[3])
if previous then
  local bar = string.find(previous, '|', 1, true)
  if string.sub(previous, 1, bar - 1) == ARGV[4] then
    local ids = {}
    for id in string.gmatch(string.sub(previous, bar + 1), '[^,]+') do
      ids[#ids + 1] = id
    end
    local again, againIds = {}, {}
    if #ids > 0 then
      local held = redis.call('HMGET', KEYS[3], unpack(ids))
      for i = 1, #ids do
        if held[i] then
          again[#again + 1] = held[i]
          againIds[#againIds + 1] = #again
          againIds[#againIds + 1] = ids[i]
        end
      end
    end
    return {again, againIds}
  end
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

-- the generator writes the id first: the common case costs one match, not a JSON decode
local function odd_message_id(raw)
  local ok, decoded = pcall(cjson.decode, raw)
  if ok and type(decoded) == 'table' and type(decoded.id) == 'number'
      and decoded.id >= 1 and decoded.id == math.floor(decoded.id) then
    return string.format('%d', decoded.id)
  end
  return nil
end

local claimed = {}
local claimedIds = {}
local odd = {}
local fields = {}
local malformed = 0
for i = 1, #taken do
  local raw = taken[i]
  local id = string.match(raw, '^{"id":(%d+),')
  if not id then
    id = odd_message_id(raw)
    if id then
      odd[#odd + 1] = #claimed + 1
      odd[#odd + 1] = id
    end
  end
  if id then
    claimed[#claimed + 1] = raw
    claimedIds[#claimedIds + 1] = id
    fields[#fields + 1] = id
    fields[#fields + 1] = raw
  else
    malformed = malformed + 1
    redis.call('LPUSH', KEYS[5], cjson.encode({error = 'malformed', raw = raw, node = ARGV[1], at = now}))
  end
end
for i = 1, #fields, 1000 do
  redis.call('HSET', KEYS[3], unpack(fields, i, math.min(i + 999, #fields)))
end
if malformed > 0 then
  redis.call('HINCRBY', KEYS[6], 'malformed', malformed)
end
redis.call('HSET', KEYS[7], ARGV[3], ARGV[4] .. '|' .. table.concat(claimedIds, ','))
return {claimed, odd}
