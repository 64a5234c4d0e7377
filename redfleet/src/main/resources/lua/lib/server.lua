-- server: what a script can learn about the Redis server process it runs on, from INFO (allowed
-- in scripts; an ACL user without +info gets nil and the callers do without). Included with the
-- line `--#include server`.
--
-- server_run_id()       the run_id of this server process (it changes with every restart, and a
--                       promoted replica has its own), or nil when INFO is refused
-- connected_replicas()  connected_slaves of INFO replication, or -1 when INFO is refused
local function server_run_id()
  local info = redis.pcall('INFO', 'server')
  if type(info) ~= 'string' then
    return nil
  end
  return string.match(info, 'run_id:(%x+)')
end
local function connected_replicas()
  local info = redis.pcall('INFO', 'replication')
  if type(info) ~= 'string' then
    return -1
  end
  return tonumber(string.match(info, 'connected_slaves:(%d+)') or '-1')
end
