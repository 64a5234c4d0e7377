-- claim-batch: the body of claim, shared by claim.lua and finish-claim.lua. A script includes it
-- with `--#include claim-batch`, after key-types and deliveries. claim.lua's header describes what
-- it does, what it refuses and the order of its writes.
--
-- K: the keys, {queue, landing, inflight, nodes, errors, stats, seq, epoch, paused}.
-- claim_refused(K, token)  reads only: an error reply when the token cannot name a delivery, a key
--                          has the wrong type or a counter is not an integer; else nil and what it
--                          read: {seq, epoch, landed, queued, members, repeated, paused}
-- claim_batch(K, node, count, least, token, now, read)
--                          the claim: {messages, marker, indices} (see claim.lua)
--
-- Type checks (lib/key-types.lua): every key but errors and paused is first touched by a typed read
-- the claim needs anyway, made with redis.pcall before the first write, and TYPE runs only when it
-- failed, to name the key. errors is only ever written (malformed entries, known only after the
-- first write, the RPOP), so it keeps its TYPE probe; paused may be of any type (EXISTS).
local function claim_refused(K, token)
  if not deliveries_token_ok(token) then
    return redis.error_reply('ERR redfleet: claim token ' .. cjson.encode(token) .. ' is empty or has a | or a # or a leading {; nothing was changed')
  end
  local counter, refused = typed_read('hash', 'HGET', K.stats, 'malformed')
  if refused then
    return refused
  end
  if counter and not string.match(counter, '^%-?%d+$') then
    return redis.error_reply('ERR redfleet: field malformed of ' .. K.stats .. ' is not an integer; nothing was changed')
  end
  -- a claim's first chunk (the field named by its token) exists as long as the claim holds a
  -- message: a repeated token whose claim still holds some is one whose answer was lost
  local fields
  fields, refused = typed_read('hash', 'HMGET', K.inflight, HELD_FIELD, token)
  if refused then
    return refused
  end
  if fields[1] and not string.match(fields[1], '^%-?%d+$') then
    return redis.error_reply('ERR redfleet: field ' .. HELD_FIELD .. ' of ' .. K.inflight .. ' is not an integer; nothing was changed')
  end
  if fields[2] then
    -- a repeated token: its claim key is read after finish-claim's writes, so its type is checked now
    refused = refused_type(deliveries_key(K.inflight, token), 'string')
    if refused then
      return refused
    end
  end
  local seq, epoch, landed, queued, members
  seq, refused = typed_read('string', 'GET', K.seq)
  if refused then
    return refused
  end
  epoch, refused = typed_read('string', 'GET', K.epoch)
  if refused then
    return refused
  end
  seq, epoch = tonumber(seq or '0'), tonumber(epoch or '0')
  if not seq or not epoch then
    return redis.error_reply('ERR redfleet: ' .. K.seq .. ' or ' .. K.epoch .. ' is not an integer; nothing was changed')
  end
  landed, refused = typed_read('list', 'LLEN', K.landing)
  if refused then
    return refused
  end
  queued, refused = typed_read('list', 'LLEN', K.queue)
  if refused then
    return refused
  end
  members, refused = typed_read('zset', 'ZCARD', K.nodes)
  if refused then
    return refused
  end
  refused = check_types({K.errors}, {'list'})
  if refused then
    return refused
  end
  -- EXISTS, not GET: a paused key of any type pauses, as in produce.lua (it is only ever read here)
  return nil, {seq = seq, epoch = epoch, landed = landed, queued = queued, members = members,
    repeated = fields[2] ~= false, paused = redis.call('EXISTS', K.paused) == 1}
end

local function claim_batch(K, node, count, least, token, now, read)
  local seq, epoch, paused = read.seq, read.epoch, read.paused
  local marker = paused and {'paused'} or {}

  -- a repeated token: what its record still holds (a record exists only for a claim that took
  -- something; one that took nothing simply claims now)
  -- (finish-claim read it before its finish: a record that finish has just emptied is gone)
  if read.repeated then
    local again = deliveries_held(K.inflight, token)
    if again.found then
      redis.pcall('ZADD', K.nodes, now, node)
      return {again[1], marker, again[2]}
    end
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
  local landed = read.landed
  if landed > 0 then
    taken = redis.call('RPOP', K.landing, landed)
  end
  local more = tonumber(count)
  -- fair share: a claim takes at most max(ceil(queued / nodes), least) straight from the queue, and
  -- never more than count, so a burst that arrives at once is split among the nodes instead of
  -- going whole to the first claim that runs; a long queue (a high rate) still fills every claim.
  -- Nodes: the members of <ns>:nodes. The least keeps a short queue from being taken in shares that
  -- shrink claim after claim (a third, a third of the rest...), each a call for a few messages. A
  -- fraction counts as its whole part and anything else that is not a number >= 0 as 0: RPOP would
  -- refuse a fraction, after the landing list's pop (a write)
  if more > 0 then
    least = tonumber(least) or 0
    if least ~= least or least < 0 then
      least = 0
    end
    more = math.min(more, math.max(math.floor(least), math.ceil(read.queued / math.max(1, read.members))))
  end
  if more > 0 then
    local popped = redis.call('RPOP', K.queue, more)
    if popped then
      if #taken == 0 then
        taken = popped
      else
        local t = #taken
        for i = 1, #popped do
          taken[t + i] = popped[i]
        end
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
  local epochColon = string.format('%d', epoch) .. ':'
  -- anchored at the epoch's place (digits and ':' are no magic characters): a message of another
  -- epoch is not searched to its end
  local epochAnchored = '^' .. epochColon
  local function at_most(digits, limit)
    return #digits < #limit or (#digits == #limit and digits <= limit)
  end
  local function message_id(raw)
    local id = string.match(raw, '^([1-9]%d*):')
    if not id or not at_most(id, seqText) then
      return nil
    end
    local at = #id + 2
    -- the common case: the current epoch
    if not string.find(raw, epochAnchored, at) then
      -- epoch 0: a message sent by a client (send, HTTP, the Java client), not by a generator
      local e = string.match(raw, '^(%d+):', at)
      if not e or (e ~= '0' and (string.byte(e, 1) == 48 or not at_most(e, epochColon:sub(1, -2)))) then
        return nil
      end
    end
    return id
  end

  -- counters, not #t, per message: the length operator searches a table with room to spare
  local claimed, claimedIds, claimedCount = {}, {}, 0
  local errors = {}
  for i = 1, #taken do
    local id = message_id(taken[i])
    if id then
      claimedCount = claimedCount + 1
      claimed[claimedCount] = taken[i]
      claimedIds[claimedCount] = id
    else
      errors[#errors + 1] = cjson.encode({error = 'malformed', raw = taken[i], node = node, at = now})
    end
  end

  if #claimed > 0 then
    redis.call('HSET', K.inflight, unpack(deliveries_records(claimed, token)))
    redis.call('SET', deliveries_key(K.inflight, token), deliveries_ids(claimedIds))
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
