-- claim-batch: the body of claim, shared by claim.lua and finish-claim.lua. A script includes it
-- with `--#include claim-batch`, after key-types and deliveries. claim.lua's header describes what
-- it does, what it refuses and the order of its writes.
--
-- K: the keys, {queue, landing, inflight, nodes, errors, stats, seq, epoch, paused} (their types
-- checked by the caller).
-- claim_refused(K, token)  reads only: an error reply when the token cannot name a delivery or a
--                          counter is not an integer; else nil, seq, epoch (numbers)
-- claim_batch(K, node, count, token, now, seq, epoch)
--                          the claim: {messages, marker, indices} (see claim.lua)
local function claim_refused(K, token)
  if token == '' or string.find(token, '|', 1, true) or string.byte(token, 1) == 123 then
    return redis.error_reply('ERR redfleet: claim token ' .. cjson.encode(token) .. ' is empty or has a | or a leading {; nothing was changed')
  end
  local counter = redis.call('HGET', K.stats, 'malformed')
  if counter and not string.match(counter, '^%-?%d+$') then
    return redis.error_reply('ERR redfleet: field malformed of ' .. K.stats .. ' is not an integer; nothing was changed')
  end
  local held = redis.call('HGET', K.inflight, HELD_FIELD)
  if held and not string.match(held, '^%-?%d+$') then
    return redis.error_reply('ERR redfleet: field ' .. HELD_FIELD .. ' of ' .. K.inflight .. ' is not an integer; nothing was changed')
  end

  local seq = tonumber(redis.call('GET', K.seq) or '0')
  local epoch = tonumber(redis.call('GET', K.epoch) or '0')
  if not seq or not epoch then
    return redis.error_reply('ERR redfleet: ' .. K.seq .. ' or ' .. K.epoch .. ' is not an integer; nothing was changed')
  end
  return nil, seq, epoch
end

local function claim_batch(K, node, count, token, now, seq, epoch)
  -- EXISTS, not GET: a paused key of any type pauses, as in produce.lua (it is only ever read here)
  local paused = redis.call('EXISTS', K.paused) == 1
  local marker = paused and {'paused'} or {}

  -- a repeated token: what its record still holds (a record exists only for a claim that took
  -- something; one that took nothing simply claims now)
  if redis.call('HGET', K.inflight, token .. '|ids') then
    local again = deliveries_held(K.inflight, token)
    redis.pcall('ZADD', K.nodes, now, node)
    return {again[1], marker, again[2]}
  end

  if paused then
    -- the landing list is newest first: pushed in that order, its oldest ends up at the right end,
    -- the next to be taken. DEL first: at maxmemory Redis refuses a script's first write if it may
    -- grow memory, and allows the rest once the script has written
    local landed = redis.call('LRANGE', K.landing, 0, -1)
    if #landed > 0 then
      redis.call('DEL', K.landing)
    end
    for i = 1, #landed, 1000 do
      redis.call('RPUSH', K.queue, unpack(landed, i, math.min(i + 999, #landed)))
    end
    redis.pcall('ZADD', K.nodes, now, node)
    return {{}, marker, {}}
  end

  local taken = {}
  local landed = redis.call('LLEN', K.landing)
  if landed > 0 then
    taken = redis.call('RPOP', K.landing, landed)
  end
  local more = tonumber(count)
  -- fair share: a claim takes at most ceil(queued / nodes) straight from the queue, so a burst that
  -- arrives at once is split among the nodes instead of going whole to the first claim that runs;
  -- a long queue (a high rate) still fills every claim. Nodes: the members of <ns>:nodes.
  if more > 0 then
    more = math.min(more, math.ceil(redis.call('LLEN', K.queue) / math.max(1, redis.call('ZCARD', K.nodes))))
  end
  if more > 0 then
    local popped = redis.call('RPOP', K.queue, more)
    if popped then
      for i = 1, #popped do
        taken[#taken + 1] = popped[i]
      end
    end
  end
  -- the heartbeat: after the pops, so a Redis at maxmemory still lets a claim take messages
  redis.pcall('ZADD', K.nodes, now, node)
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
      errors[#errors + 1] = cjson.encode({error = 'malformed', raw = taken[i], node = node, at = now})
    end
  end

  if #claimed > 0 then
    local record, ids = deliveries_record(claimed, claimedIds)
    redis.call('HSET', K.inflight, token, record, token .. '|ids', ids)
    redis.call('HINCRBY', K.inflight, HELD_FIELD, #claimed)
  end
  for i = 1, #errors, 1000 do
    redis.call('LPUSH', K.errors, unpack(errors, i, math.min(i + 999, #errors)))
  end
  if #errors > 0 then
    redis.call('HINCRBY', K.stats, 'malformed', #errors)
  end
  return {claimed, {}, {}}
end
