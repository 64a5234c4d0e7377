-- produce: the generator's only write. Appends a batch of new messages to the queue,
-- fenced by the lease, bounded by the fleet-wide limit and by the queue cap.
--
-- KEYS[1]  <ns>:leader  must still hold ARGV[1], or nothing is written
-- KEYS[2]  <ns>:seq     last message id assigned (ids are gap-free across generators)
-- KEYS[3]  <ns>:queue   list; producers LPUSH, consumers take from the right
-- KEYS[4]  <ns>:stats   hash; 'produced' is incremented
-- ARGV[1]  token "<nodeId>:<epoch>"
-- ARGV[2]  epoch, written into every message
-- ARGV[3]  limit: total messages the fleet may ever produce (0 = unbounded)
-- ARGV[4]  queue cap: the queue never grows past this many entries
-- ARGV[5..] message bodies, each already a JSON string literal ("...", escaped)
--
-- Returns {count, lastId, status}
--   count   messages appended by this call
--   lastId  the value of seq after the call
--   status  'ok'     all bodies were used
--           'full'   the queue cap cut the batch (possibly to zero): back off
--           'limit'  seq reached the limit: nothing more will ever be produced
--           'fenced' the caller does not hold the lease: nothing was written
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type, seq is
-- not an integer or the 'produced' counter is not one. At maxmemory with noeviction the first
-- write (LPUSH) is refused by Redis: nothing is produced, and the generator backs off.
--#include key-types
local refused = check_key_types({'string', 'string', 'list', 'hash'})
if refused then
  return refused
end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {0, tonumber(redis.call('GET', KEYS[2]) or '0') or 0, 'fenced'}
end

local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
local produced = redis.call('HGET', KEYS[4], 'produced')
if not seq or (produced and not string.match(produced, '^%-?%d+$')) then
  return redis.error_reply('ERR redfleet: ' .. KEYS[2] .. ' or field produced of ' .. KEYS[4] .. ' is not an integer; nothing was changed')
end
local limit = tonumber(ARGV[3])
local wanted = #ARGV - 4
local n = wanted
if limit > 0 and limit - seq < n then
  n = limit - seq
end
local room = tonumber(ARGV[4]) - redis.call('LLEN', KEYS[3])
local status = 'ok'
if room < n then
  n = room
  status = 'full'
end
if n < 0 then
  n = 0
end
if limit > 0 and seq + n >= limit then
  status = 'limit'
end
if n == 0 then
  return {0, seq, status}
end

-- one concatenation per message; the part between id and body is the same for the whole batch.
-- ts is the produce time on the Redis clock (ms), from which pickup latency is measured.
local now = redis.call('TIME')
local ts = string.format('%d', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
local middle = ',"epoch":' .. ARGV[2] .. ',"ts":' .. ts .. ',"body":'
local messages = {}
for i = 1, n do
  messages[i] = '{"id":' .. (seq + i) .. middle .. ARGV[4 + i] .. '}'
end
-- unpack() is bounded by Lua's C stack: push in chunks
for i = 1, n, 1000 do
  redis.call('LPUSH', KEYS[3], unpack(messages, i, math.min(i + 999, n)))
end
redis.call('SET', KEYS[2], string.format('%d', seq + n))
redis.call('HINCRBY', KEYS[4], 'produced', n)
return {n, seq + n, status}
