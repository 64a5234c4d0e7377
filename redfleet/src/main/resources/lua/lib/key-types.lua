-- key-types: shared by every script that must fail before its first write when a key has the
-- wrong type (Redis scripts are not transactions: a command that fails half way keeps the writes
-- before it). A script includes it with the line `--#include key-types`, which redis/Script
-- replaces with this text before the script is sent.
--
-- wrong_type(key, want)    the WRONGTYPE message for a key that exists with another type, or nil
-- check_key_types(types)   for KEYS[i] and types[i], i = 1..min(#types, #KEYS): an error reply
--                          naming the first key of the wrong type, or nil
-- failed(answer)           whether the answer of a redis.pcall is an error reply
-- refused_type(key, want)  the error reply naming key if it exists with another type than want,
--                          or nil
-- typed_read(want, command, key, ...)
--                          the pattern below as one call: the answer of redis.pcall(command, key,
--                          ...), and as second value the error reply naming key when it has another
--                          type than want (any other failure is raised again by redis.call)
-- check_types(keys, types) as check_key_types, for the given keys (not KEYS[1..n]): a script
--                          probes only the keys it writes before it has read them
--
-- A TYPE probe costs a command per key and call. A script whose first touch of a key is a typed
-- read (GET, HGET, LLEN, ZSCORE...) before its first write needs none for that key: Redis refuses
-- the read of a wrong-typed key with WRONGTYPE before anything was written. To keep the reply
-- readable, such a read is made with redis.pcall and, only when it failed, TYPE names the key:
--   local v = redis.pcall('GET', KEYS[1])
--   if failed(v) then return refused_type(KEYS[1], 'string') or redis.call('GET', KEYS[1]) end
-- (any other failure, an ACL refusal, is raised again by the redis.call on that line, as Redis
-- gives it, so the reply names the script line of the refused command).
local function wrong_type(key, want)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then
    return 'WRONGTYPE redfleet: ' .. key .. ' is a ' .. t .. ', not a ' .. want .. '; nothing was changed'
  end
  return nil
end
local function failed(answer)
  return type(answer) == 'table' and answer.err ~= nil
end
local function refused_type(key, want)
  local bad = wrong_type(key, want)
  return bad and redis.error_reply(bad) or nil
end
local function typed_read(want, command, key, ...)
  local answer = redis.pcall(command, key, ...)
  if failed(answer) then
    return nil, refused_type(key, want) or redis.call(command, key, ...)
  end
  return answer, nil
end
local function check_types(keys, types)
  for i = 1, math.min(#keys, #types) do
    local bad = wrong_type(keys[i], types[i])
    if bad then
      return redis.error_reply(bad)
    end
  end
  return nil
end
local function check_key_types(types)
  return check_types(KEYS, types)
end
