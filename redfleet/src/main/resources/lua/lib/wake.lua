-- wake: tells the leader's retry mover that the delayed set changed, so that it needs no polling.
-- Included with `--#include wake`; a script that ZADDs to <ns>:delayed calls wake_mover(thatKey)
-- after the ZADD. The mover (worker/RetryVerticle) waits in a BLMOVE on the list
-- <delayed>:wake (named here from the delayed key, as redis/Keys#delayedWake does: same {ns} hash
-- tag, same Cluster slot; not declared in KEYS), which then holds one element until retry-due.lua
-- deletes it. Best effort (pcall): a key of the wrong type or a refused command changes nothing
-- else, and the mover still looks every few seconds.
local function wake_mover(delayed)
  local wake = delayed .. ':wake'
  if redis.pcall('LLEN', wake) == 0 then
    redis.pcall('LPUSH', wake, '1')
  end
end
