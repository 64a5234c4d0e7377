-- reserve: the first half of a durable produce, used when the master has replicas. Hands out the
-- batch's ids (seq grows), fenced and bounded exactly like produce.lua, and records the
-- reservation; no message is written. The caller WAITs until a replica has it and only then
-- publishes the messages (publish.lua): once a message carries an id, a replica has that id, so a
-- promoted replica never hands it out again. A publish lost with the master leaves a gap.
--
-- KEYS[1]  <ns>:leader         must still hold ARGV[1], or nothing is written
-- KEYS[2]  <ns>:seq            last id handed out (reserved ids included)
-- KEYS[3]  <ns>:queue          its length is bounded by the queue cap
-- KEYS[4]  <ns>:source:cursor  the source's committed position
-- KEYS[5]  <ns>:paused         present while the fleet is paused: nothing is reserved
-- KEYS[6]  <ns>:reserved       string "<token>|<first id>|<count>": the reservation publish.lua takes
-- ARGV[1]  token "<nodeId>:<epoch>"
-- ARGV[2]  limit: total ids the fleet may ever hand out (0 = unbounded)
-- ARGV[3]  queue cap
-- ARGV[4]  the cursor the batch was read from ('' = the source has no position)
-- ARGV[5]  the cursor after the batch ('' = none): a batch with a cursor is all or nothing
-- ARGV[6]  how many messages the batch has
--
-- Returns {count, lastId, status} as produce.lua does (count ids reserved, lastId = seq after the
-- call, status 'ok', 'full', 'limit', 'fenced', 'paused', or 'moved' with a fourth element, the
-- committed cursor); the reserved ids are lastId - count + 1 .. lastId.
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type or seq is
-- not an integer. A guarded call (issue-guard) may raise seq to the caller's floor first.
--#include key-types
--#include server
--#include issue-guard
local guarded = issue_guard()
if guarded then
  return guarded
end
local refused = check_key_types({'string', 'string', 'list', 'string', 'string', 'string'})
if refused then
  return refused
end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {0, tonumber(redis.call('GET', KEYS[2]) or '0') or 0, 'fenced'}
end
if redis.call('EXISTS', KEYS[5]) == 1 then
  return {0, tonumber(redis.call('GET', KEYS[2]) or '0') or 0, 'paused'}
end
local withCursor = ARGV[5] ~= ''
if withCursor then
  local committed = redis.call('GET', KEYS[4]) or ''
  if committed ~= ARGV[4] then
    return {0, tonumber(redis.call('GET', KEYS[2]) or '0') or 0, 'moved', committed}
  end
end
local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
if not seq then
  return redis.error_reply('ERR redfleet: ' .. KEYS[2] .. ' is not an integer; nothing was changed')
end
local limit = tonumber(ARGV[2])
local wanted = tonumber(ARGV[6])
local n = wanted
local limitCut = limit > 0 and limit - seq < n
if limitCut then
  n = limit - seq
end
local room = tonumber(ARGV[3]) - redis.call('LLEN', KEYS[3])
local status = 'ok'
if room < n then
  n = room
  status = 'full'
end
if n < 0 then
  n = 0
end
if withCursor and n < wanted then
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
redis.call('SET', KEYS[2], string.format('%d', seq + n))
redis.call('SET', KEYS[6], ARGV[1] .. '|' .. string.format('%d', seq + 1) .. '|' .. string.format('%d', n))
return {n, seq + n, status}
