-- produce: the generator's only write. Appends a batch of new messages to the queue,
-- fenced by the lease, bounded by the fleet-wide limit and by the queue cap, and, for a source
-- with a position, commits the source's cursor in the same script as the batch.
--
-- KEYS[1]  <ns>:leader         must still hold ARGV[1], or nothing is written; in a sharded
--                              namespace <shard>:fence instead (ARGV[1] is then 'fence'): the
--                              epoch of the last generator allowed to write to the shard
-- KEYS[2]  <ns>:seq            last message id assigned (ids are gap-free across generators)
-- KEYS[3]  <ns>:queue          list; producers LPUSH, consumers take from the right
-- KEYS[4]  <ns>:stats          hash; 'produced' is incremented
-- KEYS[5]  <ns>:source:cursor  string; the source's committed position
-- KEYS[6]  <ns>:paused         present while the fleet is paused: nothing is written (in a
--                              sharded namespace, the shard's copy of the pause)
-- ARGV[1]  token "<nodeId>:<epoch>", or 'fence': fenced by KEYS[1] as a shard's fence, which a
--          lease key cannot be (the lease is under the namespace's hash tag, the shard's keys under
--          its own, and a script may touch one slot only). An epoch below the fence is refused
--          ('fenced', nothing written); a fence below the epoch is raised to it, in this script,
--          before its first write (a new generator raises every shard's fence with fence.lua
--          before it produces anywhere, so a stale one is refused on every shard)
-- ARGV[2]  epoch, written into every message (and the caller's fencing token with 'fence')
-- ARGV[3]  limit: total messages the fleet may ever produce (0 = unbounded)
-- ARGV[4]  queue cap: the queue never grows past this many entries
-- ARGV[5]  the cursor this batch was read from ('' = the source has no position)
-- ARGV[6]  the cursor after this batch; written only with the whole batch
-- ARGV[7..] the messages, each as its tail: '<meta length>:<meta><body>' (the entry's last two
--          fields and its body; the layout is lib/entry.lua's)
--
-- Returns {count, lastId, status}
--   count   messages appended by this call
--   lastId  the value of seq after the call
--   status  'ok'     all bodies were used
--           'full'   the queue cap cut the batch (possibly to zero): back off. A batch with a
--                    cursor is all or nothing: it is cut to zero
--           'limit'  seq reached the limit: nothing more will ever be produced. A batch with a
--                    cursor that does not fit under the limit is not written at all, and lastId
--                    (below the limit then) tells how many messages still would
--           'fenced' the caller does not hold the lease: nothing was written
--           'paused' the fleet is paused: nothing was written
--           'moved'  the committed cursor is not ARGV[5] (another generator went on from it):
--                    nothing was written; a fourth element is the committed cursor ('' = none)
-- A batch with a cursor and no message (ARGV[7] absent) only moves the cursor: {0, seq, 'ok'}.
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type, seq is
-- not an integer or the 'produced' counter is not one. At maxmemory with noeviction the first
-- write (LPUSH) is refused by Redis: nothing is produced, and the generator backs off.
--
-- A fleet member's call is guarded (issue-guard: the dataset and server it knows, its floor for
-- seq, which may be raised first; with replicas, the ids must be under the ceiling reserve.lua
-- raised and a replica acknowledged).
--#include key-types
--#include clock
--#include server
--#include issue-guard
local guarded = issue_guard()
if guarded then
  return guarded
end
-- each key's first touch is a typed read before the first write: a wrong-typed key fails the call
-- there, nothing written (lib/key-types.lua)
local holder = redis.pcall('GET', KEYS[1])
if failed(holder) then return refused_type(KEYS[1], 'string') or redis.call('GET', KEYS[1]) end
local seqText = redis.pcall('GET', KEYS[2])
if failed(seqText) then return refused_type(KEYS[2], 'string') or redis.call('GET', KEYS[2]) end
local seq = tonumber(seqText or '0')
local fencing = ARGV[1] == 'fence'
local raiseFence = false
if fencing then
  local fence = tonumber(holder or '0')
  local epoch = tonumber(ARGV[2])
  if not fence or not epoch then
    return redis.error_reply('ERR redfleet: ' .. KEYS[1] .. ' or the epoch is not an integer; nothing was changed')
  end
  if fence > epoch then
    return {0, seq or 0, 'fenced'}
  end
  -- raised with the first write below, so a call that writes nothing leaves it as it was
  raiseFence = fence < epoch
elseif holder ~= ARGV[1] then
  return {0, seq or 0, 'fenced'}
end

if redis.call('EXISTS', KEYS[6]) == 1 then
  return {0, seq or 0, 'paused'}
end
local withCursor = ARGV[6] ~= ''
if withCursor then
  local committed = redis.pcall('GET', KEYS[5])
  if failed(committed) then return refused_type(KEYS[5], 'string') or redis.call('GET', KEYS[5]) end
  committed = committed or ''
  if committed ~= ARGV[5] then
    return {0, seq or 0, 'moved', committed}
  end
end

local produced = redis.pcall('HGET', KEYS[4], 'produced')
if failed(produced) then return refused_type(KEYS[4], 'hash') or redis.call('HGET', KEYS[4], 'produced') end
local queued = redis.pcall('LLEN', KEYS[3])
if failed(queued) then return refused_type(KEYS[3], 'list') or redis.call('LLEN', KEYS[3]) end
-- seq must be a whole number >= 0: the ids after it are spelled digit by digit below
if not seq or seq < 0 or seq % 1 ~= 0 or (produced and not string.match(produced, '^%-?%d+$')) then
  return redis.error_reply('ERR redfleet: ' .. KEYS[2] .. ' or field produced of ' .. KEYS[4] .. ' is not an integer; nothing was changed')
end
local limit = tonumber(ARGV[3])
local FIRST = 7
local wanted = #ARGV - FIRST + 1
if withCursor and wanted == 0 then
  -- no message, only a new position (a source recording where it starts)
  redis.call('SET', KEYS[5], ARGV[6])
  return {0, seq, 'ok'}
end
local n = wanted
local limitCut = limit > 0 and limit - seq < n
if limitCut then
  n = limit - seq
end
local room = tonumber(ARGV[4]) - queued
local status = 'ok'
if room < n then
  n = room
  status = 'full'
end
if n < 0 then
  n = 0
end
if withCursor and n < wanted then
  -- all or nothing; a batch the limit cuts answers 'limit' with seq still below it: ask for fewer
  n = 0
  if limitCut then
    status = 'limit'
  end
end
if limit > 0 and seq + n >= limit then
  status = 'limit'
end
if n == 0 then
  return {0, seq, status}
end

-- one concatenation per message (lib/entry.lua's layout); the fields between id and tail are the
-- same for the whole batch: epoch, ts (the produce time on the Redis clock, ms, from which pickup
-- latency is measured), attempt 1, sent 0 (not a delayed send)
local ts = string.format('%d', now_ms())
local middle = ':' .. ARGV[2] .. ':' .. ts .. ':1:0:'
-- each id's digits without turning a number into text per message (Lua does that with a printf of
-- %.14g, a fifth of this script's time): the digits before the last once per ten ids, the last
-- from a table
local DIGITS = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'}
local messages = {}
local tens = math.floor((seq + 1) / 10)
local before = tens == 0 and '' or string.format('%d', tens)
for i = 1, n do
  local id = seq + i
  local digit = id % 10
  if digit == 0 then
    before = string.format('%d', id / 10)
  end
  messages[i] = before .. DIGITS[digit + 1] .. middle .. ARGV[FIRST - 1 + i]
end
if raiseFence then
  redis.call('SET', KEYS[1], ARGV[2])
end
-- unpack() is bounded by Lua's C stack: push in chunks
for i = 1, n, 1000 do
  redis.call('LPUSH', KEYS[3], unpack(messages, i, math.min(i + 999, n)))
end
redis.call('SET', KEYS[2], string.format('%d', seq + n))
redis.call('HINCRBY', KEYS[4], 'produced', n)
if withCursor then
  redis.call('SET', KEYS[5], ARGV[6])
end
return {n, seq + n, status}
