-- lease-anchor: who holds the lease, and the connection its holder bound to it. Read only.
--
-- KEYS[1]  <ns>:leader         string "<nodeId>:<epoch>" with a PX TTL
-- KEYS[2]  <ns>:leader:anchor  string "<token>|<clientId>@<name>", written by lease-bind/lease-takeover
--
-- Returns {token or false, anchor or false}: anchor is the holder's connection, false when the
-- lease is free, or its holder has not bound a connection to this token (yet)
local token = redis.call('GET', KEYS[1])
if not token then
  return {false, false}
end
local bound = redis.call('GET', KEYS[2])
if bound and string.sub(bound, 1, #token + 1) == token .. '|' then
  return {token, string.sub(bound, #token + 2)}
end
return {token, false}
