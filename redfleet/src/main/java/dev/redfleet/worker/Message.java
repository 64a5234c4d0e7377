package dev.redfleet.worker;

import dev.redfleet.redis.EntryBytes;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A message as the fleet hands it to a handler, read from its queue entry (lua/lib/entry.lua, data
 * formats 6 and 8): {@code <id>:<epoch>:<ts>:<attempt>:<sent>:<meta length>:<meta><body>}. {@code ts} is
 * the produce time on the Redis clock (ms); a message handed out again after a failed attempt has
 * {@code attempt} N >= 2.
 *
 * <p>A message sent from outside the fleet (send, POST /messages, the Java client) has epoch 0 and
 * may carry a key and headers (meta, a JSON object); a delayed one has {@code sent} (its {@code ts}
 * is then its due time). A source may attach headers too. A message without key or headers has no
 * meta: it is parsed without a JSON parser.
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

  /** The header fields of an entry: id, epoch, ts, attempt, sent, meta length. */
  private static final int HEADER_FIELDS = 6;

  /**
   * Reads a claimed queue entry from the bytes Redis sent, or returns {@code null} when it is not a
   * valid message. The header's numbers are parsed in place and only the body becomes a String (one
   * UTF-8 decode per message, no substrings); the meta, when there is one, is the only JSON.
   */
  public static Message parse(byte[] raw) {
    long[] header = new long[HEADER_FIELDS];
    int at = 0;
    for (int i = 0; i < HEADER_FIELDS; i++) {
      int end = EntryBytes.digitsEnd(raw, at);
      if (end >= raw.length || raw[end] != ':') {
        return null;
      }
      header[i] = EntryBytes.value(raw, at, end);
      // canonical digits only (no leading zero): the errors list's JSON copies them as they are
      if (header[i] < 0 || (raw[at] == '0' && end - at > 1)) {
        return null;
      }
      at = end + 1;
    }
    long id = header[0];
    long attempt = header[3];
    long metaLength = header[5];
    if (id < 1 || attempt < 1 || attempt > Integer.MAX_VALUE || metaLength > raw.length - at) {
      return null;
    }
    String key = null;
    Map<String, String> headers = Map.of();
    if (metaLength > 0) {
      JsonObject meta = meta(raw, at, (int) metaLength);
      if (meta == null) {
        return null;
      }
      key = meta.getString("key");
      headers = headers(meta.getJsonObject("headers"));
      if (headers == null) {
        return null;
      }
      at += (int) metaLength;
    }
    long sentAt = header[4] == 0 ? header[2] : header[4];
    return new Message(id, header[1], header[2], (int) attempt, new String(raw, at, raw.length - at, StandardCharsets.UTF_8),
        key, headers, sentAt);
  }

  /** The meta object: only a string {@code key} and an object {@code headers}; null for anything else. */
  private static JsonObject meta(byte[] raw, int at, int length) {
    // an object, braces at both ends ('null' would decode to an object with no map)
    if (raw[at] != '{' || raw[at + length - 1] != '}') {
      return null;
    }
    JsonObject meta;
    try {
      meta = new JsonObject(io.vertx.core.buffer.Buffer.buffer(length).appendBytes(raw, at, length));
    } catch (RuntimeException e) {
      return null;
    }
    for (String name : meta.fieldNames()) {
      Object value = meta.getValue(name);
      boolean known = ("key".equals(name) && value instanceof String) || ("headers".equals(name) && value instanceof JsonObject);
      if (!known) {
        return null;
      }
    }
    return meta;
  }

  /** The headers, every value a string; null when one is not. */
  private static Map<String, String> headers(JsonObject object) {
    if (object == null || object.isEmpty()) {
      return Map.of();
    }
    Map<String, String> read = new LinkedHashMap<>();
    for (Map.Entry<String, Object> header : object) {
      if (!(header.getValue() instanceof String text)) {
        return null;
      }
      read.put(header.getKey(), text);
    }
    return java.util.Collections.unmodifiableMap(read);
  }
}
