-- audit: the record of which message ids have an outcome, for any id up to 2^53, in segments.
-- Included with `--#include audit` (needs `--#include key-types` and `--#include clock` before it).
-- Key names live in redis/Keys.java too (auditSegment, auditCounts): change both together.
--
-- The caller passes the audit prefix P = <ns>:audit in KEYS. From it come
--   P:<n>       bitmap of segment n: bit (id - n * 2^24) is set once the outcome of id is recorded
--               (ids n * 2^24 .. (n + 1) * 2^24 - 1; at most 2 MiB each; segment 0 has no id 0)
--   P:counts    hash: field <n> = ids recorded in segment n, 'total' = all of them (what status
--               reads: O(1) whatever the history), 'done:<n>' = when segment n became complete
--               (Redis time, ms: audit-prune deletes its bitmap after the retention)
-- These keys are derived here rather than declared in KEYS: which segments a call touches depends
-- on its ids. A deliberate exception to declaring every key: they carry the prefix's {ns} hash tag,
-- so in Redis Cluster they live in the same slot as the declared keys.
--
-- A complete segment (its count equals its number of ids) needs no bitmap: every id in it is
-- recorded, so any further outcome for it is a duplicate. audit_seen and audit_mark answer from the
-- count first, so a complete segment whose bitmap was deleted (audit-prune) still catches them,
-- and is never re-created.
--
-- audit_check(prefix, ids, more)  before the caller's first write (more: optional, further ids):
--                           an error reply text when the counts
--                           hash or a segment one of the ids falls in has the wrong type, or a
--                           count is not an integer; else nil and the counts it read ('total' and
--                           the segments of the ids, as numbers: the `known` of the calls below,
--                           valid until the counts are written). Ids are numbers; those that are
--                           not whole numbers >= 1 are skipped (the caller records them as
--                           malformed).
-- audit_seen(prefix, id, known)   whether the outcome of id is recorded
-- audit_mark(prefix, ids, known)  records the outcomes of ids (numbers, whole, >= 1);
--                           returns the previous state per id (1 = was recorded already: a
--                           duplicate, 0 = recorded now) and raises the counts by the ids recorded
--                           now. known (optional) spares the reads of counts audit_check made.
local AUDIT_SEGMENT_IDS = 16777216

local function audit_segment_of(id)
  return (id - id % AUDIT_SEGMENT_IDS) / AUDIT_SEGMENT_IDS
end

local function audit_segment_key(prefix, segment)
  return prefix .. ':' .. string.format('%d', segment)
end

local function audit_counts_key(prefix)
  return prefix .. ':counts'
end

-- ids a segment holds: segment 0 has no id 0
local function audit_segment_size(segment)
  if segment == 0 then
    return AUDIT_SEGMENT_IDS - 1
  end
  return AUDIT_SEGMENT_IDS
end

local function audit_count(prefix, field, known)
  local count = known and known[field]
  if count then
    return count
  end
  return tonumber(redis.call('HGET', audit_counts_key(prefix), field) or '0') or 0
end

local function audit_complete(prefix, segment, known)
  return audit_count(prefix, string.format('%d', segment), known) >= audit_segment_size(segment)
end

