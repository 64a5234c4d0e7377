-- finish: record the outcomes of finished messages, each exactly once. A message counts only if
-- it is still in the node's in-flight hash; one that was reaped meanwhile (its node was thought
-- dead and another worker owns it now) is dropped and counted as 'stale_dropped'.
-- Cost is O(batch): one HMGET, one HDEL, one GETRANGE/SETRANGE (or BITFIELD), never a list scan.
--
-- KEYS[1]  <ns>:inflight:<nodeId>
-- KEYS[2]  <ns>:errors
-- KEYS[3]  <ns>:stats    'processed', 'failed', 'malformed', 'stale_dropped', 'duplicates'
-- KEYS[4]  <ns>:audit    bitmap, bit <id> set once the outcome of message <id> is recorded
-- ARGV[1]  nodeId
-- ARGV[2k], ARGV[2k+1]  (k = 1..n) message id and outcome:
--          ''          handled successfully
--          'malformed' the entry is not a valid message: kept raw in the errors list, no audit bit
--          anything else: the handler's failure reason, recorded in the errors list
--
-- Returns {recorded, dropped}
local node = ARGV[1]
local ids = {}
local reasons = {}
for i = 2, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i]
  reasons[#reasons + 1] = ARGV[i + 1]
end
if #ids == 0 then
  return {0, 0}
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = redis.call('HMGET', KEYS[1], unpack(ids))

local present = {}
local candidates = {}
local malformed, dropped = 0, 0
local errors = {}
for k = 1, #ids do
  local raw = held[k]
  if not raw then
    dropped = dropped + 1
  else
    present[#present + 1] = ids[k]
    if reasons[k] == 'malformed' then
      malformed = malformed + 1
      errors[#errors + 1] = cjson.encode({error = 'malformed', raw = raw, node = node, at = now})
    else
      candidates[#candidates + 1] = k
    end
  end
end

-- Sets the audit bit of each id and returns its previous value (0/1) per id. Ids finished together
-- are usually close to each other, so the common case reads the bytes they span once, sets the bits
-- in Lua and writes the bytes back: two commands for the batch instead of one BITFIELD operation
-- per id. Scattered ids fall back to BITFIELD.
local function set_audit_bits(key, list)
  local nums = {}
  local lo, hi = math.huge, -1
  for i = 1, #list do
    local n = tonumber(list[i])
    nums[i] = n
    if n < lo then lo = n end
    if n > hi then hi = n end
  end
  local old = {}
  if #nums == 0 then
    return old
  end
  local first = math.floor(lo / 8)
  local span = math.floor(hi / 8) - first + 1
  if span > 4 * #nums + 64 then
    for i = 1, #nums, 500 do
      local last = math.min(i + 499, #nums)
      local ops = {}
      for j = i, last do
        ops[#ops + 1] = 'SET'
        ops[#ops + 1] = 'u1'
        ops[#ops + 1] = nums[j]
        ops[#ops + 1] = 1
      end
      local previous = redis.call('BITFIELD', key, unpack(ops))
      for j = i, last do
        old[j] = previous[j - i + 1]
      end
    end
    return old
  end
  local stored = redis.call('GETRANGE', key, first, first + span - 1)
  local bytes = {}
  for i = 1, #stored, 4000 do
    local chunk = {string.byte(stored, i, math.min(i + 3999, #stored))}
    for j = 1, #chunk do
      bytes[i + j - 1] = chunk[j]
    end
  end
  for i = #stored + 1, span do
    bytes[i] = 0
  end
  for i = 1, #nums do
    local n = nums[i]
    local at = math.floor(n / 8) - first + 1
    -- Redis numbers the bits of a byte from the most significant one
    local mask = bit.lshift(1, 7 - n % 8)
    if bit.band(bytes[at], mask) ~= 0 then
      old[i] = 1
    else
      old[i] = 0
      bytes[at] = bit.bor(bytes[at], mask)
    end
  end
  local parts = {}
  for i = 1, span, 4000 do
    parts[#parts + 1] = string.char(unpack(bytes, i, math.min(i + 3999, span)))
  end
  redis.call('SETRANGE', key, first, table.concat(parts))
  return old
end

-- the audit bit is set first: an outcome whose bit was already set is a duplicate, counted and
-- not recorded a second time
local auditIds = {}
for i = 1, #candidates do
  auditIds[i] = ids[candidates[i]]
end
local old = set_audit_bits(KEYS[4], auditIds)
local processed, failed, duplicates = 0, 0, 0
for i = 1, #candidates do
  local k = candidates[i]
  if old[i] == 1 then
    duplicates = duplicates + 1
  else
    processed = processed + 1
    if reasons[k] ~= '' then
      failed = failed + 1
      -- the error entry is the message itself plus why, where and when
      local head = string.match(held[k], '^(.*)}%s*$')
      if head then
        errors[#errors + 1] = head .. ',"error":' .. cjson.encode(reasons[k]) .. ',"node":' .. cjson.encode(node) .. ',"at":' .. now .. '}'
      else
        errors[#errors + 1] = cjson.encode({error = reasons[k], raw = held[k], node = node, at = now})
      end
    end
  end
end

for i = 1, #present, 1000 do
  redis.call('HDEL', KEYS[1], unpack(present, i, math.min(i + 999, #present)))
end
for i = 1, #errors, 1000 do
  redis.call('LPUSH', KEYS[2], unpack(errors, i, math.min(i + 999, #errors)))
end
if processed > 0 then redis.call('HINCRBY', KEYS[3], 'processed', processed) end
if failed > 0 then redis.call('HINCRBY', KEYS[3], 'failed', failed) end
if malformed > 0 then redis.call('HINCRBY', KEYS[3], 'malformed', malformed) end
if dropped > 0 then redis.call('HINCRBY', KEYS[3], 'stale_dropped', dropped) end
if duplicates > 0 then redis.call('HINCRBY', KEYS[3], 'duplicates', duplicates) end
return {processed + malformed, dropped}
