package dev.redfleet.worker;

import dev.redfleet.redis.EntryBytes;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A message as produced by the generator:
 * {@code {"id":42,"epoch":3,"ts":1732380000123,"body":"..."}}, where {@code ts} is the produce time
 * on the Redis clock (ms). A message handed out again after a failed attempt also carries
 * {@code "attempt":N} (N >= 2) between {@code ts} and {@code body}; without it the attempt is 1.
 * Entries without {@code ts} (written by an older version) read as {@code producedAt} 0.
 *
 * <p>A message sent from outside the fleet (send, POST /messages, the Java client) has epoch 0 and
 * may carry, between {@code ts} (or {@code attempt}) and {@code body}: {@code "sent":S} (when it was
 * delayed: ts is then its due time), {@code "key":"..."} and {@code "headers":{"name":"value",...}}.
 * Those take the JSON path of {@link #parse}.
 */
public record Message(long id, long epoch, long producedAt, int attempt, String body, String key,
    Map<String, String> headers, long sentAt)
    // handlers get this very object through the public interface: no copy per message
    implements dev.redfleet.api.Message {

  /** This message under another id (a shard's message gets its fleet-wide id: docs/DESIGN.md, "Shards"). */
  public Message withId(long newId) {
    return new Message(newId, epoch, producedAt, attempt, body, key, headers, sentAt);
  }

  /** A first attempt with no produce time. */
  public Message(long id, long epoch, String body) {
    this(id, epoch, 0, 1, body);
  }

  /** A generator's message: no key, no headers, sent when produced. */
  public Message(long id, long epoch, long producedAt, int attempt, String body) {
    this(id, epoch, producedAt, attempt, body, null, Map.of(), producedAt);
  }

  /**
   * Reads a claimed queue entry from the bytes Redis sent, or returns {@code null} when it is not a
   * valid message. The id is the one the claim script holds the entry under (the digits after
   * {@code {"id":}). The generator's layout is read from the bytes themselves: the header's numbers
   * are parsed in place and only the body becomes a String (one UTF-8 decode per message, no
   * substrings). Anything else (escapes in the body, headers, a key) goes through the JSON parser,
   * whose id must be the one the entry is held under.
   */
  public static Message parse(byte[] raw) {
    int idEnd = idEnd(raw);
    if (idEnd < 0) {
      return null;
    }
    Message canonical = parseCanonical(raw, idEnd);
    if (canonical != null) {
      return canonical;
    }
    String text = new String(raw, StandardCharsets.UTF_8);
    // the prefix is ASCII: its bytes and chars line up
    return parseJson(text.substring(EntryBytes.ID.length, idEnd), text);
  }

  /**
   * Where the id's digits end in an entry that starts with {@code {"id":<digits>,}, the claim
   * script's rule for the id an entry is held under; -1 for any other entry.
   */
  private static int idEnd(byte[] raw) {
    int idEnd = EntryBytes.digitsEnd(raw, EntryBytes.ID.length);
    boolean held = EntryBytes.startsWith(raw, EntryBytes.ID, 0) && idEnd > EntryBytes.ID.length && idEnd < raw.length
        && raw[idEnd] == ',';
    return held ? idEnd : -1;
  }

  /**
   * The generator's exact layout, {"id":N,"epoch":E[,"ts":T][,"attempt":A],"body":"text without
   * escapes"}, read without a JSON parser; null for anything else, which {@link #parse} gives to
   * the JSON parser.
   */
  static Message parseCanonical(byte[] raw) {
    int idEnd = idEnd(raw);
    return idEnd < 0 ? null : parseCanonical(raw, idEnd);
  }

  private static final byte[] TS_BYTES = {',', '"', 't', 's', '"', ':'};
  private static final byte[] ATTEMPT_BYTES = {',', '"', 'a', 't', 't', 'e', 'm', 'p', 't', '"', ':'};
  private static final byte[] BODY_BYTES = {',', '"', 'b', 'o', 'd', 'y', '"', ':', '"'};

  /** As {@link #parseCanonical(byte[])}, the id's digits ending at {@code idEnd}. */
  private static Message parseCanonical(byte[] raw, int idEnd) {
    long id = EntryBytes.value(raw, EntryBytes.ID.length, idEnd);
    if (id <= 0 || !EntryBytes.startsWith(raw, EntryBytes.EPOCH, idEnd)) {
      return null;
    }
    int start = idEnd + EntryBytes.EPOCH.length;
    int end = EntryBytes.digitsEnd(raw, start);
    long epoch = EntryBytes.value(raw, start, end);
    if (epoch < 0) {
      return null;
    }
    long producedAt = 0;
    if (EntryBytes.startsWith(raw, TS_BYTES, end)) {
      start = end + TS_BYTES.length;
      end = EntryBytes.digitsEnd(raw, start);
      producedAt = EntryBytes.value(raw, start, end);
      if (producedAt < 0) {
        return null;
      }
    }
    long attempt = 1;
    if (EntryBytes.startsWith(raw, ATTEMPT_BYTES, end)) {
      start = end + ATTEMPT_BYTES.length;
      end = EntryBytes.digitsEnd(raw, start);
      attempt = EntryBytes.value(raw, start, end);
      if (attempt < 1 || attempt > Integer.MAX_VALUE) {
        return null;
      }
    }
    int bodyStart = end + BODY_BYTES.length;
    int bodyEnd = raw.length - 2;
    if (!EntryBytes.startsWith(raw, BODY_BYTES, end) || bodyEnd < bodyStart || raw[bodyEnd] != '"'
        || raw[bodyEnd + 1] != '}') {
      return null;
    }
    for (int i = bodyStart; i < bodyEnd; i++) {
      byte b = raw[i];
      // bytes of a multi-byte UTF-8 character are all >= 0x80 (negative here): never a quote or escape
      if (b == '"' || b == '\\' || (b >= 0 && b < 0x20)) {
        return null;
      }
    }
    return new Message(id, epoch, producedAt, (int) attempt, new String(raw, bodyStart, bodyEnd - bodyStart,
        StandardCharsets.UTF_8));
  }

  private static Message parseJson(String claimedId, String raw) {
    JsonObject json;
    try {
      json = new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
    if (!(json.getValue("id") instanceof Number id) || !(json.getValue("epoch") instanceof Number epoch)
        || !(json.getValue("body") instanceof String body)) {
      return null;
    }
    if (id.doubleValue() != Math.rint(id.doubleValue()) || epoch.doubleValue() != Math.rint(epoch.doubleValue())
        || !Long.toString(id.longValue()).equals(claimedId)) {
      return null;
    }
    Object keyValue = json.getValue("key");
    Object headersValue = json.getValue("headers");
    Object sentValue = json.getValue("sent");
    if ((keyValue != null && !(keyValue instanceof String)) || (headersValue != null && !(headersValue instanceof JsonObject))
        || (sentValue != null && !(sentValue instanceof Number))) {
      return null;
    }
    Map<String, String> headers = Map.of();
    if (headersValue instanceof JsonObject object && !object.isEmpty()) {
      Map<String, String> read = new LinkedHashMap<>();
      for (Map.Entry<String, Object> header : object) {
        if (!(header.getValue() instanceof String text)) {
          return null;
        }
        read.put(header.getKey(), text);
      }
      headers = java.util.Collections.unmodifiableMap(read);
    }
    Object ts = json.getValue("ts", 0L);
    Object attempt = json.getValue("attempt", 1);
    if (!(ts instanceof Number producedAt) || producedAt.doubleValue() != Math.rint(producedAt.doubleValue())
        || producedAt.longValue() < 0 || !(attempt instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.longValue() < 1 || n.longValue() > Integer.MAX_VALUE) {
      return null;
    }
    long sentAt = sentValue instanceof Number sent ? sent.longValue() : producedAt.longValue();
    return new Message(id.longValue(), epoch.longValue(), producedAt.longValue(), n.intValue(), body,
        (String) keyValue, headers, sentAt);
  }
}
