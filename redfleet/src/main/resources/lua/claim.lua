-- claim: take messages into a node's in-flight records as one delivery record under the claim's token
-- (layout in lib/deliveries.lua). Everything BLMOVE landed in the node's landing list is taken,
-- plus up to ARGV[2] more straight from the queue, in one call.
--
-- KEYS[1]  <ns>:queue
-- KEYS[2]  <ns>:landing:<nodeId>
-- KEYS[3]  <ns>:inflight:<nodeId>  (and the claim's key <ns>:inflight:<nodeId>|<token>, derived
--                        from it: not declared, same {ns} hash tag, same Cluster slot)
-- KEYS[4]  <ns>:nodes    the members (with shards, the shard's own copy, Keys.members): the claim
--                        doubles as a heartbeat, so a node that holds work is always known
-- KEYS[5]  <ns>:errors
-- KEYS[6]  <ns>:stats    'malformed' is incremented for entries that are not messages
-- KEYS[7]  <ns>:seq      a message's id is at most this (no id the generator did not hand out)
-- KEYS[8]  <ns>:epoch    a message's epoch is at most this (with shards, the shard's fence: the
--                        highest epoch that wrote to it)
-- KEYS[9]  <ns>:paused   present (any type) while the fleet is paused: the claim takes nothing
--                        (with shards, the shard's copy of the pause)
-- ARGV[1]  nodeId
-- ARGV[2]  how many to take from the queue besides what landed (0 = landing only); of the queue a
--          claim takes at most max(fair share, ARGV[3]), the fair share being ceil(queue length /
--          members of <ns>:nodes), and never more than ARGV[2]
-- ARGV[3]  the least a claim takes from the queue when that many are queued and ARGV[2] allows
--          them, whatever the fair share (0 = the fair share alone; a fraction counts as its whole
--          part, anything else that is not a number >= 0 as 0). The worker passes the setting
--          minClaim while its handler is quick (worker/HandlerPace), else 0: a call costs Redis
--          about as much as a few dozen messages' work, and quick messages gain nothing from a split
-- ARGV[4]  claim token: names the delivery. A worker that did not get the answer (Redis died, the
--          call timed out) calls again with the same token and gets back what its record still
--          holds (the messages not done), instead of a new claim, so a lost answer cannot strand
--          messages in the in-flight hash of a live node. finish names an outcome by (token,
--          index), so an outcome re-sent after a lost answer cannot act on a later delivery of the
--          same id. Not empty, no '|', not starting with '{'; refused otherwise.
--
-- Returns {messages, marker, indices}: messages = the claimed entries (lib/entry.lua), oldest
-- first; each starts with <id>:. marker is {'paused'} while the fleet is paused, else empty. indices
-- = each message's index in its record, for finish: empty for a new claim (message k has index
-- k), given for a repeated token (only the messages not done come back).
--
-- While the fleet is paused a new claim takes nothing: what the node's BLMOVE landed goes back to
-- the consumer end of the queue (as unland does) and the answer is {{}, {'paused'}, {}}: the worker
-- then polls instead of blocking. A repeated token still gets its record back, with the 'paused'
-- marker. The cost on the hot path is one EXISTS.
--
-- A message is what the generator made: it starts with N:E: (lib/entry.lua), where N is canonical
-- (no sign, no leading zero) and 1 <= N <= seq, 0 <= E <= epoch (0: sent by a client). Anything
-- else goes to the errors list as {"error":"malformed","raw":...,"node":...,"at":...}, raw kept
-- byte for byte. The worker checks the rest of the layout (its header fields and meta) and
-- finishes what fails as 'malformed'. An id already held, or twice
-- in one claim (a forged copy), is not looked for: both copies are delivered, and the audit bitmap
-- records the first outcome and counts the second as a duplicate (finish.lua).
--
-- Fails before its first write (error reply, nothing changed) if a key has the wrong type, a
-- counter is not an integer or the token cannot name a delivery: the reads it needs anyway are the
-- type checks, and only the errors list gets a TYPE probe (lib/claim-batch.lua). Under maxmemory with noeviction
-- the first write is an RPOP (never refused, it frees memory); the writes that follow are allowed
-- once the script has written, and the heartbeat of a claim that took nothing is best effort
-- (redis.pcall), so a full Redis still drains. While paused the first write is the DEL of the
-- landing list, for the same reason.
--#include key-types
--#include clock
--#include deliveries
--#include claim-batch
local K = {queue = KEYS[1], landing = KEYS[2], inflight = KEYS[3], nodes = KEYS[4], errors = KEYS[5], stats = KEYS[6],
  seq = KEYS[7], epoch = KEYS[8], paused = KEYS[9]}
local refused, read = claim_refused(K, ARGV[4])
if refused then
  return refused
end
return claim_batch(K, ARGV[1], ARGV[2], ARGV[3], ARGV[4], now_ms(), read)
