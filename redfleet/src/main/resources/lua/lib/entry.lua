-- entry: the layout of a message in the queue, the landing lists, the in-flight records and the
-- delayed set (data format 6), and the two things a script makes of one. A script includes it with
-- `--#include entry`.
--
--   <id>:<epoch>:<ts>:<attempt>:<sent>:<meta length>:<meta><body>
--
-- id       1..2^53, canonical digits (no sign, no leading zero)
-- epoch    the generator's lease epoch; 0 for a message sent from outside the fleet
-- ts       the produce time on the Redis clock (ms); for a delayed send, when it is due
-- attempt  1 for a first delivery; A for a message handed out again after A - 1 failures
-- sent     0, or for a delayed send the Redis time (ms) it was sent
-- meta     '' (length 0), or a JSON object holding the message's "key" and "headers" (a sent
--          message's, or headers a source attached)
-- body     the body's UTF-8 bytes as they are: no quotes, no escapes, read by its offset
--
-- No field has a name: the worker reads the numbers in place from the bytes and decodes the body
-- once (worker/Message.parse). produce, send and requeue-error write the part from <meta length> on
-- as the caller made it (its "tail"), prefixed with the header fields they know.
--
-- entry_next_attempt(raw, attempt)  the message as it goes out again with that attempt, or nil when
--                                   raw is not in this layout
-- entry_readable(raw)               the message as readable JSON without its closing brace
--                                   ({"id":N,"epoch":E,"ts":T[,"attempt":A][,"sent":S][,"key":..]
--                                   [,"headers":{..}],"body":"..."), for the errors list, which
--                                   keeps the format getErrors reads; nil when raw is not in this
--                                   layout
local function entry_next_attempt(raw, attempt)
  local head, rest = string.match(raw, '^(%d+:%d+:%d+:)%d+(:%d+:%d+:.*)$')
  if not head then
    return nil
  end
  return head .. attempt .. rest
end

local function entry_readable(raw)
  local id, epoch, ts, attempt, sent, length, at = string.match(raw, '^(%d+):(%d+):(%d+):(%d+):(%d+):(%d+):()')
  if not id then
    return nil
  end
  length = tonumber(length)
  local meta = ''
  if length > 0 then
    meta = string.sub(raw, at, at + length - 1)
    if #meta ~= length or string.byte(meta, 1) ~= 123 or string.byte(meta, -1) ~= 125 then
      return nil
    end
    -- an object's members, spliced in place: '{}' has none; anything else between the braces must
    -- start with a member's name (a forged '{ }' would splice a bare comma): else the raw form
    if length == 2 then
      meta = ''
    elseif string.byte(meta, 2) == 34 and pcall(cjson.decode, meta) then
      -- strict JSON (no comments, which the worker's parser would have let through)
      meta = ',' .. string.sub(meta, 2, -2)
    else
      return nil
    end
  end
  return '{"id":' .. id .. ',"epoch":' .. epoch .. ',"ts":' .. ts
    .. (attempt ~= '1' and (',"attempt":' .. attempt) or '')
    .. (sent ~= '0' and (',"sent":' .. sent) or '')
    .. meta .. ',"body":' .. cjson.encode(string.sub(raw, at + length))
end
