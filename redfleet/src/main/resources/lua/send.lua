-- send: adds messages from outside the fleet (the send command, POST /messages, the Java client,
-- requeue-errors goes through its own script). Not fenced: anyone allowed to write the namespace
-- may send. Each message gets the next id from seq, so ids stay unique and gap-free whoever
-- hands them out (generator or sender).
--
-- KEYS[1]  <ns>:seq      last message id assigned
-- KEYS[2]  <ns>:queue    list; a message due now is LPUSHed (consumers take from the right)
-- KEYS[3]  <ns>:delayed  sorted set; a delayed message waits here, scored by its due time, until
--                        retry-due.lua moves it to the queue (the same path as retries)
--                        (a ZADD here also wakes the retry mover: lib/wake.lua)
-- KEYS[4]  <ns>:stats    hash; 'produced' and 'sent' are incremented by the messages created
-- KEYS[5]  <ns>:delayed:ids  hash; id -> SHA-1 (hex) of each delayed message: retry-due moves only
--                        the entry the fleet wrote, never a forged one carrying the same id
-- KEYS[6..] <ns>:dedup:<key>  one per message that has a dedup key, in the order of those messages
-- ARGV[1]  dedup window (ms): how long a key answers with its first message's id
-- ARGV[2..] three per message:
--          due   '' = now; 'd<ms>' = after that many ms; 'a<ms>' = at that Redis time (ms)
--          key   '1' = the next of KEYS[6..] is this message's dedup key; '0' = none
--          tail  '<meta length>:<meta><body>': the message's last header field, its key and headers
--                (a JSON object, '' for none) and its body (lib/entry.lua)
--
-- Returns {ids, created}: ids[i] is message i's id (for a dedup key seen inside the window, the id
-- of the message first sent with it: nothing new is added); created = how many messages were added.
--
-- A message is 'N:0:T:1:S:<tail>' (lib/entry.lua): epoch 0 says no generator produced it; T is when
-- it is due (Redis clock, ms), S when it was sent for a delayed message, 0 for one due at once.
--
-- A fleet member's call is guarded (issue-guard: the dataset and server it knows, its floor for
-- seq, which may be raised first).
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type (a dedup
-- key that is not a string included) or seq is not an integer.
--#include clock
--#include key-types
--#include wake
--#include server
--#include issue-guard
local guarded = issue_guard()
if guarded then
  return guarded
end
-- seq, the counter and each dedup key are read before the first write: those reads are their type
-- checks (lib/key-types.lua); the queue's is its LPUSH, always the first write; the delayed set
-- and its ids hash, written after it, are probed (TYPE) only when a message is delayed
local seqText = redis.pcall('GET', KEYS[1])
if failed(seqText) then return refused_type(KEYS[1], 'string') or redis.call('GET', KEYS[1]) end
local seq = tonumber(seqText or '0')
local produced = redis.pcall('HGET', KEYS[4], 'produced')
if failed(produced) then return refused_type(KEYS[4], 'hash') or redis.call('HGET', KEYS[4], 'produced') end
if not seq or (produced and not string.match(produced, '^%-?%d+$')) then
  return redis.error_reply('ERR redfleet: ' .. KEYS[1] .. ' or field produced of ' .. KEYS[4] .. ' is not an integer; nothing was changed')
end
local window = tonumber(ARGV[1])
local n = (#ARGV - 1) / 3

-- first every read, so that a wrong-typed dedup key fails the call before anything is written
local known = {}
local now = now_ms()
local nowText = string.format('%d', now)
local ids = {}
local queued = {}
local delayed = {}
local registered = {}
local created = 0
local nextKey = 6
for i = 1, n do
  local due = ARGV[3 * i - 1]
  local hasKey = ARGV[3 * i] == '1'
  local tail = ARGV[3 * i + 1]
  local dedupKey
  local existing
  if hasKey then
    dedupKey = KEYS[nextKey]
    nextKey = nextKey + 1
    existing = known[dedupKey]
    if not existing then
      existing = redis.pcall('GET', dedupKey)
      if failed(existing) then return refused_type(dedupKey, 'string') or redis.call('GET', dedupKey) end
    end
  end
  if existing then
    ids[i] = tonumber(existing)
  else
    seq = seq + 1
    created = created + 1
    local id = string.format('%d', seq)
    ids[i] = seq
    if dedupKey then
      known[dedupKey] = id
    end
    local at = now
    local kind = string.sub(due, 1, 1)
    if kind == 'd' then
      at = now + tonumber(string.sub(due, 2))
    elseif kind == 'a' then
      at = tonumber(string.sub(due, 2))
    end
    if at > now then
      local atText = string.format('%d', at)
      local message = id .. ':0:' .. atText .. ':1:' .. nowText .. ':' .. tail
      delayed[#delayed + 1] = atText
      delayed[#delayed + 1] = message
      registered[#registered + 1] = id
      registered[#registered + 1] = redis.sha1hex(message)
    else
      queued[#queued + 1] = id .. ':0:' .. nowText .. ':1:0:' .. tail
    end
  end
end

if #delayed > 0 then
  -- written after the queue's LPUSH: probed first
  local refused = refused_type(KEYS[3], 'zset') or refused_type(KEYS[5], 'hash')
  if refused then
    return refused
  end
end
for i = 1, #queued, 1000 do
  local pushed = redis.pcall('LPUSH', KEYS[2], unpack(queued, i, math.min(i + 999, #queued)))
  if failed(pushed) then
    -- only the first LPUSH can meet a wrong type, and it is the first write: nothing was changed
    return refused_type(KEYS[2], 'list') or redis.call('LPUSH', KEYS[2], unpack(queued, i, math.min(i + 999, #queued)))
  end
end
for i = 1, #delayed, 1000 do
  redis.call('ZADD', KEYS[3], unpack(delayed, i, math.min(i + 999, #delayed)))
end
if #delayed > 0 then wake_mover(KEYS[3]) end
for i = 1, #registered, 1000 do
  redis.call('HSET', KEYS[5], unpack(registered, i, math.min(i + 999, #registered)))
end
for key, id in pairs(known) do
  redis.call('SET', key, id, 'PX', window)
end
if created > 0 then
  redis.call('SET', KEYS[1], string.format('%d', seq))
  redis.call('HINCRBY', KEYS[4], 'produced', created)
  redis.call('HINCRBY', KEYS[4], 'sent', created)
end
return {ids, created}
