-- finish: record the outcomes of finished messages, each exactly once, or schedule a retry. An
-- outcome names its delivery: the claim token the message was taken under and its index in that
-- claim's record (lib/deliveries.lua). It counts only if that very delivery is still held in the
-- node's in-flight records (the claim exists and the message is not done). Anything else is dropped
-- and counted as 'stale_dropped': a message reaped meanwhile (its node was thought dead, another
-- worker owns it now), and an outcome re-sent after its answer was lost (the same id may be back
-- in this hash meanwhile, as another delivery under another token: the retry of a failed attempt,
-- a requeued message claimed again).
-- Cost is O(outcomes) plus, per claim named, one read of its claim key (GET: the whole key, its
-- named slots unpacked, or all of them for a quarter of the claim or more) and its marks (a
-- SETRANGE per mark for a few, one SET of the rebuilt key for many, or the claim's deletion once
-- all its messages are done); the messages themselves are read only for a failure, a retry, a duplicate
-- or a malformed entry. Never a list scan. The claim keys <ns>:inflight:<nodeId>|<token> are
-- derived from KEYS[1] (not declared: same {ns} hash tag, same Cluster slot).
--
-- KEYS[1]  <ns>:inflight:<nodeId>
-- KEYS[2]  <ns>:errors
-- KEYS[3]  <ns>:stats    'processed', 'failed', 'malformed', 'stale_dropped', 'duplicates', 'retried'
-- KEYS[4]  <ns>:audit    the audit prefix: segment bitmaps <ns>:audit:<n> (one per 2^24 ids) and the
--                        counts hash <ns>:audit:counts, derived in lib/audit.lua (not declared:
--                        same {ns} hash tag, same Cluster slot)
-- KEYS[5]  <ns>:seq      an id above it was never handed out: no audit bit is set for it
-- KEYS[6]  <ns>:delayed  sorted set: message (with its next attempt number) -> due time (ms,
--                        Redis clock); retry-due moves it back to the queue; a ZADD here also
--                        wakes the retry mover (lib/wake.lua: the list <ns>:delayed:wake)
-- KEYS[7]  <ns>:delayed:ids  hash: id -> SHA-1 (hex) of the retry written for it, so that
--                        retry-due moves only retries this script wrote (a forged delayed entry
--                        never overtakes the real message)
-- ARGV[1]  nodeId
-- ARGV[2]  attempts: a failure of attempt A < attempts is retried (1 = never)
-- ARGV[3]  backoff base (ms): the retry after attempt A is due after d = min(cap, base * 2^(A-1)),
-- ARGV[4]  backoff cap (ms)       with jitter: a uniform delay in [d/2, d]
-- ARGV[5]  jitter seed (an integer picked by the caller)
-- ARGV[2+4k] .. ARGV[5+4k]  (k = 1..n) claim token, indices, attempt (the message's attempt field,
--          lib/entry.lua), outcome. Indices: one index in the claim's record (1-based) in digits,
--          or several packed, '*' then 4 bytes an index (unsigned, big-endian): an outcome each,
--          all with that token, attempt and outcome (a finish of 1,000 outcomes then sends a few
--          quadruples, not 4,000 arguments and 2,000 numbers to parse). The first outcome named for
--          a delivery counts. Outcome:
--          ''          handled successfully
--          'malformed' the entry is not a valid message: kept raw in the errors list, no audit bit
--          anything else: the handler's failure reason. The last attempt's failure goes to the
--          errors list (with "attempts":A when A >= 2); an earlier one goes to the delayed set.
--
-- An outcome whose audit bit is already set is a duplicate: counted, and put in the errors list as
-- {"error":"duplicate","outcome":...,"raw":...} so it is seen, never recorded twice.
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type or a
-- counter is not an integer: the reads it needs anyway are the type checks of stats, seq, inflight
-- and the audit counts; errors, delayed, delayed:ids and the audit segments get a TYPE probe. Its first write is a no-op HDEL, after which Redis allows the rest at
-- maxmemory, so the fleet can still record outcomes (and free memory) when Redis refuses to grow.
-- Writes are ordered retries (idempotent ZADD), audit bits, errors, counters, and the done marks
-- of the in-flight records last.
--
-- Returns {recorded, dropped, duplicates, retried}
--#include key-types
--#include clock
--#include audit
--#include wake
--#include deliveries
--#include entry
--#include finish-outcomes

if #ARGV < 9 then
  return {0, 0, 0, 0}
end
-- a TYPE probe only for the keys written before they are read; the others are checked by typed
-- reads in finish_outcomes (KEYS[4] is a prefix, never a key touched)
local refused = check_types({KEYS[2], KEYS[6], KEYS[7]}, {'list', 'zset', 'hash'})
if refused then
  return refused
end
math.randomseed(tonumber(ARGV[5]))
return finish_outcomes({inflight = KEYS[1], errors = KEYS[2], stats = KEYS[3], audit = KEYS[4], seq = KEYS[5],
  delayed = KEYS[6], delayedIds = KEYS[7]}, ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), now_ms(),
  ARGV, 6)
