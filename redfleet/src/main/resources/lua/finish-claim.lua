-- finish-claim: finish and the next claim in one call, when the worker has room for more messages
-- (as BullMQ's moveToFinished fetches the next job): the outcomes are recorded exactly as
-- finish.lua records them, then up to ARGV[6] messages are claimed exactly as claim.lua claims
-- them (the landing list first), under a new token. At low rates every message otherwise pays a
-- whole finish call and a whole claim call of its own; with handlers that take a while, batches
-- are small and the call's fixed cost is most of its cost. The shared code is lib/finish-outcomes.lua
-- and lib/claim-batch.lua.
--
-- KEYS[1]  <ns>:inflight:<nodeId>  (and its claim keys <ns>:inflight:<nodeId>|<token>: not declared)
-- KEYS[2]  <ns>:errors
-- KEYS[3]  <ns>:stats
-- KEYS[4]  <ns>:audit    the audit prefix (lib/audit.lua)
-- KEYS[5]  <ns>:seq
-- KEYS[6]  <ns>:delayed
-- KEYS[7]  <ns>:delayed:ids
-- KEYS[8]  <ns>:queue
-- KEYS[9]  <ns>:landing:<nodeId>
-- KEYS[10] <ns>:nodes    the members, as claim.lua's KEYS[4] (with shards, the shard's copy)
-- KEYS[11] <ns>:epoch    as claim.lua's KEYS[8] (with shards, the shard's fence)
-- KEYS[12] <ns>:paused   present (any type) while the fleet is paused: the claim takes nothing
--                        (with shards, the shard's copy)
-- ARGV[1]  nodeId
-- ARGV[2]  attempts         \
-- ARGV[3]  backoff base ms   | as finish.lua's ARGV[2..5]
-- ARGV[4]  backoff cap ms    |
-- ARGV[5]  jitter seed      /
-- ARGV[6]  how many to claim from the queue besides what landed (as claim.lua's ARGV[2])
-- ARGV[7]  the least a claim takes from the queue (as claim.lua's ARGV[3])
-- ARGV[8]  the new claim's token (as claim.lua's ARGV[4]): a worker that gets no answer repeats it
--          with claim.lua to get the claim back, and re-sends the outcomes with finish.lua (those
--          recorded already are dropped as stale)
-- ARGV[9..] the outcomes: quadruples (claim token, indices, attempt, outcome) as finish.lua's
--
-- Returns {finished, claimed}: finished as finish.lua returns it, claimed as claim.lua returns it.
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type, a
-- counter is not an integer or the token cannot name a delivery: every check of both finish and
-- claim comes first (the typed reads both need anyway are the type checks, as in claim.lua and
-- finish.lua; the claim's reads are made before the finish and stay valid: the finish does not
-- touch the queue, the landing list or the nodes, and a record it empties is gone). The first write is finish's (a no-op HDEL, allowed at maxmemory) or, when no
-- outcome is held any more, claim's (an RPOP); after it Redis lets the rest go on at maxmemory.
--#include key-types
--#include clock
--#include audit
--#include wake
--#include deliveries
--#include entry
--#include finish-outcomes
--#include claim-batch
-- claim_refused checks the claim's keys (and inflight, errors, stats, seq); TYPE probes only for
-- delayed and delayed:ids, written before they are read. KEYS[4] is a prefix, never a key touched.
local CK = {queue = KEYS[8], landing = KEYS[9], inflight = KEYS[1], nodes = KEYS[10], errors = KEYS[2], stats = KEYS[3],
  seq = KEYS[5], epoch = KEYS[11], paused = KEYS[12]}
local refused, read = claim_refused(CK, ARGV[8])
if refused then
  return refused
end
refused = check_types({KEYS[6], KEYS[7]}, {'zset', 'hash'})
if refused then
  return refused
end
local now = now_ms()
math.randomseed(tonumber(ARGV[5]))
local finished = finish_outcomes({inflight = KEYS[1], errors = KEYS[2], stats = KEYS[3], audit = KEYS[4], seq = KEYS[5],
  delayed = KEYS[6], delayedIds = KEYS[7]}, ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), now, ARGV, 9,
  read.seq)
if finished.err then
  return finished
end
return {finished, claim_batch(CK, ARGV[1], ARGV[6], ARGV[7], ARGV[8], now, read)}
