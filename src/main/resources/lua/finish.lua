-- finish: record the outcomes of finished messages, each exactly once, or schedule a retry. An
-- outcome names its delivery: the claim token the message was taken under and its index in that
-- claim's record (lib/deliveries.lua). It counts only if that very delivery is still held in the
-- node's in-flight hash (the record exists and the message is not done). Anything else is dropped
-- and counted as 'stale_dropped': a message reaped meanwhile (its node was thought dead, another
-- worker owns it now), and an outcome re-sent after its answer was lost (the same id may be back
-- in this hash meanwhile, as another delivery under another token: the retry of a failed attempt,
-- a requeued message claimed again).
-- Cost is O(outcomes) plus, per record named, one read of its ids and done flags and one rewrite
-- of the flags (or the record's deletion once all its messages are done); the messages themselves
-- are read only for a failure, a retry, a duplicate or a malformed entry. Never a list scan.
--
-- KEYS[1]  <ns>:inflight:<nodeId>
-- KEYS[2]  <ns>:errors
-- KEYS[3]  <ns>:stats    'processed', 'failed', 'malformed', 'stale_dropped', 'duplicates', 'retried'
-- KEYS[4]  <ns>:audit    the audit prefix: segment bitmaps <ns>:audit:<n> (one per 2^24 ids) and the
--                        counts hash <ns>:audit:counts, derived in lib/audit.lua (not declared:
--                        same {ns} hash tag, same Cluster slot)
-- KEYS[5]  <ns>:seq      an id above it was never handed out: no audit bit is set for it
-- KEYS[6]  <ns>:delayed  sorted set: message (with its next attempt number) -> due time (ms,
--                        Redis clock); retry-due moves it back to the queue; a ZADD here also
--                        wakes the retry mover (lib/wake.lua: the list <ns>:delayed:wake)
-- KEYS[7]  <ns>:delayed:ids  hash: id -> SHA-1 (hex) of the retry written for it, so that
--                        retry-due moves only retries this script wrote (a forged delayed entry
--                        never overtakes the real message)
-- ARGV[1]  nodeId
-- ARGV[2]  attempts: a failure of attempt A < attempts is retried (1 = never)
-- ARGV[3]  backoff base (ms): the retry after attempt A is due after d = min(cap, base * 2^(A-1)),
-- ARGV[4]  backoff cap (ms)       with jitter: a uniform delay in [d/2, d]
-- ARGV[5]  jitter seed (an integer picked by the caller)
-- ARGV[2+4k] .. ARGV[5+4k]  (k = 1..n) claim token, index in its record (1-based), attempt (the
--          message's "attempt", 1 without one), outcome:
--          ''          handled successfully
--          'malformed' the entry is not a valid message: kept raw in the errors list, no audit bit
--          anything else: the handler's failure reason. The last attempt's failure goes to the
--          errors list (with "attempts":A when A >= 2); an earlier one goes to the delayed set.
--
-- An outcome whose audit bit is already set is a duplicate: counted, and put in the errors list as
-- {"error":"duplicate","outcome":...,"raw":...} so it is seen, never recorded twice.
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type or a
-- counter is not an integer. Its first write is a no-op HDEL, after which Redis allows the rest at
-- maxmemory, so the fleet can still record outcomes (and free memory) when Redis refuses to grow.
-- Writes are ordered retries (idempotent ZADD), audit bits, errors, counters, and the done flags
-- of the in-flight records last.
--
-- Returns {recorded, dropped, duplicates, retried}
--#include key-types
--#include clock
--#include audit
--#include wake
--#include deliveries

local node = ARGV[1]
local count = math.floor((#ARGV - 5) / 4)
if count <= 0 then
  return {0, 0, 0, 0}
end

local refused = check_key_types({'hash', 'list', 'hash', 'string', 'string', 'zset', 'hash'})
if refused then
  return refused
end
local counters = {'processed', 'failed', 'malformed', 'stale_dropped', 'duplicates', 'retried'}
local values = redis.call('HMGET', KEYS[3], unpack(counters))
for i = 1, #counters do
  if values[i] and not string.match(values[i], '^%-?%d+$') then
    return redis.error_reply('ERR redfleet: field ' .. counters[i] .. ' of ' .. KEYS[3] .. ' is not an integer; nothing was changed')
  end
end
local seq = tonumber(redis.call('GET', KEYS[5]) or '0')
if not seq then
  return redis.error_reply('ERR redfleet: ' .. KEYS[5] .. ' is not an integer; nothing was changed')
end
local attempts = tonumber(ARGV[2])
local backoffMs = tonumber(ARGV[3])
local backoffMaxMs = tonumber(ARGV[4])
math.randomseed(tonumber(ARGV[5]))
local now = now_ms()

-- the records named, each read once: its ids and done flags (the messages only when needed)
local tokens, byToken = {}, {}
for k = 1, count do
  local token = ARGV[2 + 4 * k]
  if not byToken[token] then
    byToken[token] = {}
    tokens[#tokens + 1] = token
  end
end
local fields = {HELD_FIELD}
for i = 1, #tokens do
  fields[#fields + 1] = tokens[i] .. '|ids'
  fields[#fields + 1] = tokens[i] .. '|done'
end
local stored = redis.call('HMGET', KEYS[1], unpack(fields))
if stored[1] and not string.match(stored[1], '^%-?%d+$') then
  return redis.error_reply('ERR redfleet: field ' .. HELD_FIELD .. ' of ' .. KEYS[1] .. ' is not an integer; nothing was changed')
end
for i = 1, #tokens do
  local r = byToken[tokens[i]]
  r.ids, r.done, r.marks, r.list = stored[2 * i], stored[2 * i + 1], {}, {}
  if r.ids and tokens[i] ~= '' and not string.find(tokens[i], '|', 1, true) then
    r.n = #r.ids / 16
  else
    r.n = 0
  end
end

-- per outcome k: its record, index, id and attempt (nil record: not held, dropped)
local recordOf, indexOf, idOf, attemptOf, reasons = {}, {}, {}, {}, {}
local function raw_of(k)
  local r = recordOf[k]
  if not r.record then
    r.record = redis.call('HGET', KEYS[1], r.token)
  end
  return deliveries_message(r.record, r.n, indexOf[k])
end

-- the message as it goes out again: attempt A+1 between ts (or epoch) and body
local function next_attempt(raw, attempt)
  local head, rest = string.match(raw, '^({"id":%d+,"epoch":%d+),(.*)$')
  if not head then
    return nil
  end
  local ts = string.match(rest, '^"ts":%d+,')
  if ts then
    head = head .. ',' .. string.sub(ts, 1, -2)
    rest = string.sub(rest, #ts + 1)
  end
  local old = string.match(rest, '^"attempt":%d+,')
  if old then
    rest = string.sub(rest, #old + 1)
  end
  return head .. ',"attempt":' .. attempt .. ',' .. rest
end

local present = {}
local held = 0
local candidates = {}
local retries = {}
local malformed, dropped = 0, 0
local errors = {}
for k = 1, count do
  local token = ARGV[2 + 4 * k]
  local r = byToken[token]
  local i = tonumber(ARGV[3 + 4 * k])
  if r.n == 0 or not i or i < 1 or i > r.n or i ~= math.floor(i) or r.marks[i]
      or (r.done and string.byte(r.done, i) == 49) then
    dropped = dropped + 1
  else
    r.token = token
    r.marks[i] = true
    r.list[#r.list + 1] = i
    recordOf[k], indexOf[k] = r, i
    local a = tonumber(ARGV[4 + 4 * k])
    attemptOf[k] = (a and a >= 1 and a == math.floor(a)) and a or 1
    reasons[k] = ARGV[5 + 4 * k]
    -- a whole number in 1..seq: no audit bit beyond what the generator handed out (claim has
    -- checked the id's form; this bounds the bitmap even for a record written by hand)
    local n = deliveries_id(r.ids, i)
    idOf[k] = n
    held = held + 1
    if n then present[#present + 1] = n end
    if reasons[k] == 'malformed' or not n or n < 1 or n > seq or n ~= math.floor(n) then
      malformed = malformed + 1
      errors[#errors + 1] = cjson.encode({error = 'malformed', raw = raw_of(k), node = node, at = now})
    elseif reasons[k] ~= '' and attempts > 1 and attemptOf[k] < attempts and next_attempt(raw_of(k), 2) then
      retries[#retries + 1] = k
    else
      candidates[#candidates + 1] = k
    end
  end
end

if held == 0 then
  -- nothing to free: the counter is best effort when Redis is at maxmemory
  redis.pcall('HINCRBY', KEYS[3], 'stale_dropped', dropped)
  return {0, dropped, 0, 0}
end
-- Every check that can refuse came before. The first write is a no-op HDEL ('|' is never a field):
-- Redis refuses a write that grows memory at maxmemory only while a script has not written yet,
-- so from here on the script can record outcomes, and so free memory, in a full Redis.
local auditRefused = audit_check(KEYS[4], present)
if auditRefused then
  return redis.error_reply(auditRefused)
end
redis.call('HDEL', KEYS[1], '|')

-- a failure with attempts left is not an outcome: no audit bit, unless one is already set (the
-- message's outcome was recorded elsewhere: then this is a duplicate, not retried)
local retried = 0
local delayed = {}
local registered = {}
local duplicates = 0
local function duplicate(k)
  duplicates = duplicates + 1
  errors[#errors + 1] = cjson.encode({error = 'duplicate', outcome = reasons[k] == '' and 'ok' or reasons[k],
    raw = raw_of(k), node = node, at = now})
end
for i = 1, #retries do
  local k = retries[i]
  if audit_seen(KEYS[4], idOf[k]) then
    duplicate(k)
  else
    local attempt = attemptOf[k]
    local d = math.min(backoffMaxMs, backoffMs * 2 ^ (attempt - 1))
    local due = now + math.floor(d / 2 + math.random() * d / 2)
    local member = next_attempt(raw_of(k), attempt + 1)
    delayed[#delayed + 1] = due
    delayed[#delayed + 1] = member
    registered[#registered + 1] = string.format('%d', idOf[k])
    registered[#registered + 1] = redis.sha1hex(member)
    retried = retried + 1
  end
end

-- the first real write: a ZADD of the same member again only moves its due time, so a call that
-- fails after it (say an ACL that denies a later command) and is retried schedules no retry twice
for i = 1, #delayed, 1000 do
  redis.call('ZADD', KEYS[6], unpack(delayed, i, math.min(i + 999, #delayed)))
end
if #delayed > 0 then wake_mover(KEYS[6]) end
for i = 1, #registered, 1000 do
  redis.call('HSET', KEYS[7], unpack(registered, i, math.min(i + 999, #registered)))
end

-- then the audit bits: an outcome whose bit was already set is a duplicate, counted and not
-- recorded a second time
local marked = {}
for i = 1, #candidates do
  marked[i] = idOf[candidates[i]]
end
local old = audit_mark(KEYS[4], marked)
local processed, failed = 0, 0
for i = 1, #candidates do
  local k = candidates[i]
  if old[i] == 1 then
    duplicate(k)
  else
    processed = processed + 1
    if reasons[k] ~= '' then
      failed = failed + 1
      -- the error entry is the message itself plus why, where and when
      local raw = raw_of(k)
      local attempt = attemptOf[k]
      local head = string.match(raw, '^(.*)}%s*$')
      if head then
        local more = attempt >= 2 and (',"attempts":' .. attempt) or ''
        errors[#errors + 1] = head .. ',"error":' .. cjson.encode(reasons[k]) .. more .. ',"node":' .. cjson.encode(node) .. ',"at":' .. now .. '}'
      else
        errors[#errors + 1] = cjson.encode({error = reasons[k], raw = raw, node = node, at = now})
      end
    end
  end
end

for i = 1, #errors, 1000 do
  redis.call('LPUSH', KEYS[2], unpack(errors, i, math.min(i + 999, #errors)))
end
if processed > 0 then redis.call('HINCRBY', KEYS[3], 'processed', processed) end
if failed > 0 then redis.call('HINCRBY', KEYS[3], 'failed', failed) end
if malformed > 0 then redis.call('HINCRBY', KEYS[3], 'malformed', malformed) end
if dropped > 0 then redis.call('HINCRBY', KEYS[3], 'stale_dropped', dropped) end
if duplicates > 0 then redis.call('HINCRBY', KEYS[3], 'duplicates', duplicates) end
if retried > 0 then redis.call('HINCRBY', KEYS[3], 'retried', retried) end
-- last: the deliveries are marked done only once everything about them is written; a call that
-- fails half way leaves them held, to be finished again (or requeued), not lost
for t = 1, #tokens do
  local r = byToken[tokens[t]]
  if #r.list > 0 then
    deliveries_mark(KEYS[1], tokens[t], r.n, r.done, r.list)
  end
end
deliveries_unhold(KEYS[1], held)
return {processed + malformed, dropped, duplicates, retried}
