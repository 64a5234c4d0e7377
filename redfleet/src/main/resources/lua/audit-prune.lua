-- audit-prune: the retention of the audit. Deletes the bitmap of each complete audit segment (every
-- one of its 2^24 ids recorded) that became complete at least the retention ago. Nothing is lost:
-- the segment's count in <ns>:audit:counts stays, and finish (lib/audit.lua) answers from it that
-- every id in the segment is recorded, so a late duplicate is still caught, and the bitmap is never
-- written again. Run by the leader (ops/AuditPruneVerticle) every few minutes when a retention is
-- set (auditRetentionHours >= 0).
--
-- KEYS[1]  <ns>:audit  the audit prefix: the counts hash <ns>:audit:counts (field 'done:<n>' = when
--                      segment n became complete, Redis time ms) and the bitmaps <ns>:audit:<n> are
--                      derived from it (lib/audit.lua: same {ns} hash tag, same Cluster slot)
-- ARGV[1]  retention (ms)
--
-- Returns the number of bitmaps deleted. A counts key of the wrong type: an error reply, nothing
-- changed. The writes (DEL, HDEL) free memory, so they run at maxmemory too.
--#include clock
--#include key-types
--#include audit
local counts = audit_counts_key(KEYS[1])
local bad = wrong_type(counts, 'hash')
if bad then
  return redis.error_reply(bad)
end
local retention = tonumber(ARGV[1])
local now = now_ms()
local deleted = 0
for _, field in ipairs(redis.call('HKEYS', counts)) do
  local segment = string.match(field, '^done:(%d+)$')
  if segment then
    local at = tonumber(redis.call('HGET', counts, field))
    if at and now - at >= retention and audit_complete(KEYS[1], tonumber(segment)) then
      redis.call('DEL', audit_segment_key(KEYS[1], tonumber(segment)))
      -- the count stays: it says every id of the segment is recorded
      redis.call('HDEL', counts, field)
      deleted = deleted + 1
    end
  end
end
return deleted
