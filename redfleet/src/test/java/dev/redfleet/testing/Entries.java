package dev.redfleet.testing;

/**
 * Queue entries as the scripts write them (lua/lib/entry.lua, data format 6):
 * {@code <id>:<epoch>:<ts>:<attempt>:<sent>:<meta length>:<meta><body>}. For tests that put an
 * entry in Redis by hand, as a forger or an older process would.
 */
public final class Entries {
  private Entries() {}

  /** A first attempt produced at time 0, with no key or headers. */
  public static String entry(long id, long epoch, String body) {
    return entry(id, epoch, 0, 1, body);
  }

  /** A generator's message: produced at {@code ts}, delivered for the {@code attempt}-th time. */
  public static String entry(long id, long epoch, long ts, int attempt, String body) {
    return id + ":" + epoch + ":" + ts + ":" + attempt + ":0:0:" + body;
  }

  /** A sent message with a meta object (its key and headers as JSON, "" for none) and a send time (0: not delayed). */
  public static String sent(long id, long ts, long sent, String meta, String body) {
    return id + ":0:" + ts + ":1:" + sent + ":" + utf8Length(meta) + ":" + meta + body;
  }

  private static int utf8Length(String text) {
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  /**
   * An entry as the JSON a person would read (the errors list's form): id, epoch, ts, attempt,
   * sent, and when present key and headers, then body; null for what is not in the layout.
   */
  public static io.vertx.core.json.JsonObject json(String raw) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+):(\\d+):(\\d+):(\\d+):(\\d+):(\\d+):", java.util.regex.Pattern.DOTALL).matcher(raw);
    if (!m.find()) {
      return null;
    }
    byte[] bytes = raw.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int at = m.end();
    int metaLength = Integer.parseInt(m.group(6));
    io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject()
        .put("id", Long.parseLong(m.group(1))).put("epoch", Long.parseLong(m.group(2))).put("ts", Long.parseLong(m.group(3)))
        .put("attempt", Integer.parseInt(m.group(4))).put("sent", Long.parseLong(m.group(5)));
    if (metaLength > 0) {
      json.mergeIn(new io.vertx.core.json.JsonObject(new String(bytes, at, metaLength, java.nio.charset.StandardCharsets.UTF_8)));
    }
    return json.put("body", new String(bytes, at + metaLength, bytes.length - at - metaLength, java.nio.charset.StandardCharsets.UTF_8));
  }
}
