-- finish-outcomes: the body of finish, shared by finish.lua and finish-claim.lua. A script includes
-- it with `--#include finish-outcomes`, after key-types, audit, wake, deliveries and entry. finish.lua's
-- header describes what it does, its writes and their order.
--
-- finish_outcomes(K, node, attempts, backoffMs, backoffMaxMs, now, argv, first)
--   K: the keys, {inflight, errors, stats, audit, seq, delayed, delayedIds}; the caller has
--   checked the types of errors, delayed and delayedIds (only ever written here); those of stats,
--   seq and inflight are checked by the typed reads below, those of the audit keys by audit_check.
--   argv[first..] the quadruples (claim token, indices, attempt, outcome), indices one index in
--   digits or several packed (finish.lua); seq the value of K.seq if the caller has read it
--   already (nil: read here); the caller has seeded math.random. Returns
--   {recorded, dropped, duplicates, retried}, or an error reply (a table with err) before its
--   first write.
-- the first byte of a quadruple's indices when they are packed (finish.lua)
local FINISH_PACKED = 42

local function finish_outcomes(K, node, attempts, backoffMs, backoffMaxMs, now, argv, first, seq)
  if #argv - first + 1 < 4 then
    return {0, 0, 0, 0}
  end
  local counters = {'processed', 'failed', 'malformed', 'stale_dropped', 'duplicates', 'retried'}
  -- the typed reads are the type checks of stats, seq and inflight (lib/key-types.lua)
  local values, refused = typed_read('hash', 'HMGET', K.stats, unpack(counters))
  if refused then
    return refused
  end
  for i = 1, #counters do
    if values[i] and not string.match(values[i], '^%-?%d+$') then
      return redis.error_reply('ERR redfleet: field ' .. counters[i] .. ' of ' .. K.stats .. ' is not an integer; nothing was changed')
    end
  end
  if not seq then
    seq, refused = typed_read('string', 'GET', K.seq)
    if refused then
      return refused
    end
    seq = tonumber(seq or '0')
  end
  if not seq then
    return redis.error_reply('ERR redfleet: ' .. K.seq .. ' is not an integer; nothing was changed')
  end

  -- the claims named (lib/deliveries.lua), each read once: the ids of the messages named, and how
  -- many it still holds (the messages themselves only when needed). The quadruples are items; per
  -- item: its claim (false: a token that names none), outcome, attempt and its last outcome k (the
  -- outcomes numbered in order, a packed item's one per index); per outcome k: indexOf[k] its
  -- index in the claim (nil: no such delivery, dropped). Counters, not #t, in the loops that run
  -- once per outcome: the length operator searches a table whose array part has room to spare.
  local claims, byToken, claimCount = {}, {}, 0
  local indexOf = {}
  local items, itemClaim, itemReason, itemAttempt, itemLast = 0, {}, {}, {}, {}
  local count = 0
  for item = first, #argv - 3, 4 do
    local token, named = argv[item], argv[item + 1]
    local r = byToken[token]
    if r == nil then
      -- a token that names no claim (claim refuses it): its outcomes are dropped below
      r = deliveries_token_ok(token)
        and {token = token, key = deliveries_key(K.inflight, token), indices = {}, count = 0, chunks = {}}
      byToken[token] = r
      if r then
        claimCount = claimCount + 1
        claims[claimCount] = r
      end
    end
    local a = tonumber(argv[item + 2])
    items = items + 1
    itemClaim[items], itemReason[items] = r, argv[item + 3]
    itemAttempt[items] = (a and a >= 1 and a % 1 == 0) and a or 1
    -- an index beyond any claim's size is no message: a bound keeps the arithmetic on slots small
    local list, c = r and r.indices, r and r.count
    if string.byte(named, 1) == FINISH_PACKED then
      -- several outcomes alike: 4 bytes an index (unsigned, big-endian: a whole number), at most
      -- 1,000 unpacked at a time (struct.unpack returns them all on Lua's stack)
      local m = (#named - 1 - (#named - 1) % 4) / 4
      for from = 0, m - 1, 1000 do
        local took = math.min(1000, m - from)
        local got = {struct.unpack('>' .. string.rep('I4', took), named, 2 + 4 * from)}
        for j = 1, took do
          local index = got[j]
          count = count + 1
          if r and index >= 1 and index <= 33554431 then
            indexOf[count] = index
            c = c + 1
            list[c] = index
          end
        end
      end
    else
      local index = tonumber(named)
      count = count + 1
      if r and index and index >= 1 and index <= 33554431 and index % 1 == 0 then
        indexOf[count] = index
        c = c + 1
        list[c] = index
      end
    end
    if r then
      r.count = c
    end
    itemLast[items] = count
  end
  local heldField
  heldField, refused = typed_read('hash', 'HGET', K.inflight, HELD_FIELD)
  if refused then
    return refused
  end
  if heldField and not string.match(heldField, '^%-?%d+$') then
    return redis.error_reply('ERR redfleet: field ' .. HELD_FIELD .. ' of ' .. K.inflight .. ' is not an integer; nothing was changed')
  end
  for i = 1, claimCount do
    local r = claims[i]
    local read
    read, refused = deliveries_read(r.key, r.indices, r.count)
    if refused then
      return refused
    end
    r.held, r.n, r.ids, r.value, r.done, r.doneCount = read[1], read[2], read[3], read.value, {}, 0
  end

  -- per outcome k held other than a success of an id in range: its record, outcome, attempt and id
  -- (a success's reasons[k] is nil)
  local recordOf, idOf, retryOf, reasons, attemptOf = {}, {}, {}, {}, {}
  local function raw_of(k)
    local r, index = recordOf[k], indexOf[k]
    if not r then
      -- a success (its record is not kept per outcome): the claim of the item it came in
      for it = 1, items do
        if k <= itemLast[it] then
          r = itemClaim[it]
          break
        end
      end
    end
    local field, i = deliveries_field(r.token, index)
    local record = r.chunks[field]
    if not record then
      record = redis.call('HGET', K.inflight, field)
      r.chunks[field] = record
    end
    return deliveries_message(record, deliveries_chunk_size(r.n, index), i)
  end

  -- candidates: outcomes to record, with marked their ids (the audit bits to set); retries: failures
  -- with attempts left, with retryIds their ids (whose audit bits are read)
  local held = 0
  local candidates, marked, candidateCount = {}, {}, 0
  local retries, retryIds, retryCount = {}, {}, 0
  local malformed, dropped = 0, 0
  local errors, errorCount = {}, 0
  local from = 1
  for it = 1, items do
    local r, reason, attempt = itemClaim[it], itemReason[it], itemAttempt[it]
    local ids, done, d = r and r.ids, r and r.done, r and r.doneCount
    local success = reason == ''
    local last = itemLast[it]
    for k = from, last do
      local index = indexOf[k]
      local n = index and ids[index]
      if not n or n == 0 then
        dropped = dropped + 1
      else
        -- done within this call: a second outcome of the same delivery is dropped
        ids[index] = 0
        d = d + 1
        done[d] = index
        held = held + 1
        -- a whole number in 1..seq: no audit bit beyond what the generator handed out (claim has
        -- checked the id's form; this bounds the bitmap even for a record written by hand)
        if success and n >= 1 and n <= seq then
          candidateCount = candidateCount + 1
          candidates[candidateCount] = k
          marked[candidateCount] = n
        else
          recordOf[k], reasons[k], attemptOf[k], idOf[k] = r, reason, attempt, n
          local retry = false
          if reason == 'malformed' or n < 1 or n > seq then
            malformed = malformed + 1
            errorCount = errorCount + 1
            errors[errorCount] = cjson.encode({error = 'malformed', raw = raw_of(k), node = node, at = now})
          else
            if attempts > 1 and attempt < attempts then
              -- the retry's entry, made once: nil for an entry not in the message form (no retry then)
              retryOf[k] = entry_next_attempt(raw_of(k), attempt + 1)
              retry = retryOf[k] ~= nil
            end
            if retry then
              retryCount = retryCount + 1
              retries[retryCount] = k
              retryIds[retryCount] = n
            else
              candidateCount = candidateCount + 1
              candidates[candidateCount] = k
              marked[candidateCount] = n
            end
          end
        end
      end
    end
    if r then
      r.doneCount = d
    end
    from = last + 1
  end

  if held == 0 then
    -- nothing to free: the counter is best effort when Redis is at maxmemory
    redis.pcall('HINCRBY', K.stats, 'stale_dropped', dropped)
    return {0, dropped, 0, 0}
  end
  -- Every check that can refuse came before. The first write is a no-op HDEL ('|' is never a field):
  -- Redis refuses a write that grows memory at maxmemory only while a script has not written yet,
  -- so from here on the script can record outcomes, and so free memory, in a full Redis.
  local auditRefused, auditCounts = audit_check(K.audit, marked, retryIds)
  if auditRefused then
    return redis.error_reply(auditRefused)
  end
  redis.call('HDEL', K.inflight, '|')

  -- a failure with attempts left is not an outcome: no audit bit, unless one is already set (the
  -- message's outcome was recorded elsewhere: then this is a duplicate, not retried)
  local retried = 0
  local delayed = {}
  local registered = {}
  local duplicates = 0
  local function duplicate(k)
    duplicates = duplicates + 1
    errorCount = errorCount + 1
    local reason = reasons[k]
    errors[errorCount] = cjson.encode({error = 'duplicate', outcome = (reason == nil or reason == '') and 'ok' or reason,
      raw = raw_of(k), node = node, at = now})
  end
  for i = 1, retryCount do
    local k = retries[i]
    if audit_seen(K.audit, idOf[k], auditCounts) then
      duplicate(k)
    else
      local attempt = attemptOf[k]
      local d = math.min(backoffMaxMs, backoffMs * 2 ^ (attempt - 1))
      local due = now + math.floor(d / 2 + math.random() * d / 2)
      local member = retryOf[k]
      -- a number Redis gets as digits Lua formats as an integer, not as a float
      delayed[#delayed + 1] = string.format('%d', due)
      delayed[#delayed + 1] = member
      registered[#registered + 1] = string.format('%d', idOf[k])
      registered[#registered + 1] = redis.sha1hex(member)
      retried = retried + 1
    end
  end

  -- the first real write: a ZADD of the same member again only moves its due time, so a call that
  -- fails after it (say an ACL that denies a later command) and is retried schedules no retry twice
  for i = 1, #delayed, 1000 do
    redis.call('ZADD', K.delayed, unpack(delayed, i, math.min(i + 999, #delayed)))
  end
  if #delayed > 0 then wake_mover(K.delayed) end
  for i = 1, #registered, 1000 do
    redis.call('HSET', K.delayedIds, unpack(registered, i, math.min(i + 999, #registered)))
  end

  -- then the audit bits: an outcome whose bit was already set is a duplicate, counted and not
  -- recorded a second time
  local old = audit_mark(K.audit, marked, auditCounts)
  local processed, failed = 0, 0
  -- the parts of an error entry that a call's failures share: where and when once per call, each
  -- distinct reason encoded once (handlers tend to fail for the same few reasons)
  local signed = ',"node":' .. cjson.encode(node) .. ',"at":' .. now .. '}'
  local encoded = {}
  for i = 1, candidateCount do
    local k = candidates[i]
    if old[i] == 1 then
      duplicate(k)
    else
      processed = processed + 1
      local why = reasons[k]
      if why and why ~= '' then
        failed = failed + 1
        -- the error entry is the message itself plus why, where and when
        local raw = raw_of(k)
        local attempt = attemptOf[k]
        local head = entry_readable(raw)
        if head then
          local more = attempt >= 2 and (',"attempts":' .. attempt) or ''
          local reason = encoded[why]
          if not reason then
            reason = cjson.encode(why)
            encoded[why] = reason
          end
          errorCount = errorCount + 1
          errors[errorCount] = head .. ',"error":' .. reason .. more .. signed
        else
          errorCount = errorCount + 1
          errors[errorCount] = cjson.encode({error = why, raw = raw, node = node, at = now})
        end
      end
    end
  end

  for i = 1, #errors, 1000 do
    redis.call('LPUSH', K.errors, unpack(errors, i, math.min(i + 999, #errors)))
  end
  if processed > 0 then redis.call('HINCRBY', K.stats, 'processed', processed) end
  if failed > 0 then redis.call('HINCRBY', K.stats, 'failed', failed) end
  if malformed > 0 then redis.call('HINCRBY', K.stats, 'malformed', malformed) end
  if dropped > 0 then redis.call('HINCRBY', K.stats, 'stale_dropped', dropped) end
  if duplicates > 0 then redis.call('HINCRBY', K.stats, 'duplicates', duplicates) end
  if retried > 0 then redis.call('HINCRBY', K.stats, 'retried', retried) end
  -- last: the deliveries are marked done only once everything about them is written; a call that
  -- fails half way leaves them held, to be finished again (or requeued), not lost
  local settled = {}
  for i = 1, claimCount do
    local r = claims[i]
    if r.doneCount > 0 then
      settled[#settled + 1] = {claim = r, done = r.done}
    end
  end
  deliveries_settle(K.inflight, settled)
  deliveries_unhold(K.inflight, held)
  return {processed + malformed, dropped, duplicates, retried}
end
