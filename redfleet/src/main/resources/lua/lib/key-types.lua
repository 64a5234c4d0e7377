-- key-types: shared by every script that must fail before its first write when a key has the
-- wrong type (Redis scripts are not transactions: a command that fails half way keeps the writes
-- before it). A script includes it with the line `--#include key-types`, which redis/Script
-- replaces with this text before the script is sent.
--
-- wrong_type(key, want)    the WRONGTYPE message for a key that exists with another type, or nil
-- check_key_types(types)   for KEYS[i] and types[i], i = 1..min(#types, #KEYS): an error reply
--                          naming the first key of the wrong type, or nil
local function wrong_type(key, want)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then
    return 'WRONGTYPE redfleet: ' .. key .. ' is a ' .. t .. ', not a ' .. want .. '; nothing was changed'
  end
  return nil
end
local function check_key_types(types)
  for i = 1, math.min(#types, #KEYS) do
    local bad = wrong_type(KEYS[i], types[i])
    if bad then
      return redis.error_reply(bad)
    end
  end
  return nil
end
