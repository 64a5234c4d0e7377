-- raise-floors: after a Redis failover, make counters that must never go backwards at least as
-- high as the highest value this process has already seen (the new master may have lost the last
-- increments of the old one: asynchronous replication).
--
-- KEYS[1..n]  integer counters (<ns>:seq, <ns>:epoch)
-- ARGV[1..n]  the floor of each counter, as seen by this process
--
-- Returns {old1, new1, old2, new2, ...}: each counter before and after
local out = {}
for i = 1, #KEYS do
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  local floor = tonumber(ARGV[i])
  if floor > current then
    redis.call('SET', KEYS[i], string.format('%d', floor))
    out[#out + 1] = current
    out[#out + 1] = floor
  else
    out[#out + 1] = current
    out[#out + 1] = current
  end
end
return out
