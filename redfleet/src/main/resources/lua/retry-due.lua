-- retry-due: move the delayed messages whose due time has come (retries written by finish, delayed
-- sends written by send) from the delayed set to the consumer end of the queue, the earliest due
-- first. Run by the leader, like the reaper.
--
-- KEYS[1]  <ns>:delayed      sorted set: message -> due time (ms, Redis clock)
-- KEYS[2]  <ns>:queue
-- KEYS[3]  <ns>:delayed:ids  hash: id -> SHA-1 (hex) of the delayed message the fleet wrote for
--                            that id (send.lua, finish.lua); the field goes when the message is moved
-- KEYS[4]  <ns>:errors
-- KEYS[5]  <ns>:stats        'malformed' counts the entries not moved
-- ARGV[1]  at most this many entries per call
-- ARGV[2]  the caller's node id, named in the errors entries
-- ARGV[3]  horizon (ms): an entry scored further ahead than this (+inf included) was not written
--          by the fleet (send delays at most 10 years, a retry at most a day)
--
-- Returns {moved, still delayed, malformed, next}: next = ms (Redis clock) until the earliest entry
-- still delayed is due, -1 when none is: the mover waits that long, or until woken.
--
-- Deletes the list <ns>:delayed:wake (KEYS[1] .. ':wake', lib/wake.lua: same {ns} hash tag, not
-- declared in KEYS), which send and finish fill when they add to the delayed set: the mover
-- blocks on it (BLMOVE) instead of polling, and an entry added after this call wakes it again.
--
-- Only what the fleet put in the delayed set moves (docs/DATA-PATH.md, "The delayed set"):
--   * an entry whose id has a field in KEYS[3] moves if the field is the SHA-1 of the entry: the
--     very message send (a delayed send) or finish (a retry) wrote; scored too far ahead, it moves
--     now instead of never;
--   * everything else (a forged copy of a queued or delayed message, anything scored beyond the
--     horizon, an entry that is no message) goes to the errors list as
--     {"error":"malformed","raw":...,"node":...,"at":...,"from":"delayed"}, raw kept byte for byte,
--     and counts in 'malformed'. So a forged entry can never be claimed ahead of the real message
--     whose id it carries.
--
-- Fails before its first write (error reply, nothing changed) if a key it would write has the
-- wrong type (with nothing due, the queue and the errors list are not written and not checked) or
-- the counter is not an integer. The first write is the DEL of the wake list, then the ZREM (both
-- allowed at maxmemory, they free memory), so a full Redis keeps returning retries; the move is
-- memory neutral.
--#include clock
--#include key-types
-- every read comes before the first write (the DEL of the wake list) and is its key's type check
-- (lib/key-types.lua); the queue and the errors list, only written, are probed (TYPE) only when
-- something is due
local counter = redis.pcall('HGET', KEYS[5], 'malformed')
if failed(counter) then return refused_type(KEYS[5], 'hash') or redis.call('HGET', KEYS[5], 'malformed') end
if counter and not string.match(counter, '^%-?%d+$') then
  return redis.error_reply('ERR redfleet: field malformed of ' .. KEYS[5] .. ' is not an integer; nothing was changed')
end
local max = tonumber(ARGV[1])
local now = now_ms()
local due = redis.pcall('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, max)
if failed(due) then return refused_type(KEYS[1], 'zset') or redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, max) end
if #due < max then
  local far = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%d', now + tonumber(ARGV[3])), '+inf',
    'LIMIT', 0, max - #due)
  for i = 1, #far do
    due[#due + 1] = far[i]
  end
end
local ids = {}
local registered = {}
if #due > 0 then
  for i = 1, #due do
    ids[i] = string.match(due[i], '^([1-9]%d*):%d+:') or ':'
  end
  registered = redis.pcall('HMGET', KEYS[3], unpack(ids))
  if failed(registered) then return refused_type(KEYS[3], 'hash') or redis.call('HMGET', KEYS[3], unpack(ids)) end
  local refused = refused_type(KEYS[2], 'list') or refused_type(KEYS[4], 'list')
  if refused then
    return refused
  end
end
-- frees memory, allowed at maxmemory; what is added from here on wakes the mover again
redis.call('DEL', KEYS[1] .. ':wake')
-- ms until the earliest entry left is due, -1 when none is left
local function next_due()
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #first == 0 then
    return -1
  end
  return math.max(1, math.min(tonumber(ARGV[3]), math.floor((tonumber(first[2]) or now) - now)))
end
if #due == 0 then
  return {0, redis.call('ZCARD', KEYS[1]), 0, next_due()}
end

local moved, gone, errors = {}, {}, {}
for i = 1, #due do
  local raw = due[i]
  local real
  if registered[i] then
    real = registered[i] == redis.sha1hex(raw)
    if real then
      gone[#gone + 1] = ids[i]
    end
  else
    real = false
  end
  if real then
    moved[#moved + 1] = raw
  else
    errors[#errors + 1] = cjson.encode({error = 'malformed', raw = raw, node = ARGV[2], at = now, from = 'delayed'})
  end
end

for i = 1, #due, 1000 do
  redis.call('ZREM', KEYS[1], unpack(due, i, math.min(i + 999, #due)))
end
-- the consumer takes from the right: the earliest due must end up rightmost
local reversed = {}
for i = #moved, 1, -1 do
  reversed[#reversed + 1] = moved[i]
end
for i = 1, #reversed, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(reversed, i, math.min(i + 999, #reversed)))
end
for i = 1, #errors, 1000 do
  redis.call('LPUSH', KEYS[4], unpack(errors, i, math.min(i + 999, #errors)))
end
if #errors > 0 then
  redis.call('HINCRBY', KEYS[5], 'malformed', #errors)
end
for i = 1, #gone, 1000 do
  redis.call('HDEL', KEYS[3], unpack(gone, i, math.min(i + 999, #gone)))
end
return {#moved, redis.call('ZCARD', KEYS[1]), #errors, next_due()}
