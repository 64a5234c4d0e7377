-- messages: the queue entries of a produced batch, shared by produce.lua and publish.lua.
-- Included with the line `--#include messages`.
--
-- build_messages(first, n, epoch, from)  the n entries {"id":<first + i - 1>,"epoch":E,"ts":T,...}
--   for ARGV[from .. from + n - 1], each either a JSON string literal (the body: "...") or a
--   message tail ("headers":{...},"body":"...", see send.lua), both already escaped; ts is now on
--   the Redis clock (ms), from which pickup latency is measured
-- push_messages(queue, messages)  LPUSH them in chunks (unpack() is bounded by Lua's C stack)
local function build_messages(first, n, epoch, from)
  local now = redis.call('TIME')
  local ts = string.format('%d', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
  -- the part between id and body is the same for the whole batch
  local middle = ',"epoch":' .. epoch .. ',"ts":' .. ts .. ','
  local messages = {}
  for i = 1, n do
    local item = ARGV[from - 1 + i]
    -- a body literal's only bare quotes are its first and last character, so it never looks like
    -- the start of a tail ("name":)
    if not string.find(item, '^"%a+":') then
      item = '"body":' .. item
    end
    messages[i] = '{"id":' .. (first + i - 1) .. middle .. item .. '}'
  end
  return messages
end
local function push_messages(queue, messages)
  for i = 1, #messages, 1000 do
    redis.call('LPUSH', queue, unpack(messages, i, math.min(i + 999, #messages)))
  end
end