local function audit_check(prefix, ids, more)
  local counts = audit_counts_key(prefix)
  local bad
  local checked = {}
  local fields = {'total'}
  local last
  local many = #ids
  local all = many + (more and #more or 0)
  for i = 1, all do
    local n
    if i <= many then n = ids[i] else n = more[i - many] end
    -- the segment's arithmetic inline and the last segment remembered: this runs once per id
    local segment = n >= 1 and n % 1 == 0 and (n - n % AUDIT_SEGMENT_IDS) / AUDIT_SEGMENT_IDS
    if segment and segment ~= last then
      last = segment
      if not checked[segment] then
        checked[segment] = true
        fields[#fields + 1] = string.format('%d', segment)
        bad = wrong_type(audit_segment_key(prefix, segment), 'string')
        if bad then
          return bad
        end
      end
    end
  end
  -- the typed read is the counts hash's type check (lib/key-types.lua)
  local values = redis.pcall('HMGET', counts, unpack(fields))
  if failed(values) then
    return wrong_type(counts, 'hash') or redis.call('HMGET', counts, unpack(fields))
  end
  local known = {}
  for i = 1, #fields do
    if values[i] and not string.match(values[i], '^%-?%d+$') then
      return 'ERR redfleet: field ' .. fields[i] .. ' of ' .. counts .. ' is not an integer; nothing was changed'
    end
    known[fields[i]] = tonumber(values[i] or '0')
  end
  return nil, known
end

local function audit_seen(prefix, id, known)
  local n = tonumber(id)
  local segment = audit_segment_of(n)
  if audit_complete(prefix, segment, known) then
    return true
  end
  return redis.call('GETBIT', audit_segment_key(prefix, segment), n - segment * AUDIT_SEGMENT_IDS) == 1
end

-- Sets the bits at offsets (within one bitmap) and returns their previous values (0/1). Ids finished
-- together are usually near each other, so the common case reads the bytes they span once, sets
-- the bits in Lua and writes the bytes back: two commands for the batch instead of one BITFIELD
-- operation per id. That holds up to 16 bytes of span per id: handlers of random duration finish a
-- few ids of each of many claims at once (a thousand ids over 30,000, say), and a BITFIELD
-- operation costs Lua a formatted number and Redis a parse, more than a copy of 16 bytes. Offsets
-- spread wider fall back to BITFIELD.
-- Returns the previous values and how many bits were 0 (set now). lo and hi, the least and the
-- greatest offset, are optional (the caller may know them).
local function audit_set_bits(key, nums, lo, hi)
  if not lo then
    lo, hi = math.huge, -1
    for i = 1, #nums do
      local n = nums[i]
      if n < lo then lo = n end
      if n > hi then hi = n end
    end
  end
  local old = {}
  local fresh = 0
  if #nums == 0 then
    return old, fresh
  end
  local first = math.floor(lo / 8)
  local span = math.floor(hi / 8) - first + 1
  if span > 16 * #nums + 64 then
    for i = 1, #nums, 500 do
      local last = math.min(i + 499, #nums)
      local ops = {}
      for j = i, last do
        ops[#ops + 1] = 'SET'
        ops[#ops + 1] = 'u1'
        ops[#ops + 1] = string.format('%d', nums[j])
        ops[#ops + 1] = '1'
      end
      local previous = redis.call('BITFIELD', key, unpack(ops))
      for j = i, last do
        old[j] = previous[j - i + 1]
        if old[j] == 0 then
          fresh = fresh + 1
        end
      end
    end
    return old, fresh
  end
  local stored = redis.call('GETRANGE', key, first, first + span - 1)
  if #stored < span then
    -- past the bitmap's end: zero bytes, as Redis pads a bitmap when it grows
    stored = stored .. string.rep('\0', span - #stored)
  end
  -- string.byte returns one value per byte on the Lua stack: at most 7,000 at a time (Lua's C stack
  -- limit is 8,000)
  local bytes
  if span <= 7000 then
    bytes = {string.byte(stored, 1, span)}
  else
    bytes = {}
    for i = 1, span, 7000 do
      local chunk = {string.byte(stored, i, math.min(i + 6999, span))}
      for j = 1, #chunk do
        bytes[i + j - 1] = chunk[j]
      end
    end
  end
  -- arithmetic, not the bit library: no C call per id. Redis numbers the bits of a byte from the
  -- most significant one
  local masks = {128, 64, 32, 16, 8, 4, 2, 1}
  for i = 1, #nums do
    local n = nums[i]
    local r = n % 8
    local at = (n - r) / 8 - first + 1
    local mask = masks[r + 1]
    local b = bytes[at]
    if b % (mask + mask) >= mask then
      old[i] = 1
    else
      old[i] = 0
      fresh = fresh + 1
      bytes[at] = b + mask
    end
  end
  local parts = {}
  for i = 1, span, 4000 do
    parts[#parts + 1] = string.char(unpack(bytes, i, math.min(i + 3999, span)))
  end
  redis.call('SETRANGE', key, first, table.concat(parts))
  return old, fresh
end

-- Marks offsets nums (lo and hi optional, as audit_set_bits) in one segment: sets their bits, or
-- answers all 1 for a complete segment, and raises the segment's count by the bits set now (and
-- stamps when it became complete). Returns the previous values and how many were set now.
local function audit_mark_segment(prefix, segment, nums, known, lo, hi)
  local field = string.format('%d', segment)
  local size = audit_segment_size(segment)
  if audit_count(prefix, field, known) >= size then
    local old = {}
    for i = 1, #nums do
      old[i] = 1
    end
    return old, 0
  end
  local old, fresh = audit_set_bits(audit_segment_key(prefix, segment), nums, lo, hi)
  local counts = audit_counts_key(prefix)
  if fresh > 0 and redis.call('HINCRBY', counts, field, fresh) >= size then
    redis.call('HSET', counts, 'done:' .. field, string.format('%d', now_ms()))
  end
  return old, fresh
end

local function audit_mark(prefix, ids, known)
  local count = #ids
  if count == 0 then
    return {}
  end
  local lo, hi = math.huge, -1
  for i = 1, count do
    local n = ids[i]
    if n < lo then lo = n end
    if n > hi then hi = n end
  end
  local old
  local recorded = 0
  local segment = audit_segment_of(lo)
  if segment == audit_segment_of(hi) then
    -- the common case, one segment: the offsets are the ids less its base (the ids themselves in
    -- segment 0), and the previous values are the answer as they come
    local base = segment * AUDIT_SEGMENT_IDS
    local nums = ids
    if base > 0 then
      nums = {}
      for i = 1, count do
        nums[i] = ids[i] - base
      end
    end
    old, recorded = audit_mark_segment(prefix, segment, nums, known, lo - base, hi - base)
  else
    old = {}
    -- the ids by segment, in the order they come
    -- (counters, not #t, per id: the length operator searches a table with room to spare)
    local order, offsets, positions, sizes = {}, {}, {}, {}
    for i = 1, count do
      local n = ids[i]
      local s = audit_segment_of(n)
      local j = sizes[s]
      if not j then
        order[#order + 1] = s
        offsets[s] = {}
        positions[s] = {}
        j = 0
      end
      j = j + 1
      sizes[s] = j
      offsets[s][j] = n - s * AUDIT_SEGMENT_IDS
      positions[s][j] = i
    end
    for _, s in ipairs(order) do
      local previous, fresh = audit_mark_segment(prefix, s, offsets[s], known)
      for j = 1, sizes[s] do
        old[positions[s][j]] = previous[j]
      end
      recorded = recorded + fresh
    end
  end
  if recorded > 0 then
    redis.call('HINCRBY', audit_counts_key(prefix), 'total', recorded)
  end
  return old
end
